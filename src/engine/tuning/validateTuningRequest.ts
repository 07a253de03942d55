/**
 * Checks a CreateHyperParameterTuningJob request before the local engine accepts it:
 * SageMaker's own parameter validation, then the tuning rules (ranges, scaling, limits,
 * objective, completion criteria), then the training job definition as a training job
 * request - nothing is written until every check has passed. Each problem gets its own
 * message naming the field.
 */
import { effectiveMetricDefinitions } from '../../model/builtinAlgorithms';
import type {
  CreateHyperParameterTuningJobRequest,
  HyperParameterTrainingJobDefinition,
  ParameterRanges,
} from '@aws-sdk/client-sagemaker';
import { validationError } from '../../model/errors';
import { formatProblems, validateShape } from '../../model/shapes';
import { validateTrainingJobRequest } from '../training/validateRequest';
import type { Parameter, ScalingType, SearchSpace } from './searchSpace';
import { cardinality, fromUnit, toHyperParameters } from './searchSpace';
import { hyperbandSettings, type HyperbandSettings } from './hyperband';

/** SageMaker's limits. */
export const MAX_TRAINING_JOBS_PER_TUNING_JOB = 500;
export const MAX_TUNABLE_HYPERPARAMETERS = 30;

export type StrategyName = 'Bayesian' | 'Random' | 'Grid' | 'Hyperband';

export interface ValidatedTuningJob {
  request: CreateHyperParameterTuningJobRequest;
  definition: HyperParameterTrainingJobDefinition;
  objective: { Type: 'Maximize' | 'Minimize'; MetricName: string };
  space: SearchSpace;
  strategy: StrategyName;
  maxTrainingJobs: number;
  maxParallel: number;
  seed: number;
  /** Rungs and resources when Strategy is Hyperband. */
  hyperband?: HyperbandSettings;
}

