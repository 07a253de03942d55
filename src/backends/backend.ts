/**
 * The one interface the UI and the CLI talk to. Operations are SageMaker's, typed with the
 * AWS SDK's request and response types; `local` runs them on this machine, `aws` on SageMaker.
 * Extras that SageMaker serves from other services (CloudWatch metrics and logs) are here too,
 * so callers never need to know which backend they hold.
 */
import type {
  CreateHyperParameterTuningJobRequest,
  CreateHyperParameterTuningJobResponse,
  DescribeHyperParameterTuningJobRequest,
  DescribeHyperParameterTuningJobResponse,
  ListHyperParameterTuningJobsRequest,
  ListHyperParameterTuningJobsResponse,
  ListTrainingJobsForHyperParameterTuningJobRequest,
  ListTrainingJobsForHyperParameterTuningJobResponse,
  StopHyperParameterTuningJobRequest,
} from '@aws-sdk/client-sagemaker';
import type {
  CreateTrainingJobRequest,
  CreateTrainingJobResponse,
  DescribeTrainingJobRequest,
  DescribeTrainingJobResponse,
  ListTrainingJobsRequest,
  ListTrainingJobsResponse,
  MetricPoint,
  StopTrainingJobRequest,
} from '../model/types';

export type BackendKind = 'local' | 'aws';

export interface LogChunk {
  /** Text appended since the given position. */
  text: string;
  /** Pass back as `from` to read what comes next. */
  next: number;
}

export interface SageMakerBackend {
  readonly kind: BackendKind;
  /** Where jobs live, for messages ("local store ~/.smw", "aws eu-west-1"). */
  readonly location: string;

  createTrainingJob(request: CreateTrainingJobRequest): Promise<CreateTrainingJobResponse>;
  describeTrainingJob(request: DescribeTrainingJobRequest): Promise<DescribeTrainingJobResponse>;
  listTrainingJobs(request: ListTrainingJobsRequest): Promise<ListTrainingJobsResponse>;
  stopTrainingJob(request: StopTrainingJobRequest): Promise<void>;

  createHyperParameterTuningJob(
    request: CreateHyperParameterTuningJobRequest,
  ): Promise<CreateHyperParameterTuningJobResponse>;
  describeHyperParameterTuningJob(
    request: DescribeHyperParameterTuningJobRequest,
  ): Promise<DescribeHyperParameterTuningJobResponse>;
  listHyperParameterTuningJobs(
    request: ListHyperParameterTuningJobsRequest,
  ): Promise<ListHyperParameterTuningJobsResponse>;
  listTrainingJobsForHyperParameterTuningJob(
    request: ListTrainingJobsForHyperParameterTuningJobRequest,
  ): Promise<ListTrainingJobsForHyperParameterTuningJobResponse>;
  stopHyperParameterTuningJob(request: StopHyperParameterTuningJobRequest): Promise<void>;

  /**
   * Checks a request without creating anything (`smw validate`): resolves, or throws a
   * ValidationException listing every problem, warm-start rules included.
   */
  validateTrainingJobRequest(request: CreateTrainingJobRequest): Promise<void>;
  validateHyperParameterTuningJobRequest(
    request: CreateHyperParameterTuningJobRequest,
  ): Promise<void>;

  /** Every metric point the job has emitted so far, oldest first. */
  getTrainingJobMetrics(name: string): Promise<MetricPoint[]>;
  /** The job's log from a position; `next` is where the following read starts. */
  readTrainingJobLog(name: string, from: number): Promise<LogChunk>;
  /** Warnings met while reading a job (e.g. a corrupt journal line that was skipped). */
  getTrainingJobWarnings(name: string): Promise<string[]>;

  /** Calls back (coalesced) when any job may have changed; local: a file watcher on the store. */
  watchChanges(listener: () => void): { dispose(): void };
}
