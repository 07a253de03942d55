/**
 * SageMaker's warm-start rules for CreateHyperParameterTuningJob: what a new tuning job may
 * change against the parent tuning jobs it names in WarmStartConfig. A pure function over the
 * request and the parents' DescribeHyperParameterTuningJob answers (no I/O): the caller looks
 * the parents up and passes what it found.
 *
 * The rules, as "Run a warm start hyperparameter tuning job" (Warm Start Tuning Restrictions)
 * and the API reference of HyperParameterTuningJobWarmStartConfig state them:
 *
 * - "A tuning job can have a maximum of 5 parent jobs, and all parent jobs must be in a terminal
 *   state (Completed, Stopped, or Failed) before you start the new tuning job." Each parent must
 *   exist and be listed once (tuning job names are not case sensitive).
 * - "The objective metric used in the new tuning job must be the same as the objective metric
 *   used in the parent jobs." Checked as the metric name and its type (Maximize/Minimize).
 * - "The total number of static plus tunable hyperparameters must remain the same between
 *   parent jobs and the new tuning job."
 * - "The type of each hyperparameter (continuous, integer, categorical) must not change between
 *   parent jobs and the new tuning job." A static hyperparameter has no declared type, so what
 *   can be compared is: tunable in both (range types must match), and tunable on one side and
 *   static on the other (the static value must be a value of the range's type: an integer for
 *   Integer, a number for Continuous; any string fits Categorical). AutoParameters (Autotune)
 *   have no declared type and are not compared.
 * - "The number of total changes from tunable hyperparameters in the parent jobs to static
 *   hyperparameters in the new tuning job, plus the number of changes in the values of static
 *   hyperparameters cannot be more than 10. Each value in a categorical hyperparameter counts
 *   against this limit." So a tunable range that becomes static counts 1, a Categorical one counts
 *   its number of values; a static value that changes counts 2 (the documented example: static
 *   "red" changed to "blue" "also counts as 2 changes" - SageMaker cannot know a static value's
 *   type, so every static change counts as the documented one does). Changes from static to
 *   tunable, and changed ranges, are not in the documented count and cost nothing. The limit is
 *   checked against each parent separately.
 * - "Warm start tuning is not recursive": only the listed parents count; a parent's own parents
 *   are neither looked up nor checked here (list them explicitly to use them).
 * - "The training jobs launched by every parent job in a warm start tuning job count against the
 *   500 maximum training jobs for a tuning job": the parents' training jobs plus this job's
 *   MaxNumberOfTrainingJobs must stay within 500 (`options.maxTrainingJobs`: the limit is a
 *   service quota an account can have raised).
 * - "Hyperparameter tuning jobs created before October 1, 2018 cannot be used as parent jobs."
 * - IdenticalDataAndAlgorithm: "uses the same input data and training image as the parent tuning
 *   jobs": the same channels (names) reading the same data source (S3 data type and URI, file
 *   system and directory, or dataset ARN). "You cannot use a new version of the training
 *   algorithm, unless the changes in the new version do not affect the algorithm itself": whether
 *   a new version changed the algorithm cannot be seen from the request, so the rule enforced is
 *   the part that can be seen: the same image repository (or the same AlgorithmName); a
 *   different tag or digest of that repository - a new version - is accepted.
 *   TransferLearning may change the data, the image and its version, the ranges and the static
 *   values within the other limits.
 * - Several training job definitions: "Warm starting and early stopping are available only when
 *   tuning a single algorithm." A request with more than one definition (TrainingJobDefinitions
 *   with several entries, or both TrainingJobDefinition and TrainingJobDefinitions) is a
 *   violation, as is a parent that tuned several; hyperparameters, objective, data and image are
 *   then not compared against that job. A single entry in TrainingJobDefinitions is treated like
 *   TrainingJobDefinition: its TuningObjective and HyperParameterRanges are used where present,
 *   else the tuning job config's HyperParameterTuningJobObjective and ParameterRanges.
 *
 * The shape of the request (types, lengths, enums) is validated elsewhere; this module checks
 * the semantic rules only and returns every violation it finds, each with a message that names
 * the parent and the hyperparameter concerned and says what to do.
 */
