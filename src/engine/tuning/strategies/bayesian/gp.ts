/**
 * Gaussian process regression with the mixed Matern 5/2 kernel (kernel.ts): the negative log
 * posterior of the kernel hyperparameters with its analytic gradient (for fitting), and the
 * posterior at new points with gradients (for the acquisition).
 *
 * Hyperparameters travel as one vector theta = [log l_1 .. log l_D, log signal variance,
 * log noise variance]; targets are expected standardised (zero mean, unit variance).
 */
import type { Random } from '../../../util/random';
import {
  choleskyWithJitter,
  dot,
  inverseFromCholesky,
  solveLower,
  solveLowerTransposed,
} from './linalg';
import { matern52, matern52DerivR2 } from './kernel';
import { minimizeBox } from './optimize';

export interface GpData {
  /** n x dims, row-major: unit values for numeric dimensions, value indices for categorical. */
  x: Float64Array;
  /** Standardised targets. */
  y: Float64Array;
  n: number;
  dims: number;
  categorical: Uint8Array;
  /**
   * Rows that observed a related function rather than this one (a TransferLearning parent's
   * results), marked 1: they get a noise variance of their own on top of the shared one, fitted
   * with the rest (theta's last entry), so the data decide how far they are trusted.
   */
  related?: Uint8Array;
}

/** Whether any row is marked related: theta then has one more entry. */
export function hasRelated(data: Pick<GpData, 'related' | 'n'>): boolean {
  if (!data.related) return false;
  for (let i = 0; i < data.n; i++) if (data.related[i]) return true;
  return false;
}

/** The length of theta for this data. */
export function thetaLength(data: Pick<GpData, 'related' | 'n' | 'dims'>): number {
  return data.dims + (hasRelated(data) ? 3 : 2);
}

/** Noise variance floor (standardised units): objectives are often deterministic. */
export const MIN_NOISE = 1e-9;
const LOG_2PI = Math.log(2 * Math.PI);
/** Mode of the lengthscale prior, in unit-cube coordinates (measured: 0.5 beat 1 and 0.3). */
const LENGTHSCALE_MODE = 0.5;
const LENGTHSCALE_PRIOR = 0.1;
/**
 * Prior of the related rows' own noise variance (standardised units): log-normal with this mode
 * and log-scale spread. Measured on the warm-start bench (20 seeds): a mode of 0.1 beat 0.01 and
 * 0.001 at 50 trials on all three functions.
 */
const RELATED_NOISE_MODE = 0.1;
const RELATED_NOISE_SPREAD = 2;

/** Box bounds on theta: wide enough for real problems, tight enough to keep K well conditioned. */
export function thetaBounds(
  dims: number,
  related = false,
): { lower: Float64Array; upper: Float64Array } {
  const lower = new Float64Array(dims + (related ? 3 : 2));
  const upper = new Float64Array(dims + (related ? 3 : 2));
  for (let d = 0; d < dims; d++) {
    lower[d] = Math.log(0.01);
    upper[d] = Math.log(100);
  }
  lower[dims] = Math.log(0.05);
  upper[dims] = Math.log(20);
  lower[dims + 1] = Math.log(MIN_NOISE);
  upper[dims + 1] = Math.log(1);
  if (related) {
    lower[dims + 2] = Math.log(1e-6);
    upper[dims + 2] = Math.log(10);
  }
  return { lower, upper };
}

/**
 * Log prior (up to a constant) and its gradient in theta. Gamma-type priors as in Optuna's
 * GPSampler, which work well on standardised targets and unit inputs:
 * with u = lambda * mode^2 for the inverse squared lengthscale lambda: -0.1 (1 / u + u),
 * which keeps l away from both 0 and infinity. Optuna puts the mode at l = 1; at 0.5 the model
 * is less overconfident with few points and stopped getting stuck on a local minimum of
 * Branin in our benchmark; signal variance ~ Gamma(2, 1); noise ~ Gamma(1.1, 30)
 * (prefers small noise without forcing it).
 */
function logPrior(theta: Float64Array, dims: number, grad: Float64Array | undefined): number {
  let value = 0;
  for (let d = 0; d < dims; d++) {
    const u = Math.exp(-2 * theta[d]) * LENGTHSCALE_MODE * LENGTHSCALE_MODE;
    value -= LENGTHSCALE_PRIOR * (1 / u + u);
    if (grad) grad[d] = 2 * LENGTHSCALE_PRIOR * (u - 1 / u);
  }
  const signal = Math.exp(theta[dims]);
  value += Math.log(signal) - signal;
  const noise = Math.exp(theta[dims + 1]);
  value += 0.1 * Math.log(noise) - 30 * noise;
  if (grad) {
    grad[dims] = 1 - signal;
    grad[dims + 1] = 0.1 - 30 * noise;
  }
  if (theta.length > dims + 2) {
    // The related rows' own noise: log-normal around RELATED_NOISE_MODE, wide.
    const z = (theta[dims + 2] - Math.log(RELATED_NOISE_MODE)) / RELATED_NOISE_SPREAD;
    value -= 0.5 * z * z;
    if (grad) grad[dims + 2] = -z / RELATED_NOISE_SPREAD;
  }
  return value;
}

