/**
 * Checks a CreateTrainingJob request before the local engine accepts it: first SageMaker's
 * own parameter validation (so a request that runs here runs on SageMaker too), then what
 * the local engine needs to run it - nothing is written until every check has passed.
 */
import { existsSync } from 'node:fs';
import type { CreateTrainingJobRequest } from '../../model/types';
import { LOCAL_PROCESS_IMAGE } from '../../model/types';
import { validationError } from '../../model/errors';
import { formatProblems, validateShape } from '../../model/shapes';
import { localPathOf } from '../util/fileUri';
import { compileMetricDefinitions } from './metrics';
import { resolveProcessSpec, type ProcessSpec } from './processSpec';
import {
  effectiveMetricDefinitions,
  IMAGE_CLASSIFICATION_IMAGE,
  TEXT_CLASSIFICATION_IMAGE,
} from '../../model/builtinAlgorithms';
import { parseHyperParameters } from '../builtin/hyperparameters';

/** SageMaker's documented ceiling for MaxRuntimeInSeconds: 28 days. */
export const MAX_RUNTIME_LIMIT_SECONDS = 28 * 24 * 3600;
export const DEFAULT_MAX_RUNTIME_SECONDS = 24 * 3600;

export const LOCAL_TRAINING_IMAGES = [
  LOCAL_PROCESS_IMAGE,
  IMAGE_CLASSIFICATION_IMAGE,
  TEXT_CLASSIFICATION_IMAGE,
] as const;

export interface ValidatedTrainingJob {
  request: CreateTrainingJobRequest;
  process: ProcessSpec;
  /** CheckpointConfig.S3Uri as a local folder: checkpoints are written there and resumed from. */
  checkpointPath?: string;
  channels: { name: string; path: string }[];
  outputPath: string;
}

export function validateTrainingJobRequest(input: unknown): ValidatedTrainingJob {
  const problems = validateShape('CreateTrainingJob', 'input', input);
  if (problems.length > 0) {
    throw validationError(`Invalid CreateTrainingJob request: ${formatProblems(problems)}`);
  }
  const request = input as CreateTrainingJobRequest;
  const spec = request.AlgorithmSpecification;
  if (!spec) {
    throw validationError(
      `AlgorithmSpecification is required: set TrainingImage to "${LOCAL_PROCESS_IMAGE}" to run your own script locally.`,
    );
  }
  if (spec.AlgorithmName && !spec.TrainingImage) {
    throw validationError(
      `AlgorithmSpecification.AlgorithmName ${JSON.stringify(spec.AlgorithmName)} names a SageMaker marketplace algorithm, ` +
        `which the local engine cannot run; use TrainingImage "${LOCAL_PROCESS_IMAGE}" or the aws backend.`,
    );
  }
  if (
    !spec.TrainingImage ||
    !(LOCAL_TRAINING_IMAGES as readonly string[]).includes(spec.TrainingImage)
  ) {
    throw validationError(
      `AlgorithmSpecification.TrainingImage ${JSON.stringify(spec.TrainingImage ?? '')} cannot run on the local engine; ` +
        `local images: ${LOCAL_TRAINING_IMAGES.join(', ')}. Container images run with the aws backend.`,
    );
  }
  if (spec.TrainingInputMode === 'Pipe') {
    throw validationError(
      'TrainingInputMode "Pipe" streams from S3 and is not available locally; use "File".',
    );
  }
  const instanceCount = request.ResourceConfig?.InstanceCount;
  if (instanceCount !== undefined && instanceCount !== 1) {
    throw validationError(
      `ResourceConfig.InstanceCount is ${instanceCount}; the local engine runs a job on one instance (this machine). ` +
        'Set it to 1, or use the aws backend to scale out.',
    );
  }
  const maxRuntime = request.StoppingCondition?.MaxRuntimeInSeconds;
  if (maxRuntime !== undefined && maxRuntime > MAX_RUNTIME_LIMIT_SECONDS) {
    throw validationError(
      `StoppingCondition.MaxRuntimeInSeconds ${maxRuntime} exceeds SageMaker's limit of ${MAX_RUNTIME_LIMIT_SECONDS} (28 days).`,
    );
  }
  try {
    compileMetricDefinitions(effectiveMetricDefinitions(spec));
  } catch (err) {
    throw validationError((err as Error).message);
  }

  const channels: ValidatedTrainingJob['channels'] = [];
  const seen = new Set<string>();
  (request.InputDataConfig ?? []).forEach((channel, index) => {
    const field = `InputDataConfig[${index}]`;
    const name = channel.ChannelName!;
    if (seen.has(name))
      throw validationError(`${field}: the channel name ${JSON.stringify(name)} is used twice.`);
    seen.add(name);
    const source = channel.DataSource?.S3DataSource;
    if (!source) {
      throw validationError(
        `${field} (${name}): the local engine reads channels from DataSource.S3DataSource with a file:// S3Uri; ` +
          'FileSystemDataSource and DatasetSource need the aws backend.',
      );
    }
    if (source.S3DataType && source.S3DataType !== 'S3Prefix') {
      throw validationError(
        `${field} (${name}): S3DataType ${source.S3DataType} is not supported locally; use S3Prefix.`,
      );
    }
    const path = localPathOf(source.S3Uri!, `${field}.DataSource.S3DataSource.S3Uri`);
    if (!existsSync(path)) {
      throw validationError(
        `${field}: channel ${JSON.stringify(name)} points at ${path}, which does not exist. Check the path, or drop the channel.`,
      );
    }
    channels.push({ name, path });
  });

  const outputPath = localPathOf(
    request.OutputDataConfig!.S3OutputPath!,
    'OutputDataConfig.S3OutputPath',
  );
  const process = resolveProcessSpec(request);
  if (process.kind === 'builtin') {
    // Every hyperparameter is checked now, before the job exists.
    parseHyperParameters(process.algorithm, request.HyperParameters ?? {});
    if (!channels.some((c) => c.name === 'training')) {
      throw validationError(
        `${spec.TrainingImage} needs an input channel named "training" ` +
          (process.algorithm === 'image-classification'
            ? '(a folder with one sub-folder of .jpg/.jpeg/.png images per class).'
            : '(a folder holding data.csv: label,text rows without a header).'),
      );
    }
  }
  const checkpointUri = request.CheckpointConfig?.S3Uri;
  const checkpointPath = checkpointUri
    ? localPathOf(checkpointUri, 'CheckpointConfig.S3Uri')
    : undefined;
  return { request, process, channels, outputPath, ...(checkpointPath ? { checkpointPath } : {}) };
}
