/**
 * The events of a local tuning job's journal and their fold into the
 * DescribeHyperParameterTuningJob answer. Each trial is an ordinary local training job; the
 * tuning journal records which were planned (before they are created, so a resumed tuner
 * neither loses nor repeats one) and how each ended.
 */
import type {
  CreateHyperParameterTuningJobRequest,
  DescribeHyperParameterTuningJobResponse,
  HyperParameterTrainingJobSummary,
  HyperParameterTuningJobConfig,
  HyperParameterTrainingJobDefinition,
  HyperParameterTuningJobObjective,
  HyperParameterTuningJobStatus,
  ObjectiveStatus,
} from '@aws-sdk/client-sagemaker';
import type { Configuration } from './searchSpace';
import type { StrategyName } from './validateTuningRequest';

import { eventGuard } from '../store/journal';
import { applyRunnerEvent, type RunnerState } from '../store/runnerState';
import { CONVERGENCE_PROBABILITY } from './convergence';

export type TrialEndStatus = 'Completed' | 'Failed' | 'Stopped';
export type TuningEndStatus = 'Completed' | 'Stopped' | 'Failed';

/** Why a tuning job stopped launching trials (SageMaker's completion criteria, or a stop). */
export type CompletionReason =
  | 'MaxNumberOfTrainingJobs'
  | 'TargetObjectiveMetricValue'
  | 'BestObjectiveNotImproving'
  | 'ConvergenceDetected'
  | 'MaxRuntimeInSeconds'
  | 'GridExhausted'
  | 'StopRequested';

export type TuningJobEvent =
  | {
      type: 'Created';
      time: string;
      arn: string;
      request: CreateHyperParameterTuningJobRequest;
      strategy: StrategyName;
      seed: number;
      maxTrainingJobs: number;
      /** Not-improving threshold: an improvement must beat the best by more than this share. */
      improvementThreshold: number;
    }
  | { type: 'RunnerSpawned'; time: string; pid: number }
  | { type: 'RunnerStarted'; time: string; pid: number; pidStart?: string }
  | {
      type: 'TrialPlanned';
      time: string;
      index: number;
      trainingJobName: string;
      /**
       * The DefinitionName of the training job definition the trial runs, when the job has
       * TrainingJobDefinitions; absent with a single unnamed definition (and in journals
       * written before jobs could have several, which fold as single-definition jobs).
       */
      definitionName?: string;
      /** The definition's own parameters only, by their own names. */
      configuration: Configuration;
      tunedHyperParameters: Record<string, string>;
    }
  | {
      type: 'TrialEnded';
      time: string;
      trainingJobName: string;
      status: TrialEndStatus;
      objective?: number;
      failureReason?: string;
      creationTime?: string;
      trainingStartTime?: string;
      trainingEndTime?: string;
      /** Stopped by the tuner's early-stopping rule rather than by a user. */
      earlyStopped?: boolean;
    }
  /** A convergence check: the chance that some configuration beats the best by more than 1%. */
  | { type: 'ConvergenceCheck'; time: string; completed: number; probability: number }
  | { type: 'Completing'; time: string; reason: CompletionReason; message: string }
  | { type: 'StopRequested'; time: string }
  | {
      type: 'Ended';
      time: string;
      status: TuningEndStatus;
      reason: CompletionReason | 'Error';
      failureReason?: string;
    };

const EVENT_TYPES = [
  'Created',
  'RunnerSpawned',
  'RunnerStarted',
  'TrialPlanned',
  'TrialEnded',
  'ConvergenceCheck',
  'Completing',
  'StopRequested',
  'Ended',
];

export const isTuningJobEvent = eventGuard<TuningJobEvent>(EVENT_TYPES);

export interface TrialRecord {
  index: number;
  trainingJobName: string;
  /** The training job definition it runs (see TrialPlanned). */
  definitionName?: string;
  configuration: Configuration;
  tunedHyperParameters: Record<string, string>;
  plannedTime: string;
  ended?: Extract<TuningJobEvent, { type: 'TrialEnded' }>;
}

export interface TuningJobState extends RunnerState {
  description: DescribeHyperParameterTuningJobResponse;
  created: Extract<TuningJobEvent, { type: 'Created' }>;
  trials: TrialRecord[];
  stopRequested: boolean;
  completing?: Extract<TuningJobEvent, { type: 'Completing' }>;
  ended: boolean;
  /** Completed trials, in the order they ended, with their objective. */
  notImproving: number;
  /** The latest convergence check, and how many checks in a row found improvement unlikely. */
  convergence?: { completed: number; probability: number; unlikelyInARow: number };
  best?: TrialRecord;
}

export function trainingJobArn(name: string): string {
  return `arn:aws:sagemaker:local:000000000000:training-job/${name.toLowerCase()}`;
}

