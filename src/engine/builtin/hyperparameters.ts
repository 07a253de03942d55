/**
 * The hyperparameters of the built-in algorithms, spelled and defaulted as SageMaker
 * JumpStart's image and text classification fine-tuning scripts spell them, so a request
 * that runs here runs there. Values arrive as strings (SageMaker's HyperParameters map);
 * booleans are "True"/"False" as JumpStart writes them. Every value is checked before
 * anything is read or trained, and an error names the hyperparameter, the value and the
 * allowed range.
 */
import { validationError } from '../../model/errors';
import { decodeHyperParameter } from '../training/processSpec';
import type { BuiltinAlgorithm } from '../../model/builtinAlgorithms';

export type { BuiltinAlgorithm };

export const OPTIMIZERS = ['adam', 'adamw', 'sgd', 'nesterov', 'rmsprop', 'adagrad'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export interface BuiltinHyperParameters {
  epochs: number;
  learning_rate: number;
  batch_size: number;
  optimizer: OptimizerName;
  momentum: number;
  beta_1: number;
  beta_2: number;
  epsilon: number;
  early_stopping: boolean;
  early_stopping_patience: number;
  early_stopping_min_delta: number;
  train_only_top_layer: boolean;
  /** "Auto": keep a model channel's head, initialise a new one otherwise. */
  reinitialize_top_layer: 'Auto' | boolean;
  dropout_rate: number;
  regularizers_l2: number;
  validation_split_ratio: number;
  label_smoothing: number;
  /** Images only: random shifts, rotations and zooms of the training images. */
  augmentation: boolean;
  augmentation_random_rotation: number;
  augmentation_random_zoom: number;
  augmentation_random_translation: number;
  /** Width of the new hidden block when the backbone brings none. */
  top_hidden_units: number;
  /** Extra hidden blocks (width top_hidden_units, ReLU) between the last block and the head. */
  top_hidden_layers: number;
  /** A catalog name or a path to an .onnx file; empty: the bundled model. */
  backbone: string;
  seed: number;
  /**
   * Smart sifting (SageMaker's RelativeProbabilisticSiftConfig): beta_value; off unless set.
   * Keeps a sample with probability pct^beta, pct its loss's percentile in the loss history.
   */
  sift_beta_value: number | undefined;
  /** loss_history_length: how many recent per-sample losses pct is taken over. */
  sift_loss_history_length: number;
  /** SiftingBaseConfig.sift_delay: training steps before sifting starts. */
  sift_delay: number;
  /** SiftingBaseConfig.repeat_delay_per_epoch: the delay again at the start of every epoch. */
  sift_repeat_delay_per_epoch: boolean;
}

type Kind =
  | { type: 'int'; min: number; max: number }
  | { type: 'float'; min: number; max: number; minExclusive?: boolean; maxExclusive?: boolean }
  | { type: 'bool' }
  | { type: 'auto-bool' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'string' };

interface Spec {
  kind: Kind;
  /** Defaults per algorithm (JumpStart's where it has one). */
  image: unknown;
  text: unknown;
  /** Applies to images only. */
  imageOnly?: boolean;
  textOnly?: boolean;
}

const float = (min: number, max: number, exclusive: { min?: boolean; max?: boolean } = {}) =>
  ({
    type: 'float',
    min,
    max,
    minExclusive: exclusive.min,
    maxExclusive: exclusive.max,
  }) as const;

const SPECS: Record<keyof BuiltinHyperParameters, Spec> = {
  epochs: { kind: { type: 'int', min: 1, max: 1000 }, image: 5, text: 5 },
  learning_rate: { kind: float(0, 1, { min: true }), image: 0.001, text: 0.001 },
  batch_size: { kind: { type: 'int', min: 1, max: 4096 }, image: 32, text: 32 },
  optimizer: { kind: { type: 'enum', values: OPTIMIZERS }, image: 'adam', text: 'adam' },
  momentum: { kind: float(0, 1, { max: true }), image: 0.9, text: 0.9 },
  beta_1: { kind: float(0, 1, { max: true }), image: 0.9, text: 0.9 },
  beta_2: { kind: float(0, 1, { max: true }), image: 0.999, text: 0.999 },
  epsilon: { kind: float(0, 1, { min: true }), image: 1e-7, text: 1e-7 },
  early_stopping: { kind: { type: 'bool' }, image: false, text: false },
  early_stopping_patience: { kind: { type: 'int', min: 1, max: 1000 }, image: 5, text: 5 },
  early_stopping_min_delta: { kind: float(0, Infinity), image: 0, text: 0 },
  train_only_top_layer: { kind: { type: 'bool' }, image: false, text: false },
  reinitialize_top_layer: { kind: { type: 'auto-bool' }, image: 'Auto', text: 'Auto' },
  dropout_rate: { kind: float(0, 1, { max: true }), image: 0.2, text: 0.2 },
  regularizers_l2: { kind: float(0, Infinity), image: 0.0001, text: 0 },
  validation_split_ratio: { kind: float(0, 1, { min: true, max: true }), image: 0.2, text: 0.2 },
  label_smoothing: { kind: float(0, 1, { max: true }), image: 0.1, text: 0 },
  augmentation: { kind: { type: 'bool' }, image: false, text: false, imageOnly: true },
  augmentation_random_rotation: {
    kind: float(0, 0.5),
    image: 0.05,
    text: 0,
    imageOnly: true,
  },
  augmentation_random_zoom: { kind: float(0, 0.5), image: 0.1, text: 0, imageOnly: true },
  augmentation_random_translation: {
    kind: float(0, 0.5),
    image: 0.1,
    text: 0,
    imageOnly: true,
  },
  top_hidden_units: { kind: { type: 'int', min: 1, max: 65536 }, image: 128, text: 128 },
  top_hidden_layers: { kind: { type: 'int', min: 0, max: 16 }, image: 0, text: 0 },
  backbone: { kind: { type: 'string' }, image: '', text: '' },
  seed: { kind: { type: 'int', min: 0, max: 2 ** 31 - 1 }, image: 0, text: 0 },
  // Smart sifting: SageMaker's names without the config classes, and its defaults (sift_delay
  // 1000, repeat_delay_per_epoch False; loss_history_length 500 as its examples use).
  sift_beta_value: {
    kind: float(0, Infinity, { min: true, max: true }),
    image: undefined,
    text: undefined,
  },
  sift_loss_history_length: {
    kind: { type: 'int', min: 1, max: 1_000_000 },
    image: 500,
    text: 500,
  },
  sift_delay: { kind: { type: 'int', min: 0, max: 2 ** 31 - 1 }, image: 1000, text: 1000 },
  sift_repeat_delay_per_epoch: { kind: { type: 'bool' }, image: false, text: false },
};

/** The sifting settings that mean nothing while sift_beta_value is unset. */
export const SIFT_SETTINGS = [
  'sift_loss_history_length',
  'sift_delay',
  'sift_repeat_delay_per_epoch',
] as const;

/** Hyperparameters the SageMaker training toolkit or the engine itself reads; never ours. */
const PASSED_THROUGH = /^(sagemaker_|_tuning_objective_metric$)/;

export function defaultHyperParameters(algorithm: BuiltinAlgorithm): BuiltinHyperParameters {
  const key = algorithm === 'image-classification' ? 'image' : 'text';
  // Settings without a default (sift_beta_value: off unless set) are left out.
  return Object.fromEntries(
    Object.entries(SPECS)
      .filter(([, spec]) => spec[key] !== undefined)
      .map(([name, spec]) => [name, spec[key]]),
  ) as unknown as BuiltinHyperParameters;
}

/** The hyperparameters (as a request spells them) that apply to an algorithm, for editors. */
export function hyperParameterNames(algorithm: BuiltinAlgorithm): string[] {
  return Object.entries(SPECS)
    .filter(([, s]) => !(algorithm === 'image-classification' ? s.textOnly : s.imageOnly))
    .map(([name]) => name);
}

export function parseHyperParameters(
  algorithm: BuiltinAlgorithm,
  raw: Readonly<Record<string, string>> = {},
): BuiltinHyperParameters {
  const result = defaultHyperParameters(algorithm) as unknown as Record<string, unknown>;
  const problems: string[] = [];
  for (const [name, rawValue] of Object.entries(raw)) {
    if (PASSED_THROUGH.test(name)) continue;
    const spec = (SPECS as Record<string, Spec | undefined>)[name];
    if (!spec) {
      problems.push(
        `${name} is not a hyperparameter of local:${algorithm} (known: ${hyperParameterNames(algorithm).join(', ')})`,
      );
      continue;
    }
    if (algorithm === 'text-classification' ? spec.imageOnly : spec.textOnly) {
      problems.push(
        `${name} applies only to local:${spec.imageOnly ? 'image' : 'text'}-classification`,
      );
      continue;
    }
    const value = decodeHyperParameter(String(rawValue)).trim();
    const parsed = parseValue(name, value, spec.kind);
    if (typeof parsed === 'object' && parsed !== null && 'error' in parsed)
      problems.push((parsed as { error: string }).error);
    else result[name] = parsed;
  }
  const hps = result as unknown as BuiltinHyperParameters;
  if (problems.length > 0) {
    throw validationError(
      `Invalid hyperparameters for local:${algorithm}: ${problems.join('; ')}.`,
    );
  }
  return hps;
}

function parseValue(name: string, value: string, kind: Kind): unknown {
  const bad = (expected: string) => ({
    error: `${name}=${JSON.stringify(value)} is not ${expected}`,
  });
  switch (kind.type) {
    case 'bool':
    case 'auto-bool': {
      const lower = value.toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      if (kind.type === 'auto-bool' && lower === 'auto') return 'Auto';
      return bad(kind.type === 'bool' ? '"True" or "False"' : '"Auto", "True" or "False"');
    }
    case 'enum': {
      const lower = value.toLowerCase();
      return kind.values.includes(lower) ? lower : bad(`one of ${kind.values.join(', ')}`);
    }
    case 'string':
      return value;
    case 'int':
    case 'float': {
      const number = Number(value);
      if (value === '' || !Number.isFinite(number)) return bad('a number');
      if (kind.type === 'int' && !Number.isInteger(number)) return bad('an integer');
      const low =
        kind.type === 'float' && kind.minExclusive ? number <= kind.min : number < kind.min;
      const high =
        kind.type === 'float' && kind.maxExclusive ? number >= kind.max : number > kind.max;
      if (low || high) {
        const open = kind.type === 'float' && kind.minExclusive ? '(' : '[';
        const close = kind.type === 'float' && kind.maxExclusive ? ')' : ']';
        const max = kind.max === Infinity ? 'inf' : String(kind.max);
        return bad(`in ${open}${kind.min}, ${max}${close}`);
      }
      return number;
    }
  }
}
