/**
 * End to end: a 2-layer MLP trained by the in-graph step (Adam, L2, dropout with fed masks,
 * label smoothing) on a deterministic synthetic problem - labels from a random "teacher"
 * network, so not linearly separable - reaches a clearly better than chance accuracy; the
 * exported inference model (weights baked in) predicts exactly what the training graph's
 * forward pass computes; runs are reproducible; sifting trains too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { Random } from '../../src/engine/util/random';
import {
  availableExecutionProviders,
  chooseTrainingProvider,
  createSession,
  dropoutMaskName,
  FEATURES,
  fillDropoutMask,
  GraphTrainer,
  initializeWeights,
  LABELS,
  LOGITS,
  mlpClassifier,
  type ExecutionProvider,
  type ModelDefinition,
  timeTrainingStep,
  type TrainingStepOptions,
} from '../../src/engine/training/graph';

const INPUT = 32;
const HIDDEN = 64;
const CLASSES = 4;
const BATCH_SIZE = 64;

interface Dataset {
  features: Float32Array;
  labels: BigInt64Array;
  count: number;
}

/** Inputs ~ N(0, 1); label = argmax of a random tanh network 32-16-4. */
function teacherDataset(count: number, seed: number): Dataset {
  const teacher = new Random(1234);
  const w1 = Array.from({ length: INPUT * 16 }, () => teacher.normal() / Math.sqrt(INPUT));
  const w2 = Array.from({ length: 16 * CLASSES }, () => teacher.normal() / 4);
  const random = new Random(seed);
  const features = new Float32Array(count * INPUT);
  const labels = new BigInt64Array(count);
  for (let n = 0; n < count; n++) {
    for (let i = 0; i < INPUT; i++) features[n * INPUT + i] = random.normal();
    const hidden = Array.from({ length: 16 }, (_, j) => {
      let s = 0;
      for (let i = 0; i < INPUT; i++) s += features[n * INPUT + i] * w1[i * 16 + j];
      return Math.tanh(s);
    });
    const scores = Array.from({ length: CLASSES }, (_, c) =>
      hidden.reduce((s, h, j) => s + h * w2[j * CLASSES + c], 0),
    );
    labels[n] = BigInt(scores.indexOf(Math.max(...scores)));
  }
  return { features, labels, count };
}

const train = teacherDataset(8192, 1);
const holdout = teacherDataset(512, 2);

function featuresTensor(data: Dataset, start: number, size: number): ort.Tensor {
  return new ort.Tensor('float32', data.features.subarray(start * INPUT, (start + size) * INPUT), [
    size,
    INPUT,
  ]);
}

function batchFeeds(
  definition: ModelDefinition,
  data: Dataset,
  start: number,
  random: Random,
  dropoutRate: number,
): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {
    [FEATURES]: featuresTensor(data, start, BATCH_SIZE),
    [LABELS]: new ort.Tensor('int64', data.labels.subarray(start, start + BATCH_SIZE), [
      BATCH_SIZE,
    ]),
  };
  for (const spec of definition.trainingInputs) {
    if (spec.name !== dropoutMaskName(0)) continue;
    const mask = new Float32Array(BATCH_SIZE * HIDDEN);
    if (dropoutRate > 0) fillDropoutMask(mask, dropoutRate, random);
    else mask.fill(1);
    feeds[spec.name] = new ort.Tensor('float32', mask, [BATCH_SIZE, HIDDEN]);
  }
  return feeds;
}

function argmaxRows(logits: Float32Array, rows: number): number[] {
  return Array.from({ length: rows }, (_, r) => {
    const row = Array.from(logits.subarray(r * CLASSES, (r + 1) * CLASSES));
    return row.indexOf(Math.max(...row));
  });
}

async function accuracy(trainer: GraphTrainer, data: Dataset): Promise<number> {
  const out = await trainer.predict({ [FEATURES]: featuresTensor(data, 0, data.count) });
  const predicted = argmaxRows(out[LOGITS].data as Float32Array, data.count);
  return predicted.filter((p, i) => BigInt(p) === data.labels[i]).length / data.count;
}

const DROPOUT = 0.1;
const definition = mlpClassifier({
  inputSize: INPUT,
  hidden: [HIDDEN],
  classes: CLASSES,
  dropout: DROPOUT,
  labelSmoothing: 0.05,
});

