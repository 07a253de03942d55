/**
 * The tuning request editor's model: a CreateHyperParameterTuningJob request as a form
 * (EditorDraft, every field as typed) and back, the field each validation problem belongs
 * to, and the worst-case compute. Pure (no vscode, no I/O): unit-tested in Node.
 *
 * The form covers what users edit; everything else in a request (Environment, VpcConfig,
 * checkpoints, tags...) is carried through from the request it was loaded from.
 */
import type { CreateHyperParameterTuningJobRequest } from '@aws-sdk/client-sagemaker';
import { isPlainObject } from '../protocol/check';
import type {
  ComputeEstimate,
  CostEstimate,
  EditorDraft,
  FieldProblem,
  InstanceTypeOption,
  RangeDraft,
} from '../protocol/editor';
import { STRATEGIES } from '../protocol/editor';
import { validateShape } from '../../../model/shapes';
import { BUILTIN_IMAGES } from '../../../model/builtinAlgorithms';
import {
  describeInstanceType,
  INSTANCE_PRICES_AS_OF,
  INSTANCE_TYPES,
  instancePricePerHour,
  worstCaseCost,
} from '../../../model/instanceTypes';
import { parseRanges } from '../../../engine/tuning/validateTuningRequest';
import { checkSiftingValues } from './sifting';

type Json = Record<string, unknown>;

/** SageMaker's default StoppingCondition.MaxRuntimeInSeconds: one day. */
export const DEFAULT_MAX_RUNTIME_SECONDS = 86_400;

