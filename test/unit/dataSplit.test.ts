/**
 * Train/validation splits and batching: stratified by label, reproducible from a seed,
 * different across seeds, and batches that cover every index exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  batches,
  checkSplittable,
  ProblemList,
  shuffled,
  stratifiedSplit,
  validationCount,
} from '../../src/engine/training/data';
import { Random } from '../../src/engine/util/random';

/** 1000 examples over 4 unbalanced classes (500, 300, 150, 50), interleaved. */
function unbalancedLabels(): Int32Array {
  const sizes = [500, 300, 150, 50];
  const labels: number[] = [];
  const random = new Random(99);
  sizes.forEach((size, label) => labels.push(...new Array<number>(size).fill(label)));
  return shuffled(Int32Array.from(labels), random);
}

function classCounts(labels: Int32Array, indices: Int32Array): number[] {
  const counts = [0, 0, 0, 0];
  for (const i of indices) counts[labels[i]]++;
  return counts;
}

test('stratified: each class gives its share to validation; the parts cover everything', () => {
  const labels = unbalancedLabels();
  const split = stratifiedSplit(labels, 0.2, 1);
  assert.deepEqual(classCounts(labels, split.validation), [100, 60, 30, 10]);
  assert.deepEqual(classCounts(labels, split.train), [400, 240, 120, 40]);
  const seen = new Set([...split.train, ...split.validation]);
  assert.equal(seen.size, labels.length);
  assert.ok(
    split.train.every((v, i) => i === 0 || split.train[i - 1] < v),
    'ascending',
  );
});

test('deterministic: the same seed gives the same split, another seed another one', () => {
  const labels = unbalancedLabels();
  const a = stratifiedSplit(labels, 0.2, 42);
  const b = stratifiedSplit(labels, 0.2, 42);
  const c = stratifiedSplit(labels, 0.2, 43);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.validation, c.validation);
  assert.deepEqual(classCounts(labels, c.validation), [100, 60, 30, 10]);
});

test('small classes keep one example on each side; ratio 0 keeps everything for training', () => {
  assert.equal(validationCount(2, 0.2), 1);
  assert.equal(validationCount(3, 0.9), 2);
  assert.equal(validationCount(1, 0.2), 0);
  assert.equal(validationCount(10, 0), 0);
  const labels = Int32Array.of(0, 0, 1, 1, 1);
  assert.deepEqual(classCountsOf(stratifiedSplit(labels, 0.2, 0).validation, labels), [1, 1]);
  assert.equal(stratifiedSplit(labels, 0, 0).validation.length, 0);
});

function classCountsOf(indices: Int32Array, labels: Int32Array): number[] {
  const counts = [0, 0];
  for (const i of indices) counts[labels[i]]++;
  return counts;
}

test('checkSplittable: single-example classes and bad ratios', () => {
  const problems = new ProblemList();
  checkSplittable(Int32Array.of(0, 0, 1, 2), ['0', '1', '2'], 0.2, 'd.csv', problems);
  const { errors } = problems.result();
  assert.equal(errors[0].code, 'single-example-class');
  assert.match(errors[0].message, /Classes 1, 2 have a single example in d\.csv/);
  for (const ratio of [1, -0.1, Number.NaN]) {
    const bad = new ProblemList();
    checkSplittable(Int32Array.of(0, 1), ['0', '1'], ratio, 'd.csv', bad);
    assert.match(
      bad.result().errors[0].message,
      /validation_split_ratio is .*at least 0 and below 1/,
    );
  }
  const none = new ProblemList();
  checkSplittable(Int32Array.of(0, 1), ['0', '1'], 0, 'd.csv', none);
  assert.equal(none.hasErrors, false);
});

test('batches: every index once per epoch, seeded order, last batch optional', () => {
  const indices = Int32Array.from({ length: 23 }, (_, i) => i * 2);
  const plain = [...batches(indices, 5)];
  assert.deepEqual(
    plain.map((b) => b.length),
    [5, 5, 5, 5, 3],
  );
  assert.deepEqual(
    plain.flatMap((b) => [...b]),
    [...indices],
  );
  assert.deepEqual([...batches(indices, 5, { dropLast: true })].length, 4);

  const epochs = (seed: number) => {
    const random = new Random(seed);
    return [0, 1].map(() => [...batches(indices, 5, { random })].flatMap((b) => [...b]));
  };
  const [first, second] = epochs(7);
  assert.deepEqual(
    [...first].sort((a, b) => a - b),
    [...indices],
  );
  assert.notDeepEqual(first, second, 'each epoch has its own order');
  assert.deepEqual(epochs(7), [first, second], 'a seed reproduces every epoch');
  assert.deepEqual([...indices.subarray(0, 3)], [0, 2, 4], 'the input is not shuffled');
  assert.throws(() => [...batches(indices, 0)], /batch size must be a positive integer/);
});
