/**
 * "Copy as AWS CLI command" and "Copy as SageMaker Python SDK code": the same Create request
 * as `aws sagemaker ... --cli-input-json '<json>'` (POSIX-shell quoted) or as Python that
 * builds it with the SageMaker Python SDK v2 (Estimator, TrainingInput, HyperparameterTuner).
 *
 * Values only the local engine understands (`local:*` images, `file://` URIs, the local
 * placeholder role) would give a command that cannot work on SageMaker, so they become
 * clearly named placeholders, each explained by a comment line that keeps the original.
 * Whatever the SDK cannot express is kept as a `# note:` comment with its JSON.
 */
import type {
  CreateHyperParameterTuningJobRequest,
  DescribeHyperParameterTuningJobResponse,
  HyperParameterTrainingJobDefinition,
  ParameterRanges,
} from '@aws-sdk/client-sagemaker';
import type { Channel, CreateTrainingJobRequest, DescribeTrainingJobResponse } from './types';
import { LOCAL_PROCESS_IMAGE } from './types';
import { BUILTIN_IMAGES } from './builtinAlgorithms';
import { LOCAL_ROLE_ARN } from './scriptJob';
import shapesFile from './sagemaker-shapes.json';

export type ExportKind = 'training' | 'tuning';
export type ExportRequest = CreateTrainingJobRequest | CreateHyperParameterTuningJobRequest;

export interface ExportOptions {
  /** `--region` for the CLI; `boto3.Session(region_name=...)` for the SDK. */
  region?: string;
  /** `--profile` for the CLI; `boto3.Session(profile_name=...)` for the SDK. */
  profile?: string;
}

export const PLACEHOLDER_IMAGE = 'REPLACE_WITH_ECR_IMAGE_URI';
export const PLACEHOLDER_ROLE = 'REPLACE_WITH_SAGEMAKER_EXECUTION_ROLE_ARN';
export const PLACEHOLDER_BUCKET = 'REPLACE_WITH_BUCKET';

/** One local-only value replaced by a placeholder. */
export interface LocalReplacement {
  /** Where in the request, e.g. `InputDataConfig[0].DataSource.S3DataSource.S3Uri`. */
  path: string;
  original: string;
  placeholder: string;
  /** What to do, one line. */
  advice: string;
}

// ---------------------------------------------------------------------------------------
// Create requests from Describe responses

const shapeMembers = (name: string): string[] =>
  Object.keys(
    (shapesFile.shapes as Record<string, { members?: Record<string, unknown> }>)[name]?.members ??
      {},
  );

function pickMembers<T>(description: object, shape: string): T {
  const picked: Record<string, unknown> = {};
  for (const key of shapeMembers(shape)) {
    const value = (description as Record<string, unknown>)[key];
    if (value !== undefined && value !== null) picked[key] = structuredClone(value);
  }
  return picked as T;
}

/**
 * The CreateTrainingJob request that creates the same job again: the members of the
 * Describe response that CreateTrainingJob takes (Tags are not described, so not copied).
 */
export function trainingRequestFromDescription(
  description: DescribeTrainingJobResponse,
): CreateTrainingJobRequest {
  const request = pickMembers<CreateTrainingJobRequest>(description, 'CreateTrainingJobRequest');
  if (request.HyperParameters && '_tuning_objective_metric' in request.HyperParameters) {
    // SageMaker adds it to the training jobs a tuning job launches; it is not the user's.
    const { _tuning_objective_metric: _omitted, ...rest } = request.HyperParameters;
    void _omitted;
    request.HyperParameters = rest;
  }
  return request;
}

/** The CreateHyperParameterTuningJob request that creates the same tuning job again. */
export function tuningRequestFromDescription(
  description: DescribeHyperParameterTuningJobResponse,
): CreateHyperParameterTuningJobRequest {
  return pickMembers<CreateHyperParameterTuningJobRequest>(
    description,
    'CreateHyperParameterTuningJobRequest',
  );
}

