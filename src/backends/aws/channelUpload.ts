/**
 * Local `file://` channels sent to SageMaker. The local engine reads channels from folders on
 * this machine; SageMaker needs them in S3. Before a training or tuning request with such
 * channels is created on the aws backend, each folder is uploaded to
 * `<output prefix>/<job>/input/<channel>/` (the job's own prefix, beside the
 * `<job>/output/model.tar.gz` SageMaker writes) and the channel rewritten to that prefix.
 *
 * Order, so that nothing is left behind on failure: the rewritten request is validated first;
 * each destination must be empty; the folders are uploaded one after another (the transfer
 * removes a failed or cancelled folder's objects itself, and the ones uploaded before it are
 * deleted here); the job is created last, and a failed create deletes the uploads too.
 *
 * A job's code goes the same way: a local `sagemaker_submit_directory` (a `file://` URI or an
 * absolute path, as the local engine's script jobs have it) is packed into sourcedir.tar.gz,
 * uploaded to `<output prefix>/<job>/source/`, and the hyperparameter set to that archive's
 * S3 URI, as the SageMaker Python SDK does for a framework estimator.
 */
import { stat } from 'node:fs/promises';
import { posix, win32 } from 'node:path';
import type {
  Channel,
  CreateHyperParameterTuningJobRequest,
  CreateTrainingJobRequest,
} from '@aws-sdk/client-sagemaker';
import { validationError } from '../../model/errors';
import { localPathOf } from '../../engine/util/fileUri';
import { decodeHyperParameter, PROGRAM_HP, SUBMIT_DIR_HP } from '../../engine/training/processSpec';
import type { DatasetPage, TransferOptions, TransferResult } from '../datasets';
import { TransferRefusedError } from '../datasets';
import { withoutTrailingSlash } from './jobDefaults';
import { parseS3Uri } from './s3/s3Uri';
import type * as SourcePack from './sourcePack';

// tar is loaded with the packer on first use (dist/aws.js), not at the extension's activation.
const sourcePack = (): typeof SourcePack =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('./sourcePack') as typeof SourcePack;

/** The archive name SageMaker's framework containers download. */
export const SOURCE_ARCHIVE = 'sourcedir.tar.gz';

/** One channel whose data is a local folder, and where it goes. */
export interface LocalChannel {
  /** Where the channel sits in the request, e.g. `InputDataConfig[0]`. */
  field: string;
  channelName: string;
  /** The `file://` URI as written. */
  uri: string;
  folder: string;
  /** `s3://bucket/prefix/<job>/input/<channel>/`. */
  destination: string;
}

/** What the uploads need from S3: S3Datasets provides it. */
export interface ChannelStore {
  list(uri: string, options?: { pageSize?: number; signal?: AbortSignal }): Promise<DatasetPage>;
  upload(dir: string, uri: string, options?: TransferOptions): Promise<TransferResult>;
  deletePrefix(uri: string): Promise<string[]>;
}

export interface ChannelUploadProgress {
  /** The channel being uploaded, 1-based, and how many there are. */
  index: number;
  count: number;
  channel: LocalChannel;
  files: number;
  totalFiles: number;
  bytes: number;
  totalBytes: number;
}

export interface ChannelUploadOptions {
  signal?: AbortSignal;
  onProgress?: (progress: ChannelUploadProgress) => void;
}

type ChannelList = readonly Channel[] | undefined;

/** The local channels of a CreateTrainingJob request (pure: no file system, no network). */
export function planTrainingJobChannels(request: CreateTrainingJobRequest): LocalChannel[] {
  return planChannels(
    request.InputDataConfig,
    'InputDataConfig',
    request.OutputDataConfig?.S3OutputPath,
    request.TrainingJobName,
  );
}

/**
 * The local channels of every training-job definition of a tuning request, under the tuning
 * job's name. With several definitions each goes below its DefinitionName, unless the same
 * folder was planned already for that channel name.
 */
export function planTuningJobChannels(
  request: CreateHyperParameterTuningJobRequest,
): LocalChannel[] {
  const name = request.HyperParameterTuningJobName;
  const planned: LocalChannel[] = [];
  if (request.TrainingJobDefinition) {
    const d = request.TrainingJobDefinition;
    planned.push(
      ...planChannels(
        d.InputDataConfig,
        'TrainingJobDefinition.InputDataConfig',
        d.OutputDataConfig?.S3OutputPath,
        name,
      ),
    );
  }
  const several = (request.TrainingJobDefinitions?.length ?? 0) > 1;
  request.TrainingJobDefinitions?.forEach((d, i) => {
    const channels = planChannels(
      d.InputDataConfig,
      `TrainingJobDefinitions[${i}].InputDataConfig`,
      d.OutputDataConfig?.S3OutputPath,
      name,
      several ? (d.DefinitionName ?? `definition-${i + 1}`) : undefined,
    );
    for (const channel of channels) {
      const same = planned.find(
        (p) => p.folder === channel.folder && p.channelName === channel.channelName,
      );
      planned.push(same ? { ...channel, destination: same.destination } : channel);
    }
  });
  return planned;
}

