/**
 * The warm-start panel's protocol: the candidate parents (up to 5 may be chosen), the type,
 * and every warm-start rule checked live against the child request.
 */
import { array, messages, num, object, oneOf, optional, str, type Infer } from './check';
import type { RuleCheck } from './editor';

export interface ParentRow {
  name: string;
  status: string;
  strategy: string;
  /** "Maximize validation:accuracy". */
  objective: string;
  bestValue?: number;
  trainingJobs: number;
  createdAt?: number;
  terminal: boolean;
}

export type WarmStartOutbound =
  | {
      type: 'init';
      parents: ParentRow[];
      selected: string[];
      warmStartType: 'IdenticalDataAndAlgorithm' | 'TransferLearning';
      /** What the child starts from ("the editor's request", "tune-1's request"). */
      childFrom: string;
    }
  | { type: 'checks'; seq: number; checks: RuleCheck[]; childFrom: string }
  | { type: 'error'; message: string };

const selection = {
  selected: array(str(100), 20),
  warmStartType: oneOf('IdenticalDataAndAlgorithm', 'TransferLearning'),
};

export const warmStartInbound = messages({
  ready: {},
  changed: { seq: num({ integer: true, min: 0 }), ...selection },
  refresh: {},
  openEditor: selection,
});

export const warmStartState = object({
  selected: optional(array(str(100), 20)),
  warmStartType: optional(oneOf('IdenticalDataAndAlgorithm', 'TransferLearning')),
});
export type WarmStartState = Infer<typeof warmStartState>;
export type WarmStartInbound = Infer<typeof warmStartInbound>;

export const WARM_START_VIEW_TYPE = 'sagemakerWorkbench.warmStart';
