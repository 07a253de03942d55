/**
 * Bayesian optimisation: a Gaussian process surrogate (gp.ts) with expected improvement
 * (acquisition.ts, maximize.ts), after a small space-filling initial design (sobol.ts).
 * docs/tuning-bayesian.md describes the method, the choices and the measured results.
 *
 * Stateless, as the Strategy contract asks: every call rebuilds the model from the history
 * and draws only from the job's generator (one fork per call), so the same history and the
 * same generator state give the same suggestion.
 */
import type { Random } from '../../../util/random';
import {
  cardinality,
  configurationKey,
  sampleConfiguration,
  type Configuration,
  type SearchSpace,
} from '../../searchSpace';
import type { Strategy, StrategyContext, Trial } from '../../strategy';
import { Encoding } from './encoding';
import { fitHyperparameters, Posterior, type GpData } from './gp';
import { Acquisition, maximizeAcquisition, type ScoredPoint } from './maximize';
import { SOBOL_MAX_DIMS, sobolPoint } from './sobol';
import { warpTargets } from './warping';

/** Initial design size: a few points more than the dimension, at least 4, at most 10. */
export function initialDesignSize(dims: number): number {
  return Math.max(4, Math.min(dims + 1, 10));
}

/** Above this many observations the hyperparameters are fitted on a random subset. */
const MAX_FIT_POINTS = 120;
/** Finite spaces up to this size are scored exhaustively. */
const MAX_ENUMERATION = 2048;

export const bayesianSearch: Strategy = {
  name: 'Bayesian',
  suggest(history, context) {
    return suggest(history, context);
  },
};

interface Observations {
  x: Float64Array;
  y: number[];
  /** Rows of `x` still running (no objective yet), after the observed ones. */
  pendingCount: number;
}

function suggest(history: readonly Trial[], context: StrategyContext): Configuration | undefined {
  const { space } = context;
  const random = context.random.fork();
  if (space.parameters.length === 0) return {};
  const encoding = new Encoding(space);
  const seen = new Set(history.map((t) => configurationKey(space, t.configuration)));
  const size = cardinality(space);
  if (seen.size >= size) return sampleConfiguration(space, () => random.next());

  const observations = collect(history, encoding);
  if (history.length < initialDesignSize(encoding.dims) || observations.y.length < 2) {
    const design = encoding.decode(designPoint(history, encoding, random));
    return seen.has(configurationKey(space, design)) ? randomUnseen(space, seen, random) : design;
  }
  const ranked = modelSuggestions(observations, encoding, size, random);
  for (const { point } of ranked) {
    const config = encoding.decode(point);
    if (!seen.has(configurationKey(space, config))) return config;
  }
  return randomUnseen(space, seen, random);
}

/**
 * Completed trials with their objective; failed ones, and stopped ones without an objective,
 * at the worst objective seen (failures in tuning tend to mark bad regions: divergence, out
 * of memory); running trials as pending rows.
 */
function collect(history: readonly Trial[], encoding: Encoding): Observations {
  const observed: Trial[] = [];
  const failed: Trial[] = [];
  const pending: Trial[] = [];
  for (const trial of history) {
    if (trial.objective !== undefined && Number.isFinite(trial.objective)) observed.push(trial);
    else if (trial.state === 'running') pending.push(trial);
    else failed.push(trial);
  }
  const y = observed.map((t) => t.objective as number);
  const worst = y.length > 0 ? Math.max(...y) : 0;
  const rows = [...observed, ...(y.length > 0 ? failed : []), ...pending];
  if (y.length > 0) for (let i = 0; i < failed.length; i++) y.push(worst);
  const x = new Float64Array(rows.length * encoding.dims);
  rows.forEach((t, i) => encoding.encode(t.configuration, x, i));
  return { x, y, pendingCount: pending.length };
}

/**
 * Point `history.length` of a Sobol sequence digitally shifted by the first trial's point: the
 * first trial is uniformly random, and every later design point follows from it, so the
 * design is a randomised Sobol net without any state outside the history.
 */
function designPoint(history: readonly Trial[], encoding: Encoding, random: Random): Float64Array {
  const dims = encoding.dims;
  const unit = new Float64Array(dims);
  const point = new Float64Array(dims);
  if (history.length === 0 || dims > SOBOL_MAX_DIMS) {
    for (let d = 0; d < dims; d++) unit[d] = random.next();
  } else {
    const anchor = new Float64Array(dims);
    encoding.encode(history[0].configuration, anchor);
    encoding.toUnitCube(anchor, unit);
    const shift = new Uint32Array(dims);
    for (let d = 0; d < dims; d++)
      shift[d] = Math.min(4294967295, Math.floor(unit[d] * 4294967296));
    sobolPoint(history.length, dims, shift, unit);
  }
  encoding.fromUnitCube(unit, point);
  return point;
}

