/**
 * CreateTrainingJob requests for fine-tuning with a built-in algorithm, and for incremental
 * training from an earlier job's model (any image, on either backend): the same requests a
 * user would write for `smw create-training-job`, with channels as JumpStart's fine-tuning
 * reads them (training, optional validation, optional model - File mode, FullyReplicated).
 */
import type { Channel, CreateTrainingJobRequest, DescribeTrainingJobResponse } from './types';
import { LOCAL_ROLE_ARN, timestampedJobName } from './scriptJob';
import {
  builtinAlgorithmOf,
  IMAGE_CLASSIFICATION_IMAGE,
  TEXT_CLASSIFICATION_IMAGE,
  type BuiltinAlgorithm,
} from './builtinAlgorithms';
import { validationError } from './errors';
import { trainingRequestFromDescription } from './exportRequest';

export interface FineTuneJobOptions {
  algorithm: BuiltinAlgorithm;
  /** Channel URIs (file:// locally, s3:// on SageMaker). */
  training: string;
  validation?: string;
  /** An earlier model.tar.gz (or the folder holding it): incremental training. */
  model?: string;
  hyperParameters?: Record<string, string>;
  /** Where <job>/output/model.tar.gz goes. */
  outputUri: string;
  jobName?: string;
  /** A container image for SageMaker; default: the local built-in algorithm. */
  trainingImage?: string;
  roleArn?: string;
  instanceType?: string;
  maxRuntimeInSeconds?: number;
  /** CheckpointConfig.S3Uri: checkpoints every epoch, and a later job with the same URI resumes. */
  checkpointUri?: string;
}

export function imageOf(algorithm: BuiltinAlgorithm): string {
  return algorithm === 'image-classification'
    ? IMAGE_CLASSIFICATION_IMAGE
    : TEXT_CLASSIFICATION_IMAGE;
}

export function channel(name: string, uri: string): Channel {
  return {
    ChannelName: name,
    DataSource: {
      S3DataSource: {
        S3DataType: 'S3Prefix',
        S3Uri: uri,
        S3DataDistributionType: 'FullyReplicated',
      },
    },
    InputMode: 'File',
    CompressionType: 'None',
  };
}

export function fineTuneJobRequest(options: FineTuneJobOptions): CreateTrainingJobRequest {
  const channels = [channel('training', options.training)];
  if (options.validation) channels.push(channel('validation', options.validation));
  if (options.model) channels.push(channel('model', options.model));
  return {
    TrainingJobName: options.jobName ?? timestampedJobName(options.algorithm),
    RoleArn: options.roleArn ?? LOCAL_ROLE_ARN,
    AlgorithmSpecification: {
      TrainingImage: options.trainingImage ?? imageOf(options.algorithm),
      TrainingInputMode: 'File',
    },
    HyperParameters: { ...options.hyperParameters },
    InputDataConfig: channels,
    OutputDataConfig: { S3OutputPath: options.outputUri },
    ResourceConfig: {
      InstanceType: (options.instanceType ?? 'ml.m5.xlarge') as never,
      InstanceCount: 1,
      VolumeSizeInGB: 30,
    },
    StoppingCondition: { MaxRuntimeInSeconds: options.maxRuntimeInSeconds ?? 24 * 3600 },
    ...(options.checkpointUri ? { CheckpointConfig: { S3Uri: options.checkpointUri } } : {}),
  };
}

/**
 * Continues an earlier job: a new job with its settings - algorithm specification (image,
 * input mode, metric definitions), hyperparameters, resources, role, output, channels,
 * stopping condition, VPC... (the members of its description that CreateTrainingJob takes) -
 * a new name, and its model.tar.gz as the `model` channel (File mode, FullyReplicated, as
 * SageMaker's incremental training reads it). The data is the earlier job's unless a new
 * `training` dataset is given (then the earlier validation channel is left out with it).
 *
 * A Stopped job that had a CheckpointConfig is resumed: the new job gets the same checkpoint
 * S3Uri, which SageMaker copies into the container before it starts, so the training script
 * (or the built-in algorithm) continues from its latest checkpoint. A Completed job's
 * checkpoints are not passed on: resuming from its last one would train no further.
 */
export function incrementalJobRequest(
  parent: DescribeTrainingJobResponse,
  overrides: {
    training?: string;
    validation?: string;
    jobName?: string;
    hyperParameters?: Record<string, string>;
  } = {},
): CreateTrainingJobRequest {
  const name = parent.TrainingJobName ?? 'The job';
  if (parent.TrainingJobStatus !== 'Completed' && parent.TrainingJobStatus !== 'Stopped') {
    throw validationError(
      `${name} is ${parent.TrainingJobStatus}; only a Completed or Stopped job has a model to continue from.`,
    );
  }
  const resume = parent.TrainingJobStatus === 'Stopped' && !!parent.CheckpointConfig?.S3Uri;
  const artifact = parent.ModelArtifacts?.S3ModelArtifacts;
  if (!artifact && !resume) {
    throw validationError(
      `${name} has no model artifact${parent.TrainingJobStatus === 'Stopped' ? ' (it was stopped before writing one) and no checkpoints to resume from' : ''}.`,
    );
  }
  const request = trainingRequestFromDescription(parent);
  // The earlier run's experiment trial is not this one's.
  delete request.ExperimentConfig;
  if (!resume) delete request.CheckpointConfig;

  const builtin = builtinAlgorithmOf(parent.AlgorithmSpecification) !== undefined;
  let channels = (request.InputDataConfig ?? []).filter((c) => c.ChannelName !== 'model');
  if (overrides.training) {
    // The channel the data goes to: `training` (JumpStart's and the built-ins' name) or `train`.
    const trainingName =
      channels.find((c) => c.ChannelName === 'training' || c.ChannelName === 'train')
        ?.ChannelName ?? 'training';
    channels = channels.filter(
      (c) => c.ChannelName !== trainingName && c.ChannelName !== 'validation',
    );
    channels.unshift(withUri(parent, trainingName, overrides.training));
  } else if (builtin && !channels.some((c) => c.ChannelName === 'training')) {
    throw validationError(`${name} has no training channel; choose a dataset.`);
  }
  if (overrides.validation) {
    channels = channels.filter((c) => c.ChannelName !== 'validation');
    channels.splice(1, 0, withUri(parent, 'validation', overrides.validation));
  }
  if (artifact) channels.push(channel('model', artifact));
  request.InputDataConfig = channels;
  request.TrainingJobName =
    overrides.jobName ??
    timestampedJobName(`${(parent.TrainingJobName ?? 'model').slice(0, 30)}-incr`);
  request.HyperParameters = { ...request.HyperParameters, ...overrides.hyperParameters };
  return request;
}

/** The earlier job's channel of that name (its options kept) reading `uri`, or a new one. */
function withUri(parent: DescribeTrainingJobResponse, name: string, uri: string): Channel {
  const earlier = parent.InputDataConfig?.find((c) => c.ChannelName === name);
  const source = earlier?.DataSource?.S3DataSource;
  if (!earlier || !source || source.S3DataType !== 'S3Prefix') return channel(name, uri);
  const copy = structuredClone(earlier);
  copy.DataSource!.S3DataSource!.S3Uri = uri;
  return copy;
}
