/**
 * The convergence detector behind ConvergenceDetected.CompleteOnConvergence: a tuning job has
 * converged when it is unlikely that any configuration improves the best objective by more
 * than 1%.
 *
 * After each completed trial (once there are enough of them), a Gaussian-process surrogate -
 * the Bayesian strategy's own model, fitted to the completed trials whatever the job's
 * strategy - gives, for many candidate configurations (a Sobol sample of the space plus
 * perturbations of the best trials), the probability that the objective there beats
 * best - 1% |best|. If the largest of these stays below 1% on 3 checks in a row, the job has
 * converged. The probability is computed with an upper bound on the posterior variance
 * first (cheap, and it can only overstate the chance of improvement), refined exactly for
 * the most promising candidates: the detector errs on the side of going on.
 */
import { Random } from '../util/random';
import type { SearchSpace } from './searchSpace';
import type { Trial } from './strategy';
import { Encoding } from './strategies/bayesian/encoding';
import { Posterior } from './strategies/bayesian/gp';
import { surrogateFit, warpedTargets } from './strategies/bayesian/model';
import { normalCdf } from './strategies/bayesian/acquisition';
import { yeoJohnson } from './strategies/bayesian/warping';
import { SOBOL_MAX_DIMS, sobolPoint } from './strategies/bayesian/sobol';

/** "Improve by more than 1%". */
export const CONVERGENCE_IMPROVEMENT = 0.01;
/** Below this chance of such an improvement anywhere, a check says "converged". */
export const CONVERGENCE_PROBABILITY = 0.01;
/** Consecutive checks that must agree. */
export const CONVERGENCE_PATIENCE = 3;

export function minimumTrialsForConvergence(space: SearchSpace): number {
  return Math.max(10, 2 * space.parameters.length + 4);
}

/**
 * The largest probability, over candidate configurations, that the objective improves on the
 * best completed trial by more than 1% of |best| (objectives minimised). Undefined when there
 * are too few completed trials to judge. `incumbent`: the best to beat when it is not the best
 * of `history` (a job with several definitions: one definition's trials against the job's best).
 */
export function improvementProbability(
  space: SearchSpace,
  history: readonly Trial[],
  seed: number,
  incumbent?: number,
): number | undefined {
  const done = history.filter((t) => t.objective !== undefined && Number.isFinite(t.objective));
  if (done.length < minimumTrialsForConvergence(space)) return undefined;
  const encoding = new Encoding(space);
  const dims = encoding.dims;
  const n = done.length;
  const x = new Float64Array(n * dims);
  done.forEach((t, i) => encoding.encode(t.configuration, x, i));
  const objectives = done.map((t) => t.objective as number);
  const { lambda, theta } = surrogateFit(x, objectives, dims, encoding.categorical);
  const posterior = Posterior.create(
    { x, y: warpedTargets(objectives, lambda), n, dims, categorical: encoding.categorical },
    theta,
  );
  if (!posterior) return undefined;

  const best = incumbent ?? Math.min(...objectives);
  const threshold = toModelScale(
    objectives,
    lambda,
  )(best - CONVERGENCE_IMPROVEMENT * Math.abs(best));

  // Candidates: a shifted Sobol sample of the space, and perturbations of the three best trials.
  const random = new Random(seed);
  const sobolCount = Math.max(128, Math.min(1024, Math.floor(2e5 / n)));
  const perturbCount = 96;
  const count = sobolCount + perturbCount;
  const points = new Float64Array(count * dims);
  const unit = new Float64Array(dims);
  const shift = Uint32Array.from({ length: dims }, () => random.uint32());
  for (let c = 0; c < sobolCount; c++) {
    if (dims <= SOBOL_MAX_DIMS) sobolPoint(c, dims, shift, unit);
    else for (let d = 0; d < dims; d++) unit[d] = random.next();
    encoding.fromUnitCube(unit, points, c);
  }
  const order = objectives.map((_, i) => i).sort((a, b) => objectives[a] - objectives[b]);
  const anchor = new Float64Array(dims);
  for (let k = 0; k < perturbCount; k++) {
    encoding.toUnitCube(x.subarray(order[(k % 3) % n] * dims), anchor);
    for (let d = 0; d < dims; d++)
      unit[d] = Math.min(1, Math.max(0, anchor[d] + 0.05 * random.normal()));
    encoding.fromUnitCube(unit, points, sobolCount + k);
  }

  const mean = new Float64Array(count);
  const bound = new Float64Array(count);
  const rows = posterior.screen(points, count, mean, bound);
  const upper = (c: number, variance: number) =>
    normalCdf((threshold - mean[c]) / Math.sqrt(variance));
  const ranked = Array.from({ length: count }, (_, c) => c).sort(
    (a, b) => upper(b, bound[b]) - upper(a, bound[a]),
  );
  // Exact variances for the candidates whose bound could still exceed the verdict's threshold.
  let largest = 0;
  for (const c of ranked) {
    if (upper(c, bound[c]) <= largest) break;
    largest = Math.max(largest, upper(c, posterior.varianceFrom(rows, c * n)));
  }
  return largest;
}

/** Maps an objective value to the GP's scale: standardised, Yeo-Johnson(lambda), standardised again. */
function toModelScale(objectives: readonly number[], lambda: number): (value: number) => number {
  const stats = (values: readonly number[]) => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length) || 1;
    return { mean, std };
  };
  const first = stats(objectives);
  const warped = objectives.map((v) => yeoJohnson((v - first.mean) / first.std, lambda));
  const second = stats(warped);
  return (value) =>
    (yeoJohnson((value - first.mean) / first.std, lambda) - second.mean) / second.std;
}