function randomUnseen(space: SearchSpace, seen: Set<string>, random: Random): Configuration {
  for (let attempt = 0; attempt < 100; attempt++) {
    const config = sampleConfiguration(space, () => random.next());
    if (!seen.has(configurationKey(space, config))) return config;
  }
  return sampleConfiguration(space, () => random.next());
}

function modelSuggestions(
  observations: Observations,
  encoding: Encoding,
  size: number,
  random: Random,
): ScoredPoint[] {
  const dims = encoding.dims;
  const n = observations.y.length;
  const y = warpTargets(observations.y);
  const data: GpData = {
    x: observations.x.subarray(0, n * dims),
    y,
    n,
    dims,
    categorical: encoding.categorical,
  };
  const fitRandom = random.fork();
  const theta = fitHyperparameters(subsample(data, MAX_FIT_POINTS, fitRandom), fitRandom, {
    restarts: n > MAX_FIT_POINTS ? 1 : 2,
    maxIterations: 100,
  });
  let posterior = Posterior.create(data, theta);
  (globalThis as Record<string, unknown>).__dbg =
    Array.from(theta, (v) => Math.exp(v).toExponential(2)).join(',') +
    ' ymin ' +
    Math.min(...y).toFixed(2);
  if (!posterior) return [];
  if (observations.pendingCount > 0)
    posterior = withFantasies(posterior, data, observations, theta);

  let best = Infinity;
  for (let i = 0; i < n; i++) best = Math.min(best, y[i]);
  const acquisition = new Acquisition(posterior, best);

  // Incumbents: the best observed points, best first.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => y[a] - y[b] || a - b);
  const incumbentCount = Math.min(3, n);
  const incumbents = new Float64Array(incumbentCount * dims);
  for (let i = 0; i < incumbentCount; i++)
    incumbents.set(data.x.subarray(order[i] * dims, (order[i] + 1) * dims), i * dims);

  // Candidate count scaled so scoring stays around the same cost as n grows (each costs ~n^2/2).
  const candidates = Math.max(256, Math.min(2048, Math.floor(2.5e7 / (n * n + 1))));
  return maximizeAcquisition(acquisition, encoding, random, {
    candidates,
    starts: n > 300 ? 3 : 5,
    maxIterations: 40,
    incumbents,
    incumbentCount,
    perturbations: 40,
    enumeration: size <= MAX_ENUMERATION ? enumerate(encoding, size) : undefined,
  });
}

/**
 * Kriging believer: running trials join the data with the posterior mean as their value.
 * The mean is unchanged but the variance at (and near) running points collapses, so EI
 * steers parallel workers elsewhere.
 */
function withFantasies(
  posterior: Posterior,
  data: GpData,
  observations: Observations,
  theta: Float64Array,
): Posterior {
  const { dims, n } = data;
  const p = observations.pendingCount;
  const pendingX = observations.x.subarray(n * dims, (n + p) * dims);
  const mean = new Float64Array(p);
  const variance = new Float64Array(p);
  posterior.predict(pendingX, p, mean, variance);
  const y = new Float64Array(n + p);
  y.set(data.y);
  y.set(mean, n);
  const augmented: GpData = { ...data, x: observations.x.subarray(0, (n + p) * dims), y, n: n + p };
  return Posterior.create(augmented, theta) ?? posterior;
}

/** A random subset of at most `limit` rows (all rows when there are fewer). */
function subsample(data: GpData, limit: number, random: Random): GpData {
  if (data.n <= limit) return data;
  const index = Array.from({ length: data.n }, (_, i) => i);
  for (let i = 0; i < limit; i++) {
    const j = i + random.int(data.n - i);
    [index[i], index[j]] = [index[j], index[i]];
  }
  const chosen = index.slice(0, limit).sort((a, b) => a - b);
  const x = new Float64Array(limit * data.dims);
  const y = new Float64Array(limit);
  chosen.forEach((row, i) => {
    x.set(data.x.subarray(row * data.dims, (row + 1) * data.dims), i * data.dims);
    y[i] = data.y[row];
  });
  return { ...data, x, y, n: limit };
}

/** Every configuration of a finite space, encoded (mixed radix over the parameters). */
function enumerate(encoding: Encoding, size: number): { points: Float64Array; count: number } {
  const dims = encoding.dims;
  const levels: number[][] = encoding.parameters.map((p) => {
    if (p.kind === 'Categorical') return p.values.map((_, i) => i);
    const values: number[] = [];
    const scratch = new Float64Array(dims);
    for (let v = p.min; v <= p.max; v++) {
      encoding.encode({ [p.name]: v }, scratch);
      values.push(scratch[encoding.parameters.indexOf(p)]);
    }
    return values;
  });
  const points = new Float64Array(size * dims);
  for (let c = 0; c < size; c++) {
    let rest = c;
    for (let d = 0; d < dims; d++) {
      const k = levels[d].length;
      points[c * dims + d] = levels[d][rest % k];
      rest = Math.floor(rest / k);
    }
  }
  return { points, count: size };
}