/** 'tuning' for a request with a tuning config, else 'training'. */
export function kindOfRequest(request: unknown): ExportKind | undefined {
  if (!request || typeof request !== 'object') return undefined;
  const r = request as Record<string, unknown>;
  if ('HyperParameterTuningJobConfig' in r || 'HyperParameterTuningJobName' in r) return 'tuning';
  if ('AlgorithmSpecification' in r || 'TrainingJobName' in r) return 'training';
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Local-only values

function lastSegment(uri: string): string {
  const path = uri.replace(/^file:\/\//, '').replace(/\/+$/, '');
  const segment = path.slice(path.lastIndexOf('/') + 1);
  return segment.replace(/[^A-Za-z0-9._-]+/g, '-') || 'data';
}

function localImageAdvice(image: string): string {
  if (image === LOCAL_PROCESS_IMAGE)
    return 'runs your script on the local engine; on SageMaker use a framework training image (PyTorch, TensorFlow, scikit-learn...) that runs sagemaker_program, or your own ECR image';
  if (BUILTIN_IMAGES[image])
    return `is the local engine's built-in ${BUILTIN_IMAGES[image]}; on SageMaker use JumpStart's ${BUILTIN_IMAGES[image]} training image (same channels and hyperparameters)`;
  return 'runs only on the local engine; use an ECR image URI';
}

/**
 * A copy of the request with local-only values replaced by placeholders, and what was
 * replaced. Requests without local values come back equal.
 */
export function replaceLocalValues<T>(request: T): {
  request: T;
  replacements: LocalReplacement[];
} {
  const replacements: LocalReplacement[] = [];
  const visit = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') {
      if (path.endsWith('TrainingImage') && value.startsWith('local:')) {
        replacements.push({
          path,
          original: value,
          placeholder: PLACEHOLDER_IMAGE,
          advice: `${value} ${localImageAdvice(value)}`,
        });
        return PLACEHOLDER_IMAGE;
      }
      if (path.endsWith('RoleArn') && value === LOCAL_ROLE_ARN) {
        replacements.push({
          path,
          original: value,
          placeholder: PLACEHOLDER_ROLE,
          advice: 'the local placeholder role; use an IAM role SageMaker can assume',
        });
        return PLACEHOLDER_ROLE;
      }
      if (value.startsWith('file://')) {
        const submit = path.endsWith('sagemaker_submit_directory');
        const name = lastSegment(value);
        const placeholder = submit
          ? `s3://${PLACEHOLDER_BUCKET}/${name}/sourcedir.tar.gz`
          : `s3://${PLACEHOLDER_BUCKET}/${name}/`;
        const local = decodeURIComponent(value.replace(/^file:\/\//, ''));
        replacements.push({
          path,
          original: value,
          placeholder,
          advice: submit
            ? `packs the script folder: tar -czf sourcedir.tar.gz -C ${local} . and upload it`
            : /S3OutputPath$/.test(path) || /CheckpointConfig\.S3Uri$/.test(path)
              ? 'a local folder; use an S3 prefix you can write'
              : `a local folder; upload it first: aws s3 sync ${local} ${placeholder}`,
        });
        return placeholder;
      }
      return value;
    }
    if (Array.isArray(value)) return value.map((v, i) => visit(v, `${path}[${i}]`));
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value))
        out[key] = visit(v, path ? `${path}.${key}` : key);
      return out;
    }
    return value;
  };
  return { request: visit(request, '') as T, replacements };
}

function replacementLines(replacements: readonly LocalReplacement[]): string[] {
  if (replacements.length === 0) return [];
  return [
    '# note: this request was written for the local engine; replace the placeholders before running:',
    ...replacements.map(
      (r) => `# note:   ${r.path}: ${r.placeholder} (was ${r.original}) - ${r.advice}`,
    ),
  ].map(oneLine);
}

/** A comment must stay one line whatever the values hold. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

// ---------------------------------------------------------------------------------------
// AWS CLI

/** POSIX shell single quotes: everything literal, a quote itself as '\''. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const CLI_OPERATIONS: Record<ExportKind, string> = {
  training: 'create-training-job',
  tuning: 'create-hyper-parameter-tuning-job',
};

/**
 * `aws sagemaker create-training-job --cli-input-json '<json>'` (or the tuning job's), with
 * comment lines above it for any placeholder. The JSON is the request exactly, pretty-printed
 * inside one single-quoted word.
 */
export function toAwsCliCommand(
  kind: ExportKind,
  request: ExportRequest,
  options: ExportOptions = {},
): string {
  const { request: exported, replacements } = replaceLocalValues(request);
  const words = ['aws', 'sagemaker', CLI_OPERATIONS[kind]];
  if (options.region) words.push('--region', shellWord(options.region));
  if (options.profile) words.push('--profile', shellWord(options.profile));
  words.push('--cli-input-json', shellQuote(JSON.stringify(exported, null, 2)));
  return [...replacementLines(replacements), words.join(' ')].join('\n') + '\n';
}

/** Quotes only when the shell would otherwise read something into it. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(value) ? value : shellQuote(value);
}

// ---------------------------------------------------------------------------------------
// Python literals

/** A Python literal for a JSON-like value: str (escaped), int/float, bool, None, list, dict. */
export function pyLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return "float('nan')";
    if (!Number.isFinite(value)) return value > 0 ? "float('inf')" : "-float('inf')";
    return String(value);
  }
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) return `[${value.map(pyLiteral).join(', ')}]`;
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${pyString(k)}: ${pyLiteral(v)}`)
      .join(', ')}}`;
  throw new Error(`no Python literal for ${typeof value}`);
}

function pyString(value: string): string {
  let out = "'";
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === "'") out += "\\'";
    else if (char === '\\') out += '\\\\';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code >= 0x20 && code < 0x7f) out += char;
    else if (code <= 0xff) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}'`;
}

/** A range bound (a string in the API) as a Python number when it reads as one, else as the string. */
function pyBound(value: string | undefined, integer: boolean): string {
  if (value === undefined) return 'None';
  const pattern = integer
    ? /^-?(0|[1-9]\d*)$/
    : /^-?(0|[1-9]\d*)(\.\d*)?([eE][-+]?\d+)?$|^-?\.\d+([eE][-+]?\d+)?$/;
  return pattern.test(value) ? value : pyString(value);
}

// ---------------------------------------------------------------------------------------
// Python code building

type Arg = [name: string | undefined, code: string];

/** `name(\n    a=1,\n    b=2,\n)` at the given indent; short calls stay on one line. */
function pyCall(name: string, args: readonly Arg[], indent = '', lead = 0): string {
  const parts = args.map(([k, v]) => (k ? `${k}=${v}` : v));
  const flat = `${name}(${parts.join(', ')})`;
  if (indent.length + lead + flat.length <= 88 && !flat.includes('\n')) return flat;
  const inner = `${indent}    `;
  return `${name}(\n${parts.map((p) => `${inner}${p},`).join('\n')}\n${indent})`;
}

