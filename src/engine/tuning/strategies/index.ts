import type { Strategy } from '../strategy';
import type { StrategyName } from '../validateTuningRequest';
import { gridSearch } from './gridSearch';
import { randomSearch } from './randomSearch';

/** The strategies the local engine runs, by SageMaker's names. */
export const STRATEGIES: Partial<Record<StrategyName, Strategy>> = {
  Random: randomSearch,
  Grid: gridSearch,
};

export const AVAILABLE_STRATEGIES = Object.keys(STRATEGIES) as StrategyName[];
