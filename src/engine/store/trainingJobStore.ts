/**
 * Where a local training job lives on disk (see JobStore for the journal):
 *
 *   <store>/training-jobs/<name>/output.log   everything the job's process printed
 *   <store>/training-jobs/<name>/work/        what a SageMaker container sees as /opt/ml
 *   <store>/cache/features/                   backbone features of datasets, shared by jobs
 */
import { join } from 'node:path';
import { inUseError, notFoundError } from '../../model/errors';
import { JobStore, type JobRead } from './jobStore';
import {
  foldTrainingJob,
  isTrainingJobEvent,
  type TrainingJobEvent,
  type TrainingJobState,
} from '../training/events';

export type TrainingJobRead = JobRead<TrainingJobEvent, TrainingJobState>;

export class TrainingJobStore extends JobStore<TrainingJobEvent, TrainingJobState> {
  constructor(root: string) {
    super(root, {
      folder: 'training-jobs',
      noun: 'training job',
      isEvent: isTrainingJobEvent,
      fold: foldTrainingJob,
      notFound: (name, store) =>
        notFoundError(
          `Requested resource not found: training job ${JSON.stringify(name)} does not exist in ${store}.`,
        ),
      duplicate: (name) =>
        inUseError(
          `Training job ${JSON.stringify(name)} already exists; choose another TrainingJobName.`,
        ),
    });
  }

  logPath(name: string): string {
    return join(this.jobDir(name), 'output.log');
  }
  workDir(name: string): string {
    return join(this.jobDir(name), 'work');
  }
  /** Built-in algorithms cache a frozen backbone's features of a dataset here, for every later job. */
  featureCacheDir(): string {
    return join(this.root, 'cache', 'features');
  }
}
