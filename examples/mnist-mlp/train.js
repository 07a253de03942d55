#!/usr/bin/env node
// A training script in the SageMaker style: reads its channels from SM_CHANNEL_*, its
// hyperparameters from --name value arguments, prints metrics, saves the model to SM_MODEL_DIR.
// A one-hidden-layer perceptron trained with mini-batch SGD on digits stored as data.csv
// (label,pixel0..pixel783 with pixels 0-255). Plain Node.js, no dependencies.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--')) throw new Error(`unexpected argument ${argv[i]}`);
    args[argv[i].slice(2)] = argv[i + 1];
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const epochs = Number(args.epochs ?? 5);
const learningRate = Number(args.learning_rate ?? 0.1);
const batchSize = Number(args.batch_size ?? 32);
const hidden = Number(args.hidden_units ?? 64);
const seed = Number(args.seed ?? 1);
for (const [name, value] of Object.entries({ epochs, learningRate, batchSize, hidden })) {
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`hyperparameter ${name} must be a positive number`);
}

function readChannel(name) {
  const dir = process.env[`SM_CHANNEL_${name.toUpperCase()}`];
  if (!dir) throw new Error(`channel ${name} is missing: add it to InputDataConfig`);
  const file = path.join(dir, 'data.csv');
  const rows = fs.readFileSync(file, 'utf8').trim().split('\n');
  const x = new Float32Array(rows.length * 784);
  const y = new Int32Array(rows.length);
  rows.forEach((row, r) => {
    const values = row.split(',');
    if (values.length !== 785)
      throw new Error(`${file} line ${r + 1}: expected 785 columns, got ${values.length}`);
    y[r] = Number(values[0]);
    for (let j = 0; j < 784; j++) x[r * 784 + j] = Number(values[j + 1]) / 255;
  });
  return { x, y, n: rows.length };
}

// Deterministic PRNG (mulberry32) so a seed reproduces a run.
let state = seed >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const gaussian = () =>
  Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());

const train = readChannel('training');
const validation = readChannel('validation');
const D = 784;
const K = 10;
const H = hidden;
const w1 = Float32Array.from({ length: D * H }, () => gaussian() * Math.sqrt(2 / D));
const b1 = new Float32Array(H);
const w2 = Float32Array.from({ length: H * K }, () => gaussian() * Math.sqrt(2 / H));
const b2 = new Float32Array(K);

/** Forward pass of one sample; fills h (hidden activations) and p (probabilities); returns the loss. */
function forward(x, offset, label, h, p) {
  for (let j = 0; j < H; j++) {
    let s = b1[j];
    for (let i = 0; i < D; i++) s += x[offset + i] * w1[i * H + j];
    h[j] = s > 0 ? s : 0;
  }
  let max = -Infinity;
  for (let k = 0; k < K; k++) {
    let s = b2[k];
    for (let j = 0; j < H; j++) s += h[j] * w2[j * K + k];
    p[k] = s;
    if (s > max) max = s;
  }
  let sum = 0;
  for (let k = 0; k < K; k++) sum += p[k] = Math.exp(p[k] - max);
  for (let k = 0; k < K; k++) p[k] /= sum;
  return -Math.log(p[label] + 1e-12);
}

function evaluate(set) {
  const h = new Float32Array(H);
  const p = new Float32Array(K);
  let loss = 0;
  let correct = 0;
  for (let r = 0; r < set.n; r++) {
    loss += forward(set.x, r * D, set.y[r], h, p);
    let best = 0;
    for (let k = 1; k < K; k++) if (p[k] > p[best]) best = k;
    if (best === set.y[r]) correct++;
  }
  return { loss: loss / set.n, accuracy: correct / set.n };
}

let stopping = false;
process.on('SIGTERM', () => (stopping = true)); // finish the batch, save, exit: SageMaker's stop contract

const order = Array.from({ length: train.n }, (_, i) => i);
const gw1 = new Float32Array(D * H);
const gb1 = new Float32Array(H);
const gw2 = new Float32Array(H * K);
const gb2 = new Float32Array(K);
const h = new Float32Array(H);
const p = new Float32Array(K);
const dh = new Float32Array(H);
console.log(
  `training on ${train.n} samples, validating on ${validation.n}; epochs=${epochs} lr=${learningRate} batch=${batchSize} hidden=${H}`,
);
for (let epoch = 1; epoch <= epochs && !stopping; epoch++) {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  let epochLoss = 0;
  for (let start = 0; start < order.length && !stopping; start += batchSize) {
    const batch = order.slice(start, start + batchSize);
    gw1.fill(0);
    gb1.fill(0);
    gw2.fill(0);
    gb2.fill(0);
    for (const r of batch) {
      const offset = r * D;
      epochLoss += forward(train.x, offset, train.y[r], h, p);
      p[train.y[r]] -= 1; // dLoss/dlogits
      dh.fill(0);
      for (let j = 0; j < H; j++) {
        for (let k = 0; k < K; k++) {
          gw2[j * K + k] += h[j] * p[k];
          dh[j] += w2[j * K + k] * p[k];
        }
      }
      for (let k = 0; k < K; k++) gb2[k] += p[k];
      for (let j = 0; j < H; j++) {
        if (h[j] <= 0) continue;
        gb1[j] += dh[j];
        for (let i = 0; i < D; i++) {
          const xi = train.x[offset + i];
          if (xi !== 0) gw1[i * H + j] += xi * dh[j];
        }
      }
    }
    const scale = learningRate / batch.length;
    for (let i = 0; i < w1.length; i++) w1[i] -= scale * gw1[i];
    for (let i = 0; i < b1.length; i++) b1[i] -= scale * gb1[i];
    for (let i = 0; i < w2.length; i++) w2[i] -= scale * gw2[i];
    for (let i = 0; i < b2.length; i++) b2[i] -= scale * gb2[i];
  }
  const val = evaluate(validation);
  console.log(
    `epoch=${epoch} train:loss=${(epochLoss / train.n).toFixed(4)} validation:loss=${val.loss.toFixed(4)} validation:accuracy=${val.accuracy.toFixed(4)}`,
  );
}

const modelDir = process.env.SM_MODEL_DIR;
fs.writeFileSync(
  path.join(modelDir, 'model.json'),
  JSON.stringify({
    layers: [D, H, K],
    activation: 'relu',
    w1: [...w1],
    b1: [...b1],
    w2: [...w2],
    b2: [...b2],
  }),
);
console.log(
  `saved the model to ${path.join(modelDir, 'model.json')}${stopping ? ' (stopped early)' : ''}`,
);