/** A dict literal, one entry a line when long. Values are code. */
function pyDict(
  entries: readonly [string, string][],
  indent = '',
  breakLines = false,
  lead = 0,
): string {
  const parts = entries.map(([k, v]) => `${pyString(k)}: ${v}`);
  const flat = `{${parts.join(', ')}}`;
  if (
    !(breakLines && parts.length > 1) &&
    indent.length + lead + flat.length <= 88 &&
    !flat.includes('\n')
  )
    return flat;
  const inner = `${indent}    `;
  return `{\n${parts.map((p) => `${inner}${p},`).join('\n')}\n${indent}}`;
}

/** A JSON-like value as Python, one entry a line when long. */
function pyValue(value: unknown, indent = '', lead = 0): string {
  const flat = pyLiteral(value);
  if (indent.length + lead + flat.length <= 88) return flat;
  const inner = `${indent}    `;
  if (Array.isArray(value))
    return `[\n${value.map((v) => `${inner}${pyValue(v, inner)},`).join('\n')}\n${indent}]`;
  if (value && typeof value === 'object')
    return pyDict(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, pyValue(v, inner, pyString(k).length + 2)]),
      indent,
      false,
      lead,
    );
  return flat;
}

function jsonNote(what: string, value: unknown): string {
  return oneLine(`# note: ${what} is not set: ${JSON.stringify(value)}`);
}

/** Takes the members it handles out of a copy; what is left becomes notes. */
class Members {
  private readonly rest: Record<string, unknown>;
  constructor(
    value: object | undefined,
    private readonly path: string,
  ) {
    this.rest = { ...(value as Record<string, unknown>) };
  }
  take<T = unknown>(key: string): T | undefined {
    const value = this.rest[key];
    delete this.rest[key];
    return value === null ? undefined : (value as T);
  }
  notes(what = 'the SageMaker Python SDK has no argument for it'): string[] {
    return Object.entries(this.rest)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) =>
        oneLine(
          `# note: ${this.path ? `${this.path}.` : ''}${k} is not set (${what}): ${JSON.stringify(v)}`,
        ),
      );
  }
}

interface Imports {
  set: Set<string>;
}

function use(imports: Imports, line: string): void {
  imports.set.add(line);
}

interface EstimatorCode {
  code: string;
  notes: string[];
  metricDefinitions: unknown;
}

/**
 * `Estimator(...)` for a CreateTrainingJob request or a tuning job's training job definition
 * (`hyperParametersKey` StaticHyperParameters). Channels are left to the caller.
 */
