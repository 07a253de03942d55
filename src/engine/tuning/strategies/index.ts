import type { Strategy } from '../strategy';
import type { StrategyName } from '../validateTuningRequest';
import { bayesianSearch } from './bayesian';
import { gridSearch } from './gridSearch';
import { randomSearch } from './randomSearch';

/** The strategies the local engine runs, by SageMaker's names. */
export const STRATEGIES: Partial<Record<StrategyName, Strategy>> = {
  Bayesian: bayesianSearch,
  Random: randomSearch,
  Grid: gridSearch,
  // Hyperband samples at random; its scheduler (hyperband.ts) stops trials at rungs.
  Hyperband: { ...randomSearch, name: 'Hyperband' },
};

export const AVAILABLE_STRATEGIES = Object.keys(STRATEGIES) as StrategyName[];
