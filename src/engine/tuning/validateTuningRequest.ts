/**
 * Checks a CreateHyperParameterTuningJob request before the local engine accepts it:
 * SageMaker's own parameter validation, then the tuning rules (ranges, scaling, limits,
 * objective, completion criteria), then each training job definition as a training job
 * request - nothing is written until every check has passed. Each problem gets its own
 * message naming the field.
 *
 * One definition (TrainingJobDefinition, or a single entry of TrainingJobDefinitions) takes its
 * objective and ranges from the tuning job config or from the definition. Several
 * (TrainingJobDefinitions, up to 10) each carry their own DefinitionName (unique),
 * TuningObjective (one objective Type for all, so results compare) and HyperParameterRanges;
 * the config's HyperParameterTuningJobObjective and ParameterRanges must then be absent, as
 * SageMaker's multi-algorithm requests have them.
 */
import { effectiveMetricDefinitions } from '../../model/builtinAlgorithms';
import type { CreateTrainingJobRequest } from '../../model/types';
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
export const MAX_TRAINING_JOB_DEFINITIONS = 10;

export type StrategyName = 'Bayesian' | 'Random' | 'Grid' | 'Hyperband';

export interface TuningObjective {
  Type: 'Maximize' | 'Minimize';
  MetricName: string;
}

/** One training job definition, ready to run trials from. */
export interface ValidatedDefinition {
  /** Its DefinitionName (always present with several definitions). */
  name?: string;
  definition: HyperParameterTrainingJobDefinition;
  /** Its objective: the same Type for every definition of a job, its own MetricName. */
  objective: TuningObjective;
  space: SearchSpace;
  /** Rungs and resources when Strategy is Hyperband (MaxResource may come from its statics). */
  hyperband?: HyperbandSettings;
}

export interface ValidatedTuningJob {
  request: CreateHyperParameterTuningJobRequest;
  /** Every training job definition, in the request's order (one or more). */
  definitions: ValidatedDefinition[];
  /** The first definition's, for code that tunes a single definition. */
  definition: HyperParameterTrainingJobDefinition;
  objective: TuningObjective;
  space: SearchSpace;
  strategy: StrategyName;
  maxTrainingJobs: number;
  maxParallel: number;
  seed: number;
  /** Rungs and resources when Strategy is Hyperband (the first definition's). */
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

  const listed = request.TrainingJobDefinitions ?? [];
  if (request.TrainingJobDefinition && listed.length) {
    errors.push('Give either TrainingJobDefinition or TrainingJobDefinitions, not both.');
  }
  if (!request.TrainingJobDefinition && listed.length === 0) {
    throw validationError(
      'TrainingJobDefinition is required: it says which training job each trial runs.',
    );
  }
  if (listed.length > MAX_TRAINING_JOB_DEFINITIONS) {
    errors.push(
      `TrainingJobDefinitions has ${listed.length} definitions; SageMaker allows at most ${MAX_TRAINING_JOB_DEFINITIONS}.`,
    );
  }
  // Each definition with the field path its messages name.
  const entries: { field: string; definition: HyperParameterTrainingJobDefinition }[] =
    request.TrainingJobDefinition
      ? [{ field: 'TrainingJobDefinition', definition: request.TrainingJobDefinition }]
      : listed.map((definition, index) => ({
          field: `TrainingJobDefinitions[${index}]${definition.DefinitionName ? ` (${definition.DefinitionName})` : ''}`,
          definition,
        }));
  const several = entries.length > 1;

  const strategy = config.Strategy as StrategyName;
  if (!availableStrategies.includes(strategy)) {
    throw validationError(
      `HyperParameterTuningJobConfig.Strategy ${strategy} is not available on the local engine yet; ` +
        `use one of ${availableStrategies.join(', ')}.`,
    );
  }

