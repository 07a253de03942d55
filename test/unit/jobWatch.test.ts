/**
 * Demand counting for the backend's change notification (src/ui/jobWatch.ts) against a fake
 * backend that counts its watchChanges subscriptions and their disposals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobWatch, type Watchable } from '../../src/ui/jobWatch';

class FakeBackend implements Watchable {
  subscribed = 0;
  disposed = 0;
  private readonly listeners = new Set<() => void>();

  watchChanges(listener: () => void): { dispose(): void } {
    this.subscribed++;
    this.listeners.add(listener);
    let done = false;
    return {
      dispose: () => {
        if (done) return;
        done = true;
        this.disposed++;
        this.listeners.delete(listener);
      },
    };
  }

  get live(): number {
    return this.subscribed - this.disposed;
  }

  change(): void {
    for (const listener of this.listeners) listener();
  }
}

function setup(always = false) {
  const backend = new FakeBackend();
  let changes = 0;
  const watch = new JobWatch(() => changes++);
  watch.setSource(backend, always);
  return { backend, watch, changes: () => changes };
}

test('nothing is watched without demand; one subscription however many hold it', () => {
  const { backend, watch } = setup();
  assert.equal(backend.subscribed, 0);
  assert.equal(watch.watching, false);

  const view = watch.acquire('Training Jobs view');
  const panel = watch.acquire('tuning dashboard');
  assert.equal(backend.subscribed, 1);
  assert.equal(backend.live, 1);
  assert.deepEqual(watch.reasons, ['Training Jobs view', 'tuning dashboard']);

  view.dispose();
  assert.equal(backend.live, 1, 'the dashboard still holds it');
  view.dispose();
  assert.equal(backend.live, 1, 'a second dispose of one holder counts once');
  panel.dispose();
  assert.equal(backend.live, 0);
  assert.equal(backend.disposed, 1);
  assert.equal(watch.watching, false);
  assert.deepEqual(watch.reasons, []);
});

test("the backend's changes reach the listener while watched, and none after", () => {
  const { backend, watch, changes } = setup();
  const hold = watch.acquire('view');
  backend.change();
  backend.change();
  assert.equal(changes(), 2);
  hold.dispose();
  backend.change();
  assert.equal(changes(), 2);
});

test('watching again after a gap tells the listener once; the first watch does not', () => {
  const { backend, watch, changes } = setup();
  const first = watch.acquire('view');
  assert.equal(changes(), 0, 'a view shown for the first time reads anyway');
  first.dispose();
  const again = watch.acquire('view');
  assert.equal(changes(), 1, 'what changed while hidden: read once');
  const more = watch.acquire('panel');
  assert.equal(changes(), 1, 'no gap: no event');
  again.dispose();
  more.dispose();
  assert.equal(backend.subscribed, 2);
  assert.equal(backend.disposed, 2);
});

test('a free source (the local file watcher) is watched without demand', () => {
  const { backend, watch, changes } = setup(true);
  assert.equal(backend.live, 1);
  const hold = watch.acquire('view');
  hold.dispose();
  assert.equal(backend.subscribed, 1, 'demand neither adds nor drops subscriptions');
  assert.equal(backend.live, 1);
  assert.equal(changes(), 0);
});

test('a new backend replaces the old one; demand carries over', () => {
  const { backend: old, watch } = setup();
  const hold = watch.acquire('view');
  const next = new FakeBackend();
  watch.setSource(next, false);
  assert.equal(old.live, 0);
  assert.equal(next.live, 1);
  watch.setSource(undefined, false);
  assert.equal(next.live, 0, 'a failed rebuild watches nothing');
  const local = new FakeBackend();
  watch.setSource(local, true);
  hold.dispose();
  assert.equal(local.live, 1);
  watch.dispose();
  assert.equal(local.live, 0);
  watch.acquire('late').dispose();
  assert.equal(local.subscribed, 1, 'nothing after dispose');
});
