/**
 * The strategy contract, run over every strategy the local engine offers: suggestions lie in
 * the space (integers whole, categoricals valid), a seed reproduces them, running trials are
 * taken into account, and a finite space is not repeated while it has untried points.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STRATEGIES } from '../../src/engine/tuning/strategies';
import type { SearchSpace, Configuration } from '../../src/engine/tuning/searchSpace';
import {
  configurationKey,
  fromUnit,
  toUnit,
  toHyperParameters,
} from '../../src/engine/tuning/searchSpace';
import type { Trial } from '../../src/engine/tuning/strategy';
import { Random } from '../../src/engine/util/random';

const MIXED: SearchSpace = {
  parameters: [
    { kind: 'Continuous', name: 'lr', min: 1e-4, max: 1e-1, scaling: 'Logarithmic' },
    { kind: 'Integer', name: 'layers', min: 1, max: 4, scaling: 'Linear' },
    { kind: 'Continuous', name: 'momentum', min: 0.5, max: 0.999, scaling: 'ReverseLogarithmic' },
    { kind: 'Categorical', name: 'optimizer', values: ['adam', 'sgd', 'rmsprop'] },
  ],
};
const CATEGORICAL: SearchSpace = {
  parameters: [
    { kind: 'Categorical', name: 'a', values: ['1', '2'] },
    { kind: 'Categorical', name: 'b', values: ['x', 'y', 'z'] },
  ],
};

function inSpace(space: SearchSpace, config: Configuration): void {
  for (const p of space.parameters) {
    const v = config[p.name];
    if (p.kind === 'Categorical') assert.ok(p.values.includes(v as string), `${p.name}=${v}`);
    else {
      assert.equal(typeof v, 'number');
      assert.ok(
        (v as number) >= p.min && (v as number) <= p.max,
        `${p.name}=${v} in [${p.min}, ${p.max}]`,
      );
      if (p.kind === 'Integer') assert.ok(Number.isInteger(v), `${p.name}=${v} is whole`);
    }
  }
}

/** A synthetic objective so model-based strategies have something to learn. */
function objective(config: Configuration): number {
  const lr = Math.log10(config.lr as number);
  return (
    (lr + 2) ** 2 +
    ((config.layers as number) - 2) ** 2 * 0.1 +
    (config.optimizer === 'adam' ? 0 : 0.5)
  );
}

function run(name: string, space: SearchSpace, seed: number, n: number, parallel = 1): Trial[] {
  const strategy = STRATEGIES[name as keyof typeof STRATEGIES]!;
  const history: Trial[] = [];
  for (let i = 0; i < n; i++) {
    // With parallel > 1 the last (parallel - 1) trials are still running when the next is asked for.
    const view = history.map((t, j) =>
      j >= history.length - (parallel - 1)
        ? { ...t, state: 'running' as const, objective: undefined }
        : t,
    );
    const config = strategy.suggest(view, {
      space,
      random: new Random(seed * 1000 + i),
      budget: n,
    });
    if (!config) break;
    history.push({
      id: `t${i}`,
      configuration: config,
      state: 'completed',
      objective: space === MIXED ? objective(config) : i,
    });
  }
  return history;
}

for (const name of Object.keys(STRATEGIES)) {
  const space = name === 'Grid' ? CATEGORICAL : MIXED;
  test(`strategy contract: ${name}`, () => {
    const trials = run(name, space, 3, 6);
    assert.equal(trials.length, 6);
    for (const t of trials) inSpace(space, t.configuration);
    assert.deepEqual(
      run(name, space, 3, 6).map((t) => t.configuration),
      trials.map((t) => t.configuration),
      'same seed, same suggestions',
    );
    const keys = trials.map((t) => configurationKey(space, t.configuration));
    assert.equal(new Set(keys).size, keys.length, 'no repeats');
    const parallel = run(name, space, 5, 6, 3);
    const parallelKeys = parallel.map((t) => configurationKey(space, t.configuration));
    assert.equal(
      new Set(parallelKeys).size,
      parallelKeys.length,
      'running trials are not suggested again',
    );
  });
}

test('Grid search ends when the grid is exhausted', () => {
  const trials = run('Grid', CATEGORICAL, 1, 10);
  assert.equal(trials.length, 6);
});

test('scaling maps the unit interval as SageMaker scales ranges', () => {
  const log = {
    kind: 'Continuous' as const,
    name: 'lr',
    min: 1e-4,
    max: 1e-1,
    scaling: 'Logarithmic' as const,
  };
  assert.ok(
    Math.abs(fromUnit(log, 0.5) - Math.sqrt(1e-4 * 1e-1)) < 1e-12,
    'log scale midpoint is the geometric mean',
  );
  assert.ok(Math.abs(toUnit(log, 1e-2) - 2 / 3) < 1e-12);
  const reverse = {
    kind: 'Continuous' as const,
    name: 'm',
    min: 0.9,
    max: 0.999,
    scaling: 'ReverseLogarithmic' as const,
  };
  assert.ok(
    Math.abs(fromUnit(reverse, 0.5) - (1 - Math.sqrt(0.1 * 0.001))) < 1e-12,
    'reverse log midpoint',
  );
  const integer = {
    kind: 'Integer' as const,
    name: 'n',
    min: 1,
    max: 3,
    scaling: 'Linear' as const,
  };
  const counts = [0, 0, 0];
  for (let i = 0; i < 300; i++) counts[(fromUnit(integer, (i + 0.5) / 300) as number) - 1]++;
  assert.deepEqual(counts, [100, 100, 100], 'each integer owns an equal share');
  assert.deepEqual(toHyperParameters({ parameters: [integer, log] }, { n: 2, lr: 0.1 + 0.2 }), {
    n: '2',
    lr: '0.3',
  });
});
