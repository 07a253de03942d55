/**
 * Maximising log EI over the mixed space: score many candidates (a shifted Sobol set plus
 * perturbations of the best observed points at several scales), refine the best few with the
 * box L-BFGS on the numeric coordinates (integers relaxed, then snapped), then polish integer
 * and categorical coordinates by local moves (integer +-1, every other category).
 */
import type { Random } from '../../../util/random';
import { logExpectedImprovement } from './acquisition';
import type { Encoding } from './encoding';
import type { Posterior } from './gp';
import { minimizeBox } from './optimize';
import { SOBOL_MAX_DIMS, sobolPoint } from './sobol';

export interface AcquisitionOptions {
  /** Space-filling candidates scored before refinement. */
  candidates: number;
  /** Candidates refined by gradient steps. */
  starts: number;
  /** Iteration cap of each refinement. */
  maxIterations: number;
  /** Encoded best observed points (rows), best first: centres of the local candidates. */
  incumbents: Float64Array;
  incumbentCount: number;
  /** Perturbations drawn around each incumbent. */
  perturbations: number;
  /** All configurations of a small finite space (rows), scored exhaustively instead. */
  enumeration?: { points: Float64Array; count: number };
}

export interface ScoredPoint {
  point: Float64Array;
  value: number;
}

/** Scores points by log EI against `best` (standardised, minimised). */
export class Acquisition {
  private readonly gradMean: Float64Array;
  private readonly gradVariance: Float64Array;
  private readonly mean = new Float64Array(1);
  private readonly variance = new Float64Array(1);

  constructor(
    readonly posterior: Posterior,
    readonly best: number,
  ) {
    this.gradMean = new Float64Array(posterior.dims);
    this.gradVariance = new Float64Array(posterior.dims);
  }

  score(point: Float64Array): number {
    this.posterior.predict(point, 1, this.mean, this.variance);
    return logExpectedImprovement(this.mean[0], this.variance[0], this.best).value;
  }

  /** -log EI and its gradient, for the minimiser. */
  negativeWithGradient(point: Float64Array, grad: Float64Array): number {
    const [mean, variance] = this.posterior.predictWithGradient(
      point,
      this.gradMean,
      this.gradVariance,
    );
    const ei = logExpectedImprovement(mean, variance, this.best);
    for (let d = 0; d < grad.length; d++)
      grad[d] = -(ei.dMean * this.gradMean[d] + ei.dVariance * this.gradVariance[d]);
    return -ei.value;
  }
}

/** Candidate points, best first by log EI (refined ones ahead of the raw candidates). */
export function maximizeAcquisition(
  acquisition: Acquisition,
  encoding: Encoding,
  random: Random,
  options: AcquisitionOptions,
): ScoredPoint[] {
  const dims = encoding.dims;
  if (options.enumeration) {
    const { points, count } = options.enumeration;
    return rankRows(acquisition, points, count, dims, count);
  }

  const total = options.candidates + options.incumbentCount * options.perturbations;
  const points = new Float64Array(total * dims);
  const unit = new Float64Array(dims);
  const shift = new Uint32Array(dims);
  for (let d = 0; d < dims; d++) shift[d] = random.uint32();
  const offset = random.int(1 << 20);
  for (let c = 0; c < options.candidates; c++) {
    if (dims <= SOBOL_MAX_DIMS) sobolPoint(offset + c, dims, shift, unit);
    else for (let d = 0; d < dims; d++) unit[d] = random.next();
    encoding.fromUnitCube(unit, points, c);
  }
  // Local candidates: Gaussian steps around incumbents, log-uniform scale in [0.003, 0.3] so
  // that both fine exploitation and nearby basins get candidates.
  let row = options.candidates;
  for (let i = 0; i < options.incumbentCount; i++) {
    for (let k = 0; k < options.perturbations; k++, row++) {
      const scale = 0.003 * Math.pow(100, random.next());
      const o = row * dims;
      for (let d = 0; d < dims; d++) {
        const centre = options.incumbents[i * dims + d];
        if (encoding.categorical[d]) {
          points[o + d] =
            random.next() < 0.15 ? random.int(encoding.choices[d]) : Math.max(0, centre);
        } else points[o + d] = centre + scale * random.normal();
      }
      encoding.snap(points, row);
    }
  }
  const ranked = rankRows(acquisition, points, total, dims, Math.max(options.starts, 16));

  // Refine the best distinct starts.
  const refined: ScoredPoint[] = [];
  const lower = new Float64Array(dims);
  const upper = new Float64Array(dims);
  for (const start of ranked.slice(0, options.starts)) {
    for (let d = 0; d < dims; d++) {
      lower[d] = encoding.categorical[d] ? start.point[d] : 0;
      upper[d] = encoding.categorical[d] ? start.point[d] : 1;
    }
    let point = start.point;
    let value = start.value;
    if (hasContinuousMove(encoding)) {
      const result = minimizeBox(
        (x, g) => acquisition.negativeWithGradient(x, g),
        start.point,
        lower,
        upper,
        { maxIterations: options.maxIterations, gradientTolerance: 1e-7, valueTolerance: 1e-9 },
      );
      const candidate = result.x;
      encoding.snap(candidate);
      const candidateValue = acquisition.score(candidate);
      if (candidateValue > value) {
        point = candidate;
        value = candidateValue;
      }
    }
    const polished = polishDiscrete(acquisition, encoding, point, value);
    refined.push(polished);
  }
  refined.sort((a, b) => b.value - a.value);
  return [...refined, ...ranked];
}

