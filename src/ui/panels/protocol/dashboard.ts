/**
 * The tuning dashboard's protocol, imported by the extension (src/ui/panels/dashboardPanel.ts)
 * and the webview (src/webview/dashboard/main.ts). The extension posts the whole view model
 * (`model`), throttled; the webview sends user actions, each checked by `dashboardInbound`
 * before the extension acts on it.
 */
import { bool, messages, num, object, oneOf, optional, str, type Infer } from './check';

export interface StatusCounters {
  completed: number;
  inProgress: number;
  retryableError: number;
  nonRetryableError: number;
  stopped: number;
  /** All training jobs launched. */
  total: number;
}

export interface ObjectiveCounters {
  succeeded: number;
  pending: number;
  failed: number;
}

/** One axis of the parallel-coordinates chart (and a column of the table). */
export type ParameterDimension =
  | {
      name: string;
      kind: 'Integer' | 'Continuous';
      min: number;
      max: number;
      scaling: string;
    }
  | { name: string; kind: 'Categorical'; values: string[] };

export interface DashboardJob {
  name: string;
  status: string;
  objectiveStatus?: string;
  objective?: number;
  /** Epoch milliseconds. */
  createdAt?: number;
  startedAt?: number;
  endedAt?: number;
  durationSeconds?: number;
  hyperParameters: Record<string, string>;
  failureReason?: string;
  best: boolean;
}

export interface DashboardModel {
  name: string;
  status: string;
  strategy: string;
  backend: 'local' | 'aws';
  objective?: { metricName: string; type: 'Maximize' | 'Minimize' };
  targetObjective?: number;
  createdAt?: number;
  endedAt?: number;
  /** When the model was built (epoch ms): elapsed times are relative to it. */
  builtAt: number;
  failureReason?: string;
  counters: StatusCounters;
  objectiveCounters: ObjectiveCounters;
  limits: {
    maxTrainingJobs?: number;
    maxParallelTrainingJobs?: number;
    maxRuntimeSeconds?: number;
  };
  convergence: {
    notImproving?: number;
    maxNotImproving?: number;
    completeOnConvergence: boolean;
    convergenceDetectedAt?: number;
  };
  consumedRuntimeSeconds?: number;
  eta: { seconds?: number; basis: string };
  best?: {
    name: string;
    objective?: number;
    hyperParameters: Record<string, string>;
    status?: string;
    artifactUri?: string;
  };
  /** [epoch ms, best objective so far], one step per improvement, time-ordered. */
  bestSoFar: [number, number][];
  dimensions: ParameterDimension[];
  jobs: DashboardJob[];
  /** What the extension can do for this job (buttons are hidden otherwise). */
  capabilities: { trainIncrementally: boolean; stop: boolean; revealArtifact: boolean };
}

/** Extension -> webview. */
export type DashboardOutbound =
  | { type: 'model'; model: DashboardModel; sentAt: number }
  | { type: 'error'; message: string }
  | { type: 'opened'; tuningJobName: string };

/** Webview -> extension: every message is checked against this before it is acted on. */
export const dashboardInbound = messages({
  ready: {},
  stop: {},
  refresh: {},
  revealArtifact: { trainingJobName: str(100) },
  trainIncrementally: { trainingJobName: str(100) },
  openTrainingJob: { trainingJobName: str(100) },
  exportCsv: {},
  openNotebook: {},
  /** Render timings the webview measures (shown in the output channel at trace level). */
  rendered: { jobs: num({ integer: true, min: 0 }), renderMs: num({ min: 0 }) },
});
export type DashboardInbound = Infer<typeof dashboardInbound>;

/** What the webview keeps (vscode.setState) and the serializer restores after a reload. */
export const dashboardState = object({
  tuningJobName: str(100),
  sortColumn: optional(str(300)),
  sortDescending: optional(bool),
  filter: optional(str(300)),
  statusFilter: optional(oneOf('all', 'running', 'completed', 'failed', 'stopped')),
});
export type DashboardState = Infer<typeof dashboardState>;

export const DASHBOARD_VIEW_TYPE = 'sagemakerWorkbench.tuningDashboard';
