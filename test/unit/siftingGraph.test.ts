// Smart sifting in the training graphs: the relative probabilistic rule in the graph decides as
// the JavaScript rule does; a sifted step's update equals a plain step on the kept rows alone;
// the two-stage step (forward graph, then backward + update over kept rows gathered from
// several forward batches) equals a plain step on those rows; a step that keeps nothing
// changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../src/engine/training/graph/builder';
import { relativeProbabilisticRows } from '../../src/engine/training/graph/nn';
import { GraphTrainer } from '../../src/engine/training/graph/session';
import {
  initializeWeights,
  mlpClassifier,
  FEATURES,
  LABELS,
  dropoutMaskName,
} from '../../src/engine/training/graph/mlp';
import { KEPT_ROWS, PER_SAMPLE_LOSS } from '../../src/engine/training/graph/step';
import { RelativeProbabilisticSifter } from '../../src/engine/builtin/sifting';
import { Random } from '../../src/engine/util/random';
import type { OptimizerConfig } from '../../src/engine/training/graph/optimizers';

const INPUT = 6;
const HIDDEN = 7;
const CLASSES = 3;

function model() {
  return mlpClassifier({
    inputSize: INPUT,
    hidden: [HIDDEN],
    classes: CLASSES,
    activation: 'tanh',
    dropout: 0.25,
    labelSmoothing: 0.1,
    dtype: 'float64',
  });
}

/** Deterministic rows of features, labels and dropout masks. */
function makeData(rows: number, seed: number) {
  const random = new Random(seed);
  const x = Float64Array.from({ length: rows * INPUT }, () => random.normal());
  const y = BigInt64Array.from({ length: rows }, () => BigInt(random.int(CLASSES)));
  const mask = Float64Array.from({ length: rows * HIDDEN }, () =>
    random.next() < 0.25 ? 0 : 1 / 0.75,
  );
  return { x, y, mask };
}

type Data = ReturnType<typeof makeData>;

function feeds(data: Data, rows: readonly number[]): Record<string, ort.Tensor> {
  const pick = <T extends Float64Array | BigInt64Array>(source: T, size: number): T => {
    const out = new (source.constructor as new (n: number) => T)(rows.length * size);
    rows.forEach((r, i) =>
      (out as Float64Array).set(
        (source as Float64Array).subarray(r * size, (r + 1) * size),
        i * size,
      ),
    );
    return out;
  };
  return {
    [FEATURES]: new ort.Tensor('float64', pick(data.x, INPUT), [rows.length, INPUT]),
    [LABELS]: new ort.Tensor('int64', pick(data.y, 1), [rows.length]),
    [dropoutMaskName(0)]: new ort.Tensor('float64', pick(data.mask, HIDDEN), [rows.length, HIDDEN]),
  };
}

const range = (n: number) => [...Array(n).keys()];

async function trainer(optimizer: OptimizerConfig, l2 = 1e-3) {
  // (l2 0 for gradient checks: the loss the finite differences see has no penalty.)
  const definition = model();
  return GraphTrainer.create(
    definition,
    { optimizer, l2 },
    initializeWeights(definition, new Random(11)),
    { executionProvider: 'cpu' },
  );
}

function assertSameWeights(a: GraphTrainer, b: GraphTrainer, tolerance: number) {
  const wa = { ...a.weights(), ...a.optimizerState() };
  const wb = { ...b.weights(), ...b.optimizerState() };
  for (const [name, values] of Object.entries(wa)) {
    let max = 0;
    values.forEach((v, i) => (max = Math.max(max, Math.abs(v - wb[name][i]))));
    assert.ok(max < tolerance, `${name} differs by ${max}`);
  }
}

test('relative probabilistic rule in the graph: the same rows as the JavaScript rule', async () => {
  const graph = new GraphBuilder('rule');
  const loss = graph.input('loss', 'float32', ['batch']);
  const history = graph.input('history', 'float32', ['history']);
  const uniform = graph.input('uniform', 'float32', ['batch']);
  const beta = graph.input('beta', 'float32', []);
  graph.output(relativeProbabilisticRows(loss, history, uniform, beta), 'kept');
  const session = await ort.InferenceSession.create(graph.toBytes());
  const random = new Random(3);
  for (const [b, h, betaValue] of [
    [64, 500, 1],
    [256, 37, 2.5],
    [16, 1, 0.5],
    [40, 0, 3],
  ] as const) {
    const losses = Float32Array.from({ length: b }, () => random.next() * 2);
    const hist = Float32Array.from({ length: h }, () => random.next() * 2);
    // A few exact ties with the history: "strictly below" must not count them.
    if (h > 4) losses.set(hist.subarray(0, 4));
    const u = Float32Array.from({ length: b }, () => random.next());
    const out = await session.run({
      loss: new ort.Tensor('float32', losses, [b]),
      history: new ort.Tensor('float32', hist, [h]),
      uniform: new ort.Tensor('float32', u, [b]),
      beta: new ort.Tensor('float32', Float32Array.of(betaValue), []),
    });
    const inGraph = Array.from(out.kept.data as BigInt64Array, Number);
    const sifter = new RelativeProbabilisticSifter(betaValue, Math.max(1, h));
    sifter.history.pushAll(hist);
    const expected: number[] = [];
    for (let i = 0; i < b; i++) {
      const p = sifter.keepProbability(losses[i]);
      // float32 Pow in the graph vs float64 here: only a tie within rounding may differ.
      if (Math.abs(u[i] - p) < 1e-5) {
        if (inGraph.includes(i)) expected.push(i);
      } else if (u[i] < p) expected.push(i);
    }
    assert.deepEqual(inGraph, expected, `batch ${b}, history ${h}, beta ${betaValue}`);
    if (h === 0) assert.equal(inGraph.length, b, 'no history yet: every row is kept');
  }
  // beta 0 (a delay step) keeps every row, even the lowest loss.
  const out = await session.run({
    loss: new ort.Tensor('float32', Float32Array.of(0, 1), [2]),
    history: new ort.Tensor('float32', Float32Array.of(0.5, 0.7), [2]),
    uniform: new ort.Tensor('float32', Float32Array.of(0.99, 0.99), [2]),
    beta: new ort.Tensor('float32', Float32Array.of(0), []),
  });
  assert.deepEqual(Array.from(out.kept.data as BigInt64Array, Number), [0, 1]);
});