/**
 * The kernel matrix K (signal variance + noise on the diagonal) of the data under theta and,
 * when asked, d k / d r2 of every pair (lower triangle), for the likelihood's gradient.
 */
function kernelMatrix(
  data: GpData,
  theta: Float64Array,
  withDerivative: boolean,
): {
  k: Float64Array;
  dkdr2?: Float64Array;
  lambda: Float64Array;
  signal: number;
  noise: number;
  relatedNoise: number;
} {
  const { x, n, dims, categorical, related } = data;
  const lambda = new Float64Array(dims);
  for (let d = 0; d < dims; d++) lambda[d] = Math.exp(-2 * theta[d]);
  const signal = Math.exp(theta[dims]);
  const noise = Math.exp(theta[dims + 1]);
  const relatedNoise = theta.length > dims + 2 ? Math.exp(theta[dims + 2]) : 0;
  const k = new Float64Array(n * n);
  const dkdr2 = withDerivative ? new Float64Array(n * n) : undefined;
  for (let i = 0; i < n; i++) {
    k[i * n + i] = signal + noise + (related?.[i] ? relatedNoise : 0);
    for (let j = 0; j < i; j++) {
      let r2 = 0;
      for (let d = 0; d < dims; d++) {
        const diff = x[i * dims + d] - x[j * dims + d];
        if (categorical[d]) {
          if (diff !== 0) r2 += lambda[d];
        } else r2 += diff * diff * lambda[d];
      }
      const kij = signal * matern52(r2);
      k[i * n + j] = kij;
      k[j * n + i] = kij;
      if (dkdr2) dkdr2[i * n + j] = signal * matern52DerivR2(r2);
    }
  }
  return { k, ...(dkdr2 ? { dkdr2 } : {}), lambda, signal, noise, relatedNoise };
}

/**
 * The negative log marginal likelihood minus the log prior at theta, and (when `grad` is
 * given) its gradient: d/dtheta = -0.5 tr((alpha alpha^T - K^-1) dK/dtheta) - dlogPrior.
 * Infinity where K cannot be factored.
 */
export function negLogPosterior(theta: Float64Array, data: GpData, grad?: Float64Array): number {
  const { x, y, n, dims, categorical } = data;
  const { k, dkdr2, lambda, signal, noise, relatedNoise } = kernelMatrix(
    data,
    theta,
    Boolean(grad),
  );
  const size = theta.length;
  const chol = choleskyWithJitter(k, n);
  if (!chol) return Infinity;
  const l = chol.factor;
  const alpha = new Float64Array(n);
  solveLower(l, n, y, alpha);
  let logDet = 0;
  for (let i = 0; i < n; i++) logDet += Math.log(l[i * n + i]);
  const quad = dot(alpha, 0, alpha, 0, n);
  solveLowerTransposed(l, n, alpha, alpha);
  const priorGrad = grad ? new Float64Array(size) : undefined;
  const value = 0.5 * quad + logDet + 0.5 * n * LOG_2PI - logPrior(theta, dims, priorGrad);
  if (!grad || !dkdr2 || !priorGrad) return value;

  // 0.5 tr(W dK) with W = alpha alpha^T - K^-1, summing each off-diagonal pair once (x2 x0.5).
  const kInv = inverseFromCholesky(l, n);
  const g = new Float64Array(size);
  for (let i = 0; i < n; i++) {
    const wii = alpha[i] * alpha[i] - kInv[i * n + i];
    g[dims] += 0.5 * wii * signal;
    g[dims + 1] += 0.5 * wii * noise;
    if (size > dims + 2 && data.related?.[i]) g[dims + 2] += 0.5 * wii * relatedNoise;
    for (let j = 0; j < i; j++) {
      const w = alpha[i] * alpha[j] - kInv[i * n + j];
      g[dims] += w * k[i * n + j];
      const wd = w * dkdr2[i * n + j];
      if (wd === 0) continue;
      for (let d = 0; d < dims; d++) {
        const diff = x[i * dims + d] - x[j * dims + d];
        if (diff === 0) continue;
        // d r2 / d log l_d = -2 diff^2 lambda_d (categorical: diff^2 = 1)
        const sq = categorical[d] ? 1 : diff * diff;
        g[d] -= 2 * wd * sq * lambda[d];
      }
    }
  }
  for (let p = 0; p < size; p++) grad[p] = -g[p] - priorGrad[p];
  return value;
}

