/**
 * The tuning dashboard's view model, built from what the backend answers
 * (DescribeHyperParameterTuningJob, the training job summaries of
 * ListTrainingJobsForHyperParameterTuningJob, the best job's DescribeTrainingJob). Pure: no
 * vscode, no I/O, so it is unit-tested and benchmarked in plain Node.
 */
import type {
  DescribeHyperParameterTuningJobResponse,
  HyperParameterTrainingJobSummary,
  ParameterRanges,
  ResourceLimits,
} from '@aws-sdk/client-sagemaker';
import type {
  DashboardJob,
  DashboardModel,
  ObjectiveCounters,
  ParameterDimension,
  StatusCounters,
} from '../protocol/dashboard';

/** Epoch milliseconds of a Date, an ISO string or epoch seconds (the JSON wire format). */
export function toMs(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  return undefined;
}

export function statusCounters(
  job: Pick<DescribeHyperParameterTuningJobResponse, 'TrainingJobStatusCounters'>,
): StatusCounters {
  const c = job.TrainingJobStatusCounters ?? {};
  const counters = {
    completed: c.Completed ?? 0,
    inProgress: c.InProgress ?? 0,
    retryableError: c.RetryableError ?? 0,
    nonRetryableError: c.NonRetryableError ?? 0,
    stopped: c.Stopped ?? 0,
  };
  return {
    ...counters,
    total:
      counters.completed +
      counters.inProgress +
      counters.retryableError +
      counters.nonRetryableError +
      counters.stopped,
  };
}

export function objectiveCounters(
  job: Pick<DescribeHyperParameterTuningJobResponse, 'ObjectiveStatusCounters'>,
): ObjectiveCounters {
  const c = job.ObjectiveStatusCounters ?? {};
  return { succeeded: c.Succeeded ?? 0, pending: c.Pending ?? 0, failed: c.Failed ?? 0 };
}

export function isBetterObjective(
  type: string | undefined,
  candidate: number,
  incumbent: number,
): boolean {
  return type === 'Maximize' ? candidate > incumbent : candidate < incumbent;
}

/**
 * The best objective so far over time: one [time, best] point each time a finished job
 * improved on every job that finished before it (ties at the same instant in input order).
 */
export function bestSoFar(
  jobs: readonly Pick<DashboardJob, 'objective' | 'endedAt'>[],
  type: string | undefined,
): [number, number][] {
  const finished = jobs
    .filter(
      (j): j is { objective: number; endedAt: number } =>
        j.objective !== undefined && j.endedAt !== undefined,
    )
    .map((j, index) => ({ ...j, index }))
    .sort((a, b) => a.endedAt - b.endedAt || a.index - b.index);
  const steps: [number, number][] = [];
  let best: number | undefined;
  for (const job of finished) {
    if (best === undefined || isBetterObjective(type, job.objective, best)) {
      best = job.objective;
      steps.push([job.endedAt, best]);
    }
  }
  return steps;
}

export interface EtaInput {
  terminal: boolean;
  maxTrainingJobs?: number;
  maxParallelTrainingJobs?: number;
  /** Training jobs launched so far (running and finished). */
  launched: number;
  /** Seconds each running job has run. */
  runningElapsedSeconds: readonly number[];
  /** Durations of the finished jobs, in seconds. */
  finishedDurationsSeconds: readonly number[];
  /** ResourceLimits.MaxRuntimeInSeconds and how long the tuning job has run. */
  maxRuntimeSeconds?: number;
  elapsedSeconds: number;
}

/**
 * Time to completion from the finished jobs' average duration: each running job is expected
 * to need the average less what it has run (at least nothing), the jobs not yet launched take
 * the average each, and they are scheduled greedily on MaxParallelTrainingJobs slots. Capped
 * by what remains of ResourceLimits.MaxRuntimeInSeconds. Completion criteria may end the job
 * sooner, so this is an upper estimate.
 */
