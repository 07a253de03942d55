// Smart sifting in the built-in algorithms: the rule's kept fraction (1 / (1 + beta)), the
// hyperparameters and their errors, the per-sample-loss check, the advice's arithmetic, and
// short sifted jobs end to end (both designs; metrics on the epoch lines; exact resume).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  defaultHyperParameters,
  parseHyperParameters,
} from '../../src/engine/builtin/hyperparameters';
import {
  checkPerSampleLoss,
  estimateSiftingSaving,
  expectedKeptFraction,
  ignoredSiftingSettings,
  LossHistory,
  RelativeProbabilisticSifter,
  SiftedTraining,
  siftingConfigOf,
  type SiftingDesign,
} from '../../src/engine/builtin/sifting';
import {
  runClassifierJob,
  type ClassifierJobOptions,
} from '../../src/engine/builtin/classifierJob';
import { readCheckpoint } from '../../src/engine/builtin/checkpoint';
import { builtinMetricDefinitions } from '../../src/model/builtinAlgorithms';
import { GraphTrainer } from '../../src/engine/training/graph/session';
import { dense, softmaxCrossEntropy } from '../../src/engine/training/graph/nn';
import { classificationTop, topOutputWidth } from '../../src/engine/builtin/topModel';
import { add, meanAll } from '../../src/engine/training/graph/ops';
import { BATCH, type ModelDefinition } from '../../src/engine/training/graph/step';
import { Random } from '../../src/engine/util/random';
import { tempDir } from './helpers';
import { writeImageDataset, writeProjectionBackbone } from './builtinFixtures';

test('the rule keeps 1 / (1 + beta) of a stream of random losses (within 2 points after warm-up)', () => {
  const run = (beta: number, seed: number, draw: (r: Random) => number) => {
    const random = new Random(seed);
    const sifter = new RelativeProbabilisticSifter(beta, 500);
    let seen = 0;
    let kept = 0;
    for (let batch = 0; batch < 2000; batch++) {
      const losses = Array.from({ length: 32 }, () => draw(random));
      const uniform = Array.from({ length: 32 }, () => random.next());
      const keep = sifter.select(losses, uniform);
      if (batch >= 16) {
        // after warm-up: the history holds its 500 losses
        seen += losses.length;
        kept += keep.length;
      }
    }
    return kept / seen;
  };
  for (const beta of [0.25, 0.5, 1, 2, 3, 10]) {
    for (const seed of [1, 2]) {
      const fraction = run(beta, seed * 100 + beta * 10, (r) => r.next());
      assert.ok(
        Math.abs(fraction - expectedKeptFraction(beta)) < 0.02,
        `beta ${beta}: kept ${fraction.toFixed(4)}, expected ${expectedKeptFraction(beta).toFixed(4)}`,
      );
      // Only ranks matter: skewed losses (exponential, like real ones) keep exactly the same.
      assert.equal(
        run(beta, seed * 100 + beta * 10, (r) => -Math.log(1 - r.next())),
        fraction,
      );
    }
  }
  // SageMaker's table: 0.5 -> 66.67%, 1 -> 50%, 2 -> 33.33%, 3 -> 25%.
  assert.deepEqual(
    [0.5, 1, 2, 3].map((b) => Math.round(expectedKeptFraction(b) * 10000) / 100),
    [66.67, 50, 33.33, 25],
  );
});

test('the rule: pct counts the history strictly below; an empty history keeps everything; higher losses are kept more', () => {
  const sifter = new RelativeProbabilisticSifter(2, 4);
  assert.equal(sifter.keepProbability(0), 1, 'no history yet');
  sifter.history.pushAll([1, 2, 3, 4]);
  assert.equal(sifter.keepProbability(3), (2 / 4) ** 2, 'ties are not below');
  assert.equal(sifter.keepProbability(0.5), 0);
  assert.equal(sifter.keepProbability(9), 1);
  // The history keeps the last 4 losses: 1 and 2 leave, 5 and 6 come in.
  sifter.history.pushAll([5, 6]);
  assert.deepEqual(Array.from(sifter.history.inOrder()), [3, 4, 5, 6]);
  assert.deepEqual(Array.from(sifter.history.ascending()), [3, 4, 5, 6]);
  assert.equal(sifter.history.countBelow(5), 2);
  // A batch is judged against the history before it, then joins it.
  const kept = sifter.select([10, 0], [0.999, 0]);
  assert.deepEqual(kept, [0], 'the loss above all of the history is kept; 0 (pct 0) is not');
  assert.deepEqual(Array.from(sifter.history.inOrder()), [5, 6, 10, 0]);
  const history = new LossHistory(3);
  history.pushAll([3, 1, 2, 5]);
  assert.equal(history.quantile(0.5), 2);
  // The uniform control keeps 1 / (1 + beta) whatever the loss.
  const control = new RelativeProbabilisticSifter(3, 10, 'uniform');
  control.history.pushAll([1, 2, 3]);
  assert.equal(control.keepProbability(0), 0.25);
});

