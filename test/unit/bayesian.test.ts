import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../../src/engine/util/random';
import {
  configurationKey,
  toUnit,
  type Configuration,
  type Parameter,
  type SearchSpace,
} from '../../src/engine/tuning/searchSpace';
import type { Trial } from '../../src/engine/tuning/strategy';
import { randomSearch } from '../../src/engine/tuning/strategies/randomSearch';
import { bayesianSearch } from '../../src/engine/tuning/strategies/bayesian';
import {
  erfcx,
  logExpectedImprovement,
  logH,
  normalCdf,
  normalPdf,
} from '../../src/engine/tuning/strategies/bayesian/acquisition';
import { matern52, matern52DerivR2 } from '../../src/engine/tuning/strategies/bayesian/kernel';
import {
  fitHyperparameters,
  negLogPosterior,
  thetaLength,
  Posterior,
  type GpData,
} from '../../src/engine/tuning/strategies/bayesian/gp';
import { choleskyWithJitter } from '../../src/engine/tuning/strategies/bayesian/linalg';
import { clearFitCache } from '../../src/engine/tuning/strategies/bayesian/model';
import { sobolPoint } from '../../src/engine/tuning/strategies/bayesian/sobol';
import { yeoJohnson, warp } from '../../src/engine/tuning/strategies/bayesian/warping';

// ------------------------------------------------------------------------------- helpers

function branin(c: Configuration): number {
  const x1 = c.x1 as number;
  const x2 = c.x2 as number;
  const b = 5.1 / (4 * Math.PI ** 2);
  return (
    (x2 - b * x1 ** 2 + (5 / Math.PI) * x1 - 6) ** 2 +
    10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) +
    10
  );
}
const BRANIN_MIN = 0.397887357729738;
const braninSpace: SearchSpace = {
  parameters: [
    { kind: 'Continuous', name: 'x1', min: -5, max: 10, scaling: 'Linear' },
    { kind: 'Continuous', name: 'x2', min: 0, max: 15, scaling: 'Linear' },
  ],
};

/** A sequential run of `strategy`: the objective values in trial order. */
function run(
  strategy: typeof bayesianSearch,
  space: SearchSpace,
  objective: (c: Configuration) => number,
  budget: number,
  seed: number,
): { history: Trial[]; values: number[] } {
  const random = new Random(seed);
  const history: Trial[] = [];
  for (let t = 0; t < budget; t++) {
    const configuration = strategy.suggest(history, { space, random, budget });
    assert.ok(configuration, 'a suggestion');
    history.push({
      id: `t${t}`,
      configuration,
      state: 'completed',
      objective: objective(configuration),
    });
  }
  return { history, values: history.map((t) => t.objective as number) };
}

function randomData(n: number, dims: number, categorical: Uint8Array, seed: number): GpData {
  const random = new Random(seed);
  const x = new Float64Array(n * dims);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dims; d++) x[i * dims + d] = categorical[d] ? random.int(3) : random.next();
    y[i] = Math.sin(5 * x[i * dims]) + 0.3 * random.normal();
  }
  return { x, y, n, dims, categorical };
}