const obj = (value: unknown): Json => (isPlainObject(value) ? value : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' && Number.isFinite(value)
      ? String(value)
      : '';

export function emptyDraft(): EditorDraft {
  return {
    name: '',
    strategy: 'Bayesian',
    randomSeed: '',
    objectiveMetric: '',
    objectiveType: 'Minimize',
    maxTrainingJobs: '',
    maxParallelTrainingJobs: '',
    maxRuntimeSeconds: '',
    targetObjective: '',
    maxNotImproving: '',
    completeOnConvergence: false,
    earlyStopping: 'Off',
    hyperbandMinResource: '',
    hyperbandMaxResource: '',
    staticHyperParameters: [],
    ranges: [],
    trainingImage: '',
    metricDefinitions: [],
    channels: [],
    roleArn: '',
    outputPath: '',
    instanceType: '',
    instanceCount: '',
    volumeSizeInGB: '',
    maxRuntimePerJob: '',
    warmStartType: 'None',
    warmStartParents: [],
  };
}

/** A new request for a script in the workspace, on the local engine. */
export function templateDraft(options: { name: string; outputPath: string }): EditorDraft {
  return {
    ...emptyDraft(),
    name: options.name,
    strategy: 'Bayesian',
    objectiveMetric: 'validation:loss',
    objectiveType: 'Minimize',
    maxTrainingJobs: '20',
    maxParallelTrainingJobs: '2',
    staticHyperParameters: [
      { name: 'sagemaker_program', value: 'train.py' },
      { name: 'sagemaker_submit_directory', value: '${workspaceFolder}' },
      { name: 'epochs', value: '5' },
    ],
    ranges: [
      {
        name: 'learning_rate',
        type: 'Continuous',
        min: '0.0001',
        max: '0.1',
        scaling: 'Logarithmic',
        values: '',
      },
      {
        name: 'batch_size',
        type: 'Categorical',
        min: '',
        max: '',
        scaling: 'Auto',
        values: '32, 64, 128',
      },
    ],
    trainingImage: 'local:process',
    metricDefinitions: [
      { name: 'train:loss', regex: 'train:loss=([-+0-9.eE]+)' },
      { name: 'validation:loss', regex: 'validation:loss=([-+0-9.eE]+)' },
    ],
    channels: [{ name: 'training', uri: 'file://${workspaceFolder}/data/train' }],
    roleArn: 'arn:aws:iam::123456789012:role/SageMakerRole',
    outputPath: options.outputPath,
    instanceType: 'ml.m5.large',
    instanceCount: '1',
    volumeSizeInGB: '10',
    maxRuntimePerJob: '3600',
  };
}

function definitionOf(request: Json): Json {
  if (isPlainObject(request.TrainingJobDefinition)) return request.TrainingJobDefinition;
  return obj(list(request.TrainingJobDefinitions)[0]);
}

/**
 * The form for a request, however broken: what cannot be read as the form expects becomes an
 * empty field (the validation then says what is missing), and `notes` lists what the form
 * does not edit.
 */
export function draftFromRequest(raw: unknown): { draft: EditorDraft; notes: string[] } {
  const request = obj(raw);
  const notes: string[] = [];
  if (!isPlainObject(raw))
    notes.push('The file does not hold a JSON object; the form starts empty.');
  const config = obj(request.HyperParameterTuningJobConfig);
  const definitions = list(request.TrainingJobDefinitions);
  if (definitions.length > 1)
    notes.push(
      `The request has ${definitions.length} TrainingJobDefinitions; the form edits the first and keeps the others as they are.`,
    );
  const definition = definitionOf(request);
  const objective = obj(config.HyperParameterTuningJobObjective ?? definition.TuningObjective);
  const limits = obj(config.ResourceLimits);
  const criteria = obj(config.TuningJobCompletionCriteria);
  const ranges = obj(definition.HyperParameterRanges ?? config.ParameterRanges);
  if (list(ranges.AutoParameters).length)
    notes.push('AutoParameters (Autotune) are kept as they are; the form edits explicit ranges.');
  const rows: RangeDraft[] = [];
  for (const type of ['Integer', 'Continuous'] as const) {
    for (const item of list(ranges[`${type}ParameterRanges`])) {
      const range = obj(item);
      const scaling = text(range.ScalingType);
      rows.push({
        name: text(range.Name),
        type,
        min: text(range.MinValue),
        max: text(range.MaxValue),
        scaling: (['Auto', 'Linear', 'Logarithmic', 'ReverseLogarithmic'].includes(scaling)
          ? scaling
          : 'Auto') as RangeDraft['scaling'],
        values: '',
      });
    }
  }
  for (const item of list(ranges.CategoricalParameterRanges)) {
    const range = obj(item);
    rows.push({
      name: text(range.Name),
      type: 'Categorical',
      min: '',
      max: '',
      scaling: 'Auto',
      values: list(range.Values).map(text).join(', '),
    });
  }
  const algorithm = obj(definition.AlgorithmSpecification);
  const resources = obj(definition.ResourceConfig);
  const warm = obj(request.WarmStartConfig);
  const hyperband = obj(obj(config.StrategyConfig).HyperbandStrategyConfig);
  const strategy = text(config.Strategy);
  const warmType = text(warm.WarmStartType);
  const draft: EditorDraft = {
    name: text(request.HyperParameterTuningJobName),
    strategy: ((STRATEGIES as readonly string[]).includes(strategy)
      ? strategy
      : 'Bayesian') as EditorDraft['strategy'],
    randomSeed: text(config.RandomSeed),
    objectiveMetric: text(objective.MetricName),
    objectiveType: objective.Type === 'Maximize' ? 'Maximize' : 'Minimize',
    maxTrainingJobs: text(limits.MaxNumberOfTrainingJobs),
    maxParallelTrainingJobs: text(limits.MaxParallelTrainingJobs),
    maxRuntimeSeconds: text(limits.MaxRuntimeInSeconds),
    targetObjective: text(criteria.TargetObjectiveMetricValue),
    maxNotImproving: text(
      obj(criteria.BestObjectiveNotImproving).MaxNumberOfTrainingJobsNotImproving,
    ),
    completeOnConvergence: obj(criteria.ConvergenceDetected).CompleteOnConvergence === 'Enabled',
    earlyStopping: config.TrainingJobEarlyStoppingType === 'Auto' ? 'Auto' : 'Off',
    hyperbandMinResource: text(hyperband.MinResource),
    hyperbandMaxResource: text(hyperband.MaxResource),
    staticHyperParameters: Object.entries(obj(definition.StaticHyperParameters)).map(
      ([name, value]) => ({ name, value: text(value) }),
    ),
    ranges: rows,
    trainingImage: text(algorithm.TrainingImage),
    metricDefinitions: list(algorithm.MetricDefinitions).map((m) => ({
      name: text(obj(m).Name),
      regex: text(obj(m).Regex),
    })),
    channels: list(definition.InputDataConfig).map((c) => ({
      name: text(obj(c).ChannelName),
      uri: text(obj(obj(obj(c).DataSource).S3DataSource).S3Uri),
    })),
    roleArn: text(definition.RoleArn),
    outputPath: text(obj(definition.OutputDataConfig).S3OutputPath),
    instanceType: text(resources.InstanceType),
    instanceCount: text(resources.InstanceCount),
    volumeSizeInGB: text(resources.VolumeSizeInGB),
    maxRuntimePerJob: text(obj(definition.StoppingCondition).MaxRuntimeInSeconds),
    warmStartType:
      warmType === 'IdenticalDataAndAlgorithm' || warmType === 'TransferLearning'
        ? warmType
        : 'None',
    warmStartParents: list(warm.ParentHyperParameterTuningJobs).map((p) =>
      text(obj(p).HyperParameterTuningJobName),
    ),
  };
  return { draft, notes };
}

/** Where each part of the built request came from in the form (request path -> field id). */
export interface BuiltRequest {
  request: CreateHyperParameterTuningJobRequest;
  problems: FieldProblem[];
  /** Request path prefixes (longest first) and the field each belongs to. */
  fields: [string, string][];
}

function setOrDelete(target: Json, key: string, value: unknown): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}

