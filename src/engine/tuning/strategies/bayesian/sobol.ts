/**
 * Sobol low-discrepancy points for the initial design and the acquisition's candidates,
 * randomised by a digital shift (XOR with a random 32-bit word per dimension), which keeps
 * the net structure that makes Sobol points space-filling.
 *
 * Direction numbers: S. Joe and F. Y. Kuo, "Constructing Sobol sequences with better
 * two-dimensional projections" (2008), file new-joe-kuo-6.21201, dimensions 2..40 (the first
 * dimension is the van der Corput sequence). Copyright (c) 2008, Frances Y. Kuo and Stephen
 * Joe, BSD-style licence. Each entry: the primitive polynomial with its leading and trailing
 * ones as bits, then the initial direction integers m_1..m_s.
 */

/** The largest dimension with direction numbers; beyond it callers fall back to random. */
export const SOBOL_MAX_DIMS = 40;

const DIRECTION_NUMBERS: readonly (readonly [number, readonly number[]])[] = [
  [3, [1]],
  [7, [1, 3]],
  [11, [1, 3, 1]],
  [13, [1, 1, 1]],
  [19, [1, 1, 3, 3]],
  [25, [1, 3, 5, 13]],
  [37, [1, 1, 5, 5, 17]],
  [41, [1, 1, 5, 5, 5]],
  [47, [1, 1, 7, 11, 19]],
  [55, [1, 1, 5, 1, 1]],
  [59, [1, 1, 1, 3, 11]],
  [61, [1, 3, 5, 5, 31]],
  [67, [1, 3, 3, 9, 7, 49]],
  [91, [1, 1, 1, 15, 21, 21]],
  [97, [1, 3, 1, 13, 27, 49]],
  [103, [1, 1, 1, 15, 7, 5]],
  [109, [1, 3, 1, 15, 13, 25]],
  [115, [1, 1, 5, 5, 19, 61]],
  [131, [1, 3, 7, 11, 23, 15, 103]],
  [137, [1, 3, 7, 13, 13, 15, 69]],
  [143, [1, 1, 3, 13, 7, 35, 63]],
  [145, [1, 3, 5, 9, 1, 25, 53]],
  [157, [1, 3, 1, 13, 9, 35, 107]],
  [167, [1, 3, 1, 5, 27, 61, 31]],
  [171, [1, 1, 5, 11, 19, 41, 61]],
  [185, [1, 3, 5, 3, 3, 13, 69]],
  [191, [1, 1, 7, 13, 1, 19, 1]],
  [193, [1, 3, 7, 5, 13, 19, 59]],
  [203, [1, 1, 3, 9, 25, 29, 41]],
  [211, [1, 3, 5, 13, 23, 1, 55]],
  [213, [1, 3, 7, 3, 13, 59, 17]],
  [229, [1, 3, 1, 3, 5, 53, 69]],
  [239, [1, 1, 5, 5, 23, 33, 13]],
  [241, [1, 1, 7, 7, 1, 61, 123]],
  [247, [1, 1, 7, 9, 13, 61, 49]],
  [253, [1, 3, 3, 5, 3, 55, 33]],
  [285, [1, 3, 1, 15, 31, 13, 49, 245]],
  [299, [1, 3, 5, 15, 31, 59, 63, 97]],
  [301, [1, 3, 1, 11, 11, 11, 77, 249]],
];

const BITS = 32;
let directionCache: Uint32Array[] = [];

/** Direction integers V_1..V_32 of each dimension (index 0 is V_1, the top bit). */
function directions(dims: number): Uint32Array[] {
  if (directionCache.length >= dims) return directionCache;
  const all: Uint32Array[] = [];
  const first = new Uint32Array(BITS);
  for (let k = 0; k < BITS; k++) first[k] = (1 << (BITS - 1 - k)) >>> 0;
  all.push(first);
  for (const [poly, m] of DIRECTION_NUMBERS) {
    const s = m.length;
    const v = new Uint32Array(BITS);
    for (let k = 0; k < s; k++) v[k] = (m[k] << (BITS - 1 - k)) >>> 0;
    for (let k = s; k < BITS; k++) {
      let value = v[k - s] ^ (v[k - s] >>> s);
      // Inner polynomial coefficients a_1..a_{s-1}, most significant first.
      for (let i = 1; i < s; i++) if ((poly >>> (s - i)) & 1) value ^= v[k - i];
      v[k] = value >>> 0;
    }
    all.push(v);
  }
  directionCache = all;
  return all;
}

/**
 * Point `index` of the `dims`-dimensional Sobol sequence, digitally shifted by `shift`
 * (one 32-bit word per dimension), written into out[0..dims) as values in [0, 1).
 */
export function sobolPoint(
  index: number,
  dims: number,
  shift: Uint32Array,
  out: Float64Array,
): void {
  if (dims > SOBOL_MAX_DIMS) throw new Error(`Sobol points need dims <= ${SOBOL_MAX_DIMS}`);
  const v = directions(dims);
  const gray = (index ^ (index >>> 1)) >>> 0;
  for (let d = 0; d < dims; d++) {
    let x = shift[d] >>> 0;
    const vd = v[d];
    for (let k = 0; k < BITS; k++) if ((gray >>> k) & 1) x ^= vd[k];
    out[d] = (x >>> 0) / 4294967296;
  }
}