function estimatorCode(
  spec: object,
  path: string,
  hyperParametersKey: 'HyperParameters' | 'StaticHyperParameters',
  session: string | undefined,
  imports: Imports,
  forTrainingJob: boolean,
): EstimatorCode {
  const notes: string[] = [];
  const prefix = path ? `${path}.` : '';
  const top = new Members(spec, path);
  const args: Arg[] = [];
  const algorithm = new Members(
    top.take('AlgorithmSpecification'),
    `${prefix}AlgorithmSpecification`,
  );
  const image = algorithm.take<string>('TrainingImage');
  const algorithmName = algorithm.take<string>('AlgorithmName');
  if (algorithmName)
    notes.push(
      oneLine(
        `# note: AlgorithmName ${algorithmName} is a subscribed algorithm; use sagemaker.algorithm.AlgorithmEstimator(algorithm_arn=${pyString(algorithmName)}, ...) instead of Estimator`,
      ),
    );
  args.push(['image_uri', pyLiteral(image ?? null)]);
  args.push(['role', pyLiteral(top.take('RoleArn') ?? null)]);
  const resources = new Members(top.take('ResourceConfig'), `${prefix}ResourceConfig`);
  const count = resources.take('InstanceCount');
  const type = resources.take('InstanceType');
  if (count !== undefined) args.push(['instance_count', pyLiteral(count)]);
  if (type !== undefined) args.push(['instance_type', pyLiteral(type)]);
  const volume = resources.take('VolumeSizeInGB');
  if (volume !== undefined) args.push(['volume_size', pyLiteral(volume)]);
  const volumeKey = resources.take('VolumeKmsKeyId');
  if (volumeKey !== undefined) args.push(['volume_kms_key', pyLiteral(volumeKey)]);
  const keepAlive = resources.take('KeepAlivePeriodInSeconds');
  if (keepAlive !== undefined) args.push(['keep_alive_period_in_seconds', pyLiteral(keepAlive)]);
  const stopping = new Members(top.take('StoppingCondition'), `${prefix}StoppingCondition`);
  const maxRun = stopping.take('MaxRuntimeInSeconds');
  if (maxRun !== undefined) args.push(['max_run', pyLiteral(maxRun)]);
  const maxWait = stopping.take('MaxWaitTimeInSeconds');
  if (maxWait !== undefined) args.push(['max_wait', pyLiteral(maxWait)]);
  const inputMode = algorithm.take('TrainingInputMode');
  if (inputMode !== undefined) args.push(['input_mode', pyLiteral(inputMode)]);
  const output = new Members(top.take('OutputDataConfig'), `${prefix}OutputDataConfig`);
  const outputPath = output.take('S3OutputPath');
  if (outputPath !== undefined) args.push(['output_path', pyLiteral(outputPath)]);
  const outputKey = output.take('KmsKeyId');
  if (outputKey !== undefined) args.push(['output_kms_key', pyLiteral(outputKey)]);
  const compression = output.take<string>('CompressionType');
  if (compression === 'NONE') args.push(['disable_output_compression', 'True']);
  else if (compression !== undefined && compression !== 'GZIP')
    notes.push(
      `# note: OutputDataConfig.CompressionType ${pyString(compression)} has no SDK argument`,
    );
  const hyperParameters = top.take<Record<string, string>>(hyperParametersKey);
  if (hyperParameters && Object.keys(hyperParameters).length)
    args.push(['hyperparameters', pyValue(hyperParameters, '    ', 16)]);
  const metricDefinitions = algorithm.take('MetricDefinitions');
  if (metricDefinitions !== undefined && forTrainingJob)
    args.push(['metric_definitions', pyValue(metricDefinitions, '    ', 19)]);
  const timeSeries = algorithm.take('EnableSageMakerMetricsTimeSeries');
  if (timeSeries !== undefined) args.push(['enable_sagemaker_metrics', pyLiteral(timeSeries)]);
  const entrypoint = algorithm.take('ContainerEntrypoint');
  if (entrypoint !== undefined) args.push(['container_entry_point', pyLiteral(entrypoint)]);
  const containerArgs = algorithm.take('ContainerArguments');
  if (containerArgs !== undefined) args.push(['container_arguments', pyLiteral(containerArgs)]);
  const imageConfig = new Members(
    algorithm.take('TrainingImageConfig'),
    `${prefix}AlgorithmSpecification.TrainingImageConfig`,
  );
  const accessMode = imageConfig.take('TrainingRepositoryAccessMode');
  if (accessMode !== undefined)
    args.push(['training_repository_access_mode', pyLiteral(accessMode)]);
  const auth = new Members(
    imageConfig.take('TrainingRepositoryAuthConfig'),
    `${prefix}AlgorithmSpecification.TrainingImageConfig.TrainingRepositoryAuthConfig`,
  );
  const provider = auth.take('TrainingRepositoryCredentialsProviderArn');
  if (provider !== undefined)
    args.push(['training_repository_credentials_provider_arn', pyLiteral(provider)]);
  const checkpoint = new Members(top.take('CheckpointConfig'), `${prefix}CheckpointConfig`);
  const checkpointUri = checkpoint.take('S3Uri');
  if (checkpointUri !== undefined) args.push(['checkpoint_s3_uri', pyLiteral(checkpointUri)]);
  const checkpointPath = checkpoint.take('LocalPath');
  if (checkpointPath !== undefined) args.push(['checkpoint_local_path', pyLiteral(checkpointPath)]);
  const vpc = new Members(top.take('VpcConfig'), `${prefix}VpcConfig`);
  const subnets = vpc.take('Subnets');
  if (subnets !== undefined) args.push(['subnets', pyLiteral(subnets)]);
  const groups = vpc.take('SecurityGroupIds');
  if (groups !== undefined) args.push(['security_group_ids', pyLiteral(groups)]);
  for (const [key, arg] of [
    ['EnableNetworkIsolation', 'enable_network_isolation'],
    ['EnableInterContainerTrafficEncryption', 'encrypt_inter_container_traffic'],
    ['EnableManagedSpotTraining', 'use_spot_instances'],
  ] as const) {
    const value = top.take(key);
    if (value !== undefined) args.push([arg, pyLiteral(value)]);
  }
  const environment = top.take('Environment');
  if (environment !== undefined) args.push(['environment', pyValue(environment, '    ', 12)]);
  const retry = new Members(top.take('RetryStrategy'), `${prefix}RetryStrategy`);
  const attempts = retry.take('MaximumRetryAttempts');
  if (attempts !== undefined) args.push(['max_retry_attempts', pyLiteral(attempts)]);
  const tags = top.take('Tags');
  if (tags !== undefined) args.push(['tags', pyValue(tags, '    ', 5)]);
  if (forTrainingJob) {
    // Without these the SDK adds a Debugger hook and profiler the request does not have.
    const hook = top.take('DebugHookConfig');
    if (hook === undefined) args.push(['debugger_hook_config', 'False']);
    else
      notes.push(
        jsonNote(`${prefix}DebugHookConfig (sagemaker.debugger.DebuggerHookConfig)`, hook),
      );
    const profiler = top.take('ProfilerConfig');
    if (profiler === undefined) args.push(['disable_profiler', 'True']);
    else
      notes.push(jsonNote(`${prefix}ProfilerConfig (sagemaker.debugger.ProfilerConfig)`, profiler));
  }
  if (session) args.push(['sagemaker_session', session]);
  use(imports, 'from sagemaker.estimator import Estimator');
  notes.push(
    ...top.notes(),
    ...algorithm.notes(),
    ...resources.notes(),
    ...stopping.notes(),
    ...output.notes(),
    ...imageConfig.notes(),
    ...auth.notes(),
    ...checkpoint.notes(),
    ...vpc.notes(),
    ...retry.notes(),
  );
  return { code: pyCall('Estimator', args), notes, metricDefinitions };
}

