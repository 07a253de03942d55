/**
 * Defaults users set once (IAM role, output prefix, KMS keys, VPC, tags) applied to the jobs
 * they send to SageMaker: a CreateTrainingJob request, and every training-job definition of a
 * CreateHyperParameterTuningJob request. A value the request already has is kept; tags are
 * merged by key (the request's win). Pure: no AWS SDK, no vscode, so the extension, the CLI
 * and tests share it.
 *
 * Values only the local engine understands count as unset on SageMaker: the local engine's
 * placeholder role, the editor template's example role, and a `file://` output path.
 */
import type {
  CreateHyperParameterTuningJobRequest,
  CreateTrainingJobRequest,
  HyperParameterTrainingJobDefinition,
  OutputDataConfig,
  Tag,
  VpcConfig,
} from '@aws-sdk/client-sagemaker';
import { LOCAL_ROLE_ARN } from '../../model/scriptJob';
import { parseS3Uri } from './s3/s3Uri';

export interface JobDefaults {
  roleArn?: string;
  /** `s3://bucket/prefix`: jobs write `<prefix>/<job>/output/model.tar.gz` below it. */
  outputS3Uri?: string;
  outputKmsKeyId?: string;
  volumeKmsKeyId?: string;
  vpcSubnets?: readonly string[];
  vpcSecurityGroupIds?: readonly string[];
  tags?: Readonly<Record<string, string>>;
}

/** The setting behind each default, named in every message. */
export const JOB_DEFAULT_SETTINGS = {
  roleArn: 'sagemakerWorkbench.aws.roleArn',
  outputS3Uri: 'sagemakerWorkbench.aws.outputS3Uri',
  outputKmsKeyId: 'sagemakerWorkbench.aws.outputKmsKeyId',
  volumeKmsKeyId: 'sagemakerWorkbench.aws.volumeKmsKeyId',
  vpcSubnets: 'sagemakerWorkbench.aws.vpcSubnets',
  vpcSecurityGroupIds: 'sagemakerWorkbench.aws.vpcSecurityGroupIds',
  tags: 'sagemakerWorkbench.aws.tags',
} as const satisfies Record<keyof JobDefaults, string>;

/** Roles that only stand in for a real one: the local engine's, and the editor template's. */
export const PLACEHOLDER_ROLE_ARNS: readonly string[] = [
  LOCAL_ROLE_ARN,
  'arn:aws:iam::123456789012:role/SageMakerRole',
];

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]+$/;
const KMS_KEY =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|alias\/[A-Za-z0-9/_-]+|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(?:key\/(?:[0-9a-f-]{36}|mrk-[0-9a-f]{32})|alias\/[A-Za-z0-9/_-]+))$/;
const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP = /^sg-[0-9a-f]{8,17}$/;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** SageMaker's limits on VpcConfig and Tags. */
const MAX_SUBNETS = 16;
const MAX_SECURITY_GROUPS = 5;
const MAX_TAGS = 50;

/**
 * Instance families with local NVMe instance storage: SageMaker encrypts it itself and
 * refuses a VolumeKmsKeyId for them, so the volume key default is not applied there.
 */
const INSTANCE_STORAGE_FAMILY =
  /^ml\.(?:p3dn|p4d|p4de|p5|p5e|p5en|g4dn|g5|g6|g6e|m5d|c5d|r5d|trn1|trn1n|trn2|inf2)\./;

/** Defaults a request cannot use, or a request that still lacks what SageMaker needs. */
export class JobDefaultsError extends Error {
  override readonly name = 'ValidationException';
  constructor(readonly problems: readonly string[]) {
    super(problems.join(' '));
  }
}