/** A starting theta: moderate lengthscales, unit signal, small noise. */
export function defaultTheta(dims: number, related = false): Float64Array {
  const theta = new Float64Array(dims + (related ? 3 : 2));
  for (let d = 0; d < dims; d++) theta[d] = Math.log(0.5);
  theta[dims] = 0;
  theta[dims + 1] = Math.log(1e-3);
  if (related) theta[dims + 2] = Math.log(RELATED_NOISE_MODE);
  return theta;
}

export interface FitOptions {
  /** Random starting points screened by their value; the best one is optimised too. */
  randomStarts: number;
  maxIterations: number;
  /** Optimised as well (e.g. the optimum for a neighbouring warping). */
  start?: Float64Array;
}

export interface FitResult {
  theta: Float64Array;
  /** Negative log posterior at theta. */
  value: number;
}

/**
 * Maximum a posteriori hyperparameters by box-constrained L-BFGS on theta, from the default
 * start, the given start, and the best of `randomStarts` random points (screened by value
 * alone, which costs a third of a gradient evaluation); the best optimum wins.
 */
export function fitHyperparameters(data: GpData, random: Random, options: FitOptions): FitResult {
  const related = hasRelated(data);
  const { lower, upper } = thetaBounds(data.dims, related);
  const size = thetaLength(data);
  const starts = [
    options.start?.length === size ? options.start : defaultTheta(data.dims, related),
  ];
  let screened: Float64Array | undefined;
  let screenedValue = Infinity;
  for (let s = 0; s < options.randomStarts; s++) {
    const theta = new Float64Array(size);
    for (let d = 0; d < data.dims; d++) theta[d] = Math.log(0.05) + random.next() * Math.log(40);
    theta[data.dims] = Math.log(0.5) + random.next() * Math.log(4);
    theta[data.dims + 1] = Math.log(1e-6) + random.next() * Math.log(1e4);
    if (related) theta[data.dims + 2] = Math.log(1e-4) + random.next() * Math.log(1e4);
    const value = negLogPosterior(theta, data);
    if (value < screenedValue) {
      screenedValue = value;
      screened = theta;
    }
  }
  if (screened) starts.push(screened);
  let best: FitResult = { theta: starts[0], value: Infinity };
  for (const start of starts) {
    const result = minimizeBox((t, g) => negLogPosterior(t, data, g), start, lower, upper, {
      maxIterations: options.maxIterations,
      valueTolerance: 1e-9,
      gradientTolerance: 1e-5,
    });
    if (result.value < best.value) best = { theta: result.x, value: result.value };
  }
  return best;
}

/** The GP posterior for fixed hyperparameters. */
export class Posterior {
  readonly n: number;
  readonly dims: number;
  readonly signal: number;
  readonly noise: number;
  readonly lambda: Float64Array;
  private readonly x: Float64Array;
  private readonly categorical: Uint8Array;
  private readonly factor: Float64Array;
  private readonly alpha: Float64Array;
  private readonly kVec: Float64Array;
  private readonly dkVec: Float64Array;
  private readonly v: Float64Array;
  /** Each row's noise variance (the shared one, plus the related rows' own). */
  private readonly rowNoise: Float64Array;

  /** Undefined if the kernel matrix cannot be factored even with jitter. */
  static create(data: GpData, theta: Float64Array): Posterior | undefined {
    const { n } = data;
    const { k, lambda, signal, noise, relatedNoise } = kernelMatrix(data, theta, false);
    const chol = choleskyWithJitter(k, n);
    if (!chol) return undefined;
    const alpha = new Float64Array(n);
    solveLower(chol.factor, n, data.y, alpha);
    solveLowerTransposed(chol.factor, n, alpha, alpha);
    const rowNoise = new Float64Array(n);
    for (let i = 0; i < n; i++) rowNoise[i] = noise + (data.related?.[i] ? relatedNoise : 0);
    return new Posterior(data, lambda, signal, noise, chol.factor, alpha, rowNoise);
  }