/** The analytic gradient of the negative log posterior against central differences. */
function assertGradientMatches(theta: Float64Array, data: GpData): void {
  const grad = new Float64Array(theta.length);
  negLogPosterior(theta, data, grad);
  for (let p = 0; p < theta.length; p++) {
    const h = 1e-5;
    const up = theta.slice();
    up[p] += h;
    const down = theta.slice();
    down[p] -= h;
    const fd = (negLogPosterior(up, data) - negLogPosterior(down, data)) / (2 * h);
    assert.ok(
      Math.abs(fd - grad[p]) < 1e-4 * Math.max(1, Math.abs(fd)),
      `theta[${p}]: analytic ${grad[p]}, numeric ${fd}`,
    );
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// ------------------------------------------------------------------------------- kernel

test('Matern 5/2 derivative in r^2 matches finite differences, and the kernel is 1 at 0', () => {
  assert.equal(matern52(0), 1);
  for (const r2 of [1e-4, 0.01, 0.3, 1, 4, 25]) {
    const h = 1e-6 * Math.max(r2, 1e-3);
    const fd = (matern52(r2 + h) - matern52(r2 - h)) / (2 * h);
    assert.ok(
      Math.abs(fd - matern52DerivR2(r2)) < 1e-6,
      `r2=${r2}: ${fd} vs ${matern52DerivR2(r2)}`,
    );
  }
  assert.ok(matern52(0.5) < matern52(0.1), 'correlation decreases with distance');
});

test('log posterior gradient (lengthscales incl. a categorical one, signal, noise) matches finite differences', () => {
  const categorical = new Uint8Array([0, 0, 1]);
  const data = randomData(25, 3, categorical, 3);
  const theta = Float64Array.from([
    Math.log(0.4),
    Math.log(0.9),
    Math.log(0.7),
    Math.log(1.3),
    Math.log(0.05),
  ]);
  assertGradientMatches(theta, data);
});

test('posterior mean and variance gradients match finite differences', () => {
  const categorical = new Uint8Array([0, 0, 1]);
  const data = randomData(30, 3, categorical, 5);
  const theta = Float64Array.from([Math.log(0.3), Math.log(0.5), Math.log(1), 0, Math.log(1e-3)]);
  const posterior = Posterior.create(data, theta);
  assert.ok(posterior);
  const point = Float64Array.from([0.37, 0.61, 1]);
  const gm = new Float64Array(3);
  const gv = new Float64Array(3);
  posterior.predictWithGradient(point, gm, gv);
  const mean = new Float64Array(1);
  const variance = new Float64Array(1);
  for (let d = 0; d < 2; d++) {
    const h = 1e-6;
    const at = (delta: number) => {
      const p = point.slice();
      p[d] += delta;
      posterior.predict(p, 1, mean, variance);
      return [mean[0], variance[0]];
    };
    const [m1, v1] = at(h);
    const [m0, v0] = at(-h);
    assert.ok(Math.abs((m1 - m0) / (2 * h) - gm[d]) < 1e-5, `mean gradient dim ${d}`);
    assert.ok(Math.abs((v1 - v0) / (2 * h) - gv[d]) < 1e-5, `variance gradient dim ${d}`);
  }
  assert.equal(gm[2], 0, 'no gradient along a categorical coordinate');
});

test('log posterior gradient with related rows (their own noise, the last entry of theta) matches finite differences', () => {
  const categorical = new Uint8Array([0, 1]);
  const data = randomData(24, 2, categorical, 5);
  const related = new Uint8Array(24).map((_, i) => (i % 3 === 0 ? 1 : 0));
  const withRelated: GpData = { ...data, related };
  assert.equal(thetaLength(withRelated), 5);
  assert.equal(thetaLength(data), 4);
  const theta = Float64Array.from([
    Math.log(0.3),
    Math.log(0.8),
    Math.log(1.1),
    Math.log(0.02),
    Math.log(0.2),
  ]);
  assertGradientMatches(theta, withRelated);
});

test("related rows: the fit trusts a related function's results that agree, and not ones that conflict", () => {
  // This job's function on 12 points; 20 related results of the same function, or of the
  // same function shifted (its optimum elsewhere).
  const f = (u: number) => Math.sin(6 * u);
  const random = new Random(4);
  const own = Array.from({ length: 12 }, () => random.next());
  const others = Array.from({ length: 20 }, () => random.next());
  const fitRelatedNoise = (relatedF: (u: number) => number) => {
    const xs = [...others, ...own];
    const ys = [...others.map(relatedF), ...own.map(f)];
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    const std = Math.sqrt(ys.reduce((a, b) => a + (b - mean) ** 2, 0) / ys.length);
    const data: GpData = {
      x: Float64Array.from(xs),
      y: Float64Array.from(ys, (v) => (v - mean) / std),
      n: xs.length,
      dims: 1,
      categorical: new Uint8Array(1),
      related: Uint8Array.from(xs, (_, i) => (i < others.length ? 1 : 0)),
    };
    const { theta } = fitHyperparameters(data, new Random(2), {
      randomStarts: 4,
      maxIterations: 100,
    });
    return Math.exp(theta[3]);
  };
  const same = fitRelatedNoise(f);
  const shifted = fitRelatedNoise((u) => f(u - 0.25));
  assert.ok(same < 0.05, `related noise for the same function: ${same}`);
  assert.ok(shifted > 10 * same, `related noise for a shifted function: ${shifted} vs ${same}`);
});

test('maximum a posteriori fit recovers the lengthscales of a GP draw', () => {
  // Draw f ~ GP(0, Matern52 with l = (0.15, 1.5)) at 70 points, observe with tiny noise.
  const random = new Random(11);
  const n = 70;
  const dims = 2;
  const x = new Float64Array(n * dims).map(() => random.next());
  const trueL = [0.15, 1.5];
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let r2 = 0;
      for (let d = 0; d < dims; d++) r2 += ((x[i * dims + d] - x[j * dims + d]) / trueL[d]) ** 2;
      k[i * n + j] = matern52(r2) + (i === j ? 1e-6 : 0);
    }
  const chol = choleskyWithJitter(k, n);
  assert.ok(chol);
  const z = Array.from({ length: n }, () => random.normal());
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) y[i] += chol.factor[i * n + j] * z[j];
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  const data: GpData = {
    x,
    y: y.map((v) => (v - mean) / std),
    n,
    dims,
    categorical: new Uint8Array(2),
  };
  const { theta } = fitHyperparameters(data, new Random(1), {
    randomStarts: 4,
    maxIterations: 100,
  });
  const fitted = [Math.exp(theta[0]), Math.exp(theta[1])];
  assert.ok(fitted[0] > 0.08 && fitted[0] < 0.3, `short lengthscale ${fitted[0]} (true 0.15)`);
  assert.ok(fitted[1] > 4 * fitted[0], `long lengthscale ${fitted[1]} vs ${fitted[0]}`);
  assert.ok(Math.exp(theta[3]) < 0.01, `noise ${Math.exp(theta[3])} should be small`);
});

