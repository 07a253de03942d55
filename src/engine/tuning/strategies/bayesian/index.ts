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
import { Posterior, type GpData } from './gp';
import { surrogateFit, warpedTargets } from './model';
import { Acquisition, maximizeAcquisition, type ScoredPoint } from './maximize';
import { SOBOL_MAX_DIMS, sobolPoint } from './sobol';

/** Initial design size: a few points more than the dimension, at least 4, at most 10. */
export function initialDesignSize(dims: number): number {
  return Math.max(4, Math.min(dims + 1, 10));
}

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
  /** Observed rows from a related function (TransferLearning parents), marked 1. */
  related?: Uint8Array;
}

function suggest(history: readonly Trial[], context: StrategyContext): Configuration | undefined {
  const { space } = context;
  const random = context.random.fork();
  if (space.parameters.length === 0) return {};
  const encoding = new Encoding(space);
  const seen = new Set(history.map((t) => configurationKey(space, t.configuration)));
  const size = cardinality(space);
  if (seen.size >= size) return sampleConfiguration(space, () => random.next());

  const observations = collect(history, encoding, context.relatedParents === true);
  if (history.length < initialDesignSize(encoding.dims) || observations.y.length < 2) {
    const design = encoding.decode(designPoint(history, encoding, random));
    return seen.has(configurationKey(space, design)) ? randomUnseen(space, seen, random) : design;
  }
  const ranked = modelSuggestions(observations, encoding, size, random);
  for (const { point } of ranked) {
    const config = encoding.decode(point);
    if (seen.has(configurationKey(space, config))) continue;
    // A point within a hair of one already tried teaches nothing (the objective is read as
    // noiseless): take the next candidate. Without this a GP that fits some noise keeps
    // proposing its incumbent again, and the search stalls there.
    if (nearAnyTried(point, observations.x, history.length, encoding)) continue;
    return config;
  }
  return randomUnseen(space, seen, random);
}

/** Unit-cube distance below which two numeric coordinates are the same point. */
const SAME_POINT = 1e-6;

function nearAnyTried(
  point: Float64Array,
  tried: Float64Array,
  count: number,
  encoding: Encoding,
): boolean {
  const dims = encoding.dims;
  for (let i = 0; i < count && (i + 1) * dims <= tried.length; i++) {
    let same = true;
    for (let d = 0; d < dims && same; d++) {
      const a = point[d];
      const b = tried[i * dims + d];
      same = encoding.categorical[d]
        ? Math.round(a) === Math.round(b)
        : Math.abs(a - b) < SAME_POINT;
    }
    if (same) return true;
  }
  return false;
}

/**
 * Completed trials with their objective; failed ones, and stopped ones without an objective,
 * at the worst objective seen (failures in tuning tend to mark bad regions: divergence, out
 * of memory); running trials as pending rows.
 */
function collect(
  history: readonly Trial[],
  encoding: Encoding,
  parentsRelated: boolean,
): Observations {
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
  const observedRows = y.length;
  const related =
    parentsRelated && rows.some((t) => t.fromParent)
      ? Uint8Array.from(rows.slice(0, observedRows), (t) => (t.fromParent ? 1 : 0))
      : undefined;
  return { x, y, pendingCount: pending.length, ...(related ? { related } : {}) };
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
  const x = observations.x.subarray(0, n * dims);
  const related = observations.related;
  const { lambda, theta } = surrogateFit(x, observations.y, dims, encoding.categorical, related);
  const y = warpedTargets(observations.y, lambda);
  const data: GpData = {
    x,
    y,
    n,
    dims,
    categorical: encoding.categorical,
    ...(related ? { related } : {}),
  };
  const base = Posterior.create(data, theta);
  if (!base) return [];
  // The incumbent is this job's own best: a related function's values are not this one's.
  let best = Infinity;
  for (let i = 0; i < n; i++) if (!related?.[i]) best = Math.min(best, y[i]);
  if (best === Infinity) {
    const mean = new Float64Array(n);
    const variance = new Float64Array(n);
    base.predict(x, n, mean, variance);
    best = Math.min(...mean);
  }
  const fantasy =
    observations.pendingCount > 0 ? withFantasies(base, data, observations, theta) : undefined;
  const posterior = fantasy?.posterior ?? base;
  // The believer's values count as observed: a point next to a running one, where the
  // running trial is expected to do well, promises no improvement over what it will find.
  if (fantasy) best = Math.min(best, fantasy.best);
  const acquisition = new Acquisition(posterior, best);

  // Incumbents: the best observed points, best first.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => y[a] - y[b] || a - b);
  const incumbentCount = Math.min(3, n);
  const incumbents = new Float64Array(incumbentCount * dims);
  for (let i = 0; i < incumbentCount; i++)
    incumbents.set(data.x.subarray(order[i] * dims, (order[i] + 1) * dims), i * dims);

  // Screening a candidate costs O(n), refining one O(n^2) per step: both shrink as n grows.
  const candidates = Math.max(256, Math.min(2048, Math.floor(1e5 / n)));
  return maximizeAcquisition(acquisition, encoding, random, {
    candidates,
    starts: n > 100 ? 3 : 5,
    maxIterations: n > 100 ? 20 : 40,
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
): { posterior: Posterior; best: number } | undefined {
  const { dims, n } = data;
  const p = observations.pendingCount;
  const pendingX = observations.x.subarray(n * dims, (n + p) * dims);
  const mean = new Float64Array(p);
  const variance = new Float64Array(p);
  posterior.predict(pendingX, p, mean, variance);
  const y = new Float64Array(n + p);
  y.set(data.y);
  y.set(mean, n);
  const augmented: GpData = {
    ...data,
    x: observations.x.subarray(0, (n + p) * dims),
    y,
    n: n + p,
  };
  const withPending = Posterior.create(augmented, theta);
  return withPending && { posterior: withPending, best: Math.min(...mean) };
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
