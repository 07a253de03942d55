/**
 * A classification job's data: the training channel, and the validation channel or a seeded,
 * stratified split of the training data (JumpStart's validation_split_ratio).
 */
import { ImageDataset, ImageReadOptions, checkSameClasses, readImageDataset } from './images';
import { DatasetProblem, ProblemList, throwIfErrors } from './problems';
import { DatasetSource } from './source';
import { checkSplittable, DEFAULT_VALIDATION_SPLIT_RATIO, stratifiedSplit } from './split';
import { readTextDataset, TextDataset } from './text';

export interface ClassificationData<D> {
  training: D;
  /** Which examples of `training` to train on. */
  trainingIndices: Int32Array;
  /** The validation channel's data, or `training` itself when split. */
  validation: D;
  validationIndices: Int32Array;
  validationFrom: 'channel' | 'split';
  classNames: string[];
  warnings: DatasetProblem[];
}

export interface LoadOptions {
  training: string | DatasetSource;
  validation?: string | DatasetSource;
  /** Used when there is no validation channel; default 0.2. */
  validationSplitRatio?: number;
  /** Seed of the split; default 0. */
  seed?: number;
}

export async function loadTextClassification(
  options: LoadOptions,
): Promise<ClassificationData<TextDataset>> {
  const training = await readTextDataset(options.training);
  const validation = options.validation ? await readTextDataset(options.validation) : undefined;
  return combine(training, validation, options);
}

export async function loadImageClassification(
  options: LoadOptions & ImageReadOptions,
): Promise<ClassificationData<ImageDataset>> {
  const training = await readImageDataset(options.training, options);
  const validation = options.validation
    ? await readImageDataset(options.validation, {
        ...options,
        classNames: training.classNames,
      })
    : undefined;
  return combine(training, validation, options);
}

interface Labelled {
  location: string;
  labels: Int32Array;
  classNames: string[];
  warnings: DatasetProblem[];
}

function combine<D extends Labelled>(
  training: D,
  validation: D | undefined,
  options: LoadOptions,
): ClassificationData<D> {
  const problems = new ProblemList();
  problems.addAll(training.warnings);
  const all = (d: D) => Int32Array.from(d.labels.keys());
  if (validation) {
    problems.addAll(validation.warnings);
    // Compare the classes that occur, by name (text: '0'..'n-1'; images: folder names).
    const validationClasses = [...new Set(validation.labels)]
      .sort((a, b) => a - b)
      .map((label) => validation.classNames[label]);
    checkSameClasses(training.classNames, validationClasses, validation.location, problems);
    const warnings = throwIfErrors(validation.location, problems);
    return {
      training,
      trainingIndices: all(training),
      validation,
      validationIndices: all(validation),
      validationFrom: 'channel',
      classNames: training.classNames,
      warnings,
    };
  }
  const ratio = options.validationSplitRatio ?? DEFAULT_VALIDATION_SPLIT_RATIO;
  checkSplittable(training.labels, training.classNames, ratio, training.location, problems);
  const warnings = throwIfErrors(training.location, problems);
  const split = stratifiedSplit(training.labels, ratio, options.seed ?? 0);
  return {
    training,
    trainingIndices: split.train,
    validation: training,
    validationIndices: split.validation,
    validationFrom: 'split',
    classNames: training.classNames,
    warnings,
  };
}

/** The file JumpStart's classification artifacts carry the class map in. */
export const CLASS_MAP_FILE = 'class_label_to_prediction_index.json';

/** { class label: prediction index }, as JumpStart writes it into model.tar.gz. */
export function classLabelToPredictionIndex(classNames: readonly string[]): Record<string, number> {
  return Object.fromEntries(classNames.map((name, index) => [name, index]));
}
