/**
 * Several training job definitions (TrainingJobDefinitions): which definition the next trial
 * runs. Each definition keeps its own search space and the job's strategy searches it over that
 * definition's trials only; this module only picks the definition.
 *
 * - Spread: every definition first gets `spread` trials, in turn (the fewest planned first, ties
 *   in the request's order), so each has results before any is favoured.
 * - Favour: then each trial goes to the definition that wins a Thompson draw on how often its
 *   trials reach the job's top group - the best quarter of all results so far. Each definition's
 *   rate has a Beta(1 + in the top group, 1 + the rest) posterior (a failed trial is never in
 *   it); the largest draw wins. Ranks, not values: a definition whose results are skewed (a
 *   narrow good region in a wide space) is judged by its best results, not by its mean. Better
 *   definitions win most draws; one with few results has a wide posterior and still wins some,
 *   so an early verdict can be revised. A definition without any result yet (its trials still
 *   running) waits for one.
 * - Grid search runs every definition's grid; its trials go round the definitions in turn.
 * - A definition whose finite space has been tried in full drops out while others have room.
 *
 * Deterministic given the history and the generator: a run with the same RandomSeed picks the
 * same definitions when its trials end in the same order, and a resumed tuner replays the
 * journal, which records each trial's definition.
 */
import type { Random } from '../util/random';

/** The share of the job's results that makes its top group. */
export const TOP_SHARE = 0.25;

export interface DefinitionStats {
  /** Trials planned for the definition so far. */
  planned: number;
  /** Objectives (minimised) of its trials that reported one. */
  objectives: readonly number[];
  /** Its trials that ended without an objective (failed). */
  failed: number;
  /** Every configuration of its (finite) space has been tried. */
  exhausted: boolean;
}

/** Trials each definition gets, in turn, before the better ones are favoured. */
export function spreadTrials(definitions: number, maxTrainingJobs: number): number {
  return Math.max(1, Math.min(3, Math.floor(maxTrainingJobs / (2 * definitions))));
}

/**
 * The index of the definition the next trial runs; undefined when every definition is
 * exhausted and `allowRepeats` is false (Grid: nothing left to try).
 */
export function chooseDefinition(
  stats: readonly DefinitionStats[],
  random: Random,
  options: { spread: number; allowRepeats: boolean },
): number | undefined {
  let open = stats.map((_, i) => i).filter((i) => !stats[i].exhausted);
  if (open.length === 0) {
    if (!options.allowRepeats) return undefined;
    open = stats.map((_, i) => i);
  }
  const fewestPlanned = (candidates: number[]) =>
    candidates.reduce((a, b) => (stats[b].planned < stats[a].planned ? b : a));
  const spreading = open.filter((i) => stats[i].planned < options.spread);
  if (spreading.length) return fewestPlanned(spreading);

  // The top group: the best quarter of the job's results (at least one).
  const all = stats.flatMap((s) => s.objectives).sort((a, b) => a - b);
  const withResults = open.filter((i) => stats[i].objectives.length > 0);
  if (withResults.length === 0) return fewestPlanned(open);
  const cut = all[Math.max(1, Math.ceil(TOP_SHARE * all.length)) - 1];

  let chosen = withResults[0];
  let chosenDraw = -Infinity;
  for (const i of withResults) {
    const tried = stats[i].objectives.length + stats[i].failed;
    const top = stats[i].objectives.filter((v) => v <= cut).length;
    // Thompson: the rate at which its trials reach the top group, drawn from Beta(1 + top, 1 + rest).
    const draw = betaDraw(random, 1 + top, 1 + tried - top);
    if (draw > chosenDraw) {
      chosen = i;
      chosenDraw = draw;
    }
  }
  return chosen;
}

/** A Beta(a, b) draw for whole a, b >= 1: the a-th smallest of a + b - 1 uniforms. */
function betaDraw(random: Random, a: number, b: number): number {
  const uniforms = Array.from({ length: a + b - 1 }, () => random.next()).sort((x, y) => x - y);
  return uniforms[a - 1];
}

/** Results a definition needs before a fit of them may judge it (convergence). */
export const MIN_RESULTS_FOR_FIT = 3;

/**
 * The chance that the next trial of a definition beats `threshold` (minimised), from its results:
 * the Student-t predictive of a normal sample (n - 1 degrees of freedom, so few results give
 * heavy tails), its spread never below the pooled within-definition spread. For definitions with
 * too few results for the convergence detector's Gaussian process.
 */
export function resultImprovementProbability(
  results: readonly number[],
  pooledVariance: number,
  threshold: number,
): number {
  const n = results.length;
  const mean = results.reduce((a, b) => a + b, 0) / n;
  const v = Math.max(
    variance(results),
    pooledVariance,
    (1e-9 * Math.max(1, Math.abs(threshold))) ** 2,
  );
  return studentTCdf((threshold - mean) / Math.sqrt(v * (1 + 1 / n)), Math.max(1, n - 1));
}

/** The CDF of Student's t with a whole number of degrees of freedom (closed form, Abramowitz & Stegun 26.7.3-4). */
export function studentTCdf(t: number, dof: number): number {
  const theta = Math.atan(t / Math.sqrt(dof));
  const c2 = Math.cos(theta) ** 2;
  const s = Math.sin(theta);
  let a: number;
  if (dof % 2 === 1) {
    let term = 1;
    let sum = dof > 1 ? 1 : 0;
    for (let k = 3; k <= dof - 2; k += 2) {
      term *= (c2 * (k - 1)) / k;
      sum += term;
    }
    a = (2 / Math.PI) * (theta + s * Math.cos(theta) * sum);
  } else {
    let term = 1;
    let sum = 1;
    for (let k = 2; k <= dof - 2; k += 2) {
      term *= (c2 * (k - 1)) / k;
      sum += term;
    }
    a = s * sum;
  }
  return Math.min(1, Math.max(0, 0.5 + a / 2));
}

/** The sample variance (0 with fewer than two values). */
export function variance(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
}
