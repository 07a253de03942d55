/**
 * Seeded, stratified train/validation splits and deterministic shuffling and batching, all
 * over index arrays: the examples themselves are never copied.
 */
import { Random } from '../../util/random';
import { listNames } from './layout';
import { ProblemList } from './problems';

/** JumpStart's default validation_split_ratio. */
export const DEFAULT_VALIDATION_SPLIT_RATIO = 0.2;

export interface Split {
  /** Indices of training examples, ascending. */
  train: Int32Array;
  /** Indices of validation examples, ascending. */
  validation: Int32Array;
}

/** How many of a class's `count` examples go to validation. */
export function validationCount(count: number, ratio: number): number {
  if (ratio <= 0 || count < 2) return 0;
  // At least one of each class on both sides, so every class is trained and measured.
  return Math.min(Math.max(Math.round(count * ratio), 1), count - 1);
}

/**
 * Checks that `ratio` is a usable validation_split_ratio and that every class can be split
 * (two examples at least). `file` names the data in messages.
 */
export function checkSplittable(
  labels: Int32Array,
  classNames: readonly string[],
  ratio: number,
  file: string,
  problems: ProblemList,
): void {
  if (!(Number.isFinite(ratio) && ratio >= 0 && ratio < 1)) {
    problems.error(
      'invalid-option',
      `validation_split_ratio is ${ratio}; it must be at least 0 and below 1 (default 0.2).`,
    );
    return;
  }
  if (ratio === 0) return;
  const counts = new Int32Array(classNames.length);
  for (const label of labels) counts[label]++;
  const single = classNames.filter((_, index) => counts[index] === 1);
  if (single.length > 0) {
    const which =
      single.length === 1 ? `Class ${single[0]} has` : `Classes ${listNames(single, 10)} have`;
    problems.error(
      'single-example-class',
      `${which} a single example in ${file}, but the validation split ` +
        `(validation_split_ratio=${ratio}) needs at least 2 per class: one to train on, one ` +
        `to validate. Add examples, or provide a validation channel.`,
      { file },
    );
  }
}

/**
 * Splits examples by label: each class gives round(count * ratio) of its examples (at least
 * one, never all) to validation, chosen at random with `seed`. The same labels and seed give
 * the same split.
 */
export function stratifiedSplit(labels: Int32Array, ratio: number, seed: number): Split {
  let classCount = 0;
  for (const label of labels) classCount = Math.max(classCount, label + 1);
  const byClass: number[][] = Array.from({ length: classCount }, () => []);
  labels.forEach((label, index) => byClass[label].push(index));

  const random = new Random(seed);
  const validation: number[] = [];
  const train: number[] = [];
  for (const members of byClass) {
    shuffleInPlace(members, random);
    const k = validationCount(members.length, ratio);
    for (let i = 0; i < members.length; i++) (i < k ? validation : train).push(members[i]);
  }
  const ascending = (a: number, b: number) => a - b;
  return {
    train: Int32Array.from(train.sort(ascending)),
    validation: Int32Array.from(validation.sort(ascending)),
  };
}

/** Fisher-Yates with the project's seeded PRNG. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(
  values: T,
  random: Random,
): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const swap = values[i];
    values[i] = values[j];
    values[j] = swap;
  }
  return values;
}

/** A shuffled copy. */
export function shuffled(indices: Int32Array, random: Random): Int32Array {
  return shuffleInPlace(indices.slice(), random);
}

export interface BatchOptions {
  /** Shuffle the order first (a copy; `indices` is left as it is). */
  random?: Random;
  /** Leave out a last batch smaller than batchSize. */
  dropLast?: boolean;
}

/**
 * Batches of indices, views into one array. For an epoch-by-epoch order that a seed
 * reproduces, pass one Random for the whole run: each call then gives the next epoch's order.
 */
export function* batches(
  indices: Int32Array,
  batchSize: number,
  options: BatchOptions = {},
): Generator<Int32Array> {
  if (!(Number.isInteger(batchSize) && batchSize > 0)) {
    throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  }
  const order = options.random ? shuffled(indices, options.random) : indices;
  for (let start = 0; start < order.length; start += batchSize) {
    const end = Math.min(start + batchSize, order.length);
    if (options.dropLast && end - start < batchSize) return;
    yield order.subarray(start, end);
  }
}