/** Every problem of the settings themselves, each naming its setting. */
export function jobDefaultsProblems(defaults: JobDefaults): string[] {
  const problems: string[] = [];
  const s = JOB_DEFAULT_SETTINGS;
  const role = clean(defaults.roleArn);
  if (role && !ROLE_ARN.test(role)) {
    problems.push(
      `${s.roleArn} must be an IAM role ARN like arn:aws:iam::123456789012:role/SageMakerExecutionRole, not "${role}"` +
        (/:user\//.test(role) ? ' (that is a user: SageMaker assumes a role).' : '.'),
    );
  }
  const output = clean(defaults.outputS3Uri);
  if (output) {
    try {
      parseS3Uri(output);
    } catch (err) {
      problems.push(`${s.outputS3Uri}: ${(err as Error).message}.`);
    }
  }
  for (const key of ['outputKmsKeyId', 'volumeKmsKeyId'] as const) {
    const value = clean(defaults[key]);
    if (value && !KMS_KEY.test(value)) {
      problems.push(
        `${s[key]} must be a KMS key ID, key ARN, alias (alias/name) or alias ARN, not "${value}".`,
      );
    }
  }
  const subnets = list(defaults.vpcSubnets);
  const groups = list(defaults.vpcSecurityGroupIds);
  const badSubnets = subnets.filter((id) => !SUBNET.test(id));
  if (badSubnets.length) {
    problems.push(
      `${s.vpcSubnets} holds subnet IDs like subnet-0123456789abcdef0, not ${quoted(badSubnets)}.`,
    );
  }
  const badGroups = groups.filter((id) => !SECURITY_GROUP.test(id));
  if (badGroups.length) {
    problems.push(
      `${s.vpcSecurityGroupIds} holds security group IDs like sg-0123456789abcdef0, not ${quoted(badGroups)}.`,
    );
  }
  if (subnets.length > MAX_SUBNETS)
    problems.push(`${s.vpcSubnets} has ${subnets.length} subnets; SageMaker takes at most 16.`);
  if (groups.length > MAX_SECURITY_GROUPS) {
    problems.push(
      `${s.vpcSecurityGroupIds} has ${groups.length} security groups; SageMaker takes at most 5.`,
    );
  }
  if (subnets.length > 0 && groups.length === 0) {
    problems.push(
      `${s.vpcSubnets} is set but ${s.vpcSecurityGroupIds} is empty: a VPC configuration needs both.`,
    );
  } else if (groups.length > 0 && subnets.length === 0) {
    problems.push(
      `${s.vpcSecurityGroupIds} is set but ${s.vpcSubnets} is empty: a VPC configuration needs both.`,
    );
  }
  const tags = Object.entries(defaults.tags ?? {});
  if (tags.length > MAX_TAGS)
    problems.push(`${s.tags} has ${tags.length} tags; SageMaker takes at most 50.`);
  for (const [key, value] of tags) {
    if (typeof value !== 'string') {
      problems.push(`${s.tags}: the value of "${key}" must be a string.`);
    } else if (key.length < 1 || key.length > 128 || !TAG_TEXT.test(key)) {
      problems.push(
        `${s.tags}: the key "${key}" must be 1-128 letters, digits, spaces or _ . : / = + - @.`,
      );
    } else if (/^aws:/i.test(key)) {
      problems.push(`${s.tags}: the key "${key}" starts with aws:, which AWS reserves.`);
    } else if (value.length > 256 || !TAG_TEXT.test(value)) {
      problems.push(
        `${s.tags}: the value of "${key}" must be at most 256 letters, digits, spaces or _ . : / = + - @.`,
      );
    }
  }
  return problems;
}

/** What applying the defaults did that the user may want to know. */
export interface AppliedDefaults<T> {
  request: T;
  notes: string[];
}

/** The defaults applied to a CreateTrainingJob request; throws JobDefaultsError. */
export function applyTrainingJobDefaults(
  request: CreateTrainingJobRequest,
  defaults: JobDefaults,
): AppliedDefaults<CreateTrainingJobRequest> {
  checkDefaults(defaults);
  const problems: string[] = [];
  const notes: string[] = [];
  const applied = applyToDefinition(structuredClone(request), defaults, '', problems, notes);
  const tags = mergeTags(request.Tags, defaults.tags);
  if (tags) applied.Tags = tags;
  if (problems.length) throw new JobDefaultsError(problems);
  return { request: applied, notes };
}

/**
 * The defaults applied to the training-job definition(s) of a CreateHyperParameterTuningJob
 * request, and its tags (SageMaker passes a tuning job's tags on to its training jobs).
 */
export function applyTuningJobDefaults(
  request: CreateHyperParameterTuningJobRequest,
  defaults: JobDefaults,
): AppliedDefaults<CreateHyperParameterTuningJobRequest> {
  checkDefaults(defaults);
  const problems: string[] = [];
  const notes: string[] = [];
  const applied = structuredClone(request);
  if (applied.TrainingJobDefinition) {
    applyToDefinition(
      applied.TrainingJobDefinition,
      defaults,
      'TrainingJobDefinition.',
      problems,
      notes,
    );
  }
  applied.TrainingJobDefinitions?.forEach((definition, i) =>
    applyToDefinition(definition, defaults, `TrainingJobDefinitions[${i}].`, problems, notes),
  );
  const tags = mergeTags(request.Tags, defaults.tags);
  if (tags) applied.Tags = tags;
  if (problems.length) throw new JobDefaultsError([...new Set(problems)]);
  return { request: applied, notes: [...new Set(notes)] };
}

function checkDefaults(defaults: JobDefaults): void {
  const problems = jobDefaultsProblems(defaults);
  if (problems.length) throw new JobDefaultsError(problems);
}

type Definition = Pick<
  HyperParameterTrainingJobDefinition,
  | 'RoleArn'
  | 'OutputDataConfig'
  | 'ResourceConfig'
  | 'VpcConfig'
  | 'HyperParameterTuningResourceConfig'
>;

function applyToDefinition<T extends Definition>(
  definition: T,
  defaults: JobDefaults,
  path: string,
  problems: string[],
  notes: string[],
): T {
  const s = JOB_DEFAULT_SETTINGS;
  const role = clean(definition.RoleArn);
  if (!role || PLACEHOLDER_ROLE_ARNS.includes(role)) {
    const fallback = clean(defaults.roleArn);
    if (fallback) definition.RoleArn = fallback;
    else {
      problems.push(
        role
          ? `${path}RoleArn is the placeholder ${role}, which SageMaker cannot assume: set ${s.roleArn} to your SageMaker execution role's ARN.`
          : `No IAM role for the job: set ${s.roleArn} to the ARN of the role SageMaker assumes to run it (or set ${path}RoleArn in the request).`,
      );
    }
  }

  const output = { ...definition.OutputDataConfig } as OutputDataConfig;
  const outputPath = clean(output.S3OutputPath);
  if (!outputPath || outputPath.startsWith('file://')) {
    const fallback = clean(defaults.outputS3Uri);
    if (fallback) output.S3OutputPath = withoutTrailingSlash(fallback);
    else {
      problems.push(
        outputPath
          ? `${path}OutputDataConfig.S3OutputPath is the local ${outputPath}: set ${s.outputS3Uri} to the s3:// prefix SageMaker writes models under.`
          : `No output location for the job: set ${s.outputS3Uri} to an s3:// prefix (models land at <prefix>/<job>/output/model.tar.gz).`,
      );
    }
  }
  const outputKey = clean(defaults.outputKmsKeyId);
  if (!output.KmsKeyId && outputKey) output.KmsKeyId = outputKey;
  definition.OutputDataConfig = output;

  const volumeKey = clean(defaults.volumeKmsKeyId);
  const resources = definition.ResourceConfig ?? definition.HyperParameterTuningResourceConfig;
  if (volumeKey && resources && !resources.VolumeKmsKeyId) {
    const type = resources.InstanceType ?? '';
    if (INSTANCE_STORAGE_FAMILY.test(type)) {
      notes.push(
        `${s.volumeKmsKeyId} is not applied on ${type}: its local instance storage is encrypted by SageMaker, which refuses a volume key there.`,
      );
    } else {
      resources.VolumeKmsKeyId = volumeKey;
    }
  }

  const subnets = list(defaults.vpcSubnets);
  const groups = list(defaults.vpcSecurityGroupIds);
  if (!definition.VpcConfig && subnets.length && groups.length) {
    const vpc: VpcConfig = { Subnets: subnets, SecurityGroupIds: groups };
    definition.VpcConfig = vpc;
  }
  return definition;
}

/** The request's tags, then the defaults' tags for keys it does not have; undefined if none. */
export function mergeTags(
  own: readonly Tag[] | undefined,
  defaults: Readonly<Record<string, string>> | undefined,
): Tag[] | undefined {
  const merged = [...(own ?? [])];
  const keys = new Set(merged.map((t) => t.Key));
  for (const [Key, Value] of Object.entries(defaults ?? {})) {
    if (!keys.has(Key)) merged.push({ Key, Value });
  }
  return merged.length ? merged : undefined;
}

/** The output prefix without trailing slashes, so `<prefix>/<job>/...` has one slash. */
export function withoutTrailingSlash(uri: string): string {
  return uri.replace(/\/+$/, '');
}

function clean(value: string | undefined): string {
  return (value ?? '').trim();
}

function list(values: readonly string[] | undefined): string[] {
  return [...new Set((values ?? []).map((v) => String(v).trim()).filter(Boolean))];
}

function quoted(values: string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}