import type {
  Channel,
  CreateHyperParameterTuningJobRequest,
  DescribeHyperParameterTuningJobResponse,
  HyperParameterAlgorithmSpecification,
  HyperParameterTrainingJobDefinition,
  HyperParameterTuningJobConfig,
  HyperParameterTuningJobObjective,
  TrainingJobStatusCounters,
} from '@aws-sdk/client-sagemaker';
import { validationError, type SageMakerError } from './errors';

export const MAX_WARM_START_PARENTS = 5;
export const MAX_WARM_START_CHANGES = 10;
/** SageMaker's documented maximum of training jobs per tuning job, parents' included. */
export const MAX_TRAINING_JOBS_PER_TUNING_JOB = 500;
/** Tuning jobs created before this instant (1 October 2018, UTC) cannot be parents. */
export const EARLIEST_WARM_START_PARENT = new Date(Date.UTC(2018, 9, 1));
export const WARM_START_PARENT_STATUSES = ['Completed', 'Stopped', 'Failed'] as const;

export type WarmStartRule =
  | 'parent-count'
  | 'duplicate-parent'
  | 'parent-not-found'
  | 'parent-not-terminal'
  | 'parent-too-old'
  | 'single-algorithm'
  | 'objective-metric'
  | 'hyperparameter-count'
  | 'hyperparameter-type'
  | 'too-many-changes'
  | 'training-job-limit'
  | 'identical-data'
  | 'identical-algorithm';

/** A parent tuning job as the caller found it. */
export interface WarmStartParent {
  /** The parent as DescribeHyperParameterTuningJob answers. */
  description: DescribeHyperParameterTuningJobResponse;
  /**
   * How many training jobs the parent launched. Default: the sum of the description's
   * TrainingJobStatusCounters (Completed, InProgress, RetryableError, NonRetryableError, Stopped).
   */
  trainingJobCount?: number;
}

export interface WarmStartViolation {
  rule: WarmStartRule;
  /** The parent tuning job concerned, as the request names it. */
  parent?: string;
  /** The hyperparameter concerned, where the violation is about one. */
  hyperParameter?: string;
  message: string;
}

export interface WarmStartOptions {
  /** Training jobs a tuning job may count, its parents' included (default 500). */
  maxTrainingJobs?: number;
}

/**
 * Every warm-start violation of `request` (none when it has no WarmStartConfig).
 *
 * `parents` maps a parent's name as the request spells it (an entry of
 * WarmStartConfig.ParentHyperParameterTuningJobs) to what the caller found: undefined, or no
 * entry, means no such tuning job. Keys that differ only in case also match, since tuning job
 * names are not case sensitive.
 */