test('in-graph sifted step: the update equals a plain step on the kept rows alone', async () => {
  const data = makeData(48, 5);
  // Plain SGD: the update is -lr * gradient, so equal updates are equal gradients; Adam: state.
  for (const optimizer of [
    { kind: 'sgd' },
    { kind: 'adam', convention: 'keras' },
  ] as OptimizerConfig[]) {
    await siftedEqualsPlain(data, optimizer);
  }
});

async function siftedEqualsPlain(data: Data, optimizer: OptimizerConfig) {
  const sifted = await trainer(optimizer);
  await sifted.enableRelativeSifting();
  const plain = await trainer(optimizer);
  const random = new Random(9);
  const history = Float64Array.from({ length: 100 }, () => random.next() * 2.5);
  let keptSomething = 0;
  for (let step = 0; step < 3; step++) {
    const rows = range(48).map((i) => (i + step * 7) % 48);
    const uniform = Float64Array.from({ length: 48 }, () => random.next());
    const result = await sifted.siftedStep(feeds(data, rows), {
      learningRate: 0.05,
      history,
      uniform,
      beta: 1.5,
    });
    const kept = Array.from(result.outputs[KEPT_ROWS].data as BigInt64Array, Number);
    assert.ok(kept.length > 0 && kept.length < 48, `kept ${kept.length}`);
    keptSomething += kept.length;
    // The kept rows are the high-loss side: their mean loss is above the batch's.
    const losses = result.outputs[PER_SAMPLE_LOSS].data as Float64Array;
    const mean = (idx: number[]) => idx.reduce((s, i) => s + losses[i], 0) / idx.length;
    assert.ok(mean(kept) > mean(range(48)), 'kept rows have higher losses on average');
    await plain.step(
      feeds(
        data,
        kept.map((k) => rows[k]),
      ),
      { learningRate: 0.05 },
    );
    assertSameWeights(sifted, plain, 1e-12);
  }
  assert.ok(keptSomething > 0);

  // A step that keeps no row changes neither the weights nor the optimizer state.
  const before = sifted.snapshot();
  const none = await sifted.siftedStep(feeds(data, range(8)), {
    learningRate: 0.05,
    history: Float64Array.from({ length: 10 }, () => 1e9),
    uniform: new Float64Array(8).fill(0.5),
    beta: 1,
  });
  assert.equal(none.outputs[KEPT_ROWS].dims[0], 0);
  const after = sifted.snapshot().tensors;
  for (const [name, values] of Object.entries(before.tensors))
    assert.deepEqual(Array.from(after[name]), Array.from(values), name);
  assert.equal(sifted.snapshot().stepCount, before.stepCount);
  await sifted.release();
  await plain.release();
}

