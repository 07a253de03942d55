/**
 * Where a tuning job's trials run. The tuner only decides; an executor runs trials and
 * reports on them. The local engine runs each trial as a local training job; benchmarks run
 * the same tuner loop over functions with known optima, evaluated in-process.
 */
import type {
  CreateTrainingJobRequest,
  DescribeTrainingJobResponse,
  MetricPoint,
} from '../../model/types';
import type { LocalBackend } from '../../backends/local/localBackend';
import { watchStore } from '../store/storeWatcher';

export interface TrialExecutor {
  /** Has the trial's training job been created? */
  exists(name: string): boolean;
  create(request: CreateTrainingJobRequest, tuningJobArn: string): Promise<void>;
  describe(name: string): Promise<DescribeTrainingJobResponse>;
  stop(name: string): Promise<void>;
  /** Every metric point the trial has reported so far. */
  metrics(name: string): Promise<MetricPoint[]>;
  /** Calls back when any trial may have changed. */
  watch(listener: () => void): { dispose(): void };
}

/** Trials as local training jobs, in the same store as the tuning job. */
export function localTrialExecutor(backend: LocalBackend): TrialExecutor {
  return {
    exists: (name) => backend.store.exists(name),
    create: async (request, tuningJobArn) => {
      await backend.createTrainingJob(request, { tuningJobArn });
    },
    describe: (name) => backend.describeTrainingJob({ TrainingJobName: name }),
    stop: (name) => backend.stopTrainingJob({ TrainingJobName: name }),
    metrics: (name) => backend.getTrainingJobMetrics(name),
    watch: (listener) => watchStore(backend.store.jobsDir, () => listener()),
  };
}
