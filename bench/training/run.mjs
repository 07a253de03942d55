// Benchmark of the built-in fine-tuning engine (not a test). Needs `npm run build` first
// (imports out/); `npm run bench:training` does both.
//
// 1. Throughput of the trainable top (head only; last block + head) over cached features:
//    training and inference samples/s of our ONNX training graphs in onnxruntime-node, and
//    of PyTorch CPU running the same architecture, batch size and thread count in the same
//    run, as a ratio (goal: >= 1.0x).
// 2. Accuracy within a fixed epoch budget on the shipped datasets with the bundled backbones
//    (digits from `mnist` with glyph-cnn: goal >= 97% in 5 epochs; spam-assassin e-mails with
//    wordvec-en: goal >= 95%), and the exported model.onnx's accuracy when run on its own.
//
//   node bench/training/run.mjs [--skip-throughput] [--skip-accuracy] [--epochs 5]
//        [--out bench/results/training.json]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { peerPython } from '../peers.mjs';
import { prepareDigits, prepareSpam } from '../../scripts/prepare-datasets.mjs';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const require = (await import('node:module')).createRequire(import.meta.url);
const out = join(root, 'out', 'src', 'engine');
if (!existsSync(join(out, 'builtin', 'classifierJob.js'))) {
  console.error('out/ is missing the engine: run `npm run build` first.');
  process.exit(2);
}
const ort = require('onnxruntime-node');
const { GraphTrainer, createSession } = require(join(out, 'training', 'graph', 'session.js'));
const { buildInferenceGraph } = require(join(out, 'training', 'graph', 'step.js'));
const { fillDropoutMask } = require(join(out, 'training', 'graph', 'nn.js'));
const top = require(join(out, 'builtin', 'topModel.js'));
const { parseHyperParameters } = require(join(out, 'builtin', 'hyperparameters.js'));
const { runClassifierJob } = require(join(out, 'builtin', 'classifierJob.js'));
const { bundledBackboneNames, loadBundledBackbone } = require(join(out, 'builtin', 'catalog.js'));
const { Random } = require(join(out, 'util', 'random.js'));

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const epochs = Number(option('--epochs', '5'));
const outFile = option('--out', join(root, 'bench', 'results', 'training.json'));
const threads = cpus().length;
const results = { date: new Date().toISOString(), cpus: cpus()[0]?.model, threads };

// ------------------------------------------------------------------------------ throughput
async function oursThroughput(cfg) {
  const shape = { featureSize: cfg.featureSize, hiddenSize: cfg.hidden, classes: cfg.classes };
  const definition = top.classificationTop(shape, {
    trainBlock: cfg.trainBlock,
    dropoutRate: cfg.dropout,
    labelSmoothing: cfg.labelSmoothing,
  });
  const random = new Random(0);
  const weights = {
    [top.BLOCK_WEIGHT]: top.glorot(cfg.featureSize, cfg.hidden, random),
    [top.BLOCK_BIAS]: new Float32Array(cfg.hidden),
    [top.HEAD_WEIGHT]: top.glorot(cfg.hidden, cfg.classes, random),
    [top.HEAD_BIAS]: new Float32Array(cfg.classes),
  };
  const trainer = await GraphTrainer.create(
    definition,
    { optimizer: { kind: 'adam', epsilon: 1e-7, convention: 'keras' }, l2: cfg.l2 },
    weights,
    { executionProvider: 'cpu', intraOpThreads: threads },
  );
  const b = cfg.batch;
  const batches = Array.from({ length: 16 }, () => {
    const x = new Float32Array(b * cfg.featureSize);
    for (let i = 0; i < x.length; i++) x[i] = random.normal();
    const y = BigInt64Array.from({ length: b }, () => BigInt(random.int(cfg.classes)));
    return { x, y };
  });
  const mask = new Float32Array(b * cfg.hidden);
  const step = async (i) => {
    const { x, y } = batches[i % batches.length];
    fillDropoutMask(mask, cfg.dropout, random);
    await trainer.step(
      {
        [top.FEATURES]: new ort.Tensor('float32', x, [b, cfg.featureSize]),
        [top.LABELS]: new ort.Tensor('int64', y, [b]),
        [top.DROPOUT_MASK]: new ort.Tensor('float32', mask, [b, cfg.hidden]),
      },
      { learningRate: 1e-3 },
    );
  };
  for (let i = 0; i < cfg.warmup; i++) await step(i);
  let start = performance.now();
  for (let i = 0; i < cfg.steps; i++) await step(i);
  const trainSamplesPerSecond = (cfg.steps * b) / ((performance.now() - start) / 1000);

  // Inference through the exported top: weights baked in, as in model.onnx.
  const { session } = await createSession(buildInferenceGraph(definition, trainer.weights()), {
    executionProvider: 'cpu',
    intraOpThreads: threads,
  });
  const infer = (i) =>
    session.run({
      [top.FEATURES]: new ort.Tensor('float32', batches[i % batches.length].x, [
        b,
        cfg.featureSize,
      ]),
    });
  for (let i = 0; i < cfg.warmup; i++) await infer(i);
  start = performance.now();
  for (let i = 0; i < cfg.steps; i++) await infer(i);
  const inferSamplesPerSecond = (cfg.steps * b) / ((performance.now() - start) / 1000);
  await trainer.release();
  await session.release();
  return { trainSamplesPerSecond, inferSamplesPerSecond };
}

