/**
 * A trial executor that evaluates a function in-process instead of running a training job:
 * the real tuner loop (strategy, schedulers, completion criteria, journal) over functions
 * with known optima, for benchmarks and fast tests. Each trial "reports" the objective
 * series the function returns (one value per epoch) and completes at once.
 */
import type {
  CreateTrainingJobRequest,
  DescribeTrainingJobResponse,
  MetricPoint,
} from '../../model/types';
import { notFoundError } from '../../model/errors';
import type { TrialExecutor } from './trialExecutor';

export type TrialFunction = (hyperParameters: Record<string, string>) => number | number[];

/**
 * `metricName`: the metric the trials report, or a function of a trial's hyperparameters
 * (static ones included) for jobs whose definitions report different metrics.
 */
export function functionTrialExecutor(
  metricName: string | ((hyperParameters: Record<string, string>) => string),
  evaluate: TrialFunction,
): TrialExecutor & { evaluations: number } {
  const jobs = new Map<
    string,
    { description: DescribeTrainingJobResponse; metrics: MetricPoint[] }
  >();
  const listeners = new Set<() => void>();
  const executor = {
    evaluations: 0,
    exists: (name: string) => jobs.has(name),
    async create(request: CreateTrainingJobRequest, tuningJobArn: string) {
      const now = new Date();
      const result = evaluate(request.HyperParameters ?? {});
      const metric =
        typeof metricName === 'string' ? metricName : metricName(request.HyperParameters ?? {});
      const series = Array.isArray(result) ? result : [result];
      executor.evaluations++;
      const metrics = series.map((value) => ({
        name: metric,
        value,
        timestamp: now.toISOString(),
      }));
      const last = series[series.length - 1];
      jobs.set(request.TrainingJobName!, {
        metrics,
        description: {
          TrainingJobName: request.TrainingJobName,
          TrainingJobArn: `arn:aws:sagemaker:local:000000000000:training-job/${request.TrainingJobName!.toLowerCase()}`,
          TuningJobArn: tuningJobArn,
          ModelArtifacts: { S3ModelArtifacts: 'file:///dev/null' },
          TrainingJobStatus: Number.isFinite(last) ? 'Completed' : 'Failed',
          SecondaryStatus: Number.isFinite(last) ? 'Completed' : 'Failed',
          StoppingCondition: request.StoppingCondition,
          CreationTime: now,
          TrainingStartTime: now,
          TrainingEndTime: now,
          HyperParameters: request.HyperParameters,
          FinalMetricDataList: Number.isFinite(last)
            ? [{ MetricName: metric, Value: last, Timestamp: now }]
            : [],
        },
      });
      setImmediate(() => listeners.forEach((listener) => listener()));
    },
    async describe(name: string) {
      const job = jobs.get(name);
      if (!job) throw notFoundError(`training job ${name} does not exist`);
      return job.description;
    },
    async stop() {
      /* trials complete at once: nothing to stop */
    },
    async metrics(name: string) {
      return jobs.get(name)?.metrics ?? [];
    },
    watch(listener: () => void) {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
  };
  return executor;
}
