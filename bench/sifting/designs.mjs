// Which design of "no second forward pass" is faster (part of bench/sifting/run.mjs; also runs
// alone): the same trainable top trained over the same synthetic features, plain vs sifted with
// the rule in the graph ('in-graph': one step graph scores round(B (1 + beta)) samples and runs
// the backward on the kept ones) vs the two-stage step (a forward graph, then a backward +
// update graph over B kept samples' saved activations). Rounds interleave the variants so that
// a change in the machine's load hits them alike; medians of wall-clock and CPU seconds.
//
//   node bench/sifting/designs.mjs [--top 512,1024,2] [--batch 64] [--samples 4096] [--rounds 5]
//        [--betas 1,3] [--threads 1]
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const require = createRequire(import.meta.url);

export async function compareDesigns(options) {
  const out = join(root, process.env.SMW_BUILD_OUT || 'out', 'src', 'engine');
  const ort = require('onnxruntime-node');
  const { GraphTrainer } = require(join(out, 'training', 'graph', 'session.js'));
  const top = require(join(out, 'builtin', 'topModel.js'));
  const { SiftedTraining } = require(join(out, 'builtin', 'sifting.js'));
  const { fillDropoutMask } = require(join(out, 'training', 'graph', 'nn.js'));
  const { Random } = require(join(out, 'util', 'random.js'));
  const { featureSize: F, hiddenSize: H, hiddenLayers: L } = options.top;
  const B = options.batch;
  const N = options.samples;
  const C = 10;
  const random = new Random(1);
  // ReLU features, labels of a random linear teacher: losses spread as in real training.
  const X = Float32Array.from({ length: N * F }, () => Math.max(0, random.normal()));
  const teacher = Float32Array.from({ length: F * C }, () => random.normal());
  const Y = Int32Array.from({ length: N }, (_, i) => {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < C; c++) {
      let score = 0;
      for (let f = 0; f < F; f++) score += X[i * F + f] * teacher[f * C + c];
      if (score > bestScore) [best, bestScore] = [c, score];
    }
    return best;
  });
  const shape = { featureSize: F, hiddenSize: H, classes: C, hiddenLayers: L };
  const definition = top.classificationTop(shape, {
    trainBlock: true,
    dropoutRate: 0.2,
    labelSmoothing: 0.1,
  });
  const weights = () => {
    const r = new Random(2);
    const w = {};
    for (const p of definition.parameters) {
      w[p.name] =
        p.shape.length > 1
          ? top.glorot(p.shape[0], p.shape[1], r)
          : new Float32Array(p.shape.reduce((a, b) => a * b, 1));
    }
    return w;
  };
  const maxBatch = B * (1 + Math.max(...options.betas)) + 1;
  const xb = new Float32Array(maxBatch * F);
  const yb = new BigInt64Array(maxBatch);
  const mb = new Float32Array(maxBatch * H);
  const batch = (from, b) => {
    for (let i = 0; i < b; i++) {
      const r = (from + i) % N;
      xb.set(X.subarray(r * F, (r + 1) * F), i * F);
      yb[i] = BigInt(Y[r]);
    }
    fillDropoutMask(mb.subarray(0, b * H), 0.2, random);
    return {
      [top.FEATURES]: new ort.Tensor('float32', xb.subarray(0, b * F), [b, F]),
      [top.LABELS]: new ort.Tensor('int64', yb.subarray(0, b), [b]),
      [top.DROPOUT_MASK]: new ort.Tensor('float32', mb.subarray(0, b * H), [b, H]),
    };
  };
  const stepOptions = {
    optimizer: { kind: 'adam', epsilon: 1e-7, convention: 'keras' },
    l2: 1e-4,
  };
  const sessionOptions = {
    executionProvider: 'cpu',
    ...(options.threads ? { intraOpThreads: options.threads } : {}),
  };
  const variants = [];
  {
    const trainer = await GraphTrainer.create(definition, stepOptions, weights(), sessionOptions);
    variants.push({
      name: 'plain',
      trainer,
      run: async () => {
        for (let from = 0; from < N; from += B)
          await trainer.step(batch(from, B), { learningRate: 1e-3 });
      },
    });
  }
  for (const beta of options.betas) {
    for (const design of ['in-graph', 'two-stage']) {
      const trainer = await GraphTrainer.create(definition, stepOptions, weights(), sessionOptions);
      const sifted = await SiftedTraining.create({
        trainer,
        config: {
          betaValue: beta,
          lossHistoryLength: 500,
          siftDelay: 0,
          repeatDelayPerEpoch: false,
        },
        batchSize: B,
        design,
        seed: 1,
      });
      let epoch = 0;
      variants.push({
        name: `${design} beta ${beta}`,
        design,
        beta,
        trainer,
        run: async () => {
          sifted.beginEpoch(++epoch);
          for (let from = 0; from < N;) {
            const b = sifted.nextBatchSize();
            await sifted.step(batch(from, b), b, 1e-3);
            from += b;
          }
          await sifted.endEpoch(1e-3);
        },
      });
    }
  }
  // Warm-up: one pass each (sessions' first runs allocate).
  for (const v of variants) await v.run();
  const times = new Map(variants.map((v) => [v.name, { wall: [], cpu: [] }]));
  for (let round = 0; round < options.rounds; round++) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length]);
    for (const v of order) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      await v.run();
      const used = process.cpuUsage(cpu);
      times.get(v.name).wall.push((performance.now() - started) / 1000);
      times.get(v.name).cpu.push((used.user + used.system) / 1e6);
    }
    options.log?.(
      `  round ${round + 1}/${options.rounds}: ` +
        variants.map((v) => `${v.name} ${times.get(v.name).cpu.at(-1).toFixed(2)}s cpu`).join(', '),
    );
  }
  for (const v of variants) await v.trainer.release();
  const median = (a) => {
    const s = [...a].sort((x, y) => x - y);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const plain = times.get('plain');
  const rows = variants.map((v) => {
    const t = times.get(v.name);
    // Saving per round against the plain run of the same round, then the median.
    const savingCpu = median(t.cpu.map((c, i) => 1 - c / plain.cpu[i]));
    const savingWall = median(t.wall.map((w, i) => 1 - w / plain.wall[i]));
    return {
      variant: v.name,
      design: v.design ?? null,
      beta: v.beta ?? null,
      wallSeconds: median(t.wall),
      cpuSeconds: median(t.cpu),
      savingWall: v.name === 'plain' ? 0 : savingWall,
      savingCpu: v.name === 'plain' ? 0 : savingCpu,
      rounds: t,
    };
  });
  return { top: options.top, batch: B, samples: N, threads: options.threads ?? null, rows };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const [featureSize, hiddenSize, hiddenLayers] = option('--top', '512,1024,2')
    .split(',')
    .map(Number);
  const result = await compareDesigns({
    top: { featureSize, hiddenSize, hiddenLayers },
    batch: Number(option('--batch', '64')),
    samples: Number(option('--samples', '4096')),
    rounds: Number(option('--rounds', '5')),
    betas: option('--betas', '1,3').split(',').map(Number),
    threads: Number(option('--threads', '1')) || undefined,
    log: console.log,
  });
  for (const r of result.rows) {
    console.log(
      `${r.variant.padEnd(18)} wall ${r.wallSeconds.toFixed(2)} s (saving ${(r.savingWall * 100).toFixed(0)}%)  cpu ${r.cpuSeconds.toFixed(2)} s (saving ${(r.savingCpu * 100).toFixed(0)}%)`,
    );
  }
}