/** `{'training': TrainingInput(...), ...}` for InputDataConfig. */
function channelsCode(
  channels: readonly Channel[] | undefined,
  path: string,
  imports: Imports,
  notes: string[],
  indent: string,
): string | undefined {
  if (!channels?.length) return undefined;
  const entries: [string, string][] = [];
  channels.forEach((channel, i) => {
    const at = `${path}InputDataConfig[${i}]`;
    const members = new Members(channel, at);
    const name = members.take<string>('ChannelName') ?? `channel${i}`;
    const source = new Members(members.take('DataSource'), `${at}.DataSource`);
    const s3 = source.take<object>('S3DataSource');
    const fs = source.take<object>('FileSystemDataSource');
    const inner = `${indent}    `;
    if (fs) {
      use(imports, 'from sagemaker.inputs import FileSystemInput');
      const f = new Members(fs, `${at}.DataSource.FileSystemDataSource`);
      const args: Arg[] = [
        ['file_system_id', pyLiteral(f.take('FileSystemId') ?? null)],
        ['file_system_type', pyLiteral(f.take('FileSystemType') ?? null)],
        ['directory_path', pyLiteral(f.take('DirectoryPath') ?? null)],
        ['file_system_access_mode', pyLiteral(f.take('FileSystemAccessMode') ?? null)],
      ];
      const contentType = members.take('ContentType');
      if (contentType !== undefined) args.push(['content_type', pyLiteral(contentType)]);
      entries.push([name, pyCall('FileSystemInput', args, inner)]);
      notes.push(...f.notes());
    } else {
      use(imports, 'from sagemaker.inputs import TrainingInput');
      const s = new Members(s3, `${at}.DataSource.S3DataSource`);
      const args: Arg[] = [['s3_data', pyLiteral(s.take('S3Uri') ?? null)]];
      const add = (arg: string, value: unknown) => {
        if (value !== undefined) args.push([arg, pyLiteral(value)]);
      };
      add('distribution', s.take('S3DataDistributionType'));
      add('compression', members.take('CompressionType'));
      add('content_type', members.take('ContentType'));
      add('record_wrapping', members.take('RecordWrapperType'));
      add('s3_data_type', s.take('S3DataType'));
      add('input_mode', members.take('InputMode'));
      add('attribute_names', s.take('AttributeNames'));
      add('instance_groups', s.take('InstanceGroupNames'));
      const shuffle = new Members(members.take('ShuffleConfig'), `${at}.ShuffleConfig`);
      const seed = shuffle.take('Seed');
      if (seed !== undefined) {
        use(imports, 'from sagemaker.inputs import ShuffleConfig');
        args.push(['shuffle_config', `ShuffleConfig(${pyLiteral(seed)})`]);
      }
      entries.push([name, pyCall('TrainingInput', args, inner)]);
      notes.push(...s.notes(), ...shuffle.notes());
    }
    notes.push(...members.notes(), ...source.notes());
  });
  return pyDict(entries, indent);
}

const RANGE_KINDS = [
  ['IntegerParameterRanges', 'IntegerParameter'],
  ['ContinuousParameterRanges', 'ContinuousParameter'],
  ['CategoricalParameterRanges', 'CategoricalParameter'],
] as const;

/** `{'lr': ContinuousParameter(...), ...}` for ParameterRanges. */
function rangesCode(
  ranges: ParameterRanges | undefined,
  path: string,
  imports: Imports,
  notes: string[],
  indent: string,
  lead: number,
): string {
  const members = new Members(ranges, path);
  const entries: [string, string][] = [];
  for (const [key, cls] of RANGE_KINDS) {
    const list = members.take<Record<string, unknown>[]>(key) ?? [];
    list.forEach((range, i) => {
      use(imports, 'from sagemaker.parameter import ' + cls);
      const r = new Members(range, `${path}.${key}[${i}]`);
      const name = r.take<string>('Name') ?? '';
      let code: string;
      if (cls === 'CategoricalParameter') {
        code = `CategoricalParameter(${pyLiteral(r.take('Values') ?? [])})`;
      } else {
        const integer = cls === 'IntegerParameter';
        const args: Arg[] = [
          [undefined, pyBound(r.take<string>('MinValue'), integer)],
          [undefined, pyBound(r.take<string>('MaxValue'), integer)],
        ];
        const scaling = r.take('ScalingType');
        if (scaling !== undefined) args.push(['scaling_type', pyLiteral(scaling)]);
        code = pyCall(cls, args, `${indent}    `);
      }
      entries.push([name, code]);
      notes.push(...r.notes());
    });
  }
  const auto = members.take<{ Name?: string; ValueHint?: string }[]>('AutoParameters');
  if (auto?.length)
    notes.push(
      oneLine(
        `# note: ${path}.AutoParameters (autotune=True chooses ranges itself; the SDK cannot pass these hints): ${JSON.stringify(auto)}`,
      ),
    );
  notes.push(...members.notes());
  return pyDict(entries, indent, true, lead);
}

function sessionCode(
  options: ExportOptions,
  lines: string[],
  imports: Imports,
): string | undefined {
  if (!options.region && !options.profile) return undefined;
  use(imports, 'import boto3');
  const args: Arg[] = [];
  if (options.profile) args.push(['profile_name', pyLiteral(options.profile)]);
  if (options.region) args.push(['region_name', pyLiteral(options.region)]);
  lines.push(`session = sagemaker.Session(boto_session=${pyCall('boto3.Session', args)})`, '');
  return 'session';
}

const IMPORT_ORDER = (a: string, b: string) => a.localeCompare(b);

/** Combines `from x import a` lines per module, sorted. */
function importBlock(imports: Imports): string[] {
  const plain: string[] = [];
  const from = new Map<string, Set<string>>();
  for (const line of imports.set) {
    const match = /^from (\S+) import (\S+)$/.exec(line);
    if (!match) plain.push(line);
    else from.set(match[1], (from.get(match[1]) ?? new Set()).add(match[2]));
  }
  return [
    ...plain.sort(IMPORT_ORDER),
    ...[...from.entries()]
      .sort(([a], [b]) => IMPORT_ORDER(a, b))
      .map(
        ([module, names]) => `from ${module} import ${[...names].sort(IMPORT_ORDER).join(', ')}`,
      ),
  ];
}