/** Is `candidate` better than `incumbent` for this objective type? */
export function isBetter(type: string | undefined, candidate: number, incumbent: number): boolean {
  return type === 'Maximize' ? candidate > incumbent : candidate < incumbent;
}

/** Does `candidate` improve on `best` by more than `threshold` (a share of |best|)? */
export function improvesBy(
  type: string | undefined,
  candidate: number,
  best: number,
  threshold: number,
): boolean {
  const margin = Math.abs(best) * threshold;
  return type === 'Maximize' ? candidate > best + margin : candidate < best - margin;
}

export function foldTuningJob(events: readonly TuningJobEvent[]): TuningJobState | undefined {
  const created = events.find(
    (e): e is Extract<TuningJobEvent, { type: 'Created' }> => e.type === 'Created',
  );
  if (!created) return undefined;
  const request = created.request;
  // Several definitions share one objective Type, so results compare across them.
  const objective = requestObjective(request);
  const trials: TrialRecord[] = [];
  const byName = new Map<string, TrialRecord>();
  const state: Omit<TuningJobState, 'description' | 'created' | 'trials' | 'notImproving'> = {
    stopRequested: false,
    ended: false,
  };
  let status: HyperParameterTuningJobStatus = 'InProgress';
  let endTime: string | undefined;
  let failureReason: string | undefined;
  let lastModified = created.time;
  let notImproving = 0;
  let best: TrialRecord | undefined;

  for (const event of events) {
    lastModified = event.time;
    switch (event.type) {
      case 'RunnerSpawned':
      case 'RunnerStarted':
        applyRunnerEvent(state, event);
        break;
      case 'TrialPlanned': {
        if (byName.has(event.trainingJobName)) break;
        const trial: TrialRecord = {
          index: event.index,
          trainingJobName: event.trainingJobName,
          ...(event.definitionName !== undefined ? { definitionName: event.definitionName } : {}),
          configuration: event.configuration,
          tunedHyperParameters: event.tunedHyperParameters,
          plannedTime: event.time,
        };
        trials.push(trial);
        byName.set(trial.trainingJobName, trial);
        break;
      }
      case 'TrialEnded': {
        const trial = byName.get(event.trainingJobName);
        if (!trial || trial.ended) break;
        trial.ended = event;
        if (event.objective === undefined) break;
        const bestValue = best?.ended?.objective;
        if (
          bestValue === undefined ||
          improvesBy(objective?.Type, event.objective, bestValue, created.improvementThreshold)
        ) {
          notImproving = 0;
        } else {
          notImproving++;
        }
        if (bestValue === undefined || isBetter(objective?.Type, event.objective, bestValue))
          best = trial;
        break;
      }
      case 'ConvergenceCheck': {
        const unlikely = event.probability < CONVERGENCE_PROBABILITY;
        const previous = state.convergence?.unlikelyInARow ?? 0;
        state.convergence = {
          completed: event.completed,
          probability: event.probability,
          unlikelyInARow: unlikely ? previous + 1 : 0,
        };
        break;
      }
      case 'Completing':
        state.completing ??= event;
        break;
      case 'StopRequested':
        state.stopRequested = true;
        if (status === 'InProgress') status = 'Stopping';
        break;
      case 'Ended':
        if (state.ended) break;
        state.ended = true;
        status = event.status;
        endTime = event.time;
        failureReason = event.failureReason;
        break;
      case 'Created':
        break;
    }
  }

  const counters = {
    Completed: 0,
    InProgress: 0,
    RetryableError: 0,
    NonRetryableError: 0,
    Stopped: 0,
  };
  const objectiveCounters = { Succeeded: 0, Pending: 0, Failed: 0 };
  for (const trial of trials) {
    const ended = trial.ended;
    if (!ended) counters.InProgress++;
    else if (ended.status === 'Completed') counters.Completed++;
    else if (ended.status === 'Stopped') counters.Stopped++;
    else counters.NonRetryableError++;
    if (!ended) objectiveCounters.Pending++;
    else if (ended.objective !== undefined) objectiveCounters.Succeeded++;
    else objectiveCounters.Failed++;
  }

  const start = Date.parse(created.time);
  const end = endTime ? Date.parse(endTime) : Date.now();
  const requested = request.HyperParameterTuningJobConfig!;
  // A Grid job without MaxNumberOfTrainingJobs runs the whole grid: say how many that is.
  const config: HyperParameterTuningJobConfig =
    requested.Strategy === 'Grid' && requested.ResourceLimits?.MaxNumberOfTrainingJobs === undefined
      ? {
          ...requested,
          ResourceLimits: {
            MaxParallelTrainingJobs: requested.ResourceLimits?.MaxParallelTrainingJobs,
            ...requested.ResourceLimits,
            MaxNumberOfTrainingJobs: created.maxTrainingJobs,
          },
        }
      : requested;
  const description: DescribeHyperParameterTuningJobResponse = {
    HyperParameterTuningJobName: request.HyperParameterTuningJobName,
    HyperParameterTuningJobArn: created.arn,
    HyperParameterTuningJobConfig: config,
    ...(request.TrainingJobDefinition
      ? { TrainingJobDefinition: request.TrainingJobDefinition }
      : {}),
    ...(request.TrainingJobDefinitions
      ? { TrainingJobDefinitions: request.TrainingJobDefinitions }
      : {}),
    HyperParameterTuningJobStatus: status,
    CreationTime: new Date(created.time),
    ...(endTime ? { HyperParameterTuningEndTime: new Date(endTime) } : {}),
    LastModifiedTime: new Date(lastModified),
    TrainingJobStatusCounters: counters,
    ObjectiveStatusCounters: objectiveCounters,
    ...(best
      ? { BestTrainingJob: trialSummary(best, request, objective?.Type, objective?.MetricName) }
      : {}),
    ...(request.WarmStartConfig ? { WarmStartConfig: request.WarmStartConfig } : {}),
    ...(failureReason ? { FailureReason: failureReason } : {}),
    TuningJobCompletionDetails: {
      NumberOfTrainingJobsObjectiveNotImproving: notImproving,
      ...(state.completing?.reason === 'ConvergenceDetected'
        ? { ConvergenceDetectedTime: new Date(state.completing.time) }
        : {}),
    },
    ConsumedResources: { RuntimeInSeconds: Math.max(0, Math.round((end - start) / 1000)) },
  };
  return { ...state, description, created, trials, notImproving, best };
}

