// The backbone catalog's download path without a network: a fetch that serves bytes, checked
// against the catalog's sha256 and size before anything is kept, and cached for next time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOG, downloadCatalogEntry, type CatalogEntry } from '../../src/engine/builtin/catalog';
import { tempDir } from './helpers';

function entryFor(bytes: Uint8Array, overrides: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    ...CATALOG[0],
    name: 'test-model',
    url: 'https://example.invalid/model.onnx',
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sizeBytes: bytes.length,
    ...overrides,
  };
}

function serving(bytes: Uint8Array, calls: string[]): typeof fetch {
  return (async (url: string | URL | Request) => {
    calls.push(String(url));
    return new Response(bytes, { status: 200 });
  }) as typeof fetch;
}

test('catalog entries name an https URL, a sha256 and a size', () => {
  assert.ok(CATALOG.length >= 2);
  for (const entry of CATALOG) {
    assert.match(entry.url, /^https:\/\//);
    assert.match(entry.sha256, /^[0-9a-f]{64}$/);
    assert.ok(entry.sizeBytes > 1_000_000);
  }
});

test('a download is kept only when its sha256 matches, and is served from the cache after', async () => {
  const cache = tempDir('smw-catalog-');
  const bytes = new Uint8Array(4096).map((_, i) => i % 251);
  const calls: string[] = [];
  const entry = entryFor(bytes);
  const first = await downloadCatalogEntry(entry, { fetch: serving(bytes, calls) }, cache);
  assert.ok(existsSync(first.path));
  assert.equal(first.sha256, entry.sha256);
  await downloadCatalogEntry(entry, { fetch: serving(bytes, calls) }, cache);
  assert.equal(calls.length, 1, 'the second call reads the cache');

  const tampered = entryFor(bytes, { name: 'tampered', sha256: 'a'.repeat(64) });
  await assert.rejects(
    downloadCatalogEntry(tampered, { fetch: serving(bytes, calls) }, cache),
    /has sha256 [0-9a-f]{64}, not the catalog's a{64}; refused/,
  );
  assert.deepEqual(readdirSync(join(cache, 'tampered')), [], 'nothing kept');

  const oversized = entryFor(new Uint8Array(10), { name: 'oversized' });
  await assert.rejects(
    downloadCatalogEntry(oversized, { fetch: serving(bytes, calls) }, cache),
    /larger than the catalog's 10 bytes/,
  );
  const failing = (async () => new Response('nope', { status: 404 })) as typeof fetch;
  await assert.rejects(
    downloadCatalogEntry(entryFor(bytes, { name: 'missing' }), { fetch: failing }, cache),
    /answered HTTP 404/,
  );
});
