/**
 * The covariance function: Matern 5/2 on an ARD distance over mixed inputs.
 *
 * A point is a Float64Array with one entry per parameter: numeric parameters as their unit
 * value (scaled space, so Logarithmic ranges are searched in log), categorical parameters as
 * the index of their value. The squared distance is
 *   r^2 = sum_numeric ((a_d - b_d) / l_d)^2 + sum_categorical [a_d != b_d] / l_d^2,
 * i.e. each categorical parameter contributes a Hamming (overlap) term with its own
 * lengthscale - the same as a one-hot encoding with one lengthscale shared by the parameter's
 * one-hot dimensions, without the extra dimensions.
 */

const SQRT5 = Math.sqrt(5);

/** Matern 5/2 correlation at squared distance r2 (unit signal variance). */
export function matern52(r2: number): number {
  const r = Math.sqrt(r2);
  return (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
}

/** d matern52 / d r2: finite at r = 0, which is why gradients use r2 rather than r. */
export function matern52DerivR2(r2: number): number {
  const r = Math.sqrt(r2);
  return (-5 / 6) * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
}

/** The per-dimension difference entering the distance (categorical: 0 or 1). */
export function difference(a: number, b: number, categorical: boolean): number {
  return categorical ? (a === b ? 0 : 1) : a - b;
}

/** Squared ARD distance between row i of `xa` and row j of `xb` (both with `dims` columns). */
export function squaredDistance(
  xa: Float64Array,
  i: number,
  xb: Float64Array,
  j: number,
  inverseSquaredLengthscales: Float64Array,
  categorical: Uint8Array,
  dims: number,
): number {
  let r2 = 0;
  const oa = i * dims;
  const ob = j * dims;
  for (let d = 0; d < dims; d++) {
    const diff = xa[oa + d] - xb[ob + d];
    if (categorical[d]) {
      if (diff !== 0) r2 += inverseSquaredLengthscales[d];
    } else {
      r2 += diff * diff * inverseSquaredLengthscales[d];
    }
  }
  return r2;
}