test('sifting hyperparameters: SageMaker names and defaults, off unless sift_beta_value is set; bad values refused', () => {
  const off = parseHyperParameters('image-classification', {});
  assert.equal(off.sift_beta_value, undefined);
  assert.equal(siftingConfigOf(off), undefined);
  // Editors send every default: no sift_beta_value among them, and the others' defaults are fine.
  const defaults0 = defaultHyperParameters('image-classification');
  assert.ok(!('sift_beta_value' in defaults0));
  const editorRequest = Object.fromEntries(
    Object.entries(defaults0).map(([k, v]) => [
      k,
      typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v),
    ]),
  );
  assert.deepEqual(
    ignoredSiftingSettings(
      parseHyperParameters('image-classification', editorRequest),
      'image-classification',
    ),
    [],
  );
  // A setting changed while sifting is off does nothing: the job says so.
  assert.deepEqual(
    ignoredSiftingSettings(
      parseHyperParameters('image-classification', {
        sift_delay: '10',
        sift_repeat_delay_per_epoch: 'True',
      }),
      'image-classification',
    ),
    ['sift_delay', 'sift_repeat_delay_per_epoch'],
  );
  assert.equal(off.top_hidden_layers, 0);
  const on = parseHyperParameters('text-classification', {
    sift_beta_value: '2',
    sift_loss_history_length: '250',
    sift_delay: '0',
    sift_repeat_delay_per_epoch: 'True',
  });
  assert.deepEqual(siftingConfigOf(on), {
    betaValue: 2,
    lossHistoryLength: 250,
    siftDelay: 0,
    repeatDelayPerEpoch: true,
  });
  const defaults = siftingConfigOf(
    parseHyperParameters('image-classification', { sift_beta_value: '0.5' }),
  );
  assert.deepEqual(defaults, {
    betaValue: 0.5,
    lossHistoryLength: 500,
    siftDelay: 1000,
    repeatDelayPerEpoch: false,
  });
  for (const [raw, message] of [
    [{ sift_beta_value: '0' }, /sift_beta_value="0" is not in \(0, inf\)/],
    [{ sift_beta_value: '-1' }, /sift_beta_value="-1" is not in \(0, inf\)/],
    [{ sift_beta_value: 'abc' }, /sift_beta_value="abc" is not a number/],
    [{ sift_beta_value: 'NaN' }, /sift_beta_value="NaN" is not a number/],
    [{ sift_beta_value: '' }, /sift_beta_value="" is not a number/],
    [
      { sift_beta_value: '1', sift_loss_history_length: '0' },
      /sift_loss_history_length="0" is not in \[1,/,
    ],
    [
      { sift_beta_value: '1', sift_loss_history_length: '2.5' },
      /sift_loss_history_length="2.5" is not an integer/,
    ],
    [{ sift_beta_value: '1', sift_delay: '-1' }, /sift_delay="-1" is not in \[0,/],
    [
      { sift_beta_value: '1', sift_repeat_delay_per_epoch: 'sometimes' },
      /sift_repeat_delay_per_epoch="sometimes" is not "True" or "False"/,
    ],
    [{ top_hidden_layers: '-1' }, /top_hidden_layers="-1" is not in \[0, 16\]/],
  ] as const) {
    assert.throws(
      () => parseHyperParameters('image-classification', raw),
      message,
      JSON.stringify(raw),
    );
  }
});

test('top_hidden_layers: extra blocks of top_hidden_units after the last block (also a narrower pretrained one)', async () => {
  const shape = { featureSize: 6, hiddenSize: 4, classes: 3, hiddenLayers: 2, hiddenLayerSize: 5 };
  assert.equal(topOutputWidth(shape), 5);
  assert.equal(topOutputWidth({ ...shape, hiddenLayers: 0 }), 4);
  const definition = classificationTop(shape, {
    trainBlock: false,
    dropoutRate: 0.5,
    labelSmoothing: 0,
  });
  assert.deepEqual(
    definition.parameters.map((p) => [p.name, p.shape, p.trainable ?? true]),
    [
      ['block.weight', [6, 4], false],
      ['block.bias', [4], false],
      ['hidden0.weight', [4, 5], true],
      ['hidden0.bias', [5], true],
      ['hidden1.weight', [5, 5], true],
      ['hidden1.bias', [5], true],
      ['head.weight', [5, 3], true],
      ['head.bias', [3], true],
    ],
  );
  assert.deepEqual(definition.trainingInputs.find((i) => i.name === 'dropout.mask')?.shape, [
    'batch',
    5,
  ]);
  const random = new Random(1);
  const weights = Object.fromEntries(
    definition.parameters.map((p) => [
      p.name,
      Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, () => random.normal()),
    ]),
  );
  const trainer = await GraphTrainer.create(definition, { optimizer: { kind: 'sgd' } }, weights, {
    executionProvider: 'cpu',
  });
  const result = await trainer.step(
    {
      features: new ort.Tensor('float32', new Float32Array(12).fill(0.5), [2, 6]),
      labels: new ort.Tensor('int64', BigInt64Array.of(0n, 2n), [2]),
      'dropout.mask': new ort.Tensor('float32', new Float32Array(10).fill(2), [2, 5]),
    },
    { learningRate: 0.1 },
  );
  assert.deepEqual(result.outputs.logits.dims, [2, 3]);
  await trainer.release();
});

