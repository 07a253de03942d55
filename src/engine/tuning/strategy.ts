/**
 * The strategy interface: a strategy only says what to try next. Where trials run (the
 * backend) and when they stop early (the scheduler) are decided elsewhere.
 *
 * Call order, for every strategy: `suggest` is called once per new trial, each time with the
 * whole history so far - completed trials with their objective, failed ones, and the trials
 * still running (whose configurations are pending). A strategy keeps no state between calls
 * that the history does not hold, so a tuning job resumed after a crash, replaying its
 * journal, gets the same suggestions. All objectives are MINIMISED: the tuner negates the
 * metric of a Maximize objective before a strategy sees it.
 */
import type { Random } from '../util/random';
import type { Configuration, SearchSpace } from './searchSpace';

export type TrialState = 'running' | 'completed' | 'failed' | 'stopped';

export interface Trial {
  /** The training job's name. */
  id: string;
  configuration: Configuration;
  state: TrialState;
  /** Final objective (minimised) of a completed trial; absent otherwise. */
  objective?: number;
  /** Intermediate objective values (minimised), by step (epoch), as the job reported them. */
  intermediate?: readonly { step: number; value: number }[];
  /** Results from a warm-start parent rather than this job. */
  fromParent?: boolean;
}

export interface StrategyContext {
  space: SearchSpace;
  /** The job's seeded generator; strategies draw only from it. */
  random: Random;
  /** MaxNumberOfTrainingJobs, when the strategy plans around a budget. */
  budget?: number;
  /**
   * The parents' results (`fromParent`) observed a related function, not this one
   * (TransferLearning warm start): a model may trust them less.
   */
  relatedParents?: boolean;
}

export interface Strategy {
  readonly name: 'Random' | 'Grid' | 'Bayesian' | 'Hyperband';
  /** The next configuration to try, or undefined when the strategy has nothing left (Grid). */
  suggest(history: readonly Trial[], context: StrategyContext): Configuration | undefined;
}
