/**
 * The events of a local training job's journal, and how they fold into the
 * DescribeTrainingJob answer. The journal is the job's whole history; nothing else is state.
 */
import type {
  CreateTrainingJobRequest,
  DescribeTrainingJobResponse,
  MetricData,
  MetricPoint,
  SecondaryStatus,
  SecondaryStatusTransition,
  TrainingJobStatus,
  TrainingJobSummary,
} from '../../model/types';

import { eventGuard } from '../store/journal';
import { applyRunnerEvent, type RunnerState } from '../store/runnerState';

export type EndStatus = 'Completed' | 'Failed' | 'Stopped';

export type TrainingJobEvent =
  | {
      type: 'Created';
      time: string;
      arn: string;
      request: CreateTrainingJobRequest;
      stopGraceSeconds: number;
      /** Set when a tuning job launched this job. */
      tuningJobArn?: string;
    }
  /** The launcher spawned the runner process (pid known before the runner writes anything). */
  | { type: 'RunnerSpawned'; time: string; pid: number }
  | { type: 'RunnerStarted'; time: string; pid: number; pidStart?: string }
  | { type: 'Status'; time: string; secondaryStatus: SecondaryStatus; message: string }
  | { type: 'ProcessStarted'; time: string; pid: number; pidStart?: string; argv: string[] }
  | { type: 'Metrics'; time: string; points: MetricPoint[] }
  | { type: 'StopRequested'; time: string; reason: 'user' | 'MaxRuntimeExceeded' }
  | {
      type: 'Ended';
      time: string;
      status: EndStatus;
      secondaryStatus: SecondaryStatus;
      message: string;
      failureReason?: string;
    };

/** The event that ends a job as Failed; FailureReason is cut to the API's 1024 characters. */
export function failedEvent(message: string, failureReason: string): TrainingJobEvent {
  return {
    type: 'Ended',
    time: new Date().toISOString(),
    status: 'Failed',
    secondaryStatus: 'Failed',
    message,
    failureReason:
      failureReason.length <= 1024 ? failureReason : `${failureReason.slice(0, 1021)}...`,
  };
}

const EVENT_TYPES = [
  'Created',
  'RunnerSpawned',
  'RunnerStarted',
  'Status',
  'ProcessStarted',
  'Metrics',
  'StopRequested',
  'Ended',
];

export const isTrainingJobEvent = eventGuard<TrainingJobEvent>(EVENT_TYPES);

/** Everything a reader needs about a job, folded from its events. */
export interface TrainingJobState extends RunnerState {
  description: DescribeTrainingJobResponse;
  metrics: MetricPoint[];
  processPid?: number;
  processPidStart?: string;
  stopRequested: boolean;
  created: Extract<TrainingJobEvent, { type: 'Created' }>;
}

export function modelArtifactUri(request: CreateTrainingJobRequest): string {
  const base = (request.OutputDataConfig?.S3OutputPath ?? '').replace(/\/+$/, '');
  return `${base}/${request.TrainingJobName}/output/model.tar.gz`;
}