function planChannels(
  channels: ChannelList,
  field: string,
  outputPath: string | undefined,
  jobName: string | undefined,
  definition?: string,
): LocalChannel[] {
  const planned: LocalChannel[] = [];
  (channels ?? []).forEach((channel, i) => {
    const source = channel.DataSource?.S3DataSource;
    const uri = source?.S3Uri?.trim() ?? '';
    if (!uri.startsWith('file://')) return;
    const at = `${field}[${i}]`;
    if (source?.S3DataType && source.S3DataType !== 'S3Prefix') {
      throw validationError(
        `${at} (${channel.ChannelName}) is a local ${source.S3DataType} (${uri}); only folders (S3Prefix) are uploaded: put the manifest in S3 and give its s3:// URI.`,
      );
    }
    if (!outputPath || !/^s3:\/\//i.test(outputPath)) {
      throw validationError(
        `${at} (${channel.ChannelName}) is the local folder ${uri}, which is uploaded below the job's output prefix, but the output path is ${outputPath ? `not in S3 (${outputPath})` : 'missing'}: set sagemakerWorkbench.aws.outputS3Uri.`,
      );
    }
    parseS3Uri(outputPath);
    if (!jobName) throw validationError(`${at}: the job has no name to upload its data under.`);
    const channelName = channel.ChannelName ?? `channel-${i + 1}`;
    const parts = [withoutTrailingSlash(outputPath), jobName, 'input'];
    if (definition) parts.push(definition);
    parts.push(channelName);
    planned.push({
      field: at,
      channelName,
      uri,
      folder: localPathOf(uri, `${at}.DataSource.S3DataSource.S3Uri`),
      destination: `${parts.join('/')}/`,
    });
  });
  return planned;
}

/**
 * A local code folder (`sagemaker_submit_directory`) and where its archive goes. As a
 * LocalChannel its `folder` is what gets uploaded: the packed archive's folder once packed.
 */
export interface LocalSource extends LocalChannel {
  /** The hyperparameters holding it, e.g. `TrainingJobDefinition.StaticHyperParameters`. */
  hyperParametersField: string;
  /** sagemaker_program, decoded. */
  program: string;
  /** `s3://bucket/prefix/<job>/source/sourcedir.tar.gz`. */
  archive: string;
}

/** The local code folder of a CreateTrainingJob request, if it has one (pure). */
export function planTrainingJobSource(request: CreateTrainingJobRequest): LocalSource[] {
  const source = planSource(
    request.HyperParameters,
    'HyperParameters',
    request.OutputDataConfig?.S3OutputPath,
    request.TrainingJobName,
  );
  return source ? [source] : [];
}

/**
 * The local code folders of a tuning request's definitions (their static hyperparameters),
 * under the tuning job's name; with several definitions each below its DefinitionName, one
 * folder shared by definitions packed once.
 */
export function planTuningJobSources(request: CreateHyperParameterTuningJobRequest): LocalSource[] {
  const name = request.HyperParameterTuningJobName;
  const planned: LocalSource[] = [];
  const definition = request.TrainingJobDefinition;
  const single = planSource(
    definition?.StaticHyperParameters,
    'TrainingJobDefinition.StaticHyperParameters',
    definition?.OutputDataConfig?.S3OutputPath,
    name,
  );
  if (single) planned.push(single);
  const several = (request.TrainingJobDefinitions?.length ?? 0) > 1;
  request.TrainingJobDefinitions?.forEach((d, i) => {
    const source = planSource(
      d.StaticHyperParameters,
      `TrainingJobDefinitions[${i}].StaticHyperParameters`,
      d.OutputDataConfig?.S3OutputPath,
      name,
      several ? (d.DefinitionName ?? `definition-${i + 1}`) : undefined,
    );
    if (!source) return;
    const same = planned.find((p) => p.folder === source.folder);
    planned.push(
      same ? { ...source, destination: same.destination, archive: same.archive } : source,
    );
  });
  return planned;
}

/** A `file://` URI or an absolute path (POSIX or Windows): what the local engine reads. */
function isLocalLocation(value: string): boolean {
  return value.startsWith('file://') || posix.isAbsolute(value) || win32.isAbsolute(value);
}