// -------------------------------------------------------------------------- acquisition

test('erfcx and log EI agree with high-precision references, also far in the tail', () => {
  const erfcxRef: [number, number][] = [
    [0, 1],
    [0.5, 0.6156903441929258],
    [1, 0.427583576155807],
    [3, 0.17900115118138998],
    [10, 0.05614099274382259],
    [100, 0.005641613782989433],
  ];
  for (const [x, ref] of erfcxRef) assert.ok(Math.abs(erfcx(x) / ref - 1) < 1e-13, `erfcx(${x})`);
  // log h(z), h(z) = phi(z) + z Phi(z), from mpmath at 50 digits.
  const logHRef: [number, number][] = [
    [2, 0.6973835457882284],
    [0, -0.9189385332046728],
    [-1, -2.4851210257126413],
    [-5, -16.74430116266099],
    [-20, -206.9178385094251],
    [-40, -808.29856835662],
  ];
  for (const [z, ref] of logHRef)
    assert.ok(Math.abs(logH(z).value - ref) < 1e-9 * Math.abs(ref) + 1e-12, `log h(${z})`);
  // Where EI itself underflows to 0, log EI stays finite and ordered.
  assert.equal(normalPdf(-40) + -40 * normalCdf(-40), 0);
  assert.ok(Number.isFinite(logExpectedImprovement(41, 1, 1).value));
  assert.ok(logExpectedImprovement(41, 1, 1).value > logExpectedImprovement(42, 1, 1).value);
});