function clone(value: unknown): Json {
  return isPlainObject(value) ? (JSON.parse(JSON.stringify(value)) as Json) : {};
}

/**
 * The request for a form, built over `base` (the request it was loaded from) so that what the
 * form does not edit is kept. Numbers that do not parse are left out and reported on their
 * field (the request then lacks them, and the shape check says so if they were required).
 */
export function requestFromDraft(draft: EditorDraft, base?: unknown): BuiltRequest {
  const request = clone(base);
  const problems: FieldProblem[] = [];
  const fields: [string, string][] = [];
  const problem = (field: string, message: string) => problems.push({ field, message });
  const integer = (value: string, field: string, label: string): number | undefined => {
    const trimmed = value.trim();
    if (trimmed === '') return undefined;
    const n = Number(trimmed);
    if (!Number.isInteger(n)) {
      problem(field, `${label} must be a whole number, not ${JSON.stringify(value)}.`);
      return undefined;
    }
    return n;
  };
  const decimal = (value: string, field: string, label: string): number | undefined => {
    const trimmed = value.trim();
    if (trimmed === '') return undefined;
    const n = Number(trimmed);
    if (!Number.isFinite(n)) {
      problem(field, `${label} must be a number, not ${JSON.stringify(value)}.`);
      return undefined;
    }
    return n;
  };
  const orUndefined = (value: string) => (value.trim() === '' ? undefined : value.trim());

  setOrDelete(request, 'HyperParameterTuningJobName', orUndefined(draft.name));
  fields.push(['HyperParameterTuningJobName', 'name']);

  const config = obj(request.HyperParameterTuningJobConfig);
  request.HyperParameterTuningJobConfig = config;
  config.Strategy = draft.strategy;
  fields.push(['HyperParameterTuningJobConfig.Strategy', 'strategy']);
  setOrDelete(config, 'RandomSeed', integer(draft.randomSeed, 'randomSeed', 'RandomSeed'));
  fields.push(['HyperParameterTuningJobConfig.RandomSeed', 'randomSeed']);

  // The definition: TrainingJobDefinition, or the first of TrainingJobDefinitions.
  const multi =
    !isPlainObject(request.TrainingJobDefinition) && Array.isArray(request.TrainingJobDefinitions);
  const defPath = multi ? 'TrainingJobDefinitions[0]' : 'TrainingJobDefinition';
  const definition = multi
    ? obj((request.TrainingJobDefinitions as unknown[])[0])
    : obj(request.TrainingJobDefinition);
  if (multi) (request.TrainingJobDefinitions as unknown[])[0] = definition;
  else request.TrainingJobDefinition = definition;

  // The objective lives on the config unless the request put it on the definition.
  const objectiveOnDefinition =
    multi &&
    isPlainObject(definition.TuningObjective) &&
    !isPlainObject(config.HyperParameterTuningJobObjective);
  const objectivePath = objectiveOnDefinition
    ? `${defPath}.TuningObjective`
    : 'HyperParameterTuningJobConfig.HyperParameterTuningJobObjective';
  const objectiveValue = { Type: draft.objectiveType, MetricName: draft.objectiveMetric.trim() };
  if (objectiveOnDefinition) definition.TuningObjective = objectiveValue;
  else config.HyperParameterTuningJobObjective = objectiveValue;
  fields.push([`${objectivePath}.Type`, 'objectiveType'], [objectivePath, 'objectiveMetric']);

  const limits = obj(config.ResourceLimits);
  config.ResourceLimits = limits;
  setOrDelete(
    limits,
    'MaxNumberOfTrainingJobs',
    integer(draft.maxTrainingJobs, 'maxTrainingJobs', 'MaxNumberOfTrainingJobs'),
  );
  setOrDelete(
    limits,
    'MaxParallelTrainingJobs',
    integer(draft.maxParallelTrainingJobs, 'maxParallelTrainingJobs', 'MaxParallelTrainingJobs'),
  );
  setOrDelete(
    limits,
    'MaxRuntimeInSeconds',
    integer(draft.maxRuntimeSeconds, 'maxRuntimeSeconds', 'MaxRuntimeInSeconds'),
  );
  fields.push(
    ['HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs', 'maxTrainingJobs'],
    [
      'HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs',
      'maxParallelTrainingJobs',
    ],
    ['HyperParameterTuningJobConfig.ResourceLimits.MaxRuntimeInSeconds', 'maxRuntimeSeconds'],
    ['HyperParameterTuningJobConfig.ResourceLimits', 'maxParallelTrainingJobs'],
  );

  const criteria = obj(config.TuningJobCompletionCriteria);
  setOrDelete(
    criteria,
    'TargetObjectiveMetricValue',
    decimal(draft.targetObjective, 'targetObjective', 'TargetObjectiveMetricValue'),
  );
  const notImproving = integer(
    draft.maxNotImproving,
    'maxNotImproving',
    'MaxNumberOfTrainingJobsNotImproving',
  );
  setOrDelete(
    criteria,
    'BestObjectiveNotImproving',
    notImproving === undefined ? undefined : { MaxNumberOfTrainingJobsNotImproving: notImproving },
  );
  const hadConvergence = obj(criteria.ConvergenceDetected).CompleteOnConvergence;
  setOrDelete(
    criteria,
    'ConvergenceDetected',
    draft.completeOnConvergence
      ? { CompleteOnConvergence: 'Enabled' }
      : hadConvergence === 'Disabled'
        ? { CompleteOnConvergence: 'Disabled' }
        : undefined,
  );
  setOrDelete(
    config,
    'TuningJobCompletionCriteria',
    Object.keys(criteria).length ? criteria : undefined,
  );
  fields.push(
    [
      'HyperParameterTuningJobConfig.TuningJobCompletionCriteria.TargetObjectiveMetricValue',
      'targetObjective',
    ],
    [
      'HyperParameterTuningJobConfig.TuningJobCompletionCriteria.BestObjectiveNotImproving',
      'maxNotImproving',
    ],
    [
      'HyperParameterTuningJobConfig.TuningJobCompletionCriteria.ConvergenceDetected',
      'completeOnConvergence',
    ],
  );

  setOrDelete(
    config,
    'TrainingJobEarlyStoppingType',
    draft.earlyStopping === 'Auto' || config.TrainingJobEarlyStoppingType !== undefined
      ? draft.earlyStopping
      : undefined,
  );
  fields.push(['HyperParameterTuningJobConfig.TrainingJobEarlyStoppingType', 'earlyStopping']);

  const strategyConfig = obj(config.StrategyConfig);
  if (draft.strategy === 'Hyperband') {
    const min = integer(draft.hyperbandMinResource, 'hyperbandMinResource', 'MinResource');
    const max = integer(draft.hyperbandMaxResource, 'hyperbandMaxResource', 'MaxResource');
    const hyperband = {
      ...(min !== undefined ? { MinResource: min } : {}),
      ...(max !== undefined ? { MaxResource: max } : {}),
    };
    setOrDelete(
      strategyConfig,
      'HyperbandStrategyConfig',
      Object.keys(hyperband).length ? hyperband : undefined,
    );
  } else {
    delete strategyConfig.HyperbandStrategyConfig;
  }
  setOrDelete(
    config,
    'StrategyConfig',
    Object.keys(strategyConfig).length ? strategyConfig : undefined,
  );
  fields.push(
    [
      'HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig.MinResource',
      'hyperbandMinResource',
    ],
    [
      'HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig.MaxResource',
      'hyperbandMaxResource',
    ],
  );

  // Ranges: where the request had them (the definition or the config), in three typed lists.
  const rangesOnDefinition = isPlainObject(definition.HyperParameterRanges);
  const rangesPath = rangesOnDefinition
    ? `${defPath}.HyperParameterRanges`
    : 'HyperParameterTuningJobConfig.ParameterRanges';
  const ranges = obj(rangesOnDefinition ? definition.HyperParameterRanges : config.ParameterRanges);
  const byType: Record<string, Json[]> = { Integer: [], Continuous: [], Categorical: [] };
  draft.ranges.forEach((row, index) => {
    const at = `ranges.${index}`;
    const kindList = byType[row.type];
    const path = `${rangesPath}.${row.type}ParameterRanges[${kindList.length}]`;
    fields.push([`${path}.Name`, `${at}.name`]);
    if (row.type === 'Categorical') {
      const values = row.values
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      kindList.push({ Name: row.name.trim(), Values: values });
      fields.push([`${path}.Values`, `${at}.values`], [path, `${at}.name`]);
      if (values.length === 0)
        problem(`${at}.values`, 'List the values to try, separated by commas.');
    } else {
      kindList.push({
        Name: row.name.trim(),
        MinValue: row.min.trim(),
        MaxValue: row.max.trim(),
        ...(row.scaling !== 'Auto' || row.type === 'Continuous'
          ? { ScalingType: row.scaling }
          : {}),
      });
      fields.push(
        [`${path}.MinValue`, `${at}.min`],
        [`${path}.MaxValue`, `${at}.max`],
        [`${path}.ScalingType`, `${at}.scaling`],
        [path, `${at}.name`],
      );
    }
  });
  for (const type of ['Integer', 'Continuous', 'Categorical']) {
    setOrDelete(ranges, `${type}ParameterRanges`, byType[type].length ? byType[type] : undefined);
  }
  if (rangesOnDefinition) definition.HyperParameterRanges = ranges;
  else config.ParameterRanges = ranges;

  // Static hyperparameters: a map; rows with neither name nor value are ignored.
  const statics: Record<string, string> = {};
  draft.staticHyperParameters.forEach((row, index) => {
    const name = row.name.trim();
    if (!name && !row.value) return;
    if (!name) return problem(`staticHyperParameters.${index}.name`, 'Name this hyperparameter.');
    if (name in statics)
      return problem(`staticHyperParameters.${index}.name`, `${name} is listed twice.`);
    statics[name] = row.value;
    fields.push([
      `${defPath}.StaticHyperParameters.${name}`,
      `staticHyperParameters.${index}.value`,
    ]);
    fields.push([
      `${defPath}.StaticHyperParameters key ${JSON.stringify(name)}`,
      `staticHyperParameters.${index}.name`,
    ]);
  });
  setOrDelete(
    definition,
    'StaticHyperParameters',
    Object.keys(statics).length ? statics : undefined,
  );

  const algorithm = obj(definition.AlgorithmSpecification);
  definition.AlgorithmSpecification = algorithm;
  setOrDelete(algorithm, 'TrainingImage', orUndefined(draft.trainingImage));
  if (algorithm.TrainingInputMode === undefined) algorithm.TrainingInputMode = 'File';
  fields.push(
    [`${defPath}.AlgorithmSpecification.TrainingImage`, 'trainingImage'],
    [`${defPath}.AlgorithmSpecification`, 'trainingImage'],
  );
  const metrics = draft.metricDefinitions
    .map((m, index) => ({ ...m, index }))
    .filter((m) => m.name.trim() || m.regex);
  metrics.forEach((m, i) => {
    fields.push(
      [
        `${defPath}.AlgorithmSpecification.MetricDefinitions[${i}].Name`,
        `metricDefinitions.${m.index}.name`,
      ],
      [
        `${defPath}.AlgorithmSpecification.MetricDefinitions[${i}].Regex`,
        `metricDefinitions.${m.index}.regex`,
      ],
    );
  });
  setOrDelete(
    algorithm,
    'MetricDefinitions',
    metrics.length ? metrics.map((m) => ({ Name: m.name.trim(), Regex: m.regex })) : undefined,
  );

  const baseChannels = list(definition.InputDataConfig);
  const channels = draft.channels
    .map((c, index) => ({ ...c, index }))
    .filter((c) => c.name.trim() || c.uri.trim());
  channels.forEach((c, i) => {
    fields.push(
      [`${defPath}.InputDataConfig[${i}].ChannelName`, `channels.${c.index}.name`],
      [`${defPath}.InputDataConfig[${i}].DataSource`, `channels.${c.index}.uri`],
    );
  });
  setOrDelete(
    definition,
    'InputDataConfig',
    channels.length
      ? channels.map((c) => {
          const before = clone(baseChannels[c.index]);
          const source = obj(obj(before.DataSource).S3DataSource);
          return {
            ...before,
            ChannelName: c.name.trim(),
            DataSource: {
              S3DataSource: { S3DataType: 'S3Prefix', ...source, S3Uri: c.uri.trim() },
            },
          };
        })
      : undefined,
  );

  setOrDelete(definition, 'RoleArn', orUndefined(draft.roleArn));
  fields.push([`${defPath}.RoleArn`, 'roleArn']);
  const output = obj(definition.OutputDataConfig);
  setOrDelete(output, 'S3OutputPath', orUndefined(draft.outputPath));
  setOrDelete(definition, 'OutputDataConfig', Object.keys(output).length ? output : undefined);
  fields.push([`${defPath}.OutputDataConfig`, 'outputPath']);

  const resources = obj(definition.ResourceConfig);
  setOrDelete(resources, 'InstanceType', orUndefined(draft.instanceType));
  setOrDelete(
    resources,
    'InstanceCount',
    integer(draft.instanceCount, 'instanceCount', 'InstanceCount'),
  );
  setOrDelete(
    resources,
    'VolumeSizeInGB',
    integer(draft.volumeSizeInGB, 'volumeSizeInGB', 'VolumeSizeInGB'),
  );
  setOrDelete(definition, 'ResourceConfig', Object.keys(resources).length ? resources : undefined);
  fields.push(
    [`${defPath}.ResourceConfig.InstanceType`, 'instanceType'],
    [`${defPath}.ResourceConfig.InstanceCount`, 'instanceCount'],
    [`${defPath}.ResourceConfig.VolumeSizeInGB`, 'volumeSizeInGB'],
    [`${defPath}.ResourceConfig`, 'instanceType'],
  );

  const stopping = obj(definition.StoppingCondition);
  setOrDelete(
    stopping,
    'MaxRuntimeInSeconds',
    integer(draft.maxRuntimePerJob, 'maxRuntimePerJob', 'MaxRuntimeInSeconds'),
  );
  setOrDelete(definition, 'StoppingCondition', Object.keys(stopping).length ? stopping : undefined);
  fields.push([`${defPath}.StoppingCondition`, 'maxRuntimePerJob']);

  if (draft.warmStartType === 'None') delete request.WarmStartConfig;
  else
    request.WarmStartConfig = {
      WarmStartType: draft.warmStartType,
      ParentHyperParameterTuningJobs: draft.warmStartParents.map((name) => ({
        HyperParameterTuningJobName: name,
      })),
    };
  fields.push(
    ['WarmStartConfig.WarmStartType', 'warmStartType'],
    ['WarmStartConfig', 'warmStartParents'],
  );

  // Longest (most specific) prefixes first.
  fields.sort((a, b) => b[0].length - a[0].length);
  return { request: request as unknown as CreateHyperParameterTuningJobRequest, problems, fields };
}

