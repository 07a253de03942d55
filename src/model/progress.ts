/** One-line summaries of a training job, shared by the CLI's live line and the sidebar. */
import type { DescribeHyperParameterTuningJobResponse } from '@aws-sdk/client-sagemaker';
import type { DescribeTrainingJobResponse, MetricPoint } from './types';

export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

/** Wall time since creation, frozen at the end for finished jobs. */
export function elapsedMs(job: DescribeTrainingJobResponse, now = Date.now()): number {
  const start = job.CreationTime ? new Date(job.CreationTime).getTime() : now;
  const end = job.TrainingEndTime ? new Date(job.TrainingEndTime).getTime() : now;
  return end - start;
}

export function formatMetricValue(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6)
    ? value.toExponential(3)
    : String(Number(value.toPrecision(4)));
}

/** Latest value of each metric: from the live series when given, else FinalMetricDataList. */
export function latestMetrics(
  job: DescribeTrainingJobResponse,
  series?: readonly MetricPoint[],
): [string, number][] {
  const latest = new Map<string, number>();
  if (series && series.length) for (const p of series) latest.set(p.name, p.value);
  else
    for (const m of job.FinalMetricDataList ?? [])
      if (m.MetricName && m.Value !== undefined) latest.set(m.MetricName, m.Value);
  return [...latest];
}

/** e.g. "InProgress (Training) - 01:12 - loss=0.231". */
export function progressLine(
  job: DescribeTrainingJobResponse,
  series?: readonly MetricPoint[],
  maxMetrics = 2,
): string {
  const status =
    job.TrainingJobStatus === 'InProgress' &&
    job.SecondaryStatus &&
    job.SecondaryStatus !== 'Starting'
      ? `${job.TrainingJobStatus} (${job.SecondaryStatus})`
      : job.SecondaryStatus === 'MaxRuntimeExceeded'
        ? `${job.TrainingJobStatus} (MaxRuntimeExceeded)`
        : (job.TrainingJobStatus ?? 'Unknown');
  const parts = [status, formatDuration(elapsedMs(job))];
  const metrics = latestMetrics(job, series).slice(0, maxMetrics);
  if (metrics.length) parts.push(metrics.map(([n, v]) => `${n}=${formatMetricValue(v)}`).join(' '));
  return parts.join(' - ');
}

/** e.g. "InProgress - 12/50 - best 0.934 - 4 not improving". */
export function tuningProgressLine(job: DescribeHyperParameterTuningJobResponse): string {
  const c = job.TrainingJobStatusCounters ?? {};
  const finished =
    (c.Completed ?? 0) + (c.Stopped ?? 0) + (c.NonRetryableError ?? 0) + (c.RetryableError ?? 0);
  const max = job.HyperParameterTuningJobConfig?.ResourceLimits?.MaxNumberOfTrainingJobs;
  const parts = [job.HyperParameterTuningJobStatus ?? 'Unknown', `${finished}/${max ?? '?'}`];
  if (c.InProgress) parts[1] += ` (${c.InProgress} running)`;
  const best = job.BestTrainingJob?.FinalHyperParameterTuningJobObjectiveMetric?.Value;
  if (best !== undefined) parts.push(`best ${formatMetricValue(best)}`);
  const notImproving = job.TuningJobCompletionDetails?.NumberOfTrainingJobsObjectiveNotImproving;
  if (notImproving) parts.push(`${notImproving} not improving`);
  if (job.TuningJobCompletionDetails?.ConvergenceDetectedTime) parts.push('converged');
  return parts.join(' - ');
}
