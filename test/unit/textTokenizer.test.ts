/**
 * The bundled text encoder's tokenizer: the TypeScript ids agree with the ids
 * scripts/pretrain/text_encoder.py produced for tricky texts (test/fixtures/
 * tokenizer-wordvec-en.json), and models/wordvec-en/encoder.onnx turns them into finite
 * features of the size model.json states.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createTokenizer, fnv1a32, loadTokenizer } from '../../src/engine/builtin/textTokenizer';

/** The repository root: the first folder up from here that holds models/wordvec-en. */
function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'models', 'wordvec-en', 'model.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`models/wordvec-en not found above ${__dirname}`);
}

const root = repoRoot();
const modelDir = join(root, 'models', 'wordvec-en');
const fixture = JSON.parse(
  readFileSync(join(root, 'test', 'fixtures', 'tokenizer-wordvec-en.json'), 'utf8'),
) as {
  maxTokens: number;
  featureSize: number;
  cases: { text: string; ids: number[] }[];
  features: { text: string; first: number[] }[];
};
const manifest = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as {
  backbone: string;
  inputName: string;
  featureName: string;
  featureSize: number;
};

test('FNV-1a 32-bit matches the published test vectors', () => {
  assert.equal(fnv1a32(''), 0x811c9dc5);
  assert.equal(fnv1a32('a'), 0xe40c292c);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968);
  // Hashes UTF-8 bytes, not UTF-16 code units.
  assert.equal(fnv1a32('\u00e9'), fnv1a32Bytes([0xc3, 0xa9]));
});

function fnv1a32Bytes(bytes: number[]): number {
  let hash = 0x811c9dc5;
  for (const b of bytes) hash = Math.imul(hash ^ b, 0x01000193) >>> 0;
  return hash;
}

test('the TypeScript tokenizer gives the ids Python gave, for every fixture text', () => {
  const tokenizer = loadTokenizer(modelDir);
  assert.equal(tokenizer.maxTokens, fixture.maxTokens);
  assert.ok(fixture.cases.length >= 20);
  for (const { text, ids } of fixture.cases) {
    const encoded = tokenizer.encode(text);
    assert.equal(encoded.length, fixture.maxTokens);
    const expected = new BigInt64Array(fixture.maxTokens);
    ids.forEach((id, i) => (expected[i] = BigInt(id)));
    assert.deepEqual(encoded, expected, `ids of ${JSON.stringify(text.slice(0, 60))}`);
  }
});

test('the fixture exercises the vocabulary, the hashed buckets, truncation and padding', () => {
  const { spec } = loadTokenizer(modelDir);
  const all = fixture.cases.flatMap((c) => c.ids);
  assert.ok(all.some((id) => id >= spec.firstVocabId && id < spec.firstBucketId));
  assert.ok(all.some((id) => id >= spec.firstBucketId));
  assert.ok(
    all.every((id) => id >= spec.firstVocabId && id < spec.firstBucketId + spec.hashBuckets),
  );
  assert.ok(fixture.cases.some((c) => c.ids.length === spec.maxTokens));
  assert.ok(fixture.cases.some((c) => c.ids.length === 0));
});

test('tokens: ASCII-only lowercasing, curly apostrophes, $ and !', () => {
  const tokenizer = createTokenizer(
    {
      type: 'wordvec',
      version: 1,
      replace: [
        ['\u2018', "'"],
        ['\u2019', "'"],
      ],
      lowercase: 'ascii',
      pattern: "[a-z0-9]+(?:'[a-z]+)?|[$!]",
      vocab: 'vocab.txt',
      vocabSize: 2,
      padId: 0,
      unknownId: 1,
      firstVocabId: 2,
      hash: 'fnv1a32-utf8',
      hashBuckets: 10,
      firstBucketId: 4,
      maxTokens: 4,
      truncation: 'first',
      padding: 'right',
    },
    ['the', "don't"],
  );
  assert.deepEqual(tokenizer.tokens('Don\u2019t PAY $5!! \u00c9t\u00c9 \u212aelvin'), [
    "don't",
    'pay',
    '$',
    '5',
    '!',
    '!',
    't',
    'elvin',
  ]);
  assert.deepEqual([...tokenizer.encode('the THE')], [2n, 2n, 0n, 0n]);
  assert.equal(tokenizer.tokenId('whale'), 4 + (fnv1a32('whale') % 10));
  const batch = tokenizer.encodeBatch(['the', '', "don't the the the the"]);
  assert.deepEqual(batch.dims, [3, 4]);
  assert.deepEqual([...batch.data], [2n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 3n, 2n, 2n, 2n]);
});

test('loadTokenizer refuses a tokenizer.json it does not implement', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smw-tokenizer-'));
  try {
    const spec = JSON.parse(readFileSync(join(modelDir, 'tokenizer.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    writeFileSync(join(dir, 'vocab.txt'), readFileSync(join(modelDir, 'vocab.txt')));
    const write = (changes: Record<string, unknown>) =>
      writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ ...spec, ...changes }));
    write({});
    assert.equal(loadTokenizer(dir).maxTokens, fixture.maxTokens);
    write({ lowercase: 'unicode' });
    assert.throws(() => loadTokenizer(dir), /lowercase is "unicode"/);
    write({ hashBuckets: 0 });
    assert.throws(() => loadTokenizer(dir), /hashBuckets must be at least 1/);
    write({ vocabSize: 15, firstBucketId: 17 });
    assert.throws(() => loadTokenizer(dir), /vocabSize is 15 but vocab.txt has/);
    write({ padId: 5 });
    assert.throws(() => loadTokenizer(dir), /padId must be 0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('encoder.onnx runs on the fixture ids: finite features of the stated size', async () => {
  const tokenizer = loadTokenizer(modelDir);
  const texts = fixture.cases.map((c) => c.text);
  const { data, dims } = tokenizer.encodeBatch(texts);
  const session = await ort.InferenceSession.create(join(modelDir, manifest.backbone));
  try {
    const out = await session.run({ [manifest.inputName]: new ort.Tensor('int64', data, dims) }, [
      manifest.featureName,
    ]);
    const features = out[manifest.featureName];
    assert.deepEqual(features.dims, [texts.length, manifest.featureSize]);
    assert.equal(manifest.featureSize, fixture.featureSize);
    const values = features.data as Float32Array;
    assert.ok(values.every(Number.isFinite), 'features are finite');
    // All-padding rows (no tokens at all) give one finite vector; a text with tokens differs.
    const row = (i: number) =>
      Array.from(values.subarray(i * manifest.featureSize, (i + 1) * manifest.featureSize));
    const empty = row(texts.indexOf(''));
    assert.deepEqual(row(texts.indexOf('   \n\t  ')), empty);
    assert.notDeepEqual(row(texts.indexOf('Hello, World!')), empty);
    // The same numbers onnxruntime gave the Python script.
    for (const { text, first } of fixture.features) {
      const got = row(texts.indexOf(text)).slice(0, first.length);
      got.forEach((v, i) =>
        assert.ok(Math.abs(v - first[i]) < 1e-4, `feature ${i} of ${JSON.stringify(text)}`),
      );
    }
  } finally {
    await session.release();
  }
});
