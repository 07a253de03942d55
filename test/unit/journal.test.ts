import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendEvent, JournalReader, readJournal } from '../../src/engine/store/journal';
import { tempDir } from './helpers';

const isEvent = (v: unknown): v is { n: number } => typeof (v as { n?: unknown }).n === 'number';

test('a torn tail left by a crash is closed off before the next append', () => {
  const file = join(tempDir(), 'journal.jsonl');
  appendEvent(file, { n: 1 });
  writeFileSync(file, `${readFileSync(file, 'utf8')}{"n":2,"half`);
  appendEvent(file, { n: 3 });
  const { events, problems } = readJournal(file, isEvent);
  assert.deepEqual(events, [{ n: 1 }, { n: 3 }]);
  assert.equal(problems.length, 1);
  assert.equal(problems[0].line, 2);
});

test('unknown events are skipped and reported', () => {
  const file = join(tempDir(), 'journal.jsonl');
  writeFileSync(file, '{"n":1}\n{"x":1}\n');
  const { events, problems } = readJournal(file, isEvent);
  assert.deepEqual(events, [{ n: 1 }]);
  assert.match(problems[0].message, /not a known event/);
});

test('JournalReader parses only what was appended, and notices a rewritten file', () => {
  const file = join(tempDir(), 'journal.jsonl');
  const reader = new JournalReader(file, isEvent);
  appendEvent(file, { n: 1 });
  assert.deepEqual(reader.read().events, [{ n: 1 }]);
  writeFileSync(file, `${readFileSync(file, 'utf8')}{"n":2}\n{"n":`);
  const partial = reader.read();
  assert.deepEqual(partial.events, [{ n: 1 }, { n: 2 }]);
  assert.match(partial.problems[0].message, /incomplete last line/);
  writeFileSync(file, `${readFileSync(file, 'utf8')}3}\n`);
  assert.deepEqual(reader.read(), { events: [{ n: 1 }, { n: 2 }, { n: 3 }], problems: [] });
  writeFileSync(file, '{"n":9}\n{"n":1}\n{"n":2}\n{"n":3}\n'); // rewritten in place, not appended
  assert.deepEqual(reader.read().events, [{ n: 9 }, { n: 1 }, { n: 2 }, { n: 3 }]);
});