test('EI grows with uncertainty and with a lower mean; its derivatives match finite differences', () => {
  const best = 0;
  let previous = -Infinity;
  for (const variance of [1e-6, 1e-3, 0.1, 1, 10]) {
    const value = logExpectedImprovement(0.5, variance, best).value;
    assert.ok(value > previous, 'increasing in the variance');
    previous = value;
  }
  previous = -Infinity;
  for (const mean of [3, 1, 0, -1, -3]) {
    const value = logExpectedImprovement(mean, 0.5, best).value;
    assert.ok(value > previous, 'increasing as the mean decreases');
    previous = value;
  }
  // Direct formula where it is accurate: EI = sigma (phi(z) + z Phi(z)).
  const sigma = Math.sqrt(0.7);
  const z = (best - 0.2) / sigma;
  const direct = sigma * (normalPdf(z) + z * normalCdf(z));
  assert.ok(Math.abs(logExpectedImprovement(0.2, 0.7, best).value - Math.log(direct)) < 1e-12);
  for (const [mean, variance] of [
    [0.2, 0.7],
    [6, 0.04],
    [-1, 2],
  ]) {
    const at = logExpectedImprovement(mean, variance, best);
    const h = 1e-6;
    const dMean =
      (logExpectedImprovement(mean + h, variance, best).value -
        logExpectedImprovement(mean - h, variance, best).value) /
      (2 * h);
    const dVar =
      (logExpectedImprovement(mean, variance + h, best).value -
        logExpectedImprovement(mean, variance - h, best).value) /
      (2 * h);
    assert.ok(Math.abs(dMean - at.dMean) < 1e-5 * Math.max(1, Math.abs(dMean)), `dMean at ${mean}`);
    assert.ok(
      Math.abs(dVar - at.dVariance) < 1e-5 * Math.max(1, Math.abs(dVar)),
      `dVariance at ${mean}`,
    );
  }
});

test('Sobol points match the reference sequence; warping is monotone with the right Jacobian', () => {
  const out = new Float64Array(3);
  const zero = new Uint32Array(3);
  const expected = [
    [0, 0, 0],
    [0.5, 0.5, 0.5],
    [0.75, 0.25, 0.25],
    [0.25, 0.75, 0.75],
    [0.375, 0.375, 0.625],
  ];
  expected.forEach((row, i) => {
    sobolPoint(i, 3, zero, out);
    assert.deepEqual(Array.from(out), row);
  });
  const z = Float64Array.from([-1.2, -0.3, 0, 0.4, 2.5, 6]);
  for (const lambda of [-1, 0, 0.5, 1, 2]) {
    for (let i = 1; i < z.length; i++)
      assert.ok(yeoJohnson(z[i], lambda) > yeoJohnson(z[i - 1], lambda));
  }
  assert.deepEqual(
    Array.from(warp(z, 1).values).map((v) => v.toFixed(10)),
    Array.from(
      warp(
        z.map((v) => 3 * v),
        1,
      ).values,
    ).map((v) => v.toFixed(10)),
    'lambda = 1 only standardises',
  );
});

// ----------------------------------------------------------------------------- strategy

const mixedSpace: SearchSpace = {
  parameters: [
    { kind: 'Continuous', name: 'lr', min: 1e-5, max: 1e-1, scaling: 'Logarithmic' },
    { kind: 'Continuous', name: 'momentum', min: 0.5, max: 0.999, scaling: 'ReverseLogarithmic' },
    { kind: 'Integer', name: 'layers', min: 1, max: 8, scaling: 'Linear' },
    { kind: 'Integer', name: 'batch', min: 16, max: 512, scaling: 'Logarithmic' },
    { kind: 'Categorical', name: 'optimizer', values: ['sgd', 'adam', 'rmsprop'] },
  ],
};
function mixedObjective(c: Configuration): number {
  const lr = Math.log10(c.lr as number);
  const optimizerPenalty = { sgd: 0.4, adam: 0, rmsprop: 0.2 }[c.optimizer as string] ?? 1;
  return (
    (lr + 3) ** 2 +
    ((c.layers as number) - 4) ** 2 / 4 +
    Math.abs(Math.log2((c.batch as number) / 64)) / 3 +
    optimizerPenalty +
    (1 - (c.momentum as number)) * 2
  );
}

