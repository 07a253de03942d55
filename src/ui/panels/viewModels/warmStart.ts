/**
 * Warm start as the panels show it: every rule of src/model/warmStart.ts with its state
 * (passed, failed with the reasons, or not applicable), and the parents' table rows. Pure.
 */
import type {
  CreateHyperParameterTuningJobRequest,
  DescribeHyperParameterTuningJobResponse,
} from '@aws-sdk/client-sagemaker';
import {
  checkWarmStart,
  MAX_WARM_START_CHANGES,
  MAX_WARM_START_PARENTS,
  MAX_TRAINING_JOBS_PER_TUNING_JOB,
  type WarmStartParent,
  type WarmStartRule,
} from '../../../model/warmStart';
import type { RuleCheck } from '../protocol/editor';
import type { ParentRow } from '../protocol/warmStart';
import { statusCounters, toMs } from './dashboard';

export const WARM_START_RULES: { rule: WarmStartRule; label: string; identicalOnly?: boolean }[] = [
  { rule: 'parent-count', label: `1 to ${MAX_WARM_START_PARENTS} parent tuning jobs` },
  { rule: 'duplicate-parent', label: 'Each parent listed once' },
  { rule: 'parent-not-found', label: 'Every parent exists' },
  { rule: 'parent-not-terminal', label: 'Parents are Completed, Stopped or Failed' },
  { rule: 'parent-too-old', label: 'Parents created on or after 1 October 2018' },
  { rule: 'single-algorithm', label: 'One training job definition (a single algorithm)' },
  { rule: 'objective-metric', label: 'The same objective metric and type' },
  { rule: 'hyperparameter-count', label: 'The same number of static + tunable hyperparameters' },
  { rule: 'hyperparameter-type', label: 'Hyperparameter types unchanged' },
  {
    rule: 'too-many-changes',
    label: `At most ${MAX_WARM_START_CHANGES} changes from tunable to static and of static values`,
  },
  {
    rule: 'training-job-limit',
    label: `At most ${MAX_TRAINING_JOBS_PER_TUNING_JOB} training jobs, the parents' included`,
  },
  { rule: 'identical-data', label: 'The same input data', identicalOnly: true },
  { rule: 'identical-algorithm', label: 'The same training image', identicalOnly: true },
];

/** Each rule's state for a request and its parents (as checkWarmStart takes them). */
export function warmStartRuleChecks(
  request: CreateHyperParameterTuningJobRequest,
  parents: ReadonlyMap<string, WarmStartParent | undefined>,
): RuleCheck[] {
  if (!request.WarmStartConfig) return [];
  const violations = checkWarmStart(request, parents);
  const identical = request.WarmStartConfig.WarmStartType === 'IdenticalDataAndAlgorithm';
  const parentCount = request.WarmStartConfig.ParentHyperParameterTuningJobs?.length ?? 0;
  return WARM_START_RULES.map(({ rule, label, identicalOnly }) => {
    const reasons = violations.filter((v) => v.rule === rule).map((v) => v.message);
    const applies = (!identicalOnly || identical) && (rule === 'parent-count' || parentCount > 0);
    return {
      rule,
      label,
      state: reasons.length ? 'fail' : applies ? 'pass' : 'n/a',
      reasons,
    };
  });
}

/** A row of the parents' table: status, objective, best value, number of training jobs. */
export function parentRow(description: DescribeHyperParameterTuningJobResponse): ParentRow {
  const config = description.HyperParameterTuningJobConfig;
  const definition = description.TrainingJobDefinition ?? description.TrainingJobDefinitions?.[0];
  const objective = config?.HyperParameterTuningJobObjective ?? definition?.TuningObjective;
  const best = description.BestTrainingJob?.FinalHyperParameterTuningJobObjectiveMetric?.Value;
  const created = toMs(description.CreationTime);
  return {
    name: description.HyperParameterTuningJobName ?? '',
    status: description.HyperParameterTuningJobStatus ?? 'Unknown',
    strategy: config?.Strategy ?? '',
    objective: objective?.MetricName
      ? `${objective.Type ?? ''} ${objective.MetricName}`.trim()
      : '',
    ...(best !== undefined ? { bestValue: best } : {}),
    trainingJobs: statusCounters(description).total,
    ...(created !== undefined ? { createdAt: created } : {}),
    terminal: ['Completed', 'Stopped', 'Failed'].includes(
      description.HyperParameterTuningJobStatus ?? '',
    ),
  };
}

/**
 * The request a warm-start child starts from: the first parent's own definition and config
 * (so the identical-data and hyperparameter rules hold until the user changes something),
 * a fresh name, and WarmStartConfig naming the parents.
 */
export function childRequest(
  parent: DescribeHyperParameterTuningJobResponse,
  parents: readonly string[],
  type: 'IdenticalDataAndAlgorithm' | 'TransferLearning',
  name: string,
): CreateHyperParameterTuningJobRequest {
  const config = parent.HyperParameterTuningJobConfig;
  return {
    HyperParameterTuningJobName: name,
    ...(config ? { HyperParameterTuningJobConfig: JSON.parse(JSON.stringify(config)) } : {}),
    ...(parent.TrainingJobDefinition
      ? { TrainingJobDefinition: JSON.parse(JSON.stringify(parent.TrainingJobDefinition)) }
      : {}),
    ...(parent.TrainingJobDefinitions
      ? { TrainingJobDefinitions: JSON.parse(JSON.stringify(parent.TrainingJobDefinitions)) }
      : {}),
    WarmStartConfig: {
      WarmStartType: type,
      ParentHyperParameterTuningJobs: parents.map((p) => ({ HyperParameterTuningJobName: p })),
    },
  } as CreateHyperParameterTuningJobRequest;
}

/** A name for a warm-start child: "<parent>-warm", "-warm-2", ... within 32 characters. */
export function childName(parent: string, taken: ReadonlySet<string>): string {
  for (let i = 1; ; i++) {
    const suffix = i === 1 ? '-warm' : `-warm-${i}`;
    const name = `${parent.slice(0, 32 - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!taken.has(name.toLowerCase())) return name;
  }
}
