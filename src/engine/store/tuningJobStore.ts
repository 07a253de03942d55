/** Where local tuning jobs live: <store>/tuning-jobs/<name>/journal.jsonl (see JobStore). */
import { inUseError, notFoundError } from '../../model/errors';
import { JobStore, type JobRead } from './jobStore';
import {
  foldTuningJob,
  isTuningJobEvent,
  type TuningJobEvent,
  type TuningJobState,
} from '../tuning/events';

export type TuningJobRead = JobRead<TuningJobEvent, TuningJobState>;

export class TuningJobStore extends JobStore<TuningJobEvent, TuningJobState> {
  constructor(root: string) {
    super(root, {
      folder: 'tuning-jobs',
      noun: 'tuning job',
      isEvent: isTuningJobEvent,
      fold: foldTuningJob,
      notFound: (name, store) =>
        notFoundError(
          `Requested resource not found: tuning job ${JSON.stringify(name)} does not exist in ${store}.`,
        ),
      duplicate: (name) =>
        inUseError(
          `Tuning job ${JSON.stringify(name)} already exists; choose another HyperParameterTuningJobName.`,
        ),
    });
  }
}