function planSource(
  hyperParameters: Record<string, string> | undefined,
  hyperParametersField: string,
  outputPath: string | undefined,
  jobName: string | undefined,
  definition?: string,
): LocalSource | undefined {
  const raw = hyperParameters?.[SUBMIT_DIR_HP];
  if (raw === undefined) return undefined;
  const uri = decodeHyperParameter(raw).trim();
  if (!isLocalLocation(uri)) return undefined;
  const field = `${hyperParametersField}.${SUBMIT_DIR_HP}`;
  const program = hyperParameters?.[PROGRAM_HP];
  if (program === undefined || !decodeHyperParameter(program).trim()) {
    throw validationError(
      `${field} is the local folder ${uri} but ${PROGRAM_HP} is missing: set it to the script the container runs (e.g. "train.py").`,
    );
  }
  if (!outputPath || !/^s3:\/\//i.test(outputPath)) {
    throw validationError(
      `${field} is the local folder ${uri}, which is packed and uploaded below the job's output prefix, but the output path is ${outputPath ? `not in S3 (${outputPath})` : 'missing'}: set sagemakerWorkbench.aws.outputS3Uri.`,
    );
  }
  parseS3Uri(outputPath);
  if (!jobName) throw validationError(`${field}: the job has no name to upload its code under.`);
  const parts = [withoutTrailingSlash(outputPath), jobName, 'source'];
  if (definition) parts.push(definition);
  const destination = `${parts.join('/')}/`;
  return {
    field,
    channelName: 'code',
    uri,
    folder: uri.startsWith('file://') ? localPathOf(uri, field) : uri,
    destination,
    hyperParametersField,
    program: decodeHyperParameter(program).trim(),
    archive: `${destination}${SOURCE_ARCHIVE}`,
  };
}

/**
 * The request with each planned code folder replaced by its archive's S3 URI (a copy). Both
 * toolkit hyperparameters are JSON-encoded, as the SageMaker Python SDK sends them; the
 * training toolkit decodes them (and the local engine reads either form).
 */
export function rewriteSources<T extends object>(request: T, plan: readonly LocalSource[]): T {
  const copy = structuredClone(request);
  for (const source of plan) {
    const target = resolveField(copy, source.hyperParametersField) as
      Record<string, string> | undefined;
    if (!target) continue;
    target[SUBMIT_DIR_HP] = JSON.stringify(source.archive);
    target[PROGRAM_HP] = JSON.stringify(source.program);
  }
  return copy;
}

/** The request with each planned channel's S3Uri replaced by its destination (a copy). */
export function rewriteChannels<T extends object>(request: T, plan: readonly LocalChannel[]): T {
  const copy = structuredClone(request);
  for (const channel of plan) {
    const target = resolveField(copy, channel.field) as Channel | undefined;
    const source = target?.DataSource?.S3DataSource;
    if (source) source.S3Uri = channel.destination;
  }
  return copy;
}

