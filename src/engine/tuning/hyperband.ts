/**
 * Hyperband, as the local engine runs it: asynchronous successive halving (ASHA, Li et al.
 * 2020) on each trial's stream of objective values. A trial's resource is the number of
 * objective values it has reported (its epochs). Rungs sit at MinResource * eta^k; when a
 * trial reaches a rung it continues only if its value there is among the best 1/eta of all
 * values recorded at that rung so far (the best one always continues, so the first trials
 * are never starved); otherwise it is stopped. A trial that reaches MaxResource is stopped
 * there, as SageMaker does. New configurations come from random search: the scheduler, not
 * the sampler, is what makes Hyperband efficient.
 */
import type { HyperbandStrategyConfig } from '@aws-sdk/client-sagemaker';

/** The reduction factor: each rung keeps the best third. */
export const ETA = 3;
/** SageMaker's ceiling for MaxResource. */
export const MAX_RESOURCE_LIMIT = 20_000;
/** Static hyperparameters SageMaker reads MaxResource from when it is not given. */
export const EPOCH_KEYS = ['epochs', 'numepochs', 'n-epochs', 'n_epochs', 'num_epochs'];

export interface HyperbandSettings {
  minResource: number;
  maxResource: number;
  rungs: number[];
}

/** Resolves MinResource/MaxResource as SageMaker does; an error message when it cannot. */
export function hyperbandSettings(
  config: HyperbandStrategyConfig | undefined,
  statics: Record<string, string>,
): HyperbandSettings | string {
  const minResource = config?.MinResource ?? 1;
  let maxResource = config?.MaxResource;
  if (maxResource === undefined) {
    const key = EPOCH_KEYS.find((k) => statics[k] !== undefined);
    const value = key ? Number(statics[key]) : NaN;
    if (!key || !Number.isInteger(value) || value < 1) {
      return (
        'Hyperband needs StrategyConfig.HyperbandStrategyConfig.MaxResource (the most epochs a trial may run), ' +
        `or a static hyperparameter it can be read from (${EPOCH_KEYS.join(', ')}).`
      );
    }
    maxResource = value;
  }
  if (maxResource > MAX_RESOURCE_LIMIT)
    return `HyperbandStrategyConfig.MaxResource ${maxResource} exceeds ${MAX_RESOURCE_LIMIT}.`;
  if (minResource > maxResource) {
    return `HyperbandStrategyConfig.MinResource ${minResource} must not exceed MaxResource ${maxResource}.`;
  }
  const rungs: number[] = [];
  for (let r = minResource; r < maxResource; r *= ETA) rungs.push(r);
  return { minResource, maxResource, rungs };
}

/**
 * The decision for a trial that has just reached `rung` with `value` (minimised), given the
 * values other trials recorded at that rung: continue (true) or stop (false).
 */
export function continuesAtRung(value: number, others: readonly number[]): boolean {
  const all = [...others, value].sort((a, b) => a - b);
  // The best floor(n / eta) continue; with fewer than eta values, the best one does.
  const keep = Math.max(1, Math.floor(all.length / ETA));
  return value <= all[keep - 1];
}