function tinyDefinition(batchDependent: boolean, declared?: boolean): ModelDefinition {
  return {
    name: batchDependent ? 'batch_normalised_top' : 'per_sample_top',
    dtype: 'float32',
    parameters: [{ name: 'w', shape: [4, 3] }],
    inputs: [{ name: 'x', dtype: 'float32', shape: [BATCH, 4] }],
    trainingInputs: [{ name: 'y', dtype: 'int64', shape: [BATCH] }],
    forward: ({ params, inputs }) => ({ logits: dense(inputs.x, params.w) }),
    loss: ({ inputs }, outputs) => {
      const ce = softmaxCrossEntropy(outputs.logits, inputs.y).perSample;
      // The batch's mean loss added to each sample's: a loss that is not per sample.
      return batchDependent ? add(ce, meanAll(ce)) : ce;
    },
    ...(declared === undefined ? {} : { lossIsPerSample: declared }),
  };
}

test('sifting refuses a loss that is not per sample, declared or found on a real batch', async () => {
  const random = new Random(4);
  const makeBatch = async (rows: number) => ({
    x: new ort.Tensor(
      'float32',
      Float32Array.from({ length: rows * 4 }, () => random.normal()),
      [rows, 4],
    ),
    y: new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: rows }, () => BigInt(random.int(3))),
      [rows],
    ),
  });
  const create = async (definition: ModelDefinition) =>
    GraphTrainer.create(
      definition,
      { optimizer: { kind: 'sgd' } },
      { w: Float32Array.from({ length: 12 }, () => random.normal()) },
      { executionProvider: 'cpu' },
    );
  const config = { betaValue: 1, lossHistoryLength: 10, siftDelay: 0, repeatDelayPerEpoch: false };

  const hidden = await create(tinyDefinition(true));
  const before = hidden.snapshot();
  await assert.rejects(
    checkPerSampleLoss(hidden, makeBatch, 8),
    /Smart sifting needs a per-sample loss .*sample 0's loss is .* in a batch of 8 and .* in a batch of 4/,
  );
  assert.deepEqual(hidden.snapshot(), before, 'the check leaves the weights alone');
  const declared = await create(tinyDefinition(false, false));
  await assert.rejects(
    SiftedTraining.create({ trainer: declared, config, batchSize: 8, seed: 0 }),
    /per-sample loss, and the loss of per_sample_top is not one/,
  );
  const fine = await create(tinyDefinition(false));
  await checkPerSampleLoss(fine, makeBatch, 8);
  await assert.rejects(
    SiftedTraining.create({
      trainer: fine,
      config: { ...config, betaValue: 0 },
      batchSize: 8,
      seed: 0,
    }),
    /sift_beta_value=0 must be a number > 0/,
  );
  for (const t of [hidden, declared, fine]) await t.release();
});

