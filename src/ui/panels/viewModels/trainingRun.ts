/** The training run view's model from DescribeTrainingJob and the job's metric points. Pure. */
import type { DescribeTrainingJobResponse, MetricPoint } from '../../../model/types';
import type { MetricSeries, TrainingRunModel } from '../protocol/trainingRun';
import { toMs } from './dashboard';

export function metricGroup(name: string): MetricSeries['group'] {
  if (name.startsWith('sift:')) return 'sift';
  return /loss/i.test(name) ? 'loss' : 'metric';
}

/**
 * One series per metric name in first-seen order, x in seconds since the job's first metric
 * point (or its start), non-finite values dropped.
 */
export function metricSeries(points: readonly MetricPoint[], origin?: number): MetricSeries[] {
  const times = points.map((p) => Date.parse(p.timestamp)).filter(Number.isFinite);
  const start = origin ?? (times.length ? Math.min(...times) : 0);
  const byName = new Map<string, MetricSeries>();
  for (const point of points) {
    if (!Number.isFinite(point.value)) continue;
    const t = Date.parse(point.timestamp);
    let series = byName.get(point.name);
    if (!series) {
      series = { name: point.name, group: metricGroup(point.name), points: [] };
      byName.set(point.name, series);
    }
    series.points.push([
      Number.isFinite(t) ? Math.max(0, (t - start) / 1000) : series.points.length,
      point.value,
    ]);
  }
  return [...byName.values()];
}

/**
 * The execution provider a job ran on: an `ExecutionProvider` field of the description, or the
 * line the built-in algorithms log ("ONNX Runtime execution provider: cpu.").
 */
export function executionProviderOf(
  job: DescribeTrainingJobResponse,
  logText: string,
): string | undefined {
  const field = (job as unknown as Record<string, unknown>).ExecutionProvider;
  if (typeof field === 'string' && field) return field;
  const matches = [...logText.matchAll(/execution provider: ([A-Za-z0-9_-]+)/gi)];
  return matches.length ? matches[matches.length - 1][1] : undefined;
}

export function buildTrainingRunModel(
  job: DescribeTrainingJobResponse,
  points: readonly MetricPoint[],
  options: { executionProvider?: string; now?: number } = {},
): TrainingRunModel {
  const startedAt = toMs(job.TrainingStartTime);
  const resources = job.ResourceConfig;
  const tuning = job.TuningJobArn?.split('/').pop();
  return {
    name: job.TrainingJobName ?? '',
    status: job.TrainingJobStatus ?? 'Unknown',
    ...(job.SecondaryStatus ? { secondaryStatus: job.SecondaryStatus } : {}),
    ...(job.FailureReason ? { failureReason: job.FailureReason } : {}),
    ...(toMs(job.CreationTime) !== undefined ? { createdAt: toMs(job.CreationTime) } : {}),
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(toMs(job.TrainingEndTime) !== undefined ? { endedAt: toMs(job.TrainingEndTime) } : {}),
    builtAt: options.now ?? Date.now(),
    transitions: (job.SecondaryStatusTransitions ?? []).map((t) => ({
      status: t.Status ?? '',
      ...(toMs(t.StartTime) !== undefined ? { startedAt: toMs(t.StartTime) } : {}),
      ...(toMs(t.EndTime) !== undefined ? { endedAt: toMs(t.EndTime) } : {}),
      ...(t.StatusMessage ? { message: t.StatusMessage } : {}),
    })),
    finalMetrics: (job.FinalMetricDataList ?? [])
      .filter((m) => m.MetricName && m.Value !== undefined)
      .map((m) => ({ name: m.MetricName!, value: m.Value! })),
    series: metricSeries(points),
    hyperParameters: { ...(job.HyperParameters ?? {}) },
    ...(job.AlgorithmSpecification?.TrainingImage
      ? { trainingImage: job.AlgorithmSpecification.TrainingImage }
      : {}),
    ...(resources?.InstanceType
      ? { instance: `${resources.InstanceCount ?? 1} x ${resources.InstanceType}` }
      : {}),
    ...(options.executionProvider ? { executionProvider: options.executionProvider } : {}),
    ...(job.ModelArtifacts?.S3ModelArtifacts
      ? { artifactUri: job.ModelArtifacts.S3ModelArtifacts }
      : {}),
    ...(tuning ? { tuningJobName: tuning } : {}),
  };
}

/** The last `maxLines` lines of a log text. */
export function tailLines(text: string, maxLines: number): string {
  const lines = text.split('\n');
  return lines.length <= maxLines ? text : lines.slice(-maxLines).join('\n');
}