export function estimateCompletion(input: EtaInput): { seconds?: number; basis: string } {
  if (input.terminal) return { basis: 'the tuning job has ended' };
  const runtimeLeft =
    input.maxRuntimeSeconds !== undefined
      ? Math.max(0, input.maxRuntimeSeconds - input.elapsedSeconds)
      : undefined;
  const durations = input.finishedDurationsSeconds.filter((d) => Number.isFinite(d) && d >= 0);
  if (durations.length === 0) {
    return runtimeLeft !== undefined
      ? { seconds: runtimeLeft, basis: 'no training job has finished yet; MaxRuntimeInSeconds' }
      : { basis: 'waiting for a training job to finish' };
  }
  const average = durations.reduce((a, b) => a + b, 0) / durations.length;
  if (input.maxTrainingJobs === undefined) {
    return runtimeLeft !== undefined
      ? { seconds: runtimeLeft, basis: 'no MaxNumberOfTrainingJobs; MaxRuntimeInSeconds' }
      : { basis: 'no MaxNumberOfTrainingJobs: ends on a completion criterion' };
  }
  const parallel = Math.max(1, input.maxParallelTrainingJobs ?? 1);
  const slots = input.runningElapsedSeconds
    .map((elapsed) => Math.max(0, average - elapsed))
    .sort((a, b) => a - b);
  while (slots.length < parallel) slots.unshift(0);
  slots.sort((a, b) => a - b);
  const toLaunch = Math.max(0, input.maxTrainingJobs - input.launched);
  // Greedy list scheduling: each job goes to the slot that frees first. Slots stay sorted.
  for (let i = 0; i < toLaunch; i++) {
    const free = slots.shift()! + average;
    let at = slots.findIndex((s) => s > free);
    if (at < 0) at = slots.length;
    slots.splice(at, 0, free);
  }
  let seconds = slots.length ? Math.max(...slots) : 0;
  let basis =
    `${durations.length} finished job${durations.length === 1 ? '' : 's'} took ${formatSeconds(average)} on average; ` +
    `${toLaunch} to launch, ${input.runningElapsedSeconds.length} running, ${parallel} in parallel`;
  if (runtimeLeft !== undefined && runtimeLeft < seconds) {
    seconds = runtimeLeft;
    basis += '; capped by MaxRuntimeInSeconds';
  }
  return { seconds: Math.round(seconds), basis };
}

export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

/**
 * Axes for the hyperparameters: the declared ranges first (Integer, Continuous, Categorical in
 * request order), then any tuned hyperparameter the jobs report that no range declares (a
 * warm-start parent's), numeric when every value is a number.
 */
export function parameterDimensions(
  ranges: ParameterRanges | undefined,
  jobs: readonly Pick<DashboardJob, 'hyperParameters'>[],
): ParameterDimension[] {
  const dims: ParameterDimension[] = [];
  const seen = new Set<string>();
  for (const [kind, list] of [
    ['Integer', ranges?.IntegerParameterRanges ?? []],
    ['Continuous', ranges?.ContinuousParameterRanges ?? []],
  ] as const) {
    for (const range of list) {
      const name = range.Name ?? '';
      const min = Number(range.MinValue);
      const max = Number(range.MaxValue);
      if (!name || seen.has(name) || !Number.isFinite(min) || !Number.isFinite(max)) continue;
      seen.add(name);
      dims.push({ name, kind, min, max, scaling: range.ScalingType ?? 'Auto' });
    }
  }
  for (const range of ranges?.CategoricalParameterRanges ?? []) {
    const name = range.Name ?? '';
    if (!name || seen.has(name)) continue;
    seen.add(name);
    dims.push({ name, kind: 'Categorical', values: [...(range.Values ?? [])] });
  }
  const extra = new Map<string, string[]>();
  for (const job of jobs) {
    for (const [name, value] of Object.entries(job.hyperParameters)) {
      if (seen.has(name)) continue;
      const values = extra.get(name) ?? [];
      values.push(value);
      extra.set(name, values);
    }
  }
  for (const [name, values] of extra) {
    const numbers = values.map(Number);
    if (values.every((v) => v.trim() !== '') && numbers.every(Number.isFinite)) {
      const integer = numbers.every(Number.isInteger);
      dims.push({
        name,
        kind: integer ? 'Integer' : 'Continuous',
        min: Math.min(...numbers),
        max: Math.max(...numbers),
        scaling: 'Linear',
      });
    } else {
      dims.push({ name, kind: 'Categorical', values: [...new Set(values)].sort() });
    }
  }
  return dims;
}