  private constructor(
    data: GpData,
    lambda: Float64Array,
    signal: number,
    noise: number,
    factor: Float64Array,
    alpha: Float64Array,
    rowNoise: Float64Array,
  ) {
    this.rowNoise = rowNoise;
    this.n = data.n;
    this.dims = data.dims;
    this.x = data.x;
    this.categorical = data.categorical;
    this.lambda = lambda;
    this.signal = signal;
    this.noise = noise;
    this.factor = factor;
    this.alpha = alpha;
    this.kVec = new Float64Array(data.n);
    this.dkVec = new Float64Array(data.n);
    this.v = new Float64Array(data.n);
  }

  /** Fills kVec (and dkVec, d k / d r2) for the point at row `row` of `points`. */
  private crossCovariance(points: Float64Array, row: number, withDerivative: boolean): void {
    const { n, dims, x, lambda, categorical, signal } = this;
    const o = row * dims;
    for (let j = 0; j < n; j++) {
      let r2 = 0;
      const oj = j * dims;
      for (let d = 0; d < dims; d++) {
        const diff = points[o + d] - x[oj + d];
        if (categorical[d]) {
          if (diff !== 0) r2 += lambda[d];
        } else r2 += diff * diff * lambda[d];
      }
      this.kVec[j] = signal * matern52(r2);
      if (withDerivative) this.dkVec[j] = signal * matern52DerivR2(r2);
    }
  }

  /** Posterior mean and variance (latent function, without noise) of rows of `points`. */
  predict(points: Float64Array, count: number, mean: Float64Array, variance: Float64Array): void {
    const { n, alpha, kVec } = this;
    for (let c = 0; c < count; c++) {
      this.crossCovariance(points, c, false);
      mean[c] = dot(kVec, 0, alpha, 0, n);
      variance[c] = this.varianceFrom(kVec, 0);
    }
  }

  /**
   * Cross-covariances of rows of `points` with the data (count x n), with the posterior mean
   * and a cheap upper bound on the variance of each: conditioning on the single most
   * correlated observation, s2 - k_j^2 / (s2 + noise), costs O(n) where the exact variance
   * costs O(n^2). The variance of any row follows later from varianceFrom.
   */
  screen(
    points: Float64Array,
    count: number,
    mean: Float64Array,
    varianceBound: Float64Array,
  ): Float64Array {
    const { n, alpha, kVec, signal, rowNoise } = this;
    const rows = new Float64Array(count * n);
    for (let c = 0; c < count; c++) {
      this.crossCovariance(points, c, false);
      rows.set(kVec, c * n);
      mean[c] = dot(kVec, 0, alpha, 0, n);
      let largest = 0;
      for (let j = 0; j < n; j++)
        largest = Math.max(largest, (kVec[j] * kVec[j]) / (signal + rowNoise[j]));
      varianceBound[c] = Math.max(signal - largest, 1e-12 * signal);
    }
    return rows;
  }

  /** The exact posterior variance from a cross-covariance row (at `offset` of `rows`). */
  varianceFrom(rows: Float64Array, offset: number): number {
    const { n, factor, v } = this;
    const k = offset === 0 && rows.length === n ? rows : rows.subarray(offset, offset + n);
    solveLower(factor, n, k, v);
    return Math.max(this.signal - dot(v, 0, v, 0, n), 1e-12 * this.signal);
  }

  /**
   * Mean and variance at one point (row 0 of `point`) with their gradients in the numeric
   * dimensions (categorical entries of the gradients are 0). Returns [mean, variance].
   */
  predictWithGradient(
    point: Float64Array,
    gradMean: Float64Array,
    gradVariance: Float64Array,
  ): [number, number] {
    const { n, dims, x, factor, alpha, kVec, dkVec, v, lambda, categorical } = this;
    this.crossCovariance(point, 0, true);
    const mean = dot(kVec, 0, alpha, 0, n);
    solveLower(factor, n, kVec, v);
    const rawVariance = this.signal - dot(v, 0, v, 0, n);
    const floor = 1e-12 * this.signal;
    const variance = Math.max(rawVariance, floor);
    solveLowerTransposed(factor, n, v, v); // v = K^-1 k
    for (let d = 0; d < dims; d++) {
      gradMean[d] = 0;
      gradVariance[d] = 0;
      if (categorical[d]) continue;
      let gm = 0;
      let gv = 0;
      const xd = point[d];
      for (let j = 0; j < n; j++) {
        // d k_j / d x_d = dk/dr2 * 2 (x_d - x_jd) lambda_d
        const dk = dkVec[j] * 2 * (xd - x[j * dims + d]) * lambda[d];
        gm += alpha[j] * dk;
        gv += v[j] * dk;
      }
      gradMean[d] = gm;
      gradVariance[d] = rawVariance > floor ? -2 * gv : 0;
    }
    return [mean, variance];
  }
}