export function validateTuningJobRequest(
  input: unknown,
  availableStrategies: readonly StrategyName[],
): ValidatedTuningJob {
  const problems = validateShape('CreateHyperParameterTuningJob', 'input', input);
  if (problems.length > 0) {
    throw validationError(
      `Invalid CreateHyperParameterTuningJob request: ${formatProblems(problems)}`,
    );
  }
  const request = input as CreateHyperParameterTuningJobRequest;
  const config = request.HyperParameterTuningJobConfig!;
  const errors: string[] = [];

  const definitions = request.TrainingJobDefinitions ?? [];
  if (request.TrainingJobDefinition && definitions.length) {
    errors.push('Give either TrainingJobDefinition or TrainingJobDefinitions, not both.');
  }
  if (!request.TrainingJobDefinition && definitions.length === 0) {
    throw validationError(
      'TrainingJobDefinition is required: it says which training job each trial runs.',
    );
  }
  if (definitions.length > 1) {
    throw validationError(
      `TrainingJobDefinitions has ${definitions.length} definitions; the local engine tunes one definition per job. ` +
        'Use TrainingJobDefinition, or one tuning job per definition.',
    );
  }
  const definition = request.TrainingJobDefinition ?? definitions[0];

  const strategy = config.Strategy as StrategyName;
  if (!availableStrategies.includes(strategy)) {
    throw validationError(
      `HyperParameterTuningJobConfig.Strategy ${strategy} is not available on the local engine yet; ` +
        `use one of ${availableStrategies.join(', ')}.`,
    );
  }

  // The objective: on the config, or on the definition (multi-definition requests).
  const objective = config.HyperParameterTuningJobObjective ?? definition.TuningObjective;
  if (!objective?.MetricName || !objective.Type) {
    errors.push(
      'HyperParameterTuningJobConfig.HyperParameterTuningJobObjective (Type and MetricName) is required.',
    );
  } else {
    // Built-in algorithms (local:image-classification ...) bring their metrics with them.
    const metricNames = effectiveMetricDefinitions(definition.AlgorithmSpecification).map(
      (m) => m.Name,
    );
    if (!metricNames.includes(objective.MetricName)) {
      errors.push(
        `The objective metric ${JSON.stringify(objective.MetricName)} is not among the definition's ` +
          `AlgorithmSpecification.MetricDefinitions (${metricNames.length ? metricNames.join(', ') : 'none'}); ` +
          'add a MetricDefinition with that Name and a regex that captures its value.',
      );
    }
  }

  const ranges = definition.HyperParameterRanges ?? config.ParameterRanges;
  if (definition.HyperParameterRanges && config.ParameterRanges) {
    errors.push(
      'Give the ranges once: in TrainingJobDefinition.HyperParameterRanges or in HyperParameterTuningJobConfig.ParameterRanges.',
    );
  }
  const space = parseRanges(ranges, definition.StaticHyperParameters ?? {}, errors);
  if (space.parameters.length === 0)
    errors.push('HyperParameterRanges defines no tunable hyperparameter; add at least one range.');

  // Strategy-specific rules.
  if (strategy === 'Grid') {
    const notCategorical = space.parameters
      .filter((p) => p.kind !== 'Categorical')
      .map((p) => p.name);
    if (notCategorical.length) {
      errors.push(
        `Grid search takes only CategoricalParameterRanges; ${notCategorical.join(', ')} ${notCategorical.length > 1 ? 'are' : 'is'} not categorical.`,
      );
    }
  }
  if (config.StrategyConfig?.HyperbandStrategyConfig && strategy !== 'Hyperband') {
    errors.push('StrategyConfig.HyperbandStrategyConfig applies only to the Hyperband strategy.');
  }
  let hyperband: HyperbandSettings | undefined;
  if (strategy === 'Hyperband') {
    if (config.TrainingJobEarlyStoppingType === 'Auto') {
      errors.push('Hyperband stops trials early itself; set TrainingJobEarlyStoppingType to Off.');
    }
    const settings = hyperbandSettings(
      config.StrategyConfig?.HyperbandStrategyConfig,
      definition.StaticHyperParameters ?? {},
    );
    if (typeof settings === 'string') errors.push(settings);
    else hyperband = settings;
  }

  const limits = config.ResourceLimits!;
  const gridSize = strategy === 'Grid' && errors.length === 0 ? cardinality(space) : undefined;
  // Without MaxNumberOfTrainingJobs a job needs another way to end: the grid's size, a
  // runtime limit or a completion criterion; SageMaker's per-job limit caps it.
  const criteria = config.TuningJobCompletionCriteria;
  const canEndOtherwise =
    limits.MaxRuntimeInSeconds !== undefined ||
    criteria?.TargetObjectiveMetricValue !== undefined ||
    criteria?.BestObjectiveNotImproving?.MaxNumberOfTrainingJobsNotImproving !== undefined ||
    criteria?.ConvergenceDetected?.CompleteOnConvergence === 'Enabled';
  let maxTrainingJobs =
    limits.MaxNumberOfTrainingJobs ??
    gridSize ??
    (canEndOtherwise ? MAX_TRAINING_JOBS_PER_TUNING_JOB : undefined);
  if (maxTrainingJobs === undefined) {
    errors.push(
      'HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs is required unless the job can end otherwise ' +
        '(Grid search, MaxRuntimeInSeconds, or TuningJobCompletionCriteria).',
    );
    maxTrainingJobs = 1;
  }
  if (gridSize !== undefined && maxTrainingJobs > gridSize) maxTrainingJobs = gridSize;
  if (maxTrainingJobs > MAX_TRAINING_JOBS_PER_TUNING_JOB) {
    errors.push(
      `ResourceLimits.MaxNumberOfTrainingJobs ${maxTrainingJobs} exceeds SageMaker's limit of ${MAX_TRAINING_JOBS_PER_TUNING_JOB}.`,
    );
  }
  const maxParallel = limits.MaxParallelTrainingJobs!;

  if (errors.length > 0) throw validationError(errors.join(' '));

  // The definition must make a runnable training job: check it as one, with the ranges' lower ends.
  const probeValues = toHyperParameters(
    space,
    Object.fromEntries(
      space.parameters.map((p) => [
        p.name,
        p.kind === 'Categorical' ? p.values[0] : fromUnit(p, 0),
      ]),
    ),
  );
  try {
    validateTrainingJobRequest({
      TrainingJobName: 'tuning-definition-check',
      AlgorithmSpecification: definition.AlgorithmSpecification,
      RoleArn: definition.RoleArn,
      HyperParameters: { ...definition.StaticHyperParameters, ...probeValues },
      ...(definition.InputDataConfig ? { InputDataConfig: definition.InputDataConfig } : {}),
      OutputDataConfig: definition.OutputDataConfig,
      ...(definition.ResourceConfig ? { ResourceConfig: definition.ResourceConfig } : {}),
      StoppingCondition: definition.StoppingCondition,
      ...(definition.Environment ? { Environment: definition.Environment } : {}),
    });
  } catch (err) {
    throw validationError(`TrainingJobDefinition: ${(err as Error).message}`);
  }

  return {
    request,
    definition,
    objective: { Type: objective!.Type!, MetricName: objective!.MetricName! },
    space,
    strategy,
    maxTrainingJobs,
    maxParallel,
    seed: config.RandomSeed ?? Math.floor(Math.random() * 2 ** 31),
    ...(hyperband ? { hyperband } : {}),
  };
}