export function jobFromSummary(
  summary: HyperParameterTrainingJobSummary,
  bestName: string | undefined,
): DashboardJob {
  const startedAt = toMs(summary.TrainingStartTime);
  const endedAt = toMs(summary.TrainingEndTime);
  const value = summary.FinalHyperParameterTuningJobObjectiveMetric?.Value;
  return {
    name: summary.TrainingJobName ?? '',
    status: summary.TrainingJobStatus ?? 'Unknown',
    ...(summary.ObjectiveStatus ? { objectiveStatus: summary.ObjectiveStatus } : {}),
    ...(value !== undefined && Number.isFinite(value) ? { objective: value } : {}),
    ...(toMs(summary.CreationTime) !== undefined ? { createdAt: toMs(summary.CreationTime) } : {}),
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(endedAt !== undefined ? { endedAt } : {}),
    ...(startedAt !== undefined && endedAt !== undefined
      ? { durationSeconds: Math.max(0, (endedAt - startedAt) / 1000) }
      : {}),
    hyperParameters: { ...(summary.TunedHyperParameters ?? {}) },
    ...(summary.FailureReason ? { failureReason: summary.FailureReason } : {}),
    best: bestName !== undefined && summary.TrainingJobName === bestName,
  };
}

const TERMINAL = ['Completed', 'Stopped', 'Failed'];
const RUNNING_JOB = ['InProgress', 'Stopping'];

export interface DashboardInput {
  description: DescribeHyperParameterTuningJobResponse;
  summaries: readonly HyperParameterTrainingJobSummary[];
  backend: 'local' | 'aws';
  /** The best training job's model artifact (DescribeTrainingJob's ModelArtifacts). */
  bestArtifactUri?: string;
  capabilities: DashboardModel['capabilities'];
  now?: number;
}