  if (several) {
    const firstUse = new Map<string, number>();
    listed.forEach((definition, index) => {
      const name = definition.DefinitionName;
      if (!name) {
        errors.push(
          `TrainingJobDefinitions[${index}].DefinitionName is required when there are several definitions; give each definition a unique name.`,
        );
      } else if (firstUse.has(name)) {
        errors.push(
          `TrainingJobDefinitions[${index}].DefinitionName ${JSON.stringify(name)} is already the name of TrainingJobDefinitions[${firstUse.get(name)}]; each definition needs a unique name.`,
        );
      } else {
        firstUse.set(name, index);
      }
    });
    if (config.HyperParameterTuningJobObjective) {
      errors.push(
        'HyperParameterTuningJobConfig.HyperParameterTuningJobObjective must be absent with several TrainingJobDefinitions; ' +
          "each definition's TuningObjective names its objective metric.",
      );
    }
    if (config.ParameterRanges) {
      errors.push(
        'HyperParameterTuningJobConfig.ParameterRanges must be absent with several TrainingJobDefinitions; ' +
          "give each definition's ranges in its HyperParameterRanges.",
      );
    }
  }

  const definitions: ValidatedDefinition[] = [];
  let commonType: { type: 'Maximize' | 'Minimize'; field: string } | undefined;
  for (const { field, definition } of entries) {
    // The objective: on the config, or on the definition (always there with several).
    let objective: TuningObjective | undefined;
    const given = several
      ? definition.TuningObjective
      : (config.HyperParameterTuningJobObjective ?? definition.TuningObjective);
    if (!given?.MetricName || !given.Type) {
      errors.push(
        several
          ? `${field}.TuningObjective (Type and MetricName) is required when there are several definitions: each names its own objective metric.`
          : 'HyperParameterTuningJobConfig.HyperParameterTuningJobObjective (Type and MetricName) is required.',
      );
    } else {
      objective = { Type: given.Type, MetricName: given.MetricName };
      if (commonType && commonType.type !== objective.Type) {
        errors.push(
          `${field}.TuningObjective.Type ${objective.Type} differs from ${commonType.field}'s ${commonType.type}; ` +
            "every definition's objective must have the same Type, so that their results compare.",
        );
      }
      commonType ??= { type: objective.Type, field };
      // Built-in algorithms (local:image-classification ...) bring their metrics with them.
      const metricNames = effectiveMetricDefinitions(definition.AlgorithmSpecification).map(
        (m) => m.Name,
      );
      if (!metricNames.includes(objective.MetricName)) {
        errors.push(
          `The objective metric ${JSON.stringify(objective.MetricName)} is not among ${several ? `${field}'s` : "the definition's"} ` +
            `AlgorithmSpecification.MetricDefinitions (${metricNames.length ? metricNames.join(', ') : 'none'}); ` +
            'add a MetricDefinition with that Name and a regex that captures its value.',
        );
      }
    }

    let ranges: ParameterRanges | undefined;
    if (several) {
      ranges = definition.HyperParameterRanges;
      if (!ranges) {
        errors.push(
          `${field}.HyperParameterRanges is required when there are several definitions: each definition gives its own ranges.`,
        );
      }
    } else {
      ranges = definition.HyperParameterRanges ?? config.ParameterRanges;
      if (definition.HyperParameterRanges && config.ParameterRanges) {
        errors.push(
          `Give the ranges once: in ${field}.HyperParameterRanges or in HyperParameterTuningJobConfig.ParameterRanges.`,
        );
      }
    }
    // With several definitions every range problem names its definition.
    const rangeErrors: string[] = [];
    const space = parseRanges(ranges, definition.StaticHyperParameters ?? {}, rangeErrors);
    if (space.parameters.length === 0 && (ranges || !several))
      rangeErrors.push(
        'HyperParameterRanges defines no tunable hyperparameter; add at least one range.',
      );

    // Strategy-specific rules.
    if (strategy === 'Grid') {
      const notCategorical = space.parameters
        .filter((p) => p.kind !== 'Categorical')
        .map((p) => p.name);
      if (notCategorical.length) {
        rangeErrors.push(
          `Grid search takes only CategoricalParameterRanges; ${notCategorical.join(', ')} ${notCategorical.length > 1 ? 'are' : 'is'} not categorical.`,
        );
      }
    }
    let hyperband: HyperbandSettings | undefined;
    if (strategy === 'Hyperband') {
      const settings = hyperbandSettings(
        config.StrategyConfig?.HyperbandStrategyConfig,
        definition.StaticHyperParameters ?? {},
      );
      if (typeof settings === 'string') rangeErrors.push(settings);
      else hyperband = settings;
    }
    errors.push(...rangeErrors.map((message) => (several ? `${field}: ${message}` : message)));

    definitions.push({
      ...(definition.DefinitionName ? { name: definition.DefinitionName } : {}),
      definition,
      objective: objective ?? { Type: 'Minimize', MetricName: '' },
      space,
      ...(hyperband ? { hyperband } : {}),
    });
  }