/**
 * Python (SageMaker Python SDK v2) that creates the same job: an Estimator and
 * `estimator.fit(..., job_name=..., wait=False)`, or a HyperparameterTuner (one definition)
 * / `HyperparameterTuner.create` (TrainingJobDefinitions) and `tuner.fit(..., wait=False)`.
 */
export function toSageMakerPythonSdk(
  kind: ExportKind,
  request: ExportRequest,
  options: ExportOptions = {},
): string {
  const { request: exported, replacements } = replaceLocalValues(request);
  const imports: Imports = { set: new Set(['import sagemaker']) };
  const body: string[] = [];
  const notes: string[] = [];
  const session = sessionCode(options, body, imports);
  if (kind === 'training')
    trainingCode(exported as CreateTrainingJobRequest, session, imports, body, notes);
  else tuningCode(exported as CreateHyperParameterTuningJobRequest, session, imports, body, notes);
  const header = [...replacementLines(replacements), ...notes];
  return (
    [...importBlock(imports), '', ...(header.length ? [...header, ''] : []), ...body].join('\n') +
    '\n'
  );
}

function trainingCode(
  request: CreateTrainingJobRequest,
  session: string | undefined,
  imports: Imports,
  body: string[],
  notes: string[],
): void {
  const { TrainingJobName, InputDataConfig, ...spec } = request;
  const estimator = estimatorCode(spec, '', 'HyperParameters', session, imports, true);
  notes.push(...estimator.notes);
  body.push(`estimator = ${estimator.code}`, '');
  const inputs = channelsCode(InputDataConfig, '', imports, notes, '    ');
  body.push(
    pyCall('estimator.fit', [
      ...(inputs ? ([[undefined, inputs]] as Arg[]) : []),
      ['job_name', pyLiteral(TrainingJobName ?? null)],
      ['wait', 'False'],
    ]),
  );
}

/** A Python identifier for a definition's estimator variable. */
function variableName(name: string, taken: Set<string>): string {
  let base = `estimator_${name.replace(/[^A-Za-z0-9_]+/g, '_').toLowerCase()}`.replace(/_+$/, '');
  if (taken.has(base)) base = `${base}_${taken.size}`;
  taken.add(base);
  return base;
}