async function trainFor(
  epochs: number,
  options: TrainingStepOptions,
  keep?: number,
): Promise<{ trainer: GraphTrainer; losses: number[] }> {
  const trainer = await GraphTrainer.create(
    definition,
    options,
    initializeWeights(definition, new Random(5)),
  );
  const masks = new Random(9);
  const losses: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    let total = 0;
    for (let start = 0; start + BATCH_SIZE <= train.count; start += BATCH_SIZE) {
      const feeds = batchFeeds(definition, train, start, masks, DROPOUT);
      total += (await trainer.step(feeds, { learningRate: 0.01, keep })).loss;
    }
    losses.push(total / (train.count / BATCH_SIZE));
  }
  return { trainer, losses };
}

test('an MLP trained with in-graph Adam learns the teacher; the exported model agrees', async (t) => {
  const before = await GraphTrainer.create(
    definition,
    { optimizer: { kind: 'adam' } },
    initializeWeights(definition, new Random(5)),
  );
  const chance = await accuracy(before, holdout);
  await before.release();

  const { trainer, losses } = await trainFor(4, { optimizer: { kind: 'adam' }, l2: 1e-4 });
  const trained = await accuracy(trainer, holdout);
  // Chance level of the loss is ln(classes) (smoothing adds a little on top of the floor).
  assert.ok(losses[3] < 0.6 * Math.log(CLASSES) && losses[3] < losses[0], `losses ${losses}`);
  t.diagnostic(`holdout accuracy ${trained} (untrained ${chance}), epoch losses ${losses}`);
  assert.ok(trained > 0.8, `holdout accuracy ${trained} (untrained ${chance})`);
  assert.equal(trainer.executionProvider, 'cpu');

  // The exported model (weights as initializers) against the training graph's own forward pass:
  // a step with an all-ones dropout mask outputs the logits of the weights it started from.
  const exported = await ort.InferenceSession.create(trainer.exportInferenceModel());
  assert.deepEqual(exported.inputNames, [FEATURES]);
  const feeds = batchFeeds(definition, holdout, 0, new Random(0), 0);
  const exportedLogits = (await exported.run({ [FEATURES]: feeds[FEATURES] }))[LOGITS]
    .data as Float32Array;
  const stepLogits = (await trainer.step(feeds, { learningRate: 0.01 })).outputs[LOGITS]
    .data as Float32Array;
  assert.equal(exportedLogits.length, BATCH_SIZE * CLASSES);
  exportedLogits.forEach((v, i) =>
    assert.ok(
      Math.abs(v - stepLogits[i]) <= 1e-5 * Math.max(1, Math.abs(v)),
      `${v} vs ${stepLogits[i]}`,
    ),
  );
  assert.deepEqual(argmaxRows(exportedLogits, BATCH_SIZE), argmaxRows(stepLogits, BATCH_SIZE));
  await exported.release();
  await trainer.release();
});

test('training is reproducible: same seeds, bit-identical weights and optimizer state', async () => {
  const a = await trainFor(1, { optimizer: { kind: 'adamw', weightDecay: 0.01 } });
  const b = await trainFor(1, { optimizer: { kind: 'adamw', weightDecay: 0.01 } });
  assert.deepEqual(a.losses, b.losses);
  for (const [name, w] of Object.entries(a.trainer.weights()))
    assert.deepEqual(w, b.trainer.weights()[name]);
  for (const [name, s] of Object.entries(a.trainer.optimizerState())) {
    assert.deepEqual(s, b.trainer.optimizerState()[name]);
  }
  assert.deepEqual(Object.keys(a.trainer.optimizerState()).sort(), [
    'dense0.bias.m',
    'dense0.bias.v',
    'dense0.weight.m',
    'dense0.weight.v',
    'dense1.bias.m',
    'dense1.bias.v',
    'dense1.weight.m',
    'dense1.weight.v',
  ]);
  await a.trainer.release();
  await b.trainer.release();
});

test('sifting: backward on the hardest half of each batch still learns', async () => {
  const { trainer, losses } = await trainFor(
    3,
    { optimizer: { kind: 'adam' }, sifting: true },
    BATCH_SIZE / 2,
  );
  const kept = await trainer.step(batchFeeds(definition, train, 0, new Random(1), DROPOUT), {
    learningRate: 0.01,
    keep: BATCH_SIZE / 2,
  });
  assert.equal(kept.outputs['sift.kept_rows'].dims[0], BATCH_SIZE / 2);
  assert.ok(losses[2] < losses[0], `losses ${losses}`);
  assert.ok((await accuracy(trainer, holdout)) > 0.7);
  await trainer.release();
});