function hasContinuousMove(encoding: Encoding): boolean {
  for (let d = 0; d < encoding.dims; d++) if (!encoding.categorical[d]) return true;
  return false;
}

/**
 * Rows ranked by log EI, the first `exact` of them exactly. Candidates are screened with the
 * mean and an upper bound on the variance (EI grows with the variance), then scored exactly
 * in order of their bound until the bound cannot beat the `exact`-th best exact score; the
 * rest keep their bound as score (they only serve as fallbacks).
 */
function rankRows(
  acquisition: Acquisition,
  points: Float64Array,
  count: number,
  dims: number,
  exact: number,
): ScoredPoint[] {
  const posterior = acquisition.posterior;
  const n = posterior.n;
  const mean = new Float64Array(count);
  const bound = new Float64Array(count);
  const rows = posterior.screen(points, count, mean, bound);
  const values = new Float64Array(count);
  for (let c = 0; c < count; c++)
    values[c] = logExpectedImprovement(mean[c], bound[c], acquisition.best).value;
  const byBound = Array.from({ length: count }, (_, i) => i);
  byBound.sort((a, b) => values[b] - values[a] || a - b);
  const top: number[] = []; // exact scores of the best `exact`, ascending
  for (const c of byBound) {
    if (top.length >= exact && values[c] < top[0]) break;
    const variance = posterior.varianceFrom(rows, c * n);
    values[c] = logExpectedImprovement(mean[c], variance, acquisition.best).value;
    const at = top.findIndex((v) => v > values[c]);
    top.splice(at < 0 ? top.length : at, 0, values[c]);
    if (top.length > exact) top.shift();
  }
  const order = Array.from({ length: count }, (_, i) => i);
  // Ties broken by index, so the order is deterministic whatever the sort's stability.
  order.sort((a, b) => values[b] - values[a] || a - b);
  return order.map((i) => ({
    point: points.slice(i * dims, (i + 1) * dims),
    value: values[i],
  }));
}

/** Greedy integer +-1 and categorical moves while they raise log EI (a few rounds). */
function polishDiscrete(
  acquisition: Acquisition,
  encoding: Encoding,
  start: Float64Array,
  startValue: number,
): ScoredPoint {
  const point = start.slice();
  let value = startValue;
  const trial = point.slice();
  for (let round = 0; round < 4; round++) {
    let improved = false;
    for (let d = 0; d < encoding.dims; d++) {
      const options: number[] = [];
      if (encoding.integer[d]) {
        for (const step of [-1, 1] as const) {
          const next = encoding.integerNeighbour(point, d, step);
          if (next !== undefined) options.push(next);
        }
      } else if (encoding.categorical[d]) {
        for (let c = 0; c < encoding.choices[d]; c++) if (c !== point[d]) options.push(c);
      }
      for (const option of options) {
        trial.set(point);
        trial[d] = option;
        const trialValue = acquisition.score(trial);
        if (trialValue > value) {
          value = trialValue;
          point.set(trial);
          improved = true;
        }
      }
    }
    if (!improved) break;
  }
  return { point, value };
}