test("sifted gradients (in-graph and two-stage) agree with central finite differences of the kept rows' mean loss", async () => {
  const data = makeData(24, 12);
  const lr = 1;
  // The mean per-sample loss of `rows` at the trainer's current weights (two-stage forward).
  const probe = await trainer({ kind: 'sgd' }, 0);
  await probe.enableTwoStage();
  const meanLoss = async (rows: number[]) => {
    const forward = await probe.forward(feeds(data, rows));
    return Array.from(forward.perSampleLoss).reduce((a, b) => a + b, 0) / rows.length;
  };
  const start = probe.snapshot();
  const random = new Random(21);
  const uniform = Float64Array.from({ length: 24 }, () => random.next());
  const history = Float64Array.from({ length: 30 }, () => random.next() * 2);

  // In-graph: the gradient is (w - w') / lr with plain SGD and no L2.
  const inGraph = await trainer({ kind: 'sgd' }, 0);
  await inGraph.enableRelativeSifting();
  const result = await inGraph.siftedStep(feeds(data, range(24)), {
    learningRate: lr,
    history,
    uniform,
    beta: 1,
  });
  const kept = Array.from(result.outputs[KEPT_ROWS].data as BigInt64Array, Number);
  assert.ok(kept.length > 2 && kept.length < 24, `kept ${kept.length}`);
  // Two-stage: the kept rows' saved activations, backward + update.
  const staged = await trainer({ kind: 'sgd' }, 0);
  const graphs = await staged.enableTwoStage();
  const batch = feeds(data, range(24));
  const forward = await staged.forward(batch);
  const saved: Record<string, ort.Tensor> = {};
  for (const spec of graphs.saved) {
    const source = spec.fromInput ? batch[spec.name] : forward.outputs[spec.name];
    const size = spec.rowShape.reduce((p, q) => p * q, 1);
    const data64 = source.data as Float64Array;
    const picked = new (data64.constructor as Float64ArrayConstructor)(kept.length * size);
    kept.forEach((r, i) => picked.set(data64.subarray(r * size, (r + 1) * size), i * size));
    saved[spec.name] = new ort.Tensor(source.type as 'float64', picked, [
      kept.length,
      ...spec.rowShape,
    ]);
  }
  await staged.backwardStep(saved, { learningRate: lr });

  const epsilon = 1e-6;
  let maxError = 0;
  for (const name of Object.keys(start.tensors)) {
    const before = start.tensors[name];
    for (const i of new Set([0, Math.min(3, before.length - 1), before.length - 1])) {
      const perturbed = (delta: number) => {
        const tensors = Object.fromEntries(
          Object.entries(start.tensors).map(([n, v]) => [n, Float64Array.from(v)]),
        );
        tensors[name][i] += delta;
        probe.restore({ stepCount: 0, tensors });
      };
      perturbed(epsilon);
      const up = await meanLoss(kept);
      perturbed(-epsilon);
      const down = await meanLoss(kept);
      const numeric = (up - down) / (2 * epsilon);
      for (const t of [inGraph, staged]) {
        const analytic = (before[i] - t.weights()[name][i]) / lr;
        maxError = Math.max(
          maxError,
          Math.abs(analytic - numeric) / Math.max(1, Math.abs(numeric)),
        );
      }
    }
  }
  assert.ok(maxError < 1e-7, `max error ${maxError}`);
  for (const t of [probe, inGraph, staged]) await t.release();
});

test('two-stage step: backward over kept rows of several forward batches equals a plain step on them', async () => {
  const data = makeData(64, 8);
  for (const optimizer of [
    { kind: 'adam', convention: 'keras' },
    { kind: 'sgd', momentum: 0.9, nesterov: true },
  ] as OptimizerConfig[]) {
    const staged = await trainer(optimizer);
    const graphs = await staged.enableTwoStage();
    // The backward graph reads activations, never recomputes the forward's matrix products.
    assert.ok(
      graphs.saved.some((s) => !s.fromInput),
      'some activations are saved',
    );
    assert.deepEqual(
      graphs.saved
        .filter((s) => s.fromInput)
        .map((s) => s.name)
        .sort(),
      [FEATURES, LABELS, dropoutMaskName(0)].sort(),
    );
    const plain = await trainer(optimizer);
    for (let update = 0; update < 3; update++) {
      // Two forward batches with the same weights; rows kept from each form one training batch.
      const first = range(16).map((i) => (i + update * 16) % 64);
      const second = range(16).map((i) => (i + 32 + update * 16) % 64);
      const keptFirst = [0, 3, 4, 9, 15];
      const keptSecond = [1, 2, 8, 10, 11, 14];
      const buffers: Record<string, number[] | bigint[]> = {};
      for (const [rows, kept] of [
        [first, keptFirst],
        [second, keptSecond],
      ] as const) {
        const batch = feeds(data, rows);
        const forward = await staged.forward(batch);
        assert.equal(forward.perSampleLoss.length, 16);
        for (const spec of graphs.saved) {
          const tensor = spec.fromInput ? batch[spec.name] : forward.outputs[spec.name];
          const size = spec.rowShape.reduce((p, q) => p * q, 1);
          const list = (buffers[spec.name] ??= []) as number[];
          for (const r of kept)
            list.push(
              ...Array.from((tensor.data as Float64Array).subarray(r * size, (r + 1) * size)),
            );
        }
      }
      const n = keptFirst.length + keptSecond.length;
      const saved: Record<string, ort.Tensor> = {};
      for (const spec of graphs.saved) {
        const values = buffers[spec.name];
        saved[spec.name] =
          spec.dtype === 'int64'
            ? new ort.Tensor('int64', BigInt64Array.from(values as bigint[]), [n, ...spec.rowShape])
            : new ort.Tensor('float64', Float64Array.from(values as number[]), [
                n,
                ...spec.rowShape,
              ]);
      }
      await staged.backwardStep(saved, { learningRate: 0.05 });
      await plain.step(
        feeds(data, [...keptFirst.map((k) => first[k]), ...keptSecond.map((k) => second[k])]),
        { learningRate: 0.05 },
      );
      assertSameWeights(staged, plain, 1e-12);
      assert.equal(staged.stepCount, plain.stepCount);
    }
    await staged.release();
    await plain.release();
  }
});