test('execution providers: cpu always; an unavailable accelerator falls back to cpu', async () => {
  assert.ok(availableExecutionProviders().includes('cpu'));
  const model = mlpClassifier({ inputSize: 4, hidden: [], classes: 2 });
  const trainer = await GraphTrainer.create(
    model,
    { optimizer: { kind: 'sgd' } },
    initializeWeights(model, new Random(1)),
  );
  const bytes = trainer.exportInferenceModel();
  const { session, executionProvider } = await createSession(bytes, { executionProvider: 'cuda' });
  // cuda is not bundled with onnxruntime-node (it is downloaded at install time, when asked):
  // without it, or without a GPU, the session still comes up, on the CPU.
  assert.ok(executionProvider === 'cpu' || executionProvider === 'cuda', executionProvider);
  const out = await session.run({
    [FEATURES]: new ort.Tensor('float32', new Float32Array(8), [2, 4]),
  });
  assert.deepEqual(out[LOGITS].dims, [2, 2]);
  await session.release();
  await trainer.release();
});

test('auto provider choice: a GPU provider trains only where a step measures faster', async () => {
  const timings = (table: Partial<Record<ExecutionProvider, number>>) => {
    const asked: ExecutionProvider[] = [];
    return {
      asked,
      time: async (provider: ExecutionProvider) => {
        asked.push(provider);
        return table[provider];
      },
    };
  };
  const cpuOnly = timings({ cpu: 5 });
  assert.deepEqual(await chooseTrainingProvider('cpu', cpuOnly.time), {
    provider: 'cpu',
    measured: {},
  });
  assert.deepEqual(cpuOnly.asked, [], 'nothing to measure on a CPU-only machine');
  const slowGpu = timings({ webgpu: 90, cpu: 17 });
  assert.deepEqual(await chooseTrainingProvider('webgpu', slowGpu.time), {
    provider: 'cpu',
    measured: { webgpu: 90, cpu: 17 },
  });
  const fastGpu = timings({ cuda: 2, cpu: 17 });
  assert.equal((await chooseTrainingProvider('cuda', fastGpu.time)).provider, 'cuda');
  const brokenGpu = timings({ cpu: 17 });
  assert.equal((await chooseTrainingProvider('webgpu', brokenGpu.time)).provider, 'cpu');
});

test('timeTrainingStep measures a throwaway trainer and leaves the weights alone', async () => {
  const model = mlpClassifier({ inputSize: 8, hidden: [16], classes: 3 });
  const weights = initializeWeights(model, new Random(2));
  const before = Object.fromEntries(Object.entries(weights).map(([k, v]) => [k, v.slice()]));
  const ms = await timeTrainingStep(model, { optimizer: { kind: 'adam' } }, weights, 'cpu', 32);
  assert.ok(ms !== undefined && Number.isFinite(ms) && ms >= 0, String(ms));
  assert.deepEqual(weights, before);
});

test('frozen parameters are fed but never updated; trainable ones are', async () => {
  const base = mlpClassifier({ inputSize: INPUT, hidden: [HIDDEN], classes: CLASSES });
  const partlyFrozen: ModelDefinition = {
    ...base,
    parameters: base.parameters.map((p) =>
      p.name.startsWith('dense0') ? { ...p, trainable: false } : p,
    ),
  };
  const initial = initializeWeights(partlyFrozen, new Random(5));
  const trainer = await GraphTrainer.create(
    partlyFrozen,
    { optimizer: { kind: 'sgd', momentum: 0.9 } },
    initial,
  );
  assert.deepEqual(trainer.graph.frozen, ['dense0.weight', 'dense0.bias']);
  assert.deepEqual(Object.keys(trainer.optimizerState()), [
    'dense1.weight.momentum',
    'dense1.bias.momentum',
  ]);
  for (let i = 0; i < 3; i++)
    await trainer.step(batchFeeds(partlyFrozen, train, i * BATCH_SIZE, new Random(0), 0), {
      learningRate: 0.1,
    });
  const weights = trainer.weights();
  assert.deepEqual(weights['dense0.weight'], initial['dense0.weight']);
  assert.notDeepEqual(weights['dense1.weight'], initial['dense1.weight']);
  await trainer.release();
});