function torchThroughput(python, cfg) {
  const result = spawnSync(
    python,
    [join(root, 'bench', 'training', 'torch_peer.py'), JSON.stringify(cfg)],
    {
      encoding: 'utf8',
      timeout: 10 * 60_000,
    },
  );
  if (result.status !== 0) throw new Error(`torch peer failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1));
}

async function throughput() {
  const python = peerPython(['torch', 'numpy'], ['torch', 'numpy']);
  const featureSize = bundledBackboneNames().includes('glyph-cnn')
    ? (loadBundledBackbone('glyph-cnn').featureSize ?? 256)
    : 256;
  const rows = [];
  for (const trainBlock of [false, true]) {
    for (const batch of [32, 256]) {
      const cfg = {
        featureSize,
        hidden: 128,
        classes: 10,
        batch,
        trainBlock,
        dropout: 0.2,
        labelSmoothing: 0.1,
        l2: 1e-4,
        steps: batch === 32 ? 3000 : 600,
        warmup: 100,
        threads,
      };
      const ours = await oursThroughput(cfg);
      const torch = python ? torchThroughput(python, cfg) : undefined;
      rows.push({
        trainable: trainBlock ? 'last block + head' : 'head only',
        featureSize,
        batch,
        ours,
        torch,
        trainRatio: torch ? ours.trainSamplesPerSecond / torch.trainSamplesPerSecond : null,
        inferRatio: torch ? ours.inferSamplesPerSecond / torch.inferSamplesPerSecond : null,
      });
      const r = rows.at(-1);
      console.log(
        `${r.trainable.padEnd(18)} batch ${String(batch).padStart(3)}: train ${Math.round(ours.trainSamplesPerSecond)} vs torch ${torch ? Math.round(torch.trainSamplesPerSecond) : '-'} samples/s ` +
          `(${r.trainRatio?.toFixed(2) ?? '-'}x); infer ${Math.round(ours.inferSamplesPerSecond)} vs ${torch ? Math.round(torch.inferSamplesPerSecond) : '-'} (${r.inferRatio?.toFixed(2) ?? '-'}x)`,
      );
    }
  }
  return { torch: rows.find((r) => r.torch)?.torch.torch ?? null, rows };
}

// ------------------------------------------------------------------------------- accuracy
async function accuracy() {
  const data = join(root, '.cache', 'datasets');
  mkdirSync(data, { recursive: true });
  const runs = [];
  const cases = [
    {
      algorithm: 'image-classification',
      backbone: 'glyph-cnn',
      dataset: join(data, 'digits'),
      prepare: prepareDigits,
      goal: 0.97,
    },
    {
      algorithm: 'text-classification',
      backbone: 'wordvec-en',
      dataset: join(data, 'spam'),
      prepare: prepareSpam,
      goal: 0.95,
    },
  ];
  for (const c of cases) {
    if (!bundledBackboneNames().includes(c.backbone)) {
      console.log(`${c.backbone} is not bundled in this checkout: skipping ${c.algorithm}.`);
      continue;
    }
    c.prepare(c.dataset);
    for (const trainOnlyTop of [false, true]) {
      const work = join(root, '.cache', 'bench-training', `${c.algorithm}-${trainOnlyTop}`);
      rmSync(work, { recursive: true, force: true });
      const started = performance.now();
      const lines = [];
      const result = await runClassifierJob({
        algorithm: c.algorithm,
        hyperParameters: parseHyperParameters(c.algorithm, {
          epochs: String(epochs),
          train_only_top_layer: trainOnlyTop ? 'True' : 'False',
        }),
        channels: { training: c.dataset },
        modelDir: join(work, 'model'),
        workDir: join(work, 'scratch'),
        featureCacheDir: join(root, '.cache', 'features'),
        executionProvider: 'cpu',
        log: (line) => {
          lines.push(line);
          if (/^Epoch|features|Exported/.test(line)) console.log(`  ${line}`);
        },
      });
      const seconds = (performance.now() - started) / 1000;
      const best = Math.max(...result.history.map((h) => h['validation:accuracy']));
      const final = result.history.at(-1)['validation:accuracy'];
      runs.push({
        algorithm: c.algorithm,
        backbone: c.backbone,
        trainable: trainOnlyTop ? 'head only' : 'last block + head',
        epochs,
        finalValidationAccuracy: final,
        bestValidationAccuracy: best,
        exportedValidationAccuracy: result.exportedValidationAccuracy,
        goal: trainOnlyTop ? null : c.goal,
        met: trainOnlyTop ? null : final >= c.goal,
        seconds,
        trainingSamplesPerSecond: result.history.map((h) => Math.round(h.samplesPerSecond)),
      });
      console.log(
        `${c.algorithm} (${trainOnlyTop ? 'head only' : 'last block + head'}): validation accuracy ${final.toFixed(4)} after ${epochs} epochs, exported model ${result.exportedValidationAccuracy.toFixed(4)}, ${seconds.toFixed(1)} s`,
      );
    }
  }
  return runs;
}

if (!flag('--skip-throughput')) results.throughput = await throughput();
if (!flag('--skip-accuracy')) results.accuracy = await accuracy();

console.log(
  '\n| trainable | batch | ours train/s | torch train/s | ratio | ours infer/s | torch infer/s | ratio |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results.throughput?.rows ?? []) {
  const f = (v) => (v === undefined || v === null ? '-' : Math.round(v).toLocaleString('en-US'));
  console.log(
    `| ${r.trainable} | ${r.batch} | ${f(r.ours.trainSamplesPerSecond)} | ${f(r.torch?.trainSamplesPerSecond)} | ${r.trainRatio?.toFixed(2) ?? '-'}x | ${f(r.ours.inferSamplesPerSecond)} | ${f(r.torch?.inferSamplesPerSecond)} | ${r.inferRatio?.toFixed(2) ?? '-'}x |`,
  );
}
if (results.accuracy?.length) {
  console.log(
    '\n| algorithm | trainable | epochs | validation accuracy | exported model | goal | seconds |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const r of results.accuracy) {
    console.log(
      `| ${r.algorithm} | ${r.trainable} | ${r.epochs} | ${r.finalValidationAccuracy.toFixed(4)} | ${r.exportedValidationAccuracy.toFixed(4)} | ${r.goal ?? '-'}${r.met === null ? '' : r.met ? ' met' : ' NOT met'} | ${r.seconds.toFixed(1)} |`,
    );
  }
}
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${outFile}`);
