/**
 * The tuning request editor's protocol. The webview owns the form (an EditorDraft: every
 * field as typed, numbers as text) and sends it on each change; the extension builds the
 * CreateHyperParameterTuningJob request from it, validates it with the engine's own checks,
 * and answers with the problems keyed by field, the worst-case compute and the warm-start
 * rules.
 */
import type { SiftingEstimateResult } from '../../../engine/builtin/siftingEstimateRequest';
import {
  array,
  bool,
  isPlainObject,
  json,
  messages,
  num,
  object,
  oneOf,
  optional,
  record,
  str,
  type Check,
  type Infer,
} from './check';

const text = str(4096);
const keyValue = object({ name: text, value: text });

export const STRATEGIES = ['Bayesian', 'Random', 'Grid', 'Hyperband'] as const;
export const SCALING_TYPES = ['Auto', 'Linear', 'Logarithmic', 'ReverseLogarithmic'] as const;
export const RANGE_TYPES = ['Integer', 'Continuous', 'Categorical'] as const;
export const WARM_START_TYPES = ['None', 'IdenticalDataAndAlgorithm', 'TransferLearning'] as const;

export const rangeDraft = object({
  name: text,
  type: oneOf(...RANGE_TYPES),
  min: text,
  max: text,
  scaling: oneOf(...SCALING_TYPES),
  /** Categorical values, comma-separated. */
  values: text,
});
export type RangeDraft = Infer<typeof rangeDraft>;

export const editorDraft = object({
  name: text,
  strategy: oneOf(...STRATEGIES),
  randomSeed: text,
  objectiveMetric: text,
  objectiveType: oneOf('Maximize', 'Minimize'),
  maxTrainingJobs: text,
  maxParallelTrainingJobs: text,
  maxRuntimeSeconds: text,
  targetObjective: text,
  maxNotImproving: text,
  completeOnConvergence: bool,
  earlyStopping: oneOf('Off', 'Auto'),
  hyperbandMinResource: text,
  hyperbandMaxResource: text,
  staticHyperParameters: array(keyValue, 200),
  ranges: array(rangeDraft, 100),
  trainingImage: text,
  metricDefinitions: array(object({ name: text, regex: text }), 40),
  channels: array(object({ name: text, uri: text }), 20),
  roleArn: text,
  outputPath: text,
  instanceType: text,
  instanceCount: text,
  volumeSizeInGB: text,
  maxRuntimePerJob: text,
  warmStartType: oneOf(...WARM_START_TYPES),
  warmStartParents: array(str(100), 20),
});
export type EditorDraft = Infer<typeof editorDraft>;

export interface FieldProblem {
  /** A field id: a draft key ("maxParallelTrainingJobs"), or "<list>.<index>.<key>" ("ranges.2.min"). */
  field: string;
  message: string;
}

export interface CostEstimate {
  instanceType: string;
  /** The job runs on the local engine (a `local:` image): compute, but no charge. */
  local: boolean;
  /** MaxRuntimeInSeconds x MaxParallelTrainingJobs x InstanceCount, in instance-hours. */
  inFlightInstanceHours: number;
  /** The whole job's bound (instanceSeconds), in instance-hours. */
  totalInstanceHours?: number;
  /** USD per instance-hour: the setting's override, else the catalog; absent when unknown. */
  pricePerHour?: number;
  priceSource: 'setting' | 'catalog' | 'unknown';
  /** Worst-case USD for the whole job; absent when local, unknown or unbounded. */
  maxCostUsd?: number;
  /** When the catalog's prices were read. */
  pricesAsOf: string;
}

export interface ComputeEstimate {
  /** Worst-case instance time in seconds, and how it was bounded. */
  instanceSeconds?: number;
  /** Worst-case wall-clock time of the whole tuning job. */
  wallClockSeconds?: number;
  cost?: CostEstimate;
  lines: string[];
  /** The cost (or why there is none), shown apart. */
  costLines: string[];
}

/** An entry of the instance-type catalog, for the editor's picker. */
export interface InstanceTypeOption {
  name: string;
  /** "1 x T4 (16 GiB), 4 vCPU, 16 GiB" */
  description: string;
  /** USD per instance-hour, the setting's override applied. */
  pricePerHour?: number;
}

export interface RuleCheck {
  rule: string;
  label: string;
  state: 'pass' | 'fail' | 'n/a';
  reasons: string[];
}

export interface BuiltinAlgorithmInfo {
  image: string;
  label: string;
  /** Default static hyperparameters, as strings. */
  defaults: Record<string, string>;
  metrics: string[];
}

