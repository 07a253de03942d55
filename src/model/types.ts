/**
 * The SageMaker request and response types the backends speak, straight from the AWS SDK,
 * so the local engine and the aws backend cannot drift apart in field names.
 */
export type {
  AlgorithmSpecification,
  Channel,
  CreateTrainingJobRequest,
  CreateTrainingJobResponse,
  DescribeTrainingJobRequest,
  DescribeTrainingJobResponse,
  ListTrainingJobsRequest,
  ListTrainingJobsResponse,
  MetricData,
  MetricDefinition,
  SecondaryStatus,
  SecondaryStatusTransition,
  StopTrainingJobRequest,
  TrainingJobStatus,
  TrainingJobSummary,
} from '@aws-sdk/client-sagemaker';

/** Training images the local engine runs itself. */
export const LOCAL_PROCESS_IMAGE = 'local:process';

/** Terminal training job states (the job will not change any more). */
export const TERMINAL_TRAINING_STATUSES = ['Completed', 'Failed', 'Stopped'] as const;

export function isTerminalStatus(status: string | undefined): boolean {
  return (TERMINAL_TRAINING_STATUSES as readonly string[]).includes(status ?? '');
}

/** One point of a job's metric time series (what CloudWatch holds for SageMaker jobs). */
export interface MetricPoint {
  name: string;
  value: number;
  timestamp: string;
}
