// Execution providers on this machine (not a test): which ONNX Runtime providers load, and how
// fast the built-in trainer's graphs run on each - the training step of a trainable top
// (the graph the local engine runs every batch) and the bundled glyph-cnn backbone's forward
// pass (feature extraction). Needs a build first (imports out/, or $SMW_BUILD_OUT);
// `npm run bench:gpu` does both. On a machine without a GPU only cpu runs and the other
// providers are listed with the reason they did not load.
//
//   node bench/gpu/run.mjs [--providers cpu,webgpu,cuda] [--seconds 3]
//        [--tops 512x1024x2@64,512x1024x2@512,2048x4096x2@512] [--backbone-batches 64,512]
//        [--job DIGITS_DIR [--epochs 2]] [--out bench/results/gpu.json]
//
// --job also runs the real built-in fine-tuning (image-classification, glyph-cnn, last block +
// head, default hyperparameters) on a digits folder (scripts/prepare-datasets.mjs digits DIR)
// once per loading provider: the provider the job reports, its accuracy and seconds per epoch.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const require = createRequire(import.meta.url);
const out = join(root, process.env.SMW_BUILD_OUT || 'out', 'src', 'engine');
const ort = require('onnxruntime-node');
const session = require(join(out, 'training', 'graph', 'session.js'));
const top = require(join(out, 'builtin', 'topModel.js'));
const { fillDropoutMask } = require(join(out, 'training', 'graph', 'nn.js'));
const { Random } = require(join(out, 'util', 'random.js'));
const { runClassifierJob } = require(join(out, 'builtin', 'classifierJob.js'));
const { parseHyperParameters } = require(join(out, 'builtin', 'hyperparameters.js'));

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const seconds = Number(option('seconds', '3'));
const providers = option('providers', 'cpu,webgpu,cuda').split(',');
const tops = option('tops', '512x1024x2@64,512x1024x2@512,2048x4096x2@512')
  .split(',')
  .map((spec) => {
    const [shape, batch] = spec.split('@');
    const [featureSize, hiddenSize, hiddenLayers] = shape.split('x').map(Number);
    return { featureSize, hiddenSize, hiddenLayers, batch: Number(batch) };
  });
const backboneBatches = option('backbone-batches', '64,512').split(',').map(Number);
const jobDataset = option('job', undefined);
const jobEpochs = option('epochs', '2');
const outFile = option('out', join(root, 'bench', 'results', 'gpu.json'));

/** Runs `fn` repeatedly for about `seconds` after one warm-up call; median ms per call. */
async function timed(fn) {
  await fn();
  const times = [];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until || times.length < 5) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[times.length >> 1], calls: times.length };
}

/** Which providers this onnxruntime build lists, and whether a session really loads on each. */
async function probe() {
  const listed = ort.listSupportedBackends();
  const tiny = top.classificationTop(
    { featureSize: 4, hiddenSize: 4, classes: 2, hiddenLayers: 0 },
    { trainBlock: false },
  );
  const { buildInferenceGraph } = require(join(out, 'training', 'graph', 'step.js'));
  const zeros = Object.fromEntries(
    tiny.parameters.map((p) => [p.name, new Float32Array(p.shape.reduce((a, b) => a * b, 1))]),
  );
  const model = buildInferenceGraph(tiny, zeros);
  const feeds = { [top.FEATURES]: new ort.Tensor('float32', new Float32Array(4), [1, 4]) };
  const results = [];
  for (const provider of providers) {
    try {
      const created = await ort.InferenceSession.create(model, {
        executionProviders: [provider],
      });
      await created.run(feeds);
      await created.release();
      results.push({ provider, loads: true });
    } catch (error) {
      results.push({ provider, loads: false, reason: String(error.message).split('\n')[0] });
    }
  }
  return { listed, results };
}

async function topStep(provider, shape) {
  const { featureSize: F, hiddenSize: H, hiddenLayers: L, batch: B } = shape;
  const C = 10;
  const definition = top.classificationTop(
    { featureSize: F, hiddenSize: H, classes: C, hiddenLayers: L },
    { trainBlock: true, dropoutRate: 0.2, labelSmoothing: 0.1 },
  );
  const random = new Random(1);
  const weights = {};
  for (const p of definition.parameters)
    weights[p.name] =
      p.shape.length > 1
        ? top.glorot(p.shape[0], p.shape[1], random)
        : new Float32Array(p.shape.reduce((a, b) => a * b, 1));
  const trainer = await session.GraphTrainer.create(
    definition,
    { optimizer: { kind: 'adam', epsilon: 1e-7, convention: 'keras' }, l2: 1e-4 },
    weights,
    { executionProvider: provider },
  );
  if (trainer.executionProvider !== provider) {
    await trainer.release();
    return undefined;
  }
  const x = Float32Array.from({ length: B * F }, () => Math.max(0, random.normal()));
  const y = BigInt64Array.from({ length: B }, (_, i) => BigInt(i % C));
  const mask = new Float32Array(B * H);
  fillDropoutMask(mask, 0.2, random);
  const feeds = {
    [top.FEATURES]: new ort.Tensor('float32', x, [B, F]),
    [top.LABELS]: new ort.Tensor('int64', y, [B]),
    [top.DROPOUT_MASK]: new ort.Tensor('float32', mask, [B, H]),
  };
  const first = await trainer.step(feeds, { learningRate: 1e-3 });
  const result = await timed(() => trainer.step(feeds, { learningRate: 1e-3 }));
  const last = await trainer.step(feeds, { learningRate: 1e-3 });
  await trainer.release();
  return {
    ...result,
    samplesPerSecond: (B / result.medianMs) * 1000,
    // The same batch over and over: the loss must fall on every provider that really trains.
    lossFirst: first.loss,
    lossLast: last.loss,
  };
}

