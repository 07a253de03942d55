/**
 * TrainingJobEarlyStoppingType "Auto": the median stopping rule SageMaker documents. After
 * each reported step (epoch) of a running trial, compare the running average of its
 * objective up to that step with the running averages of the earlier trials at the same
 * step; stop it when it is worse than their median. Values are minimised (the tuner negates
 * Maximize objectives).
 */

/** Earlier trials with data at a step needed before the rule may stop anyone. */
export const MIN_TRIALS_FOR_MEDIAN = 3;

export function runningAverages(values: readonly number[]): number[] {
  let sum = 0;
  return values.map((v, i) => (sum += v) / (i + 1));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Should the trial with intermediate values `current` stop, given the intermediate values of
 * earlier (finished) trials? Decided at the trial's latest step.
 */
export function shouldStopEarly(
  current: readonly number[],
  earlier: readonly (readonly number[])[],
): boolean {
  const step = current.length;
  if (step === 0) return false;
  const peers = earlier
    .filter((series) => series.length >= step)
    .map((series) => runningAverages(series)[step - 1]);
  if (peers.length < MIN_TRIALS_FOR_MEDIAN) return false;
  return runningAverages(current)[step - 1] > median(peers);
}
