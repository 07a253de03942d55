/**
 * Fitting the surrogate: output warping and kernel hyperparameters, refitted on a schedule
 * and cached by the observations they were fitted on.
 *
 * Refitting on every call is what dominates a suggestion's cost, so past 32 observations the
 * hyperparameters come from the fit on the first p observations, p stepping by 4, 8, then 16
 * as n grows (refitPoint). That fit is a pure function of those p observations - its random
 * restarts are seeded from them - so a cache hit and a recomputation give the same result and
 * a suggestion depends only on the history and the generator, as the Strategy contract asks;
 * the cache only saves time.
 */
import { Random } from '../../../util/random';
import { fitHyperparameters, type GpData } from './gp';
import { fitYeoJohnson, standardise, warp } from './warping';

export interface SurrogateFit {
  /** Yeo-Johnson exponent of the output warping (1: none). */
  lambda: number;
  theta: Float64Array;
}

/** Hyperparameters are fitted on at most this many observations (a random subset). */
const MAX_FIT_POINTS = 100;
const CACHE_SIZE = 16;
const cache = new Map<string, SurrogateFit>();

/** The number of leading observations the hyperparameters for n observations come from. */
export function refitPoint(n: number): number {
  if (n <= 32) return n;
  if (n <= 64) return n - (n % 4);
  if (n <= 128) return n - (n % 8);
  return n - (n % 16);
}

/** The standardised, warped targets the GP is conditioned on. */
export function warpedTargets(objectives: readonly number[], lambda: number): Float64Array {
  return warp(standardise(objectives), lambda).values;
}

/** Warping and hyperparameters for observations (x: n rows of `dims`, objectives: n). */
export function surrogateFit(
  x: Float64Array,
  objectives: readonly number[],
  dims: number,
  categorical: Uint8Array,
  related?: Uint8Array,
): SurrogateFit {
  const p = refitPoint(objectives.length);
  const prefixX = x.subarray(0, p * dims);
  const prefixY = objectives.slice(0, p);
  const prefixRelated = related?.subarray(0, p);
  const key =
    `${Array.from(categorical).join('')}|${prefixX.join(',')}|${prefixY.join(',')}` +
    (prefixRelated ? `|related ${Array.from(prefixRelated).join('')}` : '');
  const hit = cache.get(key);
  if (hit) {
    // Refresh its place in the LRU order.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const fit = fitFromScratch(
    prefixX,
    prefixY,
    dims,
    categorical,
    new Random(hashString(key)),
    prefixRelated,
  );
  cache.set(key, fit);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return fit;
}

/**
 * The output warping is chosen among the identity, the Yeo-Johnson exponent that makes the
 * targets most Gaussian, and halfway between, by the GP's evidence (fitted log posterior plus
 * the warping's log Jacobian): a warping that makes the histogram look Gaussian but the
 * function harder to model (plateaus, which make the GP overconfident) loses.
 */
function fitFromScratch(
  x: Float64Array,
  objectives: readonly number[],
  dims: number,
  categorical: Uint8Array,
  random: Random,
  related?: Uint8Array,
): SurrogateFit {
  const n = objectives.length;
  const z = standardise(objectives);
  const fitted = fitYeoJohnson(z);
  const lambdas = Math.abs(fitted - 1) < 0.1 ? [1] : [1, (1 + fitted) / 2, fitted];
  const rows = subsetRows(n, MAX_FIT_POINTS, random);
  let best: (SurrogateFit & { score: number }) | undefined;
  let identityTheta: Float64Array | undefined;
  for (const lambda of lambdas) {
    const warped = warp(z, lambda);
    const data = selectRows(
      { x, y: warped.values, n, dims, categorical, ...(related ? { related } : {}) },
      rows,
    );
    // The identity gets the multi-start fit; the other warpings start from its optimum.
    const result = fitHyperparameters(data, random, {
      randomStarts: identityTheta ? 0 : 6,
      maxIterations: identityTheta ? 40 : 60,
      start: identityTheta,
    });
    identityTheta ??= result.theta;
    // Evidence of the fitted rows, with the Jacobian's share of those rows.
    const score = -result.value + (warped.logJacobian * data.n) / n;
    if (!best || score > best.score) best = { lambda, theta: result.theta, score };
  }
  const chosen = best as SurrogateFit;
  return { lambda: chosen.lambda, theta: chosen.theta };
}

/** A random subset of `limit` row indices, ascending (all rows when there are fewer). */
function subsetRows(n: number, limit: number, random: Random): number[] {
  const index = Array.from({ length: n }, (_, i) => i);
  if (n <= limit) return index;
  for (let i = 0; i < limit; i++) {
    const j = i + random.int(n - i);
    [index[i], index[j]] = [index[j], index[i]];
  }
  return index.slice(0, limit).sort((a, b) => a - b);
}

function selectRows(data: GpData, rows: readonly number[]): GpData {
  if (rows.length === data.n) return data;
  const x = new Float64Array(rows.length * data.dims);
  const y = new Float64Array(rows.length);
  const related = data.related ? new Uint8Array(rows.length) : undefined;
  rows.forEach((row, i) => {
    x.set(data.x.subarray(row * data.dims, (row + 1) * data.dims), i * data.dims);
    y[i] = data.y[row];
    if (related) related[i] = data.related![row];
  });
  return { ...data, x, y, n: rows.length, ...(related ? { related } : {}) };
}

/** A 32-bit hash of a string (FNV-1a), to seed the fit's generator from its data. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** For tests: forget cached fits (results do not change, only the time they take). */
export function clearFitCache(): void {
  cache.clear();
}