async function backboneForward(provider, batch) {
  const file = join(root, 'models', 'glyph-cnn', 'backbone.onnx');
  if (!existsSync(file)) return undefined;
  const created = await ort.InferenceSession.create(readFileSync(file), {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
  });
  const input = created.inputNames[0];
  const meta = created.inputMetadata?.[0];
  const dims = (meta?.shape ?? [batch, 1, 28, 28]).map((d, i) =>
    i === 0 ? batch : typeof d === 'number' ? d : 28,
  );
  const count = dims.reduce((a, b) => a * b, 1);
  const random = new Random(3);
  const data = Float32Array.from({ length: count }, () => random.next());
  const feeds = { [input]: new ort.Tensor('float32', data, dims) };
  const result = await timed(() => created.run(feeds));
  await created.release();
  return { ...result, imagesPerSecond: (batch / result.medianMs) * 1000 };
}

const report = {
  date: new Date().toISOString(),
  node: process.version,
  onnxruntime: ort.env.versions?.common ?? null,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? null,
  probe: await probe(),
  topSteps: [],
  backbone: [],
  jobs: [],
};

/** The real fine-tuning job on one provider (features are extracted on it too: no cache). */
async function fineTune(provider) {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const work = mkdtempSync(join(tmpdir(), 'smw-gpu-job-'));
  const started = performance.now();
  const lines = [];
  const result = await runClassifierJob({
    algorithm: 'image-classification',
    hyperParameters: parseHyperParameters('image-classification', { epochs: jobEpochs }),
    channels: { training: jobDataset },
    modelDir: join(work, 'model'),
    workDir: join(work, 'scratch'),
    executionProvider: provider,
    log: (line) => lines.push(line),
  });
  rmSync(work, { recursive: true, force: true });
  const last = result.history.at(-1);
  return {
    executionProvider: result.executionProvider,
    seconds: (performance.now() - started) / 1000,
    trainSecondsPerEpoch: result.history.map((h) => h.trainSeconds),
    validationAccuracy: last['validation:accuracy'],
    exportedValidationAccuracy: result.exportedValidationAccuracy,
    providerLog: lines.filter((line) => /provider|measured/i.test(line)),
  };
}
console.log('Providers listed by onnxruntime-node:', JSON.stringify(report.probe.listed));
for (const r of report.probe.results)
  console.log(`  ${r.provider.padEnd(7)} ${r.loads ? 'loads' : `does not load: ${r.reason}`}`);
const working = report.probe.results.filter((r) => r.loads).map((r) => r.provider);
for (const provider of working) {
  for (const shape of tops) {
    const row = await topStep(provider, shape).catch((error) => ({ error: String(error.message) }));
    if (!row) continue;
    report.topSteps.push({ provider, ...shape, ...row });
    const label = `${shape.featureSize}x${shape.hiddenSize}x${shape.hiddenLayers} @${shape.batch}`;
    console.log(
      row.error
        ? `${provider} top ${label}: ${row.error}`
        : `${provider.padEnd(7)} top ${label.padEnd(18)} ${row.medianMs.toFixed(2)} ms/step ` +
            `${Math.round(row.samplesPerSecond)} samples/s loss ${row.lossFirst.toFixed(3)} -> ${row.lossLast.toFixed(3)}`,
    );
  }
  for (const batch of backboneBatches) {
    const row = await backboneForward(provider, batch).catch((error) => ({
      error: String(error.message),
    }));
    if (!row) continue;
    report.backbone.push({ provider, batch, ...row });
    console.log(
      row.error
        ? `${provider} backbone @${batch}: ${row.error}`
        : `${provider.padEnd(7)} glyph-cnn forward @${batch} ${row.medianMs.toFixed(2)} ms ` +
            `${Math.round(row.imagesPerSecond)} images/s`,
    );
  }
}
if (jobDataset) {
  // 'auto' as jobs run by default: the job picks where to train by measuring.
  for (const provider of [...working, 'auto']) {
    const row = await fineTune(provider).catch((error) => ({ error: String(error.message) }));
    report.jobs.push({ asked: provider, ...row });
    console.log(
      row.error
        ? `${provider} fine-tuning job: ${row.error}`
        : `${provider.padEnd(7)} fine-tuning job ran on ${row.executionProvider}: ${row.seconds.toFixed(1)} s, ` +
            `epochs ${row.trainSecondsPerEpoch.map((t) => t?.toFixed(2)).join(' / ')} s, validation accuracy ` +
            `${row.validationAccuracy.toFixed(4)} (exported ${row.exportedValidationAccuracy.toFixed(4)})`,
    );
    for (const line of row.providerLog ?? []) console.log(`    ${line}`);
  }
}
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(report, null, 2) + '\n');
console.log(`Wrote ${outFile}`);