/** The ranges as a search space; each problem is pushed to `errors`, prefixed with its range. */
export function parseRanges(
  ranges: ParameterRanges | undefined,
  statics: Record<string, string>,
  errors: string[],
): SearchSpace {
  const parameters: Parameter[] = [];
  const seen = new Set<string>();
  const claim = (name: string, field: string): boolean => {
    if (seen.has(name)) {
      errors.push(`${field}: the hyperparameter ${JSON.stringify(name)} has more than one range.`);
      return false;
    }
    if (name in statics) {
      errors.push(
        `${field}: ${JSON.stringify(name)} is both tunable and a static hyperparameter; keep one.`,
      );
      return false;
    }
    if (!name) {
      errors.push(`${field}: a range needs a Name.`);
      return false;
    }
    seen.add(name);
    return true;
  };
  if (ranges?.AutoParameters?.length) {
    errors.push(
      'ParameterRanges.AutoParameters (Autotune) is not available on the local engine; give explicit ranges.',
    );
  }
  for (const [kind, list] of [
    ['Integer', ranges?.IntegerParameterRanges ?? []],
    ['Continuous', ranges?.ContinuousParameterRanges ?? []],
  ] as const) {
    list.forEach((range, index) => {
      const field = `${kind}ParameterRanges[${index}] (${range.Name})`;
      if (!claim(range.Name ?? '', field)) return;
      const min = Number(range.MinValue);
      const max = Number(range.MaxValue);
      const scaling = (range.ScalingType ?? 'Auto') as ScalingType;
      const bad = (message: string) => errors.push(`${field}: ${message}`);
      if (range.MinValue?.trim() === '' || !Number.isFinite(min))
        return bad(`MinValue ${JSON.stringify(range.MinValue)} is not a number.`);
      if (range.MaxValue?.trim() === '' || !Number.isFinite(max))
        return bad(`MaxValue ${JSON.stringify(range.MaxValue)} is not a number.`);
      if (kind === 'Integer' && (!Number.isInteger(min) || !Number.isInteger(max))) {
        return bad(
          `MinValue and MaxValue must be whole numbers, got ${range.MinValue} and ${range.MaxValue}.`,
        );
      }
      if (min >= max)
        return bad(`MinValue ${range.MinValue} must be less than MaxValue ${range.MaxValue}.`);
      if (scaling === 'Logarithmic' && min <= 0) {
        return bad(
          `Logarithmic scaling needs MinValue > 0 (got ${range.MinValue}); use Linear, or raise MinValue.`,
        );
      }
      if (scaling === 'ReverseLogarithmic') {
        if (kind === 'Integer')
          return bad('ReverseLogarithmic scaling applies to continuous ranges only.');
        if (min < 0 || max >= 1)
          return bad(
            `ReverseLogarithmic scaling needs 0 <= MinValue < MaxValue < 1 (got ${min} to ${max}).`,
          );
      }
      parameters.push({ kind, name: range.Name!, min, max, scaling });
    });
  }
  (ranges?.CategoricalParameterRanges ?? []).forEach((range, index) => {
    const field = `CategoricalParameterRanges[${index}] (${range.Name})`;
    if (!claim(range.Name ?? '', field)) return;
    const values = range.Values ?? [];
    if (values.some((v) => v.trim() === ''))
      return errors.push(`${field}: Values may not contain an empty value.`);
    const duplicates = values.filter((v, i) => values.indexOf(v) !== i);
    if (duplicates.length)
      return errors.push(`${field}: the value ${JSON.stringify(duplicates[0])} is listed twice.`);
    parameters.push({ kind: 'Categorical', name: range.Name!, values });
  });
  if (parameters.length > MAX_TUNABLE_HYPERPARAMETERS) {
    errors.push(
      `${parameters.length} tunable hyperparameters; SageMaker allows at most ${MAX_TUNABLE_HYPERPARAMETERS}.`,
    );
  }
  return { parameters };
}