export function buildDashboardModel(input: DashboardInput): DashboardModel {
  const { description: d } = input;
  const now = input.now ?? Date.now();
  const config = d.HyperParameterTuningJobConfig;
  const definition = d.TrainingJobDefinition ?? d.TrainingJobDefinitions?.[0];
  const objective = config?.HyperParameterTuningJobObjective ?? definition?.TuningObjective;
  const bestName = d.BestTrainingJob?.TrainingJobName;
  const jobs = input.summaries.map((s) => jobFromSummary(s, bestName));
  const status = d.HyperParameterTuningJobStatus ?? 'Unknown';
  const counters = statusCounters(d);
  const createdAt = toMs(d.CreationTime);
  const endedAt = toMs(d.HyperParameterTuningEndTime);
  const limits: Partial<ResourceLimits> = config?.ResourceLimits ?? {};
  const criteria = config?.TuningJobCompletionCriteria;
  const running = jobs.filter((j) => RUNNING_JOB.includes(j.status));
  const eta = estimateCompletion({
    terminal: TERMINAL.includes(status),
    ...(limits.MaxNumberOfTrainingJobs !== undefined
      ? { maxTrainingJobs: limits.MaxNumberOfTrainingJobs }
      : {}),
    ...(limits.MaxParallelTrainingJobs !== undefined
      ? { maxParallelTrainingJobs: limits.MaxParallelTrainingJobs }
      : {}),
    launched: Math.max(counters.total, jobs.length),
    runningElapsedSeconds: running.map((j) =>
      Math.max(0, (now - (j.startedAt ?? j.createdAt ?? now)) / 1000),
    ),
    finishedDurationsSeconds: jobs
      .filter((j) => TERMINAL.includes(j.status) && j.durationSeconds !== undefined)
      .map((j) => j.durationSeconds!),
    ...(limits.MaxRuntimeInSeconds !== undefined
      ? { maxRuntimeSeconds: limits.MaxRuntimeInSeconds }
      : {}),
    elapsedSeconds: createdAt !== undefined ? Math.max(0, (now - createdAt) / 1000) : 0,
  });
  const bestJob = d.BestTrainingJob;
  const details = d.TuningJobCompletionDetails;
  const convergedAt = toMs(details?.ConvergenceDetectedTime);
  const type = objective?.Type === 'Maximize' ? 'Maximize' : 'Minimize';
  return {
    name: d.HyperParameterTuningJobName ?? '',
    status,
    strategy: config?.Strategy ?? '',
    backend: input.backend,
    ...(objective?.MetricName ? { objective: { metricName: objective.MetricName, type } } : {}),
    ...(criteria?.TargetObjectiveMetricValue !== undefined
      ? { targetObjective: criteria.TargetObjectiveMetricValue }
      : {}),
    ...(createdAt !== undefined ? { createdAt } : {}),
    ...(endedAt !== undefined ? { endedAt } : {}),
    builtAt: now,
    ...(d.FailureReason ? { failureReason: d.FailureReason } : {}),
    counters,
    objectiveCounters: objectiveCounters(d),
    limits: {
      ...(limits.MaxNumberOfTrainingJobs !== undefined
        ? { maxTrainingJobs: limits.MaxNumberOfTrainingJobs }
        : {}),
      ...(limits.MaxParallelTrainingJobs !== undefined
        ? { maxParallelTrainingJobs: limits.MaxParallelTrainingJobs }
        : {}),
      ...(limits.MaxRuntimeInSeconds !== undefined
        ? { maxRuntimeSeconds: limits.MaxRuntimeInSeconds }
        : {}),
    },
    convergence: {
      ...(details?.NumberOfTrainingJobsObjectiveNotImproving !== undefined
        ? { notImproving: details.NumberOfTrainingJobsObjectiveNotImproving }
        : {}),
      ...(criteria?.BestObjectiveNotImproving?.MaxNumberOfTrainingJobsNotImproving !== undefined
        ? {
            maxNotImproving: criteria.BestObjectiveNotImproving.MaxNumberOfTrainingJobsNotImproving,
          }
        : {}),
      completeOnConvergence: criteria?.ConvergenceDetected?.CompleteOnConvergence === 'Enabled',
      ...(convergedAt !== undefined ? { convergenceDetectedAt: convergedAt } : {}),
    },
    ...(d.ConsumedResources?.RuntimeInSeconds !== undefined
      ? { consumedRuntimeSeconds: d.ConsumedResources.RuntimeInSeconds }
      : {}),
    eta,
    ...(bestJob?.TrainingJobName
      ? {
          best: {
            name: bestJob.TrainingJobName,
            ...(bestJob.FinalHyperParameterTuningJobObjectiveMetric?.Value !== undefined
              ? { objective: bestJob.FinalHyperParameterTuningJobObjectiveMetric.Value }
              : {}),
            hyperParameters: { ...(bestJob.TunedHyperParameters ?? {}) },
            ...(bestJob.TrainingJobStatus ? { status: bestJob.TrainingJobStatus } : {}),
            ...(input.bestArtifactUri ? { artifactUri: input.bestArtifactUri } : {}),
          },
        }
      : {}),
    bestSoFar: bestSoFar(jobs, type),
    dimensions: parameterDimensions(
      definition?.HyperParameterRanges ?? config?.ParameterRanges,
      jobs,
    ),
    jobs,
    capabilities: input.capabilities,
  };
}