  if (config.StrategyConfig?.HyperbandStrategyConfig && strategy !== 'Hyperband') {
    errors.push('StrategyConfig.HyperbandStrategyConfig applies only to the Hyperband strategy.');
  }
  if (strategy === 'Hyperband' && config.TrainingJobEarlyStoppingType === 'Auto') {
    errors.push('Hyperband stops trials early itself; set TrainingJobEarlyStoppingType to Off.');
  }

  const limits = config.ResourceLimits!;
  // A Grid job runs every definition's grid: their sizes add up.
  const gridSize =
    strategy === 'Grid' && errors.length === 0
      ? definitions.reduce((sum, d) => sum + cardinality(d.space), 0)
      : undefined;
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

  // Each definition must make a runnable training job: check it as one, with the ranges' lower ends.
  const runErrors: string[] = [];
  definitions.forEach(({ definition, space }, index) => {
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
      validateTrainingJobRequest(
        definitionTrainingRequest(definition, 'tuning-definition-check', probeValues),
      );
    } catch (err) {
      runErrors.push(`${entries[index].field}: ${(err as Error).message}`);
    }
  });
  if (runErrors.length > 0) throw validationError(runErrors.join(' '));

  const first = definitions[0];
  return {
    request,
    definitions,
    definition: first.definition,
    objective: first.objective,
    space: first.space,
    strategy,
    maxTrainingJobs,
    maxParallel,
    seed: config.RandomSeed ?? Math.floor(Math.random() * 2 ** 31),
    ...(first.hyperband ? { hyperband: first.hyperband } : {}),
  };
}

/**
 * The training job a definition makes with these tuned values: its algorithm, static
 * hyperparameters, channels, resources (ResourceConfig, else HyperParameterTuningResourceConfig's
 * instance) and stopping condition.
 */
export function definitionTrainingRequest(
  d: HyperParameterTrainingJobDefinition,
  name: string,
  tuned: Record<string, string>,
): CreateTrainingJobRequest {
  const tuningResources = d.HyperParameterTuningResourceConfig;
  return {
    TrainingJobName: name,
    AlgorithmSpecification: d.AlgorithmSpecification,
    RoleArn: d.RoleArn,
    HyperParameters: { ...d.StaticHyperParameters, ...tuned },
    ...(d.InputDataConfig ? { InputDataConfig: d.InputDataConfig } : {}),
    OutputDataConfig: d.OutputDataConfig,
    ...(d.ResourceConfig
      ? { ResourceConfig: d.ResourceConfig }
      : tuningResources?.InstanceType
        ? {
            ResourceConfig: {
              InstanceType: tuningResources.InstanceType,
              InstanceCount: tuningResources.InstanceCount ?? 1,
              VolumeSizeInGB: tuningResources.VolumeSizeInGB ?? 10,
            },
          }
        : {}),
    StoppingCondition: d.StoppingCondition,
    ...(d.Environment ? { Environment: d.Environment } : {}),
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