export function foldTrainingJob(events: readonly TrainingJobEvent[]): TrainingJobState | undefined {
  const created = events.find(
    (e): e is Extract<TrainingJobEvent, { type: 'Created' }> => e.type === 'Created',
  );
  if (!created) return undefined;
  const request = created.request;
  let status: TrainingJobStatus = 'InProgress';
  let secondary: SecondaryStatus = 'Starting';
  const transitions: SecondaryStatusTransition[] = [];
  const metrics: MetricPoint[] = [];
  const final = new Map<string, MetricData>();
  let trainingStart: string | undefined;
  let trainingEnd: string | undefined;
  let failureReason: string | undefined;
  let lastModified = created.time;
  const state: Omit<TrainingJobState, 'description' | 'metrics' | 'created'> = {
    stopRequested: false,
  };

  const transition = (to: SecondaryStatus, time: string, message: string) => {
    const previous = transitions[transitions.length - 1];
    if (previous && !previous.EndTime) previous.EndTime = new Date(time);
    transitions.push({ Status: to, StartTime: new Date(time), StatusMessage: message });
    secondary = to;
  };

  for (const event of events) {
    lastModified = event.time;
    switch (event.type) {
      case 'RunnerSpawned':
      case 'RunnerStarted':
        applyRunnerEvent(state, event);
        break;
      case 'Status':
        if (status !== 'InProgress' && status !== 'Stopping') break;
        transition(event.secondaryStatus, event.time, event.message);
        if (event.secondaryStatus === 'Downloading') trainingStart ??= event.time;
        break;
      case 'ProcessStarted':
        state.processPid = event.pid;
        state.processPidStart = event.pidStart;
        trainingStart ??= event.time;
        break;
      case 'Metrics':
        for (const point of event.points) {
          metrics.push(point);
          final.set(point.name, {
            MetricName: point.name,
            Value: point.value,
            Timestamp: new Date(point.timestamp),
          });
        }
        break;
      case 'StopRequested':
        state.stopRequested = true;
        if (status === 'InProgress' && event.reason === 'user') status = 'Stopping';
        break;
      case 'Ended':
        if (status === 'Completed' || status === 'Failed' || status === 'Stopped') break;
        status = event.status;
        transition(event.secondaryStatus, event.time, event.message);
        transitions[transitions.length - 1].EndTime = new Date(event.time);
        trainingEnd = event.time;
        failureReason = event.failureReason;
        break;
      case 'Created':
        break;
    }
  }

  if (transitions.length === 0) {
    transitions.push({
      Status: 'Starting',
      StartTime: new Date(created.time),
      StatusMessage: 'Starting the training job',
    });
  }

  const description: DescribeTrainingJobResponse = {
    TrainingJobName: request.TrainingJobName,
    TrainingJobArn: created.arn,
    ...(created.tuningJobArn ? { TuningJobArn: created.tuningJobArn } : {}),
    ModelArtifacts: { S3ModelArtifacts: modelArtifactUri(request) },
    TrainingJobStatus: status,
    SecondaryStatus: secondary,
    ...(failureReason !== undefined ? { FailureReason: failureReason } : {}),
    ...(request.HyperParameters ? { HyperParameters: request.HyperParameters } : {}),
    ...(request.AlgorithmSpecification
      ? { AlgorithmSpecification: request.AlgorithmSpecification }
      : {}),
    RoleArn: request.RoleArn,
    ...(request.InputDataConfig ? { InputDataConfig: request.InputDataConfig } : {}),
    OutputDataConfig: request.OutputDataConfig,
    ...(request.ResourceConfig ? { ResourceConfig: request.ResourceConfig } : {}),
    StoppingCondition: request.StoppingCondition ?? { MaxRuntimeInSeconds: 86400 },
    CreationTime: new Date(created.time),
    ...(trainingStart ? { TrainingStartTime: new Date(trainingStart) } : {}),
    ...(trainingEnd ? { TrainingEndTime: new Date(trainingEnd) } : {}),
    LastModifiedTime: new Date(lastModified),
    SecondaryStatusTransitions: transitions,
    FinalMetricDataList: [...final.values()],
    ...(request.Environment ? { Environment: request.Environment } : {}),
    EnableNetworkIsolation: request.EnableNetworkIsolation ?? false,
    EnableInterContainerTrafficEncryption: request.EnableInterContainerTrafficEncryption ?? false,
    EnableManagedSpotTraining: request.EnableManagedSpotTraining ?? false,
  };
  if (trainingStart && trainingEnd) {
    const seconds = Math.round((Date.parse(trainingEnd) - Date.parse(trainingStart)) / 1000);
    description.TrainingTimeInSeconds = Math.max(1, seconds);
    description.BillableTimeInSeconds = description.TrainingTimeInSeconds;
  }
  return { ...state, description, metrics, created };
}

export function summarize(description: DescribeTrainingJobResponse): TrainingJobSummary {
  return {
    TrainingJobName: description.TrainingJobName,
    TrainingJobArn: description.TrainingJobArn,
    CreationTime: description.CreationTime,
    ...(description.TrainingEndTime ? { TrainingEndTime: description.TrainingEndTime } : {}),
    ...(description.LastModifiedTime ? { LastModifiedTime: description.LastModifiedTime } : {}),
    TrainingJobStatus: description.TrainingJobStatus,
    SecondaryStatus: description.SecondaryStatus,
  };
}