function tuningCode(
  request: CreateHyperParameterTuningJobRequest,
  session: string | undefined,
  imports: Imports,
  body: string[],
  notes: string[],
): void {
  const top = new Members(request, '');
  const name = top.take<string>('HyperParameterTuningJobName');
  const config = new Members(
    top.take('HyperParameterTuningJobConfig'),
    'HyperParameterTuningJobConfig',
  );
  const single = top.take<HyperParameterTrainingJobDefinition>('TrainingJobDefinition');
  const multiple = top.take<HyperParameterTrainingJobDefinition[]>('TrainingJobDefinitions');
  const args: Arg[] = [];
  const objective = new Members(
    config.take('HyperParameterTuningJobObjective'),
    'HyperParameterTuningJobConfig.HyperParameterTuningJobObjective',
  );
  const configRanges = config.take<ParameterRanges>('ParameterRanges');
  use(imports, 'from sagemaker.tuner import HyperparameterTuner');

  let fitInputs: string | undefined;
  let includeMetadata = false;
  if (multiple?.length) {
    includeMetadata = true;
    const estimators: [string, string][] = [];
    const metricNames: [string, string][] = [];
    const rangeDicts: [string, string][] = [];
    const metricDicts: [string, string][] = [];
    const inputs: [string, string][] = [];
    const taken = new Set<string>();
    const types = new Set<string>();
    multiple.forEach((definition, i) => {
      const path = `TrainingJobDefinitions[${i}]`;
      const d = new Members(definition, path);
      const defName = d.take<string>('DefinitionName') ?? `definition-${i}`;
      const tuningObjective = new Members(d.take('TuningObjective'), `${path}.TuningObjective`);
      const ranges = d.take<ParameterRanges>('HyperParameterRanges');
      const channels = d.take<Channel[]>('InputDataConfig');
      definitionExtras(d, path, notes);
      const rest = withoutKeys(definition, TUNER_MEMBERS);
      const estimator = estimatorCode(rest, path, 'StaticHyperParameters', session, imports, false);
      notes.push(...estimator.notes);
      const variable = variableName(defName, taken);
      body.push(`${variable} = ${estimator.code}`, '');
      estimators.push([defName, variable]);
      const type = tuningObjective.take<string>('Type');
      if (type) types.add(type);
      metricNames.push([defName, pyLiteral(tuningObjective.take('MetricName') ?? null)]);
      notes.push(...tuningObjective.notes());
      rangeDicts.push([
        defName,
        rangesCode(
          ranges,
          `${path}.HyperParameterRanges`,
          imports,
          notes,
          '        ',
          pyString(defName).length + 2,
        ),
      ]);
      if (estimator.metricDefinitions !== undefined)
        metricDicts.push([defName, pyValue(estimator.metricDefinitions, '        ')]);
      const channelCode = channelsCode(channels, `${path}.`, imports, notes, '        ');
      if (channelCode) inputs.push([defName, channelCode]);
    });
    args.push(['estimator_dict', pyDict(estimators, '    ', false, 15)]);
    args.push(['objective_metric_name_dict', pyDict(metricNames, '    ', false, 27)]);
    args.push(['hyperparameter_ranges_dict', pyDict(rangeDicts, '    ', false, 27)]);
    if (metricDicts.length)
      args.push(['metric_definitions_dict', pyDict(metricDicts, '    ', false, 24)]);
    const objectiveType = objective.take<string>('Type') ?? [...types][0];
    if (objectiveType) args.push(['objective_type', pyLiteral(objectiveType)]);
    if (types.size > 1)
      notes.push(
        `# note: the definitions' TuningObjective types differ (${[...types].join(', ')}); the SDK uses one objective_type for all`,
      );
    if (inputs.length) fitInputs = pyDict(inputs, '    ');
    if (configRanges)
      notes.push(
        oneLine(
          `# note: HyperParameterTuningJobConfig.ParameterRanges is not used with TrainingJobDefinitions: ${JSON.stringify(configRanges)}`,
        ),
      );
    const metricName = objective.take('MetricName');
    if (metricName !== undefined)
      notes.push(
        `# note: HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.MetricName ${pyLiteral(metricName)} is replaced by each definition's TuningObjective`,
      );
  } else {
    const definition: Partial<HyperParameterTrainingJobDefinition> = single ?? {};
    const d = new Members(definition, 'TrainingJobDefinition');
    const ranges = configRanges ?? d.take<ParameterRanges>('HyperParameterRanges');
    const channels = d.take<Channel[]>('InputDataConfig');
    const defObjective = d.take<{ Type?: string; MetricName?: string }>('TuningObjective');
    const defName = d.take<string>('DefinitionName');
    definitionExtras(d, 'TrainingJobDefinition', notes);
    const rest = withoutKeys(definition, TUNER_MEMBERS);
    const estimator = estimatorCode(
      rest,
      'TrainingJobDefinition',
      'StaticHyperParameters',
      session,
      imports,
      false,
    );
    notes.push(...estimator.notes);
    body.push(`estimator = ${estimator.code}`, '');
    const metricName = objective.take<string>('MetricName');
    const type = objective.take<string>('Type');
    args.push([undefined, 'estimator']);
    args.push(['objective_metric_name', pyLiteral(metricName ?? defObjective?.MetricName ?? null)]);
    args.push([
      'hyperparameter_ranges',
      rangesCode(
        ranges,
        configRanges
          ? 'HyperParameterTuningJobConfig.ParameterRanges'
          : 'TrainingJobDefinition.HyperParameterRanges',
        imports,
        notes,
        '    ',
        22,
      ),
    ]);
    if (configRanges && d.take('HyperParameterRanges') !== undefined)
      notes.push(
        jsonNote(
          'TrainingJobDefinition.HyperParameterRanges (the tuner sends ParameterRanges)',
          definition.HyperParameterRanges,
        ),
      );
    if (estimator.metricDefinitions !== undefined)
      args.push(['metric_definitions', pyValue(estimator.metricDefinitions, '    ', 19)]);
    if ((type ?? defObjective?.Type) !== undefined)
      args.push(['objective_type', pyLiteral(type ?? defObjective?.Type)]);
    if (defObjective && metricName !== undefined)
      notes.push(
        jsonNote(
          'TrainingJobDefinition.TuningObjective (the tuner sends HyperParameterTuningJobObjective)',
          defObjective,
        ),
      );
    if (defName !== undefined)
      notes.push(
        jsonNote(
          'TrainingJobDefinition.DefinitionName (HyperparameterTuner sends none for one definition)',
          defName,
        ),
      );
    fitInputs = channelsCode(channels, 'TrainingJobDefinition.', imports, notes, '    ');
  }
  notes.push(...objective.notes());

  const strategy = config.take('Strategy');
  if (strategy !== undefined) args.push(['strategy', pyLiteral(strategy)]);
  const strategyConfig = new Members(
    config.take('StrategyConfig'),
    'HyperParameterTuningJobConfig.StrategyConfig',
  );
  const hyperband = strategyConfig.take<Record<string, unknown>>('HyperbandStrategyConfig');
  if (hyperband) {
    use(imports, 'from sagemaker.tuner import HyperbandStrategyConfig');
    use(imports, 'from sagemaker.tuner import StrategyConfig');
    const h = new Members(
      hyperband,
      'HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig',
    );
    const max = h.take('MaxResource');
    const min = h.take('MinResource');
    if (max === undefined || min === undefined)
      notes.push(
        '# note: the SDK sends both Hyperband resources; the request leaves one to SageMaker, set it',
      );
    args.push([
      'strategy_config',
      `StrategyConfig(${pyCall(
        'HyperbandStrategyConfig',
        [
          ['max_resource', pyLiteral(max ?? null)],
          ['min_resource', pyLiteral(min ?? null)],
        ],
        '    ',
        31,
      )})`,
    ]);
    notes.push(...h.notes());
  }
  notes.push(...strategyConfig.notes());
  const limits = new Members(
    config.take('ResourceLimits'),
    'HyperParameterTuningJobConfig.ResourceLimits',
  );
  const maxJobs = limits.take('MaxNumberOfTrainingJobs');
  if (maxJobs !== undefined) args.push(['max_jobs', pyLiteral(maxJobs)]);
  const maxParallel = limits.take('MaxParallelTrainingJobs');
  if (maxParallel !== undefined) args.push(['max_parallel_jobs', pyLiteral(maxParallel)]);
  const maxRuntime = limits.take('MaxRuntimeInSeconds');
  if (maxRuntime !== undefined) args.push(['max_runtime_in_seconds', pyLiteral(maxRuntime)]);
  notes.push(...limits.notes());
  const earlyStopping = config.take('TrainingJobEarlyStoppingType');
  if (earlyStopping !== undefined) args.push(['early_stopping_type', pyLiteral(earlyStopping)]);
  const seed = config.take('RandomSeed');
  if (seed !== undefined) args.push(['random_seed', pyLiteral(seed)]);
  const criteria = new Members(
    config.take('TuningJobCompletionCriteria'),
    'HyperParameterTuningJobConfig.TuningJobCompletionCriteria',
  );
  const criteriaArgs: Arg[] = [];
  const notImproving = new Members(
    criteria.take('BestObjectiveNotImproving'),
    'HyperParameterTuningJobConfig.TuningJobCompletionCriteria.BestObjectiveNotImproving',
  );
  const maxNotImproving = notImproving.take('MaxNumberOfTrainingJobsNotImproving');
  if (maxNotImproving !== undefined)
    criteriaArgs.push(['max_number_of_training_jobs_not_improving', pyLiteral(maxNotImproving)]);
  const convergence = new Members(
    criteria.take('ConvergenceDetected'),
    'HyperParameterTuningJobConfig.TuningJobCompletionCriteria.ConvergenceDetected',
  );
  const complete = convergence.take<string>('CompleteOnConvergence');
  if (complete !== undefined)
    criteriaArgs.push(['complete_on_convergence', complete === 'Enabled' ? 'True' : 'False']);
  const target = criteria.take('TargetObjectiveMetricValue');
  if (target !== undefined) criteriaArgs.push(['target_objective_metric_value', pyLiteral(target)]);
  if (criteriaArgs.length) {
    use(imports, 'from sagemaker.tuner import TuningJobCompletionCriteriaConfig');
    args.push([
      'completion_criteria_config',
      pyCall('TuningJobCompletionCriteriaConfig', criteriaArgs, '    ', 27),
    ]);
  }
  notes.push(
    ...criteria.notes(),
    ...notImproving.notes(),
    ...convergence.notes(),
    ...config.notes(),
  );

  const warm = new Members(top.take('WarmStartConfig'), 'WarmStartConfig');
  const warmType = warm.take<string>('WarmStartType');
  const parents = warm.take<{ HyperParameterTuningJobName?: string }[]>(
    'ParentHyperParameterTuningJobs',
  );
  if (warmType !== undefined || parents !== undefined) {
    use(imports, 'from sagemaker.tuner import WarmStartConfig');
    use(imports, 'from sagemaker.tuner import WarmStartTypes');
    const typeCode =
      warmType === 'TransferLearning'
        ? 'WarmStartTypes.TRANSFER_LEARNING'
        : warmType === 'IdenticalDataAndAlgorithm'
          ? 'WarmStartTypes.IDENTICAL_DATA_AND_ALGORITHM'
          : `WarmStartTypes(${pyLiteral(warmType ?? null)})`;
    const names = (parents ?? []).map((p) => pyLiteral(p.HyperParameterTuningJobName ?? null));
    args.push([
      'warm_start_config',
      pyCall(
        'WarmStartConfig',
        [
          [undefined, typeCode],
          ['parents', names.length ? `{${names.join(', ')}}` : 'set()'],
        ],
        '    ',
        18,
      ),
    ]);
  }
  notes.push(...warm.notes());
  const tags = top.take('Tags');
  if (tags !== undefined) args.push(['tags', pyValue(tags, '    ', 5)]);
  const autotune = new Members(top.take('Autotune'), 'Autotune');
  const mode = autotune.take('Mode');
  if (mode === 'Enabled') args.push(['autotune', 'True']);
  else if (mode !== undefined)
    notes.push(`# note: Autotune.Mode ${pyLiteral(mode)} has no SDK argument`);
  notes.push(...autotune.notes(), ...top.notes());

  const constructor = multiple?.length ? 'HyperparameterTuner.create' : 'HyperparameterTuner';
  body.push(`tuner = ${pyCall(constructor, args)}`, '');
  body.push(
    pyCall('tuner.fit', [
      ...(fitInputs ? ([[undefined, fitInputs]] as Arg[]) : []),
      ['job_name', pyLiteral(name ?? null)],
      // Keyed tuners take a dict here; {} adds no class metadata to the static hyperparameters.
      ...(includeMetadata ? ([['include_cls_metadata', '{}']] as Arg[]) : []),
      ['wait', 'False'],
    ]),
  );
}

/** What the tuner sets from its own arguments rather than the estimator's. */
const TUNER_MEMBERS = [
  'DefinitionName',
  'TuningObjective',
  'HyperParameterRanges',
  'InputDataConfig',
  'HyperParameterTuningResourceConfig',
];

function withoutKeys(value: object, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => !keys.includes(k)));
}

/** HyperParameterTuningResourceConfig has no tuner argument that keeps every member: a note. */
function definitionExtras(d: Members, path: string, notes: string[]): void {
  const resources = d.take('HyperParameterTuningResourceConfig');
  if (resources !== undefined)
    notes.push(
      oneLine(
        `# note: ${path}.HyperParameterTuningResourceConfig: set it with tuner.override_resource_config(instance_configs=[sagemaker.tuner.InstanceConfig(...)]): ${JSON.stringify(resources)}`,
      ),
    );
}