/** `A.B[2]` -> copy.A.B[2]. */
function resolveField(root: object, field: string): unknown {
  let at: unknown = root;
  for (const part of field.split('.')) {
    const match = /^([^[]+)(?:\[(\d+)\])?$/.exec(part);
    if (!match || !at || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[match[1]];
    if (match[2] !== undefined) at = Array.isArray(at) ? at[Number(match[2])] : undefined;
  }
  return at;
}

/** The handle of finished uploads: `rollback` deletes what they created. */
export interface UploadedChannels {
  destinations: string[];
  rollback(): Promise<void>;
}

/**
 * Checks every folder and destination, then uploads the folders (each distinct destination
 * once). On failure or cancellation the objects already uploaded are deleted and the error is
 * passed on.
 */
export async function uploadChannels(
  store: ChannelStore,
  plan: readonly LocalChannel[],
  options: ChannelUploadOptions = {},
): Promise<UploadedChannels> {
  const unique = [...new Map(plan.map((c) => [c.destination, c])).values()];
  for (const channel of unique) {
    const info = await stat(channel.folder).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw validationError(
        `${channel.field} (${channel.channelName}): ${channel.folder} ${info ? 'is a file; a channel uploads a folder' : 'does not exist'}. Nothing was uploaded.`,
      );
    }
  }
  for (const channel of unique) {
    const page = await store.list(channel.destination, {
      pageSize: 1,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (page.entries.length > 0) {
      throw new TransferRefusedError(
        `${channel.destination} already holds objects (from an earlier job of this name?); ` +
          `choose another job name. Nothing was uploaded.`,
        'exists',
      );
    }
  }
  const done: string[] = [];
  const rollback = async () => {
    const left: string[] = [];
    for (const destination of done) left.push(...(await store.deletePrefix(destination)));
    if (left.length) {
      throw new Error(
        `${left.length} uploaded objects could not be removed (${left.slice(0, 3).join(', ')}${left.length > 3 ? ', ...' : ''}).`,
      );
    }
  };
  try {
    for (const [i, channel] of unique.entries()) {
      await store.upload(channel.folder, channel.destination, {
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (p) =>
          options.onProgress?.({
            index: i + 1,
            count: unique.length,
            channel,
            files: p.files,
            totalFiles: p.totalFiles,
            bytes: p.bytes,
            totalBytes: p.totalBytes,
          }),
      });
      done.push(channel.destination);
    }
  } catch (err) {
    const cleanup = await rollback().then(
      () => (done.length ? ` The ${done.length} channels uploaded before it were removed.` : ''),
      (cleanupErr: Error) => ` ${cleanupErr.message}`,
    );
    if (cleanup && err instanceof Error) err.message += cleanup;
    throw err;
  }
  return { destinations: [...done], rollback };
}

/** What creating a job with uploads needs from the job backend. */
export interface TrainingJobCreator {
  validateTrainingJobRequest(request: CreateTrainingJobRequest): Promise<void>;
  createTrainingJob(request: CreateTrainingJobRequest): Promise<unknown>;
}

export interface TuningJobCreator {
  validateHyperParameterTuningJobRequest(
    request: CreateHyperParameterTuningJobRequest,
  ): Promise<void>;
  createHyperParameterTuningJob(request: CreateHyperParameterTuningJobRequest): Promise<unknown>;
}

/** A training request as it will be sent: local channels and code as their S3 destinations (pure). */
export function trainingJobAsSent(request: CreateTrainingJobRequest): CreateTrainingJobRequest {
  return rewriteSources(
    rewriteChannels(request, planTrainingJobChannels(request)),
    planTrainingJobSource(request),
  );
}

/** The same for a tuning request, every definition's channels and code included (pure). */
export function tuningJobAsSent(
  request: CreateHyperParameterTuningJobRequest,
): CreateHyperParameterTuningJobRequest {
  return rewriteSources(
    rewriteChannels(request, planTuningJobChannels(request)),
    planTuningJobSources(request),
  );
}

/**
 * Creates a training job whose local channels (and local code folder, packed) are uploaded
 * first; resolves with the request as sent. Without either it is a plain create.
 */
export async function createTrainingJobWithUploads(
  backend: TrainingJobCreator,
  store: ChannelStore,
  request: CreateTrainingJobRequest,
  options: ChannelUploadOptions = {},
): Promise<CreateTrainingJobRequest> {
  const plan = planTrainingJobChannels(request);
  const sources = planTrainingJobSource(request);
  const sent = rewriteSources(rewriteChannels(request, plan), sources);
  await createAfterUploads(
    store,
    plan,
    sources,
    options,
    () => backend.validateTrainingJobRequest(sent),
    () => backend.createTrainingJob(sent),
  );
  return sent;
}

/** The same for a tuning job: every definition's local channels, under the tuning job's name. */
export async function createTuningJobWithUploads(
  backend: TuningJobCreator,
  store: ChannelStore,
  request: CreateHyperParameterTuningJobRequest,
  options: ChannelUploadOptions = {},
): Promise<CreateHyperParameterTuningJobRequest> {
  const plan = planTuningJobChannels(request);
  const sources = planTuningJobSources(request);
  const sent = rewriteSources(rewriteChannels(request, plan), sources);
  await createAfterUploads(
    store,
    plan,
    sources,
    options,
    () => backend.validateHyperParameterTuningJobRequest(sent),
    () => backend.createHyperParameterTuningJob(sent),
  );
  return sent;
}

async function createAfterUploads(
  store: ChannelStore,
  plan: readonly LocalChannel[],
  sources: readonly LocalSource[],
  options: ChannelUploadOptions,
  validate: () => Promise<void>,
  create: () => Promise<unknown>,
): Promise<void> {
  if (plan.length === 0 && sources.length === 0) {
    await create();
    return;
  }
  await validate();
  const packed: SourcePack.PackedSource[] = [];
  try {
    // Each archive in a folder of its own, uploaded like a channel to <job>/source/.
    const uploads: LocalChannel[] = [...plan];
    for (const source of new Map(sources.map((s) => [s.destination, s])).values()) {
      const archive = await sourcePack().packSourceDir(source.folder, source.field, source.program);
      packed.push(archive);
      uploads.push({ ...source, folder: archive.dir });
    }
    const uploaded = await uploadChannels(store, uploads, options);
    try {
      await create();
    } catch (err) {
      const cleanup = await uploaded.rollback().then(
        () =>
          ` The uploaded ${[sources.length ? 'code' : '', plan.length ? 'channel data' : ''].filter(Boolean).join(' and ')} was removed.`,
        (cleanupErr: Error) => ` ${cleanupErr.message}`,
      );
      if (err instanceof Error) err.message += cleanup;
      throw err;
    }
  } finally {
    await Promise.all(packed.map((p) => p.dispose()));
  }
}
