/**
 * Dense linear algebra for the Gaussian process, on row-major Float64Array matrices.
 *
 * Written by hand rather than pulled in from a library: the matrices are small (at most a few
 * hundred rows), the engine must stay dependency-free, and the loops below (contiguous row
 * access, four independent accumulators to break the add-latency chain) run at a useful
 * fraction of what a BLAS would reach for these sizes.
 */

/** Dot product of a[aOff .. aOff+len) and b[bOff .. bOff+len). */
export function dot(
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  len: number,
): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[aOff + k] * b[bOff + k];
    s1 += a[aOff + k + 1] * b[bOff + k + 1];
    s2 += a[aOff + k + 2] * b[bOff + k + 2];
    s3 += a[aOff + k + 3] * b[bOff + k + 3];
  }
  for (; k < len; k++) s0 += a[aOff + k] * b[bOff + k];
  return s0 + s1 + s2 + s3;
}

/**
 * In-place Cholesky factor of the n x n matrix in `a` (lower triangle read, lower triangle
 * written, upper triangle zeroed), with `jitter` added to the diagonal. False when not
 * positive definite.
 */
export function choleskyInPlace(a: Float64Array, n: number, jitter = 0): boolean {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      const s = a[ri + j] - dot(a, ri, a, rj, j);
      if (i === j) {
        const d = s + jitter;
        if (!(d > 0)) return false;
        a[ri + i] = Math.sqrt(d);
      } else {
        a[ri + j] = s / a[rj + j];
      }
    }
    for (let j = i + 1; j < n; j++) a[ri + j] = 0;
  }
  return true;
}

/**
 * The Cholesky factor of a symmetric matrix, adding diagonal jitter (relative to the mean
 * diagonal, escalating tenfold) until it factors. Undefined only for a hopeless matrix.
 */
export function choleskyWithJitter(
  k: Float64Array,
  n: number,
): { factor: Float64Array; jitter: number } | undefined {
  let meanDiagonal = 0;
  for (let i = 0; i < n; i++) meanDiagonal += k[i * n + i];
  meanDiagonal = n > 0 ? meanDiagonal / n : 1;
  const factor = new Float64Array(n * n);
  let jitter = 0;
  for (let attempt = 0; attempt < 8; attempt++) {
    factor.set(k);
    if (choleskyInPlace(factor, n, jitter)) return { factor, jitter };
    jitter = jitter === 0 ? 1e-10 * meanDiagonal : jitter * 10;
  }
  return undefined;
}

/** Solves L x = b (L lower triangular n x n), writing x into `out` (may alias b). */
export function solveLower(l: Float64Array, n: number, b: Float64Array, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    out[i] = (b[i] - dot(l, ri, out, 0, i)) / l[ri + i];
  }
}

/** Solves L^T x = b (L lower triangular n x n), writing x into `out` (may alias b). */
export function solveLowerTransposed(
  l: Float64Array,
  n: number,
  b: Float64Array,
  out: Float64Array,
): void {
  if (out !== b) out.set(b.subarray(0, n));
  for (let i = n - 1; i >= 0; i--) {
    const xi = out[i] / l[i * n + i];
    out[i] = xi;
    // Column i of L is row i of L^T: subtract its contribution from the rows above.
    for (let k = 0; k < i; k++) out[k] -= l[i * n + k] * xi;
  }
}

/** K^{-1} from the Cholesky factor L of K (full symmetric n x n result). */
export function inverseFromCholesky(l: Float64Array, n: number): Float64Array {
  // Rows of lInvT are the columns of L^-1 (forward substitution on unit vectors), so that
  // both steps below are contiguous dot products: K^-1[a][b] = sum_k L^-1[k][a] L^-1[k][b].
  const lInvT = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    lInvT[rj + j] = 1 / l[j * n + j];
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      lInvT[rj + i] = -dot(l, ri + j, lInvT, rj + j, i - j) / l[ri + i];
    }
  }
  const inv = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b <= a; b++) {
      const value = dot(lInvT, a * n + a, lInvT, b * n + a, n - a);
      inv[a * n + b] = value;
      inv[b * n + a] = value;
    }
  }
  return inv;
}
