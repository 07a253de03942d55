/**
 * Output warping. Objectives of tuning jobs are often heavy-tailed (a diverged run's loss
 * dwarfs the rest; Branin spans 0.4 to 300), and a stationary GP on such targets spends its
 * variance on the tail and smooths over the region that matters. As in HEBO, the standardised
 * targets go through a Yeo-Johnson power transform whose exponent maximises the Gaussian
 * likelihood of the transformed values (with the transform's Jacobian); lambda = 1 is the
 * identity, so well-behaved targets are left nearly alone. The map is monotone, so the order
 * of observations - what EI acts on - is kept.
 */

export function yeoJohnson(y: number, lambda: number): number {
  if (y >= 0)
    return Math.abs(lambda) < 1e-8 ? Math.log1p(y) : (Math.pow(y + 1, lambda) - 1) / lambda;
  return Math.abs(lambda - 2) < 1e-8
    ? -Math.log1p(-y)
    : -(Math.pow(1 - y, 2 - lambda) - 1) / (2 - lambda);
}

/** Zero mean, unit variance (a constant sample maps to zeros). */
export function standardise(y: ArrayLike<number>): Float64Array {
  const n = y.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (y[i] - mean) * (y[i] - mean);
  const std = Math.sqrt(variance / n) || 1;
  return Float64Array.from(y, (v) => (v - mean) / std);
}

/** Gaussian profile log-likelihood of lambda for standardised z (up to a constant). */
function profileLogLikelihood(z: Float64Array, lambda: number, jacobianTerm: number): number {
  const n = z.length;
  let mean = 0;
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = yeoJohnson(z[i], lambda);
    mean += t[i];
  }
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (t[i] - mean) * (t[i] - mean);
  variance /= n;
  if (!(variance > 0)) return -Infinity;
  return -0.5 * n * Math.log(variance) + (lambda - 1) * jacobianTerm;
}

const LAMBDA_MIN = -2;

/** The maximum-likelihood Yeo-Johnson exponent in [-2, 2] (grid, then golden section). */
export function fitYeoJohnson(z: Float64Array): number {
  let jacobianTerm = 0;
  for (const v of z) jacobianTerm += Math.sign(v) * Math.log1p(Math.abs(v));
  let best = 1;
  let bestValue = profileLogLikelihood(z, 1, jacobianTerm);
  for (let k = 0; k <= 40; k++) {
    const lambda = LAMBDA_MIN + k * 0.1;
    const value = profileLogLikelihood(z, lambda, jacobianTerm);
    if (value > bestValue) {
      bestValue = value;
      best = lambda;
    }
  }
  let lo = Math.max(LAMBDA_MIN, best - 0.1);
  let hi = Math.min(2, best + 0.1);
  const ratio = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 30; it++) {
    const a = hi - ratio * (hi - lo);
    const b = lo + ratio * (hi - lo);
    if (profileLogLikelihood(z, a, jacobianTerm) > profileLogLikelihood(z, b, jacobianTerm)) hi = b;
    else lo = a;
  }
  const refined = (lo + hi) / 2;
  return profileLogLikelihood(z, refined, jacobianTerm) > bestValue ? refined : best;
}

/** d yeoJohnson / dy, positive (the transform is strictly increasing). */
export function yeoJohnsonDerivative(y: number, lambda: number): number {
  return y >= 0 ? Math.pow(y + 1, lambda - 1) : Math.pow(1 - y, 1 - lambda);
}

export interface Warped {
  /** Standardised warped targets. */
  values: Float64Array;
  lambda: number;
  /** log |d values / d z| summed over the targets, to compare warpings by GP evidence. */
  logJacobian: number;
}

/** z (standardised targets) through Yeo-Johnson(lambda), standardised again. */
export function warp(z: Float64Array, lambda: number): Warped {
  const t = z.map((v) => yeoJohnson(v, lambda));
  let mean = 0;
  for (const v of t) mean += v;
  mean /= t.length;
  let variance = 0;
  for (const v of t) variance += (v - mean) * (v - mean);
  const std = Math.sqrt(variance / t.length) || 1;
  let logJacobian = -t.length * Math.log(std);
  for (const v of z) logJacobian += Math.log(yeoJohnsonDerivative(v, lambda));
  return { values: t.map((v) => (v - mean) / std), lambda, logJacobian };
}
