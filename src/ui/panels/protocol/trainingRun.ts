/**
 * The training run view's protocol: the job's status and transitions, its metric curves,
 * final metrics and the tail of its log, posted by the extension as they change.
 */
import { messages, object, str, type Infer } from './check';

export interface MetricSeries {
  name: string;
  /** Which chart: losses, other metrics, or sifting statistics (names starting with "sift:"). */
  group: 'loss' | 'metric' | 'sift';
  /** [seconds since the first point of the job, value]. */
  points: [number, number][];
}

export interface TrainingRunModel {
  name: string;
  status: string;
  secondaryStatus?: string;
  failureReason?: string;
  createdAt?: number;
  startedAt?: number;
  endedAt?: number;
  builtAt: number;
  transitions: { status: string; startedAt?: number; endedAt?: number; message?: string }[];
  finalMetrics: { name: string; value: number }[];
  series: MetricSeries[];
  hyperParameters: Record<string, string>;
  trainingImage?: string;
  instance?: string;
  executionProvider?: string;
  artifactUri?: string;
  tuningJobName?: string;
}

/** Extension -> webview. */
export type TrainingRunOutbound =
  | { type: 'model'; model: TrainingRunModel }
  /** Log text to append (`reset`: replace what is shown). */
  | { type: 'log'; text: string; reset: boolean }
  | { type: 'error'; message: string };

export const trainingRunInbound = messages({
  ready: {},
  stop: {},
  showLogs: {},
  revealOutput: {},
  openTuningJob: { name: str(100) },
});
export type TrainingRunInbound = Infer<typeof trainingRunInbound>;

export const trainingRunState = object({ trainingJobName: str(100) });
export type TrainingRunState = Infer<typeof trainingRunState>;

export const TRAINING_RUN_VIEW_TYPE = 'sagemakerWorkbench.trainingRun';