/** The form field a request path belongs to (a shape problem's path), if any. */
export function fieldOfPath(path: string, fields: readonly [string, string][]): string | undefined {
  for (const [prefix, field] of fields) {
    if (
      path === prefix ||
      path.startsWith(`${prefix}.`) ||
      path.startsWith(`${prefix}[`) ||
      path.startsWith(`${prefix} `)
    )
      return field;
  }
  return undefined;
}

/**
 * Field-level problems of a form: numbers that do not parse, SageMaker's parameter validation
 * (the API's shapes), and the tuning engine's checks of every range. Problems with no field
 * go to `general`. The whole-request checks (objective among the metrics, a runnable
 * definition, warm start against the parents) are the backend's, run by the panel after these.
 */
export function checkDraft(
  draft: EditorDraft,
  base?: unknown,
): { built: BuiltRequest; problems: FieldProblem[]; general: string[] } {
  const built = requestFromDraft(draft, base);
  const problems = [...built.problems];
  const general: string[] = [];
  const taken = new Set(problems.map((p) => p.field));
  const add = (field: string | undefined, message: string) => {
    if (field === undefined) general.push(message);
    else if (!taken.has(field)) {
      taken.add(field);
      problems.push({ field, message });
    }
  };
  for (const shapeProblem of validateShape(
    'CreateHyperParameterTuningJob',
    'input',
    built.request,
  )) {
    const field = fieldOfPath(shapeProblem.path, built.fields);
    add(
      field,
      field
        ? `${lastSegment(shapeProblem.path)} ${shapeProblem.message}`
        : `${shapeProblem.path} ${shapeProblem.message}`,
    );
  }
  // The built-in algorithms' sift_* values, on the sifting section's fields.
  if (draft.trainingImage.trim() in BUILTIN_IMAGES) {
    const statics = Object.fromEntries(
      draft.staticHyperParameters.map((p) => [p.name.trim(), p.value]),
    );
    for (const siftProblem of checkSiftingValues(statics))
      add(`sift.${siftProblem.name}`, siftProblem.message);
  }
  // The engine's range checks, each mapped back to its row.
  const config = built.request.HyperParameterTuningJobConfig;
  const definition =
    built.request.TrainingJobDefinition ?? built.request.TrainingJobDefinitions?.[0];
  const errors: string[] = [];
  parseRanges(
    definition?.HyperParameterRanges ?? config?.ParameterRanges,
    definition?.StaticHyperParameters ?? {},
    errors,
  );
  for (const error of errors) {
    const match =
      /^(Integer|Continuous|Categorical)ParameterRanges\[(\d+)\] \([^)]*\): (.*)$/s.exec(error);
    if (!match) {
      add(undefined, error);
      continue;
    }
    const [, type, index, message] = match;
    const row = nthRowOfType(draft.ranges, type, Number(index));
    const field = row === undefined ? undefined : `ranges.${row}.${rangeFieldOf(message)}`;
    add(field, message);
  }
  return { built, problems, general };
}