export function checkWarmStart(
  request: CreateHyperParameterTuningJobRequest,
  parents: ReadonlyMap<string, WarmStartParent | undefined>,
  options: WarmStartOptions = {},
): WarmStartViolation[] {
  const config = request.WarmStartConfig;
  if (!config) return [];
  const violations: WarmStartViolation[] = [];
  const identical = config.WarmStartType === 'IdenticalDataAndAlgorithm';
  const names = (config.ParentHyperParameterTuningJobs ?? []).map(
    (p) => p.HyperParameterTuningJobName ?? '',
  );

  if (names.length === 0) {
    violations.push({
      rule: 'parent-count',
      message:
        'WarmStartConfig.ParentHyperParameterTuningJobs is empty: list 1 to 5 parent tuning jobs, or remove WarmStartConfig.',
    });
  } else if (names.length > MAX_WARM_START_PARENTS) {
    violations.push({
      rule: 'parent-count',
      message:
        `WarmStartConfig.ParentHyperParameterTuningJobs lists ${names.length} parent tuning jobs (${names.map(q).join(', ')}); ` +
        `a warm start tuning job can have at most ${MAX_WARM_START_PARENTS}. Keep the ${MAX_WARM_START_PARENTS} you want to learn from.`,
    });
  }

  // Distinct parents, in request order (names are not case sensitive).
  const distinct: string[] = [];
  const times = new Map<string, number>();
  for (const name of names) {
    const key = name.toLowerCase();
    if (!times.has(key)) distinct.push(name);
    times.set(key, (times.get(key) ?? 0) + 1);
  }
  for (const name of distinct) {
    const count = times.get(name.toLowerCase()) ?? 1;
    if (count > 1) {
      violations.push({
        rule: 'duplicate-parent',
        parent: name,
        message:
          `Parent tuning job ${q(name)} is listed ${count} times in WarmStartConfig.ParentHyperParameterTuningJobs ` +
          '(tuning job names are not case sensitive); list each parent once.',
      });
    }
  }

  const self = jobView(request.HyperParameterTuningJobConfig, definitionsOf(request));
  if (self.definitionCount > 1) {
    violations.push({
      rule: 'single-algorithm',
      message:
        `This tuning job has ${self.definitionCount} training job definitions; warm start is available only when tuning a single algorithm. ` +
        'Use one TrainingJobDefinition, or remove WarmStartConfig.',
    });
  }

  const launched: { name: string; count: number }[] = [];
  for (const name of distinct) {
    if (!name) {
      violations.push({
        rule: 'parent-not-found',
        message:
          'An entry of WarmStartConfig.ParentHyperParameterTuningJobs has no HyperParameterTuningJobName; name the parent tuning job.',
      });
      continue;
    }
    const parent = lookUp(parents, name);
    if (!parent) {
      violations.push({
        rule: 'parent-not-found',
        parent: name,
        message:
          `Parent tuning job ${q(name)} does not exist; check its name in WarmStartConfig.ParentHyperParameterTuningJobs ` +
          '(ListHyperParameterTuningJobs shows the tuning jobs there are).',
      });
      continue;
    }
    const description = parent.description;
    launched.push({
      name,
      count: parent.trainingJobCount ?? countTrainingJobs(description.TrainingJobStatusCounters),
    });
    violations.push(...checkParentState(name, description));

    const view = jobView(description.HyperParameterTuningJobConfig, definitionsOf(description));
    if (view.definitionCount > 1) {
      violations.push({
        rule: 'single-algorithm',
        parent: name,
        message:
          `Parent tuning job ${q(name)} tuned ${view.definitionCount} training job definitions (several algorithms); ` +
          `warm start is available only when tuning a single algorithm, so it cannot be a parent. Remove ${q(name)} from the parents.`,
      });
      continue;
    }
    if (self.definitionCount > 1) continue;
    violations.push(...compareObjective(name, view.objective, self.objective));
    violations.push(...compareHyperParameters(name, view.hyperParameters, self.hyperParameters));
    if (identical) {
      violations.push(...compareAlgorithm(name, view.definition, self.definition));
      violations.push(...compareData(name, view.definition, self.definition));
    }
  }

  const limit = options.maxTrainingJobs ?? MAX_TRAINING_JOBS_PER_TUNING_JOB;
  const fromParents = launched.reduce((sum, p) => sum + p.count, 0);
  const own = request.HyperParameterTuningJobConfig?.ResourceLimits?.MaxNumberOfTrainingJobs;
  const breakdown = launched.map((p) => `${p.name}: ${p.count}`).join(', ');
  if (own !== undefined && fromParents + own > limit) {
    const room = limit - fromParents;
    violations.push({
      rule: 'training-job-limit',
      message:
        `The parent tuning jobs launched ${fromParents} training jobs (${breakdown}) and this job may launch ${own} ` +
        `(ResourceLimits.MaxNumberOfTrainingJobs): ${fromParents + own} in all, more than the ${limit} training jobs a tuning job may count - ` +
        `the training jobs of every parent count against this limit. ` +
        (room > 0
          ? `Lower MaxNumberOfTrainingJobs to at most ${room}, or list fewer parents.`
          : 'List fewer parents.'),
    });
  } else if (own === undefined && fromParents >= limit) {
    violations.push({
      rule: 'training-job-limit',
      message:
        `The parent tuning jobs launched ${fromParents} training jobs (${breakdown}), which leaves none of the ${limit} ` +
        'training jobs a tuning job may count - the training jobs of every parent count against this limit. List fewer parents.',
    });
  }
  return violations;
}