const BUILTIN_ALGORITHMS = ['image-classification', 'text-classification'] as const;

/** What the webview asks smart sifting's profiled estimate for (siftingEstimateRequest.ts). */
export const siftingEstimateDraft = object({
  algorithm: oneOf(...BUILTIN_ALGORITHMS),
  /** The static hyperparameters, as typed. */
  hyperParameters: record(text, 200),
  /** The chosen beta, or a tuned range's ends. */
  betas: array(num({ min: 0 }), 8),
});

const betaEstimate = object({
  beta: num(),
  keptFraction: num(),
  savingFraction: num(),
  backwardShare: num(),
  verdict: oneOf('worthwhile', 'small', 'negative'),
  message: str(4000),
});
const estimated = object({
  ok: bool,
  algorithm: oneOf(...BUILTIN_ALGORITHMS),
  backbone: text,
  featureSize: num({ integer: true, min: 1 }),
  classes: num({ integer: true, min: 1 }),
  batchSize: num({ integer: true, min: 1 }),
  trainableWeights: num({ integer: true, min: 0 }),
  augmentation: oneOf('off', 'included', 'left-out'),
  estimates: array(betaEstimate, 8),
  notes: array(str(4000), 20),
  seconds: num({ min: 0 }),
});
const notEstimated = object({ ok: bool, error: str(4000), skipped: optional(bool) });

/** The answer, either shape (the webview checks it before showing it). */
export const siftingEstimateResult = ((value: unknown, path: string) => {
  if (!isPlainObject(value)) return `${path} should be an object`;
  if (value.ok === true) return estimated(value, path);
  if (value.ok === false) return notEstimated(value, path);
  return `${path}.ok should be true or false`;
}) as Check<SiftingEstimateResult>;

export const siftingEstimateMessage = object({
  type: oneOf('siftingEstimate'),
  seq: num({ integer: true, min: 0 }),
  result: siftingEstimateResult,
});

/** Extension -> webview. */
export type EditorOutbound =
  | {
      type: 'init';
      draft: EditorDraft;
      /** The request file the draft came from (saving writes it back). */
      file?: string;
      /** The request the draft was built over (kept in the webview's state for a reload). */
      base?: unknown;
      /** Parts of the request the form does not show; they are kept as they are. */
      notes: string[];
      /** The file could not be read as a request (bad JSON): the form shows what could be kept. */
      loadError?: string;
      backend: 'local' | 'aws';
      algorithms: BuiltinAlgorithmInfo[];
      instanceTypes: InstanceTypeOption[];
      pricesAsOf: string;
    }
  | {
      type: 'validation';
      seq: number;
      problems: FieldProblem[];
      /** Problems of the request as a whole (the engine's checks beyond single fields). */
      general: string[];
      estimate: ComputeEstimate;
      warmStart: RuleCheck[];
      /** The request as it would be saved (pretty JSON), for the preview. */
      requestJson: string;
    }
  | { type: 'patch'; patch: Partial<EditorDraft> }
  /** The catalog again, after the sagemakerWorkbench.instancePrices setting changed. */
  | { type: 'instanceTypes'; instanceTypes: InstanceTypeOption[] }
  /** Smart sifting's profiled estimate for the webview's `estimateSifting` of the same seq. */
  | Infer<typeof siftingEstimateMessage>
  | { type: 'saved'; file: string }
  | { type: 'launched'; name: string }
  | { type: 'failed'; message: string; field?: string };

export const editorInbound = messages({
  ready: {},
  changed: { seq: num({ integer: true, min: 0 }), draft: editorDraft },
  save: { draft: editorDraft },
  launch: { draft: editorDraft },
  loadJson: {},
  openJson: {},
  chooseScript: {},
  chooseChannelFolder: { index: num({ integer: true, min: 0, max: 19 }) },
  chooseParents: { draft: editorDraft },
  estimateSifting: { seq: num({ integer: true, min: 0 }), request: siftingEstimateDraft },
});
export type EditorInbound = Infer<typeof editorInbound>;

/** Saved by the webview; a reload restores the form as it was, unsaved edits included. */
export const editorState = object({
  draft: optional(editorDraft),
  file: optional(str(4096)),
  /** The request the draft was loaded from (fields the form does not show are kept from it). */
  base: optional(json()),
});
export type EditorState = Infer<typeof editorState>;

export const EDITOR_VIEW_TYPE = 'sagemakerWorkbench.tuningRequestEditor';