function lastSegment(path: string): string {
  const key = / key "([^"]*)"$/.exec(path);
  if (key) return `Name ${JSON.stringify(key[1])}`;
  const parts = path.split('.');
  return parts[parts.length - 1].replace(/\[\d+\]$/, '');
}

function nthRowOfType(rows: readonly RangeDraft[], type: string, n: number): number | undefined {
  let seen = -1;
  for (let i = 0; i < rows.length; i++) {
    if (rows[i].type === type && ++seen === n) return i;
  }
  return undefined;
}

/** Which input of a range row an engine message is about. */
function rangeFieldOf(message: string): keyof RangeDraft {
  if (/^MaxValue/.test(message)) return 'max';
  if (/^MinValue and MaxValue|^MinValue|Logarithmic scaling needs MinValue/.test(message))
    return 'min';
  if (/scaling/i.test(message)) return 'scaling';
  if (/Values|value/.test(message)) return 'values';
  return 'name';
}

export function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ''}`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}h${m ? ` ${m}m` : ''}`;
}

/**
 * The worst case before launch: each training job may run StoppingCondition.MaxRuntimeInSeconds
 * on InstanceCount instances, MaxParallelTrainingJobs at a time, MaxNumberOfTrainingJobs in
 * all, within ResourceLimits.MaxRuntimeInSeconds. Instance time is at most
 * min(jobs x runtime x instances, wall clock x parallel x instances). The cost is that time at
 * the instance type's price (the `sagemakerWorkbench.instancePrices` setting, else the catalog
 * of src/model/instanceTypes.ts); local-engine jobs use this machine and cost nothing.
 */
