/**
 * Layout detection (from a path list alone) and the dataset report the extension shows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import {
  detectLayout,
  formatReport,
  memorySource,
  reportDataset,
} from '../../src/engine/training/data';

function tinyPng(): Uint8Array {
  const png = new PNG({ width: 2, height: 2 });
  png.data.fill(200);
  return new Uint8Array(PNG.sync.write(png));
}

test('layout: text, images, and the usual mistakes, from paths alone', () => {
  assert.deepEqual(detectLayout(['data.csv', 'README.md', '.DS_Store']), {
    kind: 'text',
    dataFile: 'data.csv',
    stray: ['README.md'],
  });
  const images = detectLayout(['dog/2.png', 'cat/1.JPG', 'cat/x.txt', 'cat/a/b.png', 'top.jpg']);
  assert.equal(images.kind, 'images');
  assert.deepEqual(images.kind === 'images' && images.classes, [
    { name: 'cat', images: ['cat/1.JPG'], others: ['cat/x.txt'], nested: ['cat/a/b.png'] },
    { name: 'dog', images: ['dog/2.png'], others: [], nested: [] },
  ]);
  assert.deepEqual(images.kind === 'images' && images.stray, ['top.jpg']);

  const reason = (paths: string[]) => {
    const layout = detectLayout(paths);
    assert.equal(layout.kind, 'unknown');
    return layout.kind === 'unknown' ? layout.reason : '';
  };
  assert.match(reason([]), /The folder is empty/);
  assert.match(reason(['.hidden']), /The folder is empty/);
  assert.match(reason(['train.csv']), /found train\.csv.*rename your file to data\.csv/);
  assert.match(reason(['a.png', 'b.png']), /2 images at the top level.*e\.g\. cat\/a\.png/);
  assert.match(
    reason(['train/data.csv', 'validation/data.csv']),
    /channel folders \(train, validation\)/,
  );
});

test('class order is code-point order (as Python sorted()), not locale order', () => {
  const layout = detectLayout(['b/1.png', 'B/1.png', 'a/1.png', '10/1.png', '9/1.png']);
  assert.deepEqual(layout.kind === 'images' && layout.classes.map((c) => c.name), [
    '10',
    '9',
    'B',
    'a',
    'b',
  ]);
});

test('report: text dataset with counts and problems', async () => {
  const report = await reportDataset(
    memorySource({ 'data.csv': '0,a\n1,"b, c"\n1,d\n2,e\n', 'notes.txt': '' }, 's3://bucket/p'),
  );
  assert.equal(report.layout, 'text');
  assert.deepEqual(report.classes, [
    { index: 0, name: '0', count: 1 },
    { index: 1, name: '1', count: 2 },
    { index: 2, name: '2', count: 1 },
  ]);
  assert.equal(report.examples, 4);
  assert.deepEqual(report.errors, []);
  assert.deepEqual(
    report.warnings.map((w) => w.code),
    ['stray-file', 'single-example-class', 'single-example-class'],
  );
  const text = formatReport(report);
  assert.match(text, /layout: text classification \(data\.csv\)/);
  assert.match(text, /3 classes, 4 examples/);
  assert.match(text, /warning: Class 0 has a single example in s3:\/\/bucket\/p\/data\.csv/);
  assert.match(text, /ready to train/);

  const broken = await reportDataset(memorySource({ 'data.csv': '0,a\nx,b\n' }));
  assert.equal(broken.errors[0].code, 'label-not-integer');
  assert.doesNotMatch(formatReport(broken), /ready to train/);
});

test('report: image dataset, optionally decoding every image', async () => {
  const png = tinyPng();
  const files = { 'cat/1.png': png, 'cat/2.png': png, 'dog/1.png': png, 'dog/2.jpg': 'broken' };
  const quick = await reportDataset(memorySource(files));
  assert.equal(quick.layout, 'images');
  assert.deepEqual(
    quick.classes.map((c) => [c.name, c.count]),
    [
      ['cat', 2],
      ['dog', 2],
    ],
  );
  assert.deepEqual(quick.warnings, []);

  const thorough = await reportDataset(memorySource(files), { decodeImages: true });
  assert.deepEqual(
    thorough.classes.map((c) => c.count),
    [2, 1],
  );
  assert.deepEqual(
    thorough.warnings.map((w) => w.code),
    ['corrupt-image', 'single-example-class'],
  );
  assert.match(thorough.warnings[0].message, /dog\/2\.jpg: the file is not a JPEG or PNG image/);

  const unknown = await reportDataset(memorySource({}));
  assert.equal(unknown.layout, 'unknown');
  assert.match(unknown.errors[0].message, /The folder is empty/);
});
