/**
 * Every differentiable op's hand-written gradient against central finite differences (float64
 * where ORT has the kernels: epsilon 1e-6, agreement to 1e-7; float32 for the
 * float32-only kernels, Erf and fused LayerNormalization: epsilon 1e-2, agreement to 1e-3), plus forward values of
 * the losses and the sifting backward (gradients on kept rows = gradients of the kept rows).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { Random } from '../../src/engine/util/random';
import {
  add,
  checkGradients,
  dense,
  dropout,
  dropoutSeeded,
  gather,
  gelu,
  gradients,
  GraphBuilder,
  l2Penalty,
  layerNorm,
  logSoftmax,
  matmul,
  meanAll,
  mul,
  reduceMean,
  reduceSum,
  relu,
  reshape,
  scale,
  sigmoid,
  softmax,
  softmaxCrossEntropy,
  sub,
  tanh,
  topKRows,
  transpose,
  type GradCheckInput,
  type Value,
} from '../../src/engine/training/graph';

const random = new Random(42);
function values(count: number, spread = 1): number[] {
  return Array.from({ length: count }, () => random.normal() * spread);
}
function input(name: string, shape: number[], extra: Partial<GradCheckInput> = {}): GradCheckInput {
  const count = shape.reduce((a, b) => a * b, 1);
  return { name, shape, values: values(count), ...extra };
}

// Observed: ~1e-9 in float64 (epsilon 1e-6), ~5e-5 in float32 (epsilon 1e-2).
const TOLERANCE = 1e-7;
const FLOAT32_TOLERANCE = 1e-3;

async function expectGradient(
  build: (v: Record<string, Value>) => Value,
  inputs: GradCheckInput[],
  tolerance = TOLERANCE,
  dtype: 'float32' | 'float64' = 'float64',
): Promise<void> {
  const result = await checkGradients(build, inputs, { dtype });
  assert.ok(
    result.maxError < tolerance,
    `max error ${result.maxError}\nanalytic ${JSON.stringify(result.analytic)}\nnumeric ${JSON.stringify(result.numeric)}`,
  );
}

test('add, sub and mul reduce broadcast gradients back to each operand', async () => {
  await expectGradient((v) => add(v.a, v.b), [input('a', [3, 4]), input('b', [4])]);
  await expectGradient((v) => sub(v.a, v.b), [input('a', [2, 3, 4]), input('b', [3, 1])]);
  await expectGradient((v) => mul(v.a, v.b), [input('a', [2, 1, 4]), input('b', [3, 1])]);
  await expectGradient((v) => scale(mul(v.a, v.a), 0.25), [input('a', [5])]);
});

test('matmul: 2-D, rank-3 by a matrix (folded rows) and batched', async () => {
  await expectGradient((v) => matmul(v.a, v.b), [input('a', [3, 4]), input('b', [4, 2])]);
  await expectGradient((v) => matmul(v.a, v.b), [input('a', [2, 3, 4]), input('b', [4, 5])]);
  await expectGradient((v) => matmul(v.a, v.b), [input('a', [2, 3, 4]), input('b', [2, 4, 3])]);
});

test('dense: Gemm with and without bias, and the sequence path', async () => {
  await expectGradient(
    (v) => dense(v.x, v.w, v.b),
    [input('x', [4, 3]), input('w', [3, 2]), input('b', [2])],
  );
  await expectGradient((v) => dense(v.x, v.w), [input('x', [4, 3]), input('w', [3, 2])]);
  await expectGradient(
    (v) => dense(v.x, v.w, v.b),
    [input('x', [2, 3, 3]), input('w', [3, 2]), input('b', [2])],
  );
});

test('transpose, reshape, reductions (static and symbolic batch)', async () => {
  await expectGradient((v) => transpose(v.a, [2, 0, 1]), [input('a', [2, 3, 4])]);
  await expectGradient((v) => reshape(v.a, [0, -1]), [input('a', [2, 3, 2])]);
  await expectGradient((v) => reduceSum(v.a, [1]), [input('a', [2, 3, 4])]);
  await expectGradient((v) => reduceSum(v.a, [0, 2], true), [input('a', [2, 3, 4])]);
  await expectGradient((v) => reduceMean(v.a, [-1]), [input('a', [2, 3, 4])]);
  await expectGradient((v) => meanAll(v.a), [input('a', [3, 4], { declaredShape: ['batch', 4] })]);
  await expectGradient(
    (v) => reduceMean(v.a, [0]),
    [input('a', [3, 4], { declaredShape: ['batch', 4] })],
  );
});

test('gather rows accumulates repeated indices', async () => {
  await expectGradient(
    (v) => gather(v.table, v.ids),
    [
      input('table', [5, 3]),
      { name: 'ids', shape: [2, 3], dtype: 'int64', values: [0, 2, 2, 4, 0, 0] },
    ],
  );
});

test('activations: relu, tanh, sigmoid, gelu (tanh in float64, erf in float32)', async () => {
  // Keep relu's inputs away from the kink, where finite differences are meaningless.
  const awayFromZero = values(12).map((x) => (Math.abs(x) < 0.05 ? 0.3 : x));
  await expectGradient((v) => relu(v.x), [{ name: 'x', shape: [3, 4], values: awayFromZero }]);
  await expectGradient((v) => tanh(v.x), [input('x', [3, 4])]);
  await expectGradient((v) => sigmoid(v.x), [input('x', [3, 4])]);
  await expectGradient((v) => gelu(v.x, 'tanh'), [input('x', [3, 4])]);
  await expectGradient((v) => gelu(v.x, 'erf'), [input('x', [3, 4])], FLOAT32_TOLERANCE, 'float32');
});

test('softmax, log-softmax and layer norm', async () => {
  await expectGradient((v) => softmax(v.x), [input('x', [3, 5])]);
  await expectGradient((v) => logSoftmax(v.x), [input('x', [3, 5])]);
  await expectGradient(
    (v) => layerNorm(v.x, v.gamma, v.beta),
    [input('x', [2, 3, 6]), input('gamma', [6]), input('beta', [6])],
  );
  // float32 runs ORT's fused LayerNormalization: float32 finite differences, looser.
  await expectGradient(
    (v) => layerNorm(v.x, v.gamma, v.beta),
    [input('x', [2, 6]), input('gamma', [6]), input('beta', [6])],
    FLOAT32_TOLERANCE,
    'float32',
  );
});

test('cross-entropy with label smoothing: values as Keras/PyTorch define them, gradients', async () => {
  const labels: GradCheckInput = {
    name: 'labels',
    shape: [4],
    dtype: 'int64',
    values: [0, 2, 1, 2],
  };
  const logits = input('logits', [4, 3]);
  await expectGradient(
    (v) => softmaxCrossEntropy(v.logits, v.labels, { labelSmoothing: 0.1 }).perSample,
    [logits, labels],
  );
  await expectGradient((v) => softmaxCrossEntropy(v.logits, v.labels).logProbs, [logits, labels]);

  // Forward values against a plain JavaScript reference.
  const graph = new GraphBuilder('ce');
  const x = graph.input('logits', 'float64', [4, 3]);
  const y = graph.input('labels', 'int64', [4]);
  graph.output(softmaxCrossEntropy(x, y, { labelSmoothing: 0.1 }).perSample, 'loss');
  const session = await ort.InferenceSession.create(graph.toBytes());
  const result = await session.run({
    logits: new ort.Tensor('float64', Float64Array.from(logits.values), [4, 3]),
    labels: new ort.Tensor('int64', BigInt64Array.from([0n, 2n, 1n, 2n]), [4]),
  });
  const loss = Array.from(result.loss.data as Float64Array);
  for (let i = 0; i < 4; i++) {
    const row = logits.values.slice(i * 3, i * 3 + 3);
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max;
    const expected = row.reduce((s, v, c) => {
      const target = (c === Number(labels.values[i]) ? 0.9 : 0) + 0.1 / 3;
      return s - target * (v - logSum);
    }, 0);
    assert.ok(Math.abs(loss[i] - expected) < 1e-12, `${loss[i]} vs ${expected}`);
  }
});

test('cross-entropy without smoothing keeps the digits of tiny losses (float32), gradients', async () => {
  const labels: GradCheckInput = {
    name: 'labels',
    shape: [4],
    dtype: 'int64',
    values: [0, 2, 1, 2],
  };
  await expectGradient(
    (v) => softmaxCrossEntropy(v.logits, v.labels).perSample,
    [input('logits', [4, 3]), labels],
  );
  // Margins of 20, 30 and 60: LogSoftmax rounds these losses to 0 in float32; each must stay
  // positive and distinct (~2e-9, ~9e-14, ~9e-27). Then a tie at the maximum, a wrong label.
  const rows = [
    [20, 0, 0],
    [0, 0, 30],
    [0, 60, -5],
    [1, 1, -2],
    [3, -1, 0.5],
  ];
  const graph = new GraphBuilder('ce32');
  const x = graph.input('logits', 'float32', [5, 3]);
  const y = graph.input('labels', 'int64', [5]);
  graph.output(softmaxCrossEntropy(x, y).perSample, 'loss');
  const session = await ort.InferenceSession.create(graph.toBytes());
  const result = await session.run({
    logits: new ort.Tensor('float32', Float32Array.from(rows.flat()), [5, 3]),
    labels: new ort.Tensor('int64', BigInt64Array.from([0n, 2n, 1n, 0n, 1n]), [5]),
  });
  const loss = Array.from(result.loss.data as Float32Array);
  const reference = (row: number[], label: number) => {
    const max = Math.max(...row);
    const others = row.reduce((s, v, c) => (c === label ? s : s + Math.exp(v - max)), 0);
    return row[label] === max
      ? Math.log1p(others)
      : Math.log(others + Math.exp(row[label] - max)) + max - row[label];
  };
  const labelsOf = [0, 2, 1, 0, 1];
  rows.forEach((row, i) => {
    const expected = reference(row, labelsOf[i]);
    assert.ok(loss[i] > 0, `row ${i}: loss ${loss[i]} must be positive`);
    assert.ok(
      Math.abs(loss[i] - expected) <= 1e-5 * expected,
      `row ${i}: ${loss[i]} vs ${expected}`,
    );
  });
  assert.ok(loss[0] > loss[1] && loss[1] > loss[2], `ordered as the margins: ${loss}`);
});

test('dropout: fed mask (differentiable like mul) and seeded in-graph dropout', async () => {
  const mask = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? 0 : 2));
  await expectGradient(
    (v) => dropout(v.x, v.mask),
    [input('x', [3, 4]), { name: 'mask', shape: [3, 4], values: mask, differentiable: false }],
  );

  // In-graph dropout: for x = 1 the output is the scaled mask, and the gradient (cotangent 1)
  // must be exactly that same scaled mask.
  const graph = new GraphBuilder('dropout');
  const x = graph.input('x', 'float32', [64, 32]);
  const y = dropoutSeeded(x, 0.25, 123);
  const ones = graph.constant('float32', [64, 32], new Array(64 * 32).fill(1));
  graph.output(y, 'y');
  graph.output(gradients(graph, [[y, ones]], [x])[0], 'dx');
  const session = await ort.InferenceSession.create(graph.toBytes());
  const result = await session.run({
    x: new ort.Tensor('float32', new Float32Array(64 * 32).fill(1), [64, 32]),
  });
  const out = result.y.data as Float32Array;
  assert.deepEqual(Array.from(result.dx.data as Float32Array), Array.from(out));
  const dropped = out.filter((v) => v === 0).length / out.length;
  assert.ok(dropped > 0.18 && dropped < 0.32, `dropped ${dropped}`);
  assert.ok(out.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6));
});

test('L2 penalty: value and gradient 2 lambda w', async () => {
  await expectGradient(
    (v) => l2Penalty([v.w1, v.w2], 0.01),
    [input('w1', [3, 2]), input('w2', [4])],
  );
});

test('sifting: the backward on kept rows equals the gradient of the kept rows alone', async () => {
  const batch = 8;
  const keep = 3;
  const xs = values(batch * 4);
  const labels = [0, 1, 2, 0, 1, 2, 0, 1];
  const w1 = values(4 * 5, 0.5);
  const w2 = values(5 * 3, 0.5);
  const buildMlp = (graph: GraphBuilder, rows: number | string) => {
    const x = graph.input('x', 'float64', [rows, 4]);
    const y = graph.input('y', 'int64', [rows]);
    const p1 = graph.input('w1', 'float64', [4, 5]);
    const p2 = graph.input('w2', 'float64', [5, 3]);
    const loss = softmaxCrossEntropy(dense(tanh(dense(x, p1)), p2), y).perSample;
    return { loss, params: [p1, p2] };
  };
  const feedsFor = (rows: number[]) => ({
    x: new ort.Tensor(
      'float64',
      Float64Array.from(rows.flatMap((r) => xs.slice(r * 4, r * 4 + 4))),
      [rows.length, 4],
    ),
    y: new ort.Tensor('int64', BigInt64Array.from(rows.map((r) => BigInt(labels[r]))), [
      rows.length,
    ]),
    w1: new ort.Tensor('float64', Float64Array.from(w1), [4, 5]),
    w2: new ort.Tensor('float64', Float64Array.from(w2), [5, 3]),
  });

  // Sifted: forward on the batch, top-k rows by loss, backward on those rows only.
  const sifted = new GraphBuilder('sifted');
  const { loss, params } = buildMlp(sifted, 'batch');
  const k = sifted.input('k', 'int64', [1]);
  const kept = topKRows(loss, k);
  const seed = sifted.constant('float64', [keep], new Array(keep).fill(1 / keep));
  const grads = gradients(sifted, [[loss, seed]], params, {
    rows: { indices: kept, batchDim: 'batch' },
  });
  sifted.output(kept, 'kept');
  sifted.output(loss, 'loss');
  grads.forEach((g, i) => sifted.output(g, `g${i}`));
  const siftedSession = await ort.InferenceSession.create(sifted.toBytes());
  const siftedResult = await siftedSession.run({
    ...feedsFor([...Array(batch).keys()]),
    k: new ort.Tensor('int64', BigInt64Array.of(BigInt(keep)), [1]),
  });
  const keptRows = Array.from(siftedResult.kept.data as BigInt64Array, Number);
  const allLosses = Array.from(siftedResult.loss.data as Float64Array);
  const threshold = [...allLosses].sort((a, b) => b - a)[keep - 1];
  assert.ok(keptRows.every((r) => allLosses[r] >= threshold));

  // Reference: the plain gradient of the mean loss of the kept rows.
  const plain = new GraphBuilder('plain');
  const reference = buildMlp(plain, keep);
  const plainGrads = gradients(
    plain,
    [[meanAll(reference.loss), plain.scalar(1, 'float64')]],
    reference.params,
  );
  plainGrads.forEach((g, i) => plain.output(g, `g${i}`));
  const plainSession = await ort.InferenceSession.create(plain.toBytes());
  const plainResult = await plainSession.run(feedsFor(keptRows));
  for (const name of ['g0', 'g1']) {
    const a = siftedResult[name].data as Float64Array;
    const b = plainResult[name].data as Float64Array;
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-12, `${name}[${i}] ${v} vs ${b[i]}`));
  }
});

test('builder: readable unique names, scopes, constants shared, ModelProto loads', async () => {
  const graph = new GraphBuilder('names');
  const x = graph.input('x', 'float32', ['batch', 3]);
  const w = graph.initializer(
    'dense.weight',
    'float32',
    [3, 2],
    Float32Array.from([1, 2, 3, 4, 5, 6]),
  );
  const y = graph.scope('dense', () => relu(dense(x, w)));
  const z = graph.scope('dense', () => scale(relu(y), 2));
  assert.match(y.name, /^dense\/Relu$/);
  assert.match(z.name, /^dense\/(Relu_1|Mul)/);
  assert.equal(graph.scalar(0.5, 'float32'), graph.scalar(0.5, 'float32'));
  assert.throws(() => graph.input('x', 'float32', [1]), /already used/);
  graph.output(z, 'out');
  const session = await ort.InferenceSession.create(graph.toBytes());
  assert.deepEqual(session.inputNames, ['x']);
  assert.deepEqual(session.outputNames, ['out']);
  const result = await session.run({
    x: new ort.Tensor('float32', Float32Array.from([1, 1, 1, -1, -1, -1]), [2, 3]),
  });
  assert.deepEqual(Array.from(result.out.data as Float32Array), [18, 24, 0, 0]);
});