export function worstCaseCompute(
  request: CreateHyperParameterTuningJobRequest,
  options: { priceOverrides?: Readonly<Record<string, number>> } = {},
): ComputeEstimate {
  const definition = request.TrainingJobDefinition ?? request.TrainingJobDefinitions?.[0];
  const limits = request.HyperParameterTuningJobConfig?.ResourceLimits;
  const perJob = definition?.StoppingCondition?.MaxRuntimeInSeconds ?? DEFAULT_MAX_RUNTIME_SECONDS;
  const instances = definition?.ResourceConfig?.InstanceCount ?? 1;
  const instanceType = definition?.ResourceConfig?.InstanceType;
  const type = instanceType ?? 'instance (no InstanceType)';
  const parallel = Math.max(1, limits?.MaxParallelTrainingJobs ?? 1);
  const jobs = limits?.MaxNumberOfTrainingJobs;
  const tuningLimit = limits?.MaxRuntimeInSeconds;
  const local = (definition?.AlgorithmSpecification?.TrainingImage ?? '').startsWith('local:');
  const lines = [
    `Each training job: up to ${formatSeconds(perJob)} on ${instances} x ${type}` +
      (definition?.StoppingCondition?.MaxRuntimeInSeconds === undefined
        ? ' (SageMaker\u2019s default limit)'
        : ''),
    `${parallel} in parallel${jobs !== undefined ? `, ${jobs} in all` : ''}` +
      (tuningLimit !== undefined
        ? `, the tuning job stops after ${formatSeconds(tuningLimit)}`
        : ''),
  ];
  const rounds = jobs !== undefined ? Math.ceil(jobs / parallel) : undefined;
  const wallCandidates = [
    ...(rounds !== undefined ? [rounds * perJob] : []),
    ...(tuningLimit !== undefined ? [tuningLimit] : []),
  ];
  const wallClockSeconds = wallCandidates.length ? Math.min(...wallCandidates) : undefined;
  const instanceCandidates = [
    ...(jobs !== undefined ? [jobs * perJob * instances] : []),
    ...(wallClockSeconds !== undefined ? [wallClockSeconds * parallel * instances] : []),
  ];
  const instanceSeconds = instanceCandidates.length ? Math.min(...instanceCandidates) : undefined;
  if (instanceSeconds !== undefined) {
    lines.push(
      `Worst case: ${hours(instanceSeconds / 3600)} instance-hours of ${type}` +
        ` (${formatSeconds(wallClockSeconds!)} x ${parallel} parallel x ${instances} instance${instances === 1 ? '' : 's'}` +
        (jobs !== undefined && instanceSeconds === jobs * perJob * instances
          ? `; ${jobs} jobs x ${formatSeconds(perJob)} x ${instances}`
          : '') +
        ')',
      `Wall clock at most ${formatSeconds(wallClockSeconds!)}`,
    );
  } else {
    lines.push('No bound: set MaxNumberOfTrainingJobs or ResourceLimits.MaxRuntimeInSeconds.');
  }
  let cost: CostEstimate | undefined;
  if (instanceType) {
    const overrides = options.priceOverrides ?? {};
    // worstCaseCost's total assumes every job runs; the tuning job's own time limit may bound
    // it lower, so the total here is instanceSeconds.
    const worst = worstCaseCost({
      instanceType,
      instanceCount: instances,
      maxRuntimeInSeconds: perJob,
      maxParallelTrainingJobs: parallel,
      ...(jobs !== undefined ? { maxNumberOfTrainingJobs: jobs } : {}),
      priceOverrides: overrides,
    });
    const overridden =
      instancePricePerHour(instanceType, overrides) !== instancePricePerHour(instanceType);
    const totalInstanceHours = instanceSeconds === undefined ? undefined : instanceSeconds / 3600;
    cost = {
      instanceType,
      local,
      inFlightInstanceHours: worst.instanceHours,
      ...(totalInstanceHours !== undefined ? { totalInstanceHours } : {}),
      ...(worst.pricePerHour !== undefined ? { pricePerHour: worst.pricePerHour } : {}),
      priceSource:
        worst.pricePerHour === undefined ? 'unknown' : overridden ? 'setting' : 'catalog',
      ...(!local && worst.pricePerHour !== undefined && totalInstanceHours !== undefined
        ? { maxCostUsd: totalInstanceHours * worst.pricePerHour }
        : {}),
      pricesAsOf: INSTANCE_PRICES_AS_OF,
    };
  }
  return {
    ...(instanceSeconds !== undefined ? { instanceSeconds } : {}),
    ...(wallClockSeconds !== undefined ? { wallClockSeconds } : {}),
    ...(cost ? { cost } : {}),
    lines,
    costLines: cost
      ? costLines(cost, parallel, perJob, instances)
      : ['Worst-case cost: set the instance type to see it.'],
  };
}