/** A ValidationException listing every violation, or undefined when there is none. */
export function warmStartError(
  violations: readonly WarmStartViolation[],
): SageMakerError | undefined {
  if (violations.length === 0) return undefined;
  return validationError(`Invalid WarmStartConfig: ${violations.map((v) => v.message).join(' ')}`);
}

// --- parents' state --------------------------------------------------------------------------

function checkParentState(
  name: string,
  description: DescribeHyperParameterTuningJobResponse,
): WarmStartViolation[] {
  const violations: WarmStartViolation[] = [];
  const status = description.HyperParameterTuningJobStatus;
  if (!(WARM_START_PARENT_STATUSES as readonly string[]).includes(status ?? '')) {
    violations.push({
      rule: 'parent-not-terminal',
      parent: name,
      message:
        `Parent tuning job ${q(name)} is ${status ?? 'in an unknown state'}; a parent must be Completed, Stopped or Failed ` +
        `before the warm start job starts. ` +
        (status === 'InProgress'
          ? `Wait for ${q(name)} to finish (or stop it with StopHyperParameterTuningJob), then create this job.`
          : status === 'Stopping'
            ? `Wait for ${q(name)} to stop, then create this job.`
            : `Remove ${q(name)} from the parents.`),
    });
  }
  const created = toDate(description.CreationTime);
  if (created && created.getTime() < EARLIEST_WARM_START_PARENT.getTime()) {
    violations.push({
      rule: 'parent-too-old',
      parent: name,
      message:
        `Parent tuning job ${q(name)} was created on ${created.toISOString()}; tuning jobs created before 1 October 2018 ` +
        `cannot be warm start parents. Remove ${q(name)} from the parents.`,
    });
  }
  return violations;
}

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value === 'string' || typeof value === 'number') {
    // JSON answers carry ISO strings, or epoch seconds as the SageMaker wire format does.
    const date = new Date(typeof value === 'number' ? value * 1000 : value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

function countTrainingJobs(counters: TrainingJobStatusCounters | undefined): number {
  if (!counters) return 0;
  return (
    (counters.Completed ?? 0) +
    (counters.InProgress ?? 0) +
    (counters.RetryableError ?? 0) +
    (counters.NonRetryableError ?? 0) +
    (counters.Stopped ?? 0)
  );
}

function lookUp(
  parents: ReadonlyMap<string, WarmStartParent | undefined>,
  name: string,
): WarmStartParent | undefined {
  if (parents.has(name)) return parents.get(name);
  const key = name.toLowerCase();
  for (const [candidate, parent] of parents) {
    if (candidate.toLowerCase() === key) return parent;
  }
  return undefined;
}

// --- a job's objective and hyperparameters ---------------------------------------------------

type RangeType = 'Integer' | 'Continuous' | 'Categorical' | 'Auto';

type HyperParameter =
  | { kind: 'tunable'; type: RangeType; values?: readonly string[] }
  | { kind: 'static'; value: string };

interface JobView {
  definitionCount: number;
  /** The one training job definition (undefined with none or several). */
  definition?: HyperParameterTrainingJobDefinition;
  objective?: HyperParameterTuningJobObjective;
  hyperParameters: Map<string, HyperParameter>;
}

function definitionsOf(job: {
  TrainingJobDefinition?: HyperParameterTrainingJobDefinition;
  TrainingJobDefinitions?: HyperParameterTrainingJobDefinition[];
}): HyperParameterTrainingJobDefinition[] {
  return [
    ...(job.TrainingJobDefinition ? [job.TrainingJobDefinition] : []),
    ...(job.TrainingJobDefinitions ?? []),
  ];
}

function jobView(
  config: HyperParameterTuningJobConfig | undefined,
  definitions: HyperParameterTrainingJobDefinition[],
): JobView {
  const hyperParameters = new Map<string, HyperParameter>();
  if (definitions.length > 1) return { definitionCount: definitions.length, hyperParameters };
  const definition = definitions[0];
  const ranges = definition?.HyperParameterRanges ?? config?.ParameterRanges;
  for (const r of ranges?.IntegerParameterRanges ?? []) {
    hyperParameters.set(r.Name ?? '', { kind: 'tunable', type: 'Integer' });
  }
  for (const r of ranges?.ContinuousParameterRanges ?? []) {
    hyperParameters.set(r.Name ?? '', { kind: 'tunable', type: 'Continuous' });
  }
  for (const r of ranges?.CategoricalParameterRanges ?? []) {
    hyperParameters.set(r.Name ?? '', {
      kind: 'tunable',
      type: 'Categorical',
      values: r.Values ?? [],
    });
  }
  for (const r of ranges?.AutoParameters ?? []) {
    hyperParameters.set(r.Name ?? '', { kind: 'tunable', type: 'Auto' });
  }
  for (const [name, value] of Object.entries(definition?.StaticHyperParameters ?? {})) {
    // A name both static and tunable is rejected elsewhere; here it counts once, as tunable.
    if (!hyperParameters.has(name)) hyperParameters.set(name, { kind: 'static', value });
  }
  return {
    definitionCount: definitions.length,
    definition,
    objective: definition?.TuningObjective ?? config?.HyperParameterTuningJobObjective,
    hyperParameters,
  };
}

function describeObjective(objective: HyperParameterTuningJobObjective | undefined): string {
  if (!objective?.MetricName) return 'no objective metric';
  const verb =
    objective.Type === 'Maximize'
      ? 'maximizes'
      : objective.Type === 'Minimize'
        ? 'minimizes'
        : 'tunes';
  return `${verb} ${q(objective.MetricName)}`;
}

function compareObjective(
  parent: string,
  theirs: HyperParameterTuningJobObjective | undefined,
  ours: HyperParameterTuningJobObjective | undefined,
): WarmStartViolation[] {
  if (theirs?.MetricName === ours?.MetricName && theirs?.Type === ours?.Type) return [];
  return [
    {
      rule: 'objective-metric',
      parent,
      message:
        `The objective metric must be the same as in parent tuning job ${q(parent)}: the parent ${describeObjective(theirs)}, ` +
        `this job ${describeObjective(ours)}. Use the parent's objective (metric name and type), or remove ${q(parent)} from the parents.`,
    },
  ];
}

function compareHyperParameters(
  parent: string,
  theirs: Map<string, HyperParameter>,
  ours: Map<string, HyperParameter>,
): WarmStartViolation[] {
  const violations: WarmStartViolation[] = [];

  if (theirs.size !== ours.size) {
    const onlyTheirs = [...theirs.keys()].filter((n) => !ours.has(n));
    const onlyOurs = [...ours.keys()].filter((n) => !theirs.has(n));
    const fixes = [
      onlyTheirs.length
        ? `${list(onlyTheirs)} ${onlyTheirs.length === 1 ? 'is' : 'are'} only in the parent: add ${onlyTheirs.length === 1 ? 'it' : 'them'} here, ` +
          `as a static value or a range`
        : '',
      onlyOurs.length
        ? `${list(onlyOurs)} ${onlyOurs.length === 1 ? 'is' : 'are'} not in the parent: remove ${onlyOurs.length === 1 ? 'it' : 'them'}`
        : '',
    ].filter(Boolean);
    const differing = [...onlyTheirs, ...onlyOurs];
    violations.push({
      rule: 'hyperparameter-count',
      parent,
      ...(differing.length === 1 ? { hyperParameter: differing[0] } : {}),
      message:
        `Parent tuning job ${q(parent)} has ${theirs.size} hyperparameters (static plus tunable) and this job has ${ours.size}; ` +
        `the total must stay the same in a warm start. ${fixes.join('; ')}.`,
    });
  }

  for (const [name, before] of theirs) {
    const after = ours.get(name);
    if (!after) continue;
    const problem = typeChange(before, after);
    if (problem) {
      violations.push({
        rule: 'hyperparameter-type',
        parent,
        hyperParameter: name,
        message:
          `Hyperparameter ${q(name)} ${problem}; the type of a hyperparameter (Integer, Continuous, Categorical) cannot change ` +
          `between a warm start job and parent tuning job ${q(parent)}. Keep ${q(name)} the type it had in ${q(parent)}, or remove ${q(parent)} from the parents.`,
      });
    }
  }

  const changes: { name: string; count: number; what: string }[] = [];
  for (const [name, before] of theirs) {
    const after = ours.get(name);
    if (after?.kind !== 'static') continue;
    if (before.kind === 'tunable') {
      const count = before.type === 'Categorical' ? Math.max(1, before.values?.length ?? 0) : 1;
      changes.push({
        name,
        count,
        what:
          before.type === 'Categorical'
            ? `${q(name)} was a Categorical range of ${count} value${count === 1 ? '' : 's'} and is static here (${count} change${count === 1 ? '' : 's'})`
            : `${q(name)} was ${article(before.type)} range and is static here (1 change)`,
      });
    } else if (before.value !== after.value) {
      changes.push({
        name,
        count: 2,
        what: `${q(name)} changed its static value from ${q(before.value)} to ${q(after.value)} (2 changes)`,
      });
    }
  }
  const total = changes.reduce((sum, c) => sum + c.count, 0);
  if (total > MAX_WARM_START_CHANGES) {
    violations.push({
      rule: 'too-many-changes',
      parent,
      ...(changes.length === 1 ? { hyperParameter: changes[0].name } : {}),
      message:
        `This job makes ${total} hyperparameter changes against parent tuning job ${q(parent)}, more than the ${MAX_WARM_START_CHANGES} a warm start allows ` +
        `(a tunable hyperparameter made static counts 1, or each of its values when Categorical; a changed static value counts 2): ` +
        `${changes.map((c) => c.what).join('; ')}. Keep some of these as ${q(parent)} had them (the range, or the static value), ` +
        `or remove ${q(parent)} from the parents.`,
    });
  }
  return violations;
}

/** Why the type changed from the parent's `before` to this job's `after`, or undefined. */
function typeChange(before: HyperParameter, after: HyperParameter): string | undefined {
  if (before.kind === 'tunable' && after.kind === 'tunable') {
    if (before.type === 'Auto' || after.type === 'Auto' || before.type === after.type) {
      return undefined;
    }
    return `is ${article(before.type)} range in the parent but ${article(after.type)} range here`;
  }
  if (before.kind === 'tunable' && after.kind === 'static') {
    if (fitsType(after.value, before.type)) return undefined;
    return `is ${article(before.type)} range in the parent, but its static value ${q(after.value)} here is not ${valueOf(before.type)}`;
  }
  if (before.kind === 'static' && after.kind === 'tunable') {
    if (fitsType(before.value, after.type)) return undefined;
    return `had the static value ${q(before.value)} in the parent, which is not ${valueOf(after.type)}, but is ${article(after.type)} range here`;
  }
  return undefined;
}

function fitsType(value: string, type: RangeType): boolean {
  if (type === 'Integer') return value.trim() !== '' && Number.isInteger(Number(value));
  if (type === 'Continuous') return value.trim() !== '' && Number.isFinite(Number(value));
  return true;
}

const article = (type: RangeType): string =>
  type === 'Integer' ? 'an Integer' : type === 'Auto' ? 'an Auto' : `a ${type}`;

const valueOf = (type: RangeType): string => (type === 'Integer' ? 'an integer' : 'a number');

// --- IdenticalDataAndAlgorithm: the same algorithm and input data ----------------------------

function imageParts(image: string): { repository: string; version: string } {
  const at = image.indexOf('@');
  const named = at >= 0 ? image.slice(0, at) : image;
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const repository = colon > slash ? named.slice(0, colon) : named;
  const version = at >= 0 ? image.slice(at + 1) : colon > slash ? named.slice(colon + 1) : 'latest';
  return { repository, version };
}

/** What identifies the algorithm, and how to say it. */
function algorithmOf(spec: HyperParameterAlgorithmSpecification | undefined): {
  identity: string;
  text: string;
} {
  if (spec?.AlgorithmName) {
    return {
      identity: `algorithm:${spec.AlgorithmName}`,
      text: `algorithm ${q(spec.AlgorithmName)}`,
    };
  }
  if (spec?.TrainingImage) {
    return {
      identity: `image:${imageParts(spec.TrainingImage).repository}`,
      text: `image ${q(spec.TrainingImage)}`,
    };
  }
  return { identity: '', text: 'no training image' };
}

function compareAlgorithm(
  parent: string,
  theirs: HyperParameterTrainingJobDefinition | undefined,
  ours: HyperParameterTrainingJobDefinition | undefined,
): WarmStartViolation[] {
  const before = algorithmOf(theirs?.AlgorithmSpecification);
  const after = algorithmOf(ours?.AlgorithmSpecification);
  if (before.identity === after.identity) return [];
  return [
    {
      rule: 'identical-algorithm',
      parent,
      message:
        `WarmStartType IdenticalDataAndAlgorithm needs the training algorithm of parent tuning job ${q(parent)}: the parent ran ` +
        `${before.text}, this job ${after.text} (a different ${before.identity.startsWith('image:') && after.identity.startsWith('image:') ? 'image repository' : 'algorithm'}; ` +
        `only a new version of the same image, which leaves the algorithm itself unchanged, is allowed). ` +
        `Use the parent's algorithm, or WarmStartType TransferLearning.`,
    },
  ];
}

function dataSourceText(channel: Channel): string {
  const source = channel.DataSource;
  if (source?.S3DataSource) {
    return `${source.S3DataSource.S3DataType ?? 'S3Prefix'} ${source.S3DataSource.S3Uri ?? ''}`;
  }
  if (source?.FileSystemDataSource) {
    const fs = source.FileSystemDataSource;
    return `${fs.FileSystemType ?? 'file system'} ${fs.FileSystemId ?? ''}:${fs.DirectoryPath ?? ''}`;
  }
  if (source?.DatasetSource) return `dataset ${source.DatasetSource.DatasetArn ?? ''}`;
  return 'no data source';
}

function compareData(
  parent: string,
  theirs: HyperParameterTrainingJobDefinition | undefined,
  ours: HyperParameterTrainingJobDefinition | undefined,
): WarmStartViolation[] {
  const channels = (definition: HyperParameterTrainingJobDefinition | undefined) =>
    new Map(
      (definition?.InputDataConfig ?? []).map((c) => [c.ChannelName ?? '', dataSourceText(c)]),
    );
  const before = channels(theirs);
  const after = channels(ours);
  const lead = `WarmStartType IdenticalDataAndAlgorithm needs the input data of parent tuning job ${q(parent)}: `;
  const fix = `Use the parent's input data, or WarmStartType TransferLearning to tune on different data.`;
  const violations: WarmStartViolation[] = [];
  for (const [name, source] of before) {
    const now = after.get(name);
    if (now === undefined) {
      violations.push({
        rule: 'identical-data',
        parent,
        message: `${lead}its channel ${q(name)} (${source}) is missing here. ${fix}`,
      });
    } else if (now !== source) {
      violations.push({
        rule: 'identical-data',
        parent,
        message: `${lead}channel ${q(name)} reads ${now} here but ${source} in the parent. ${fix}`,
      });
    }
  }
  for (const [name, source] of after) {
    if (!before.has(name)) {
      violations.push({
        rule: 'identical-data',
        parent,
        message: `${lead}channel ${q(name)} (${source}) is not in the parent. ${fix}`,
      });
    }
  }
  return violations;
}

// --- wording ---------------------------------------------------------------------------------

const q = (text: string): string => JSON.stringify(text);

function list(names: string[]): string {
  const quoted = names.map(q);
  return quoted.length <= 1
    ? quoted.join('')
    : `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}