test('suggestions stay in bounds: integers whole, categoricals valid, through the model phase', () => {
  const { history } = run(bayesianSearch, mixedSpace, mixedObjective, 16, 4);
  for (const { configuration: c } of history) {
    for (const p of mixedSpace.parameters) {
      const value = c[p.name];
      if (p.kind === 'Categorical') {
        assert.ok(p.values.includes(value as string), `${p.name}=${value}`);
      } else {
        assert.equal(typeof value, 'number');
        assert.ok((value as number) >= p.min && (value as number) <= p.max, `${p.name}=${value}`);
        if (p.kind === 'Integer') assert.ok(Number.isInteger(value), `${p.name}=${value}`);
      }
    }
  }
  const keys = new Set(history.map((t) => configurationKey(mixedSpace, t.configuration)));
  assert.equal(keys.size, history.length, 'no configuration suggested twice');
});

test('the same history and generator state give the same suggestion, cache or not', () => {
  const a = run(bayesianSearch, braninSpace, branin, 12, 21).history;
  clearFitCache();
  const b = run(bayesianSearch, braninSpace, branin, 12, 21).history;
  assert.deepEqual(
    b.map((t) => t.configuration),
    a.map((t) => t.configuration),
  );
  // A later call with a replayed generator state reproduces the suggestion exactly.
  const random = new Random(99);
  const first = bayesianSearch.suggest(a, { space: braninSpace, random });
  clearFitCache();
  const again = bayesianSearch.suggest(a, { space: braninSpace, random: new Random(99) });
  assert.deepEqual(again, first);
  const differentSeed = run(bayesianSearch, braninSpace, branin, 6, 22).history;
  assert.notDeepEqual(differentSeed[1].configuration, a[1].configuration);
});

test('a small finite space is covered without repeats, failed configurations included', () => {
  const space: SearchSpace = {
    parameters: [
      { kind: 'Integer', name: 'k', min: 1, max: 3, scaling: 'Linear' },
      { kind: 'Categorical', name: 'c', values: ['a', 'b'] },
    ],
  };
  const random = new Random(5);
  const history: Trial[] = [];
  for (let t = 0; t < 6; t++) {
    const configuration = bayesianSearch.suggest(history, { space, random });
    assert.ok(configuration);
    const fails = configuration.k === 2;
    history.push({
      id: `t${t}`,
      configuration,
      state: fails ? 'failed' : 'completed',
      objective: fails
        ? undefined
        : (configuration.k as number) + (configuration.c === 'a' ? 0 : 1),
    });
  }
  const keys = history.map((t) => configurationKey(space, t.configuration));
  assert.equal(new Set(keys).size, 6, `all six configurations once: ${keys.join(' ')}`);
});

test('running trials steer parallel suggestions apart (kriging believer)', () => {
  const { history } = run(bayesianSearch, braninSpace, branin, 14, 8);
  const random = new Random(3);
  const parallel: Configuration[] = [];
  const pending: Trial[] = [...history];
  for (let w = 0; w < 4; w++) {
    const configuration = bayesianSearch.suggest(pending, { space: braninSpace, random });
    assert.ok(configuration);
    parallel.push(configuration);
    pending.push({ id: `p${w}`, configuration, state: 'running' });
  }
  const unit = (c: Configuration) =>
    braninSpace.parameters.map((p) =>
      toUnit(p as Exclude<Parameter, { kind: 'Categorical' }>, c[p.name] as number),
    );
  for (let i = 0; i < parallel.length; i++)
    for (let j = 0; j < i; j++) {
      const a = unit(parallel[i]);
      const b = unit(parallel[j]);
      const distance = Math.hypot(a[0] - b[0], a[1] - b[1]);
      assert.ok(distance > 0.02, `workers ${i} and ${j} are ${distance} apart`);
    }
});

test('Bayesian optimisation beats random search on Branin at a small budget', () => {
  const budget = 24;
  const seeds = [0, 1, 2];
  const regret = (values: number[]) => Math.min(...values) - BRANIN_MIN;
  const ours = seeds.map((s) => regret(run(bayesianSearch, braninSpace, branin, budget, s).values));
  const random = seeds.map((s) => regret(run(randomSearch, braninSpace, branin, budget, s).values));
  assert.ok(median(ours) < 0.05, `median regret ${median(ours)} at ${budget} evaluations`);
  assert.ok(median(ours) < median(random) / 10, `ours ${median(ours)} vs random ${median(random)}`);
});