function hours(value: number): string {
  return value.toFixed(value < 10 ? 2 : 0);
}

/** "$14.08"; prices per hour keep their third decimal ("$1.408"). */
export function formatUsd(value: number, maximumFractionDigits = 2): string {
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits })}`;
}

function costLines(
  cost: CostEstimate,
  parallel: number,
  perJob: number,
  instances: number,
): string[] {
  const inFlight =
    `In flight at once: ${hours(cost.inFlightInstanceHours)} instance-hours ` +
    `(MaxRuntimeInSeconds ${formatSeconds(perJob)} x ${parallel} parallel x ${instances} instance${instances === 1 ? '' : 's'})`;
  if (cost.local)
    return [
      inFlight,
      `Runs on this machine (local engine): no charge. Worst-case time ${cost.totalInstanceHours !== undefined ? `${hours(cost.totalInstanceHours)} job-hours` : 'unbounded'}; ${cost.instanceType} only names the instance SageMaker would use.`,
    ];
  const price =
    cost.pricePerHour === undefined
      ? undefined
      : `${formatUsd(cost.pricePerHour, 3)}/hour ${cost.priceSource === 'setting' ? '(sagemakerWorkbench.instancePrices)' : `(on-demand, us-east-1, as of ${cost.pricesAsOf})`}`;
  if (price === undefined)
    return [
      inFlight,
      `Worst-case cost: price unknown for ${cost.instanceType} - set it in sagemakerWorkbench.instancePrices.`,
    ];
  if (cost.maxCostUsd === undefined) return [inFlight, `Worst-case cost: unbounded at ${price}.`];
  return [
    inFlight,
    `Worst-case cost: ${formatUsd(cost.maxCostUsd)} - ${hours(cost.totalInstanceHours!)} instance-hours at ${price}; an estimate: region and discounts change it.`,
  ];
}

/** The catalog for the editor's instance-type picker, the setting's prices applied. */
export function instanceTypeOptions(
  priceOverrides: Readonly<Record<string, number>> = {},
): InstanceTypeOption[] {
  return INSTANCE_TYPES.map((info) => {
    const pricePerHour = instancePricePerHour(info.name, priceOverrides);
    return {
      name: info.name,
      description: describeInstanceType(info),
      ...(pricePerHour !== undefined ? { pricePerHour } : {}),
    };
  });
}

/** Replaces `${workspaceFolder}` in every string of a JSON value (as Create Tuning Job does). */
export function substituteWorkspaceFolder<T>(value: T, folder: string | undefined): T {
  if (!folder) return value;
  return JSON.parse(JSON.stringify(value), (_key, v: unknown) =>
    typeof v === 'string' ? v.split('${workspaceFolder}').join(folder) : v,
  ) as T;
}

/**
 * Reads a request file's text: the parsed JSON, or where it fails (with line and column) so the
 * editor can say what is wrong instead of showing nothing.
 */
export function parseRequestText(textContent: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(textContent) as unknown };
  } catch (err) {
    const message = (err as Error).message;
    const position = /position (\d+)/.exec(message);
    if (position) {
      const offset = Number(position[1]);
      const before = textContent.slice(0, offset);
      const line = before.split('\n').length;
      const column = offset - before.lastIndexOf('\n');
      return { error: `Not valid JSON at line ${line}, column ${column}: ${message}` };
    }
    return { error: `Not valid JSON: ${message}` };
  }
}