/**
 * The objective a request tunes: the config's, else its (first) definition's. With several
 * definitions this is the first one's; they all have its Type, each its own MetricName
 * (see definitionObjective).
 */
export function requestObjective(
  request: CreateHyperParameterTuningJobRequest,
): HyperParameterTuningJobObjective | undefined {
  return (
    request.HyperParameterTuningJobConfig?.HyperParameterTuningJobObjective ??
    request.TrainingJobDefinition?.TuningObjective ??
    request.TrainingJobDefinitions?.[0]?.TuningObjective
  );
}

/** The training job definition a trial ran: by its DefinitionName, else the only (first) one. */
export function trialDefinition(
  request: CreateHyperParameterTuningJobRequest,
  trial: Pick<TrialRecord, 'definitionName'>,
): HyperParameterTrainingJobDefinition | undefined {
  if (request.TrainingJobDefinition) return request.TrainingJobDefinition;
  const definitions = request.TrainingJobDefinitions ?? [];
  if (trial.definitionName === undefined) return definitions[0];
  return definitions.find((d) => d.DefinitionName === trial.definitionName);
}

export function objectiveStatusOf(trial: TrialRecord): ObjectiveStatus {
  if (!trial.ended) return 'Pending';
  return trial.ended.objective !== undefined ? 'Succeeded' : 'Failed';
}

export function trialSummary(
  trial: TrialRecord,
  request: CreateHyperParameterTuningJobRequest,
  objectiveType: string | undefined,
  metricName: string | undefined,
  running?: { status?: string; creationTime?: Date; trainingStartTime?: Date },
): HyperParameterTrainingJobSummary {
  const ended = trial.ended;
  const creation = ended?.creationTime ?? running?.creationTime?.toISOString() ?? trial.plannedTime;
  const startTime = ended?.trainingStartTime ?? running?.trainingStartTime?.toISOString();
  const definition = trialDefinition(request, trial);
  // Each definition reads its objective from its own metric (several definitions), with the Type all share.
  const metric =
    request.TrainingJobDefinitions && request.TrainingJobDefinitions.length > 1
      ? (definition?.TuningObjective?.MetricName ?? metricName)
      : metricName;
  return {
    ...(definition?.DefinitionName ? { TrainingJobDefinitionName: definition.DefinitionName } : {}),
    TrainingJobName: trial.trainingJobName,
    TrainingJobArn: trainingJobArn(trial.trainingJobName),
    TuningJobName: request.HyperParameterTuningJobName,
    CreationTime: new Date(creation),
    ...(startTime ? { TrainingStartTime: new Date(startTime) } : {}),
    ...(ended?.trainingEndTime ? { TrainingEndTime: new Date(ended.trainingEndTime) } : {}),
    TrainingJobStatus: ended
      ? ended.status
      : ((running?.status as 'InProgress' | 'Stopping' | undefined) ?? 'InProgress'),
    TunedHyperParameters: trial.tunedHyperParameters,
    ...(ended?.failureReason ? { FailureReason: ended.failureReason } : {}),
    ...(ended?.objective !== undefined && metric
      ? {
          FinalHyperParameterTuningJobObjectiveMetric: {
            ...(objectiveType ? { Type: objectiveType as 'Maximize' | 'Minimize' } : {}),
            MetricName: metric,
            Value: ended.objective,
          },
        }
      : {}),
    ObjectiveStatus: objectiveStatusOf(trial),
  };
}
