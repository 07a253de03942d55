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