test('the advice: saving from a forward and a backward profile; small for a light top, negative when scoring costs more', () => {
  // A heavy top: backward + update is 2/3 of a step, forward 1/3; no batch preparation.
  const heavy = { batchSize: 32, stepSeconds: 0.03, forwardSeconds: 0.01, prepareSeconds: 0 };
  const twoStage = estimateSiftingSaving(
    { ...heavy, backwardSeconds: 0.02 },
    { betaValue: 1 },
    'two-stage',
  );
  // per sample: (0.01 + 0.5 * 0.02) / 0.03 = 2/3 of the plain cost.
  assert.ok(Math.abs(twoStage.savingFraction - 1 / 3) < 1e-9, String(twoStage.savingFraction));
  assert.equal(twoStage.verdict, 'worthwhile');
  assert.ok(Math.abs(twoStage.backwardShare - 2 / 3) < 1e-9);
  const inGraph = estimateSiftingSaving(
    { ...heavy, scoringBatchSize: 96, scoringPrepareSeconds: 0, siftedStepSeconds: 0.05 },
    { betaValue: 2 },
    'in-graph',
  );
  // per sample: 0.05 / 96 (a sifted step scores 96, trains ~32) vs 0.03 / 32.
  assert.ok(Math.abs(inGraph.savingFraction - (1 - 0.05 / 96 / (0.03 / 32))) < 1e-9);
  assert.match(inGraph.message, /a sifted step of 96 samples 50\.0 ms/);
  // Without the sifted step measured: forward(96) + the backward and update of 32 rows.
  const modelled = estimateSiftingSaving(heavy, { betaValue: 2 }, 'in-graph');
  assert.ok(Math.abs(modelled.savingFraction - (1 - (0.03 + 0.02) / 96 / (0.03 / 32))) < 1e-9);
  assert.match(inGraph.message, /keeps ~33% of the samples/);
  // With the delay, the job as a whole saves less.
  const planned = estimateSiftingSaving(
    { ...heavy, backwardSeconds: 0.02 },
    { betaValue: 1, siftDelay: 100, repeatDelayPerEpoch: false },
    'two-stage',
    { epochs: 2, samplesPerEpoch: 6400 },
  );
  assert.ok(Math.abs(planned.jobSavingFraction! - (1 / 3) * 0.75) < 1e-9);
  assert.match(planned.message, /with the delay of 100 steps: 25%/);
  // A light top over cached features: the step is mostly fixed costs and preparing the batch.
  const light = estimateSiftingSaving(
    {
      batchSize: 32,
      stepSeconds: 0.001,
      forwardSeconds: 0.0004,
      backwardSeconds: 0.0006,
      prepareSeconds: 0.0015,
    },
    { betaValue: 1 },
    'two-stage',
  );
  // (0.0015 + 0.0004 + 0.5 * 0.0006) / (0.0015 + 0.001): 12% saved.
  assert.ok(Math.abs(light.savingFraction - 0.12) < 1e-9, String(light.savingFraction));
  assert.equal(light.verdict, 'small');
  assert.match(light.message, /saves little/);
  const worse = estimateSiftingSaving(
    {
      batchSize: 32,
      stepSeconds: 0.001,
      forwardSeconds: 0.0009,
      backwardSeconds: 0.0008,
      prepareSeconds: 0,
    },
    { betaValue: 0.5 },
    'two-stage',
  );
  assert.equal(worse.verdict, 'negative');
  assert.match(worse.message, /SLOWER/);
});

function setup() {
  const root = tempDir('smw-sifting-');
  const data = writeImageDataset(join(root, 'data'), 60);
  const backbone = writeProjectionBackbone(join(root, 'backbone.onnx'), 64);
  return { root, data, backbone };
}

function jobOptions(
  root: string,
  name: string,
  hps: Record<string, string>,
  extra: Partial<ClassifierJobOptions> & { lines?: string[] } = {},
): ClassifierJobOptions {
  const lines = extra.lines ?? [];
  return {
    algorithm: 'image-classification',
    hyperParameters: parseHyperParameters('image-classification', hps),
    channels: { training: join(root, 'data') },
    modelDir: join(root, name, 'model'),
    workDir: join(root, name, 'scratch'),
    featureCacheDir: join(root, 'cache'),
    executionProvider: 'cpu',
    log: (line) => lines.push(line),
    ...extra,
  };
}

