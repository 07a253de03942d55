/**
 * The local engine's built-in algorithms, named as AlgorithmSpecification.TrainingImage
 * values, and the metrics they print (SageMaker's built-in naming). Like SageMaker's own
 * built-in algorithms they need no MetricDefinitions: these are implied.
 */
import type { AlgorithmSpecification, MetricDefinition } from './types';

export const IMAGE_CLASSIFICATION_IMAGE = 'local:image-classification';
export const TEXT_CLASSIFICATION_IMAGE = 'local:text-classification';
export type BuiltinAlgorithm = 'image-classification' | 'text-classification';

export const BUILTIN_IMAGES: Readonly<Record<string, BuiltinAlgorithm>> = {
  [IMAGE_CLASSIFICATION_IMAGE]: 'image-classification',
  [TEXT_CLASSIFICATION_IMAGE]: 'text-classification',
};

export function builtinAlgorithmOf(
  spec: Pick<AlgorithmSpecification, 'TrainingImage'> | undefined,
): BuiltinAlgorithm | undefined {
  return spec?.TrainingImage ? BUILTIN_IMAGES[spec.TrainingImage] : undefined;
}

/** Printed once per epoch, as `Epoch 3/10: train:loss=0.25 ... validation:accuracy=0.97`. */
export const BUILTIN_METRICS = [
  'train:loss',
  'train:accuracy',
  'validation:loss',
  'validation:accuracy',
  // Smart sifting's statistics (only when sift_beta_value is set; see docs/smart-sifting.md).
  'sift:expected_kept_fraction',
  'sift:kept_fraction',
  'sift:samples_seen',
  'sift:samples_trained',
  'sift:backward_passes_saved',
  'sift:time_saved_seconds',
  'sift:time_saved_estimated_seconds',
  'sift:epoch_seconds',
  'sift:loss_p10',
  'sift:loss_p50',
  'sift:loss_p90',
  'sift:kept_loss_p50',
] as const;

export function builtinMetricDefinitions(): MetricDefinition[] {
  return BUILTIN_METRICS.map((name) => ({
    Name: name,
    Regex: `Epoch \\d+/\\d+:.* ${name}=([-+0-9.eE]+|nan|inf)`,
  }));
}

/** The request's MetricDefinitions, or a built-in algorithm's implied ones. */
export function effectiveMetricDefinitions(
  spec: Pick<AlgorithmSpecification, 'TrainingImage' | 'MetricDefinitions'> | undefined,
): MetricDefinition[] {
  if (spec?.MetricDefinitions?.length) return spec.MetricDefinitions;
  return builtinAlgorithmOf(spec) ? builtinMetricDefinitions() : [];
}
