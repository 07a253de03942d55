/**
 * The tokenizer of a bundled text encoder (models/wordvec-en/tokenizer.json), implemented
 * exactly as scripts/pretrain/text_encoder.py does it:
 *   1. replace each `replace[i][0]` with `replace[i][1]` (the curly apostrophes become ')
 *   2. lowercase the ASCII letters A-Z only
 *   3. tokens = the matches of `pattern`, left to right
 *   4. a token on line i of vocab.txt has id firstVocabId + i; any other token has id
 *      firstBucketId + FNV-1a 32-bit(UTF-8 bytes of the token) mod hashBuckets
 *   5. the first maxTokens ids, padded on the right with padId (0)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TokenizerSpec {
  type: 'wordvec';
  version: 1;
  replace: [string, string][];
  lowercase: 'ascii';
  pattern: string;
  vocab: string;
  vocabSize: number;
  padId: number;
  unknownId: number;
  firstVocabId: number;
  hash: 'fnv1a32-utf8';
  hashBuckets: number;
  firstBucketId: number;
  maxTokens: number;
  truncation: 'first';
  padding: 'right';
}

export interface EncodedBatch {
  /** Row-major token ids, `dims[0]` rows of `dims[1]`. */
  data: BigInt64Array;
  dims: [number, number];
}

export interface Tokenizer {
  readonly spec: TokenizerSpec;
  readonly maxTokens: number;
  /** The tokens of a text, before ids and truncation. */
  tokens(text: string): string[];
  /** The id of one token. */
  tokenId(token: string): number;
  /** maxTokens ids: the text's first tokens, then padding (0). */
  encode(text: string): BigInt64Array;
  encodeBatch(texts: readonly string[]): EncodedBatch;
}

/** FNV-1a, 32 bits, over the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

const ASCII_UPPER = /[A-Z]+/g;

function lowercaseAscii(text: string): string {
  return text.replace(ASCII_UPPER, (run) => run.toLowerCase());
}

function fail(dir: string, message: string): never {
  throw new Error(`${join(dir, 'tokenizer.json')}: ${message}`);
}

function checkSpec(raw: unknown, dir: string): TokenizerSpec {
  if (typeof raw !== 'object' || raw === null) fail(dir, 'not a JSON object');
  const spec = raw as Record<string, unknown>;
  const expect = (key: string, value: unknown) => {
    if (spec[key] !== value)
      fail(dir, `${key} is ${JSON.stringify(spec[key])}, this tokenizer supports ${value}`);
  };
  expect('type', 'wordvec');
  expect('version', 1);
  expect('lowercase', 'ascii');
  expect('hash', 'fnv1a32-utf8');
  expect('truncation', 'first');
  expect('padding', 'right');
  for (const key of [
    'vocabSize',
    'padId',
    'unknownId',
    'firstVocabId',
    'hashBuckets',
    'firstBucketId',
    'maxTokens',
  ]) {
    const value = spec[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
      fail(dir, `${key} must be a non-negative integer`);
  }
  if (typeof spec.pattern !== 'string') fail(dir, 'pattern must be a string');
  if (typeof spec.vocab !== 'string') fail(dir, 'vocab must be a file name');
  const replace = spec.replace;
  if (
    !Array.isArray(replace) ||
    !replace.every(
      (pair): pair is [string, string] =>
        Array.isArray(pair) &&
        pair.length === 2 &&
        typeof pair[0] === 'string' &&
        pair[0] !== '' &&
        typeof pair[1] === 'string',
    )
  )
    fail(dir, 'replace must be a list of [from, to] string pairs');
  const typed = spec as unknown as TokenizerSpec;
  if (typed.hashBuckets < 1) fail(dir, 'hashBuckets must be at least 1');
  if (typed.maxTokens < 1) fail(dir, 'maxTokens must be at least 1');
  if (typed.firstBucketId !== typed.firstVocabId + typed.vocabSize)
    fail(dir, 'firstBucketId must follow the vocabulary (firstVocabId + vocabSize)');
  return typed;
}

/** Builds a tokenizer from its spec and vocabulary (one token per entry, in id order). */
export function createTokenizer(spec: TokenizerSpec, vocab: readonly string[]): Tokenizer {
  const ids = new Map<string, number>();
  vocab.forEach((token, i) => {
    if (!ids.has(token)) ids.set(token, spec.firstVocabId + i);
  });
  const pattern = new RegExp(spec.pattern, 'g');
  const tokens = (text: string): string[] => {
    let normalized = text;
    for (const [from, to] of spec.replace) normalized = normalized.split(from).join(to);
    return lowercaseAscii(normalized).match(pattern) ?? [];
  };
  const tokenId = (token: string): number =>
    ids.get(token) ?? spec.firstBucketId + (fnv1a32(token) % spec.hashBuckets);
  const encodeInto = (text: string, out: BigInt64Array, offset: number): void => {
    const found = tokens(text);
    const n = Math.min(found.length, spec.maxTokens);
    for (let i = 0; i < n; i++) out[offset + i] = BigInt(tokenId(found[i]));
    // The rest stays padding: new BigInt64Arrays are zero-filled and padId is checked to be 0.
  };
  if (spec.padId !== 0) throw new Error(`tokenizer padId must be 0, not ${spec.padId}`);
  return {
    spec,
    maxTokens: spec.maxTokens,
    tokens,
    tokenId,
    encode(text) {
      const out = new BigInt64Array(spec.maxTokens);
      encodeInto(text, out, 0);
      return out;
    },
    encodeBatch(texts) {
      const data = new BigInt64Array(texts.length * spec.maxTokens);
      texts.forEach((text, row) => encodeInto(text, data, row * spec.maxTokens));
      return { data, dims: [texts.length, spec.maxTokens] };
    },
  };
}

/** Reads `<dir>/tokenizer.json` and the vocabulary file it names. */
export function loadTokenizer(dir: string): Tokenizer {
  const spec = checkSpec(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')), dir);
  const lines = readFileSync(join(dir, spec.vocab), 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length !== spec.vocabSize)
    fail(dir, `vocabSize is ${spec.vocabSize} but ${spec.vocab} has ${lines.length} lines`);
  return createTokenizer(spec, lines);
}