for (const design of ['in-graph', 'two-stage'] as SiftingDesign[]) {
  test(`a sifted job (${design}) learns the synthetic classes and prints its sift: metrics`, async () => {
    const { root, backbone } = setup();
    const lines: string[] = [];
    const result = await runClassifierJob(
      jobOptions(
        root,
        design,
        {
          backbone,
          epochs: '8',
          batch_size: '16',
          learning_rate: '0.01',
          seed: '2',
          top_hidden_layers: '1',
          sift_beta_value: '1',
          sift_loss_history_length: '64',
          sift_delay: '4',
        },
        { siftingDesign: design, lines },
      ),
    );
    const last = result.history.at(-1)!;
    assert.ok(
      last['validation:accuracy'] >= 0.85,
      `validation accuracy ${last['validation:accuracy']}`,
    );
    assert.ok(Math.abs(result.exportedValidationAccuracy - last['validation:accuracy']) < 1e-9);
    assert.ok(
      lines.some((l) => /Smart sifting on \(relative probabilistic\): beta_value 1/.test(l)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) =>
        /Smart sifting, beta 1: keeps ~50% of the samples; one step of 16 samples takes/.test(l),
      ),
    );
    const sift = last.sift!;
    assert.equal(sift['sift:expected_kept_fraction'], 0.5);
    assert.ok(sift['sift:samples_trained'] < sift['sift:samples_seen']);
    assert.equal(sift['sift:samples_seen'], 8 * 144);
    assert.equal(
      sift['sift:backward_passes_saved'],
      sift['sift:samples_seen'] - sift['sift:samples_trained'],
    );
    // Kept fraction over the sifted epochs near 1/2 (small data: loose bounds).
    const sifted = result.history.filter((h) => Number.isFinite(h.sift!['sift:kept_fraction']));
    const kept = sifted.reduce((s, h) => s + h.sift!['sift:kept_fraction'], 0) / sifted.length;
    assert.ok(kept > 0.3 && kept < 0.7, `kept ${kept}`);
    assert.ok(
      sift['sift:kept_loss_p50'] >= sift['sift:loss_p50'],
      'kept samples have higher losses',
    );
    // The epoch lines carry the metrics, read by the implied MetricDefinitions.
    const epochLines = lines.filter((l) => /^Epoch \d+\/8:/.test(l));
    assert.equal(epochLines.length, 8);
    for (const definition of builtinMetricDefinitions()) {
      const match = new RegExp(definition.Regex ?? '').exec(epochLines.at(-1)!);
      assert.ok(match, `${definition.Name} in ${epochLines.at(-1)}`);
      if (definition.Name === 'sift:samples_seen') assert.equal(Number(match[1]), 8 * 144);
    }
  });
}

test('a sifted job resumed from its epoch-2 checkpoint ends with the weights of an uninterrupted one', async () => {
  const { root, backbone } = setup();
  const hps = {
    backbone,
    batch_size: '16',
    learning_rate: '0.01',
    seed: '6',
    sift_beta_value: '2',
    sift_loss_history_length: '40',
    sift_delay: '3',
  };
  const straight = await runClassifierJob(
    jobOptions(root, 'straight', { ...hps, epochs: '4' }, { checkpointDir: join(root, 'ck1') }),
  );
  await runClassifierJob(
    jobOptions(root, 'first', { ...hps, epochs: '2' }, { checkpointDir: join(root, 'ck2') }),
  );
  const resumed = await runClassifierJob(
    jobOptions(root, 'second', { ...hps, epochs: '4' }, { checkpointDir: join(root, 'ck2') }),
  );
  assert.equal(resumed.epochsRun, 2);
  const a = readCheckpoint(join(root, 'straight', 'model', 'checkpoint'));
  const b = readCheckpoint(join(root, 'second', 'model', 'checkpoint'));
  assert.equal(b.meta.stepCount, a.meta.stepCount);
  assert.ok(a.tensors['sift/loss_history'].length === 40);
  for (const [name, tensor] of Object.entries(a.tensors)) {
    let maxDiff = 0;
    tensor.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - b.tensors[name][i]))));
    assert.ok(maxDiff < 1e-6, `${name} differs by ${maxDiff}`);
  }
  // The counters carried over: the same samples trained as the uninterrupted job.
  assert.equal(
    resumed.history.at(-1)!.sift!['sift:samples_trained'],
    straight.history.at(-1)!.sift!['sift:samples_trained'],
  );
  assert.equal(resumed.history.at(-1)!.sift!['sift:samples_seen'], 4 * 144);
});
