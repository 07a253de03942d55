/**
 * CreateTrainingJob requests for fine-tuning with a built-in algorithm, and for incremental
 * training from an earlier job's model: the same requests a user would write for
 * `smw create-training-job`, with channels as JumpStart's fine-tuning reads them (training,
 * optional validation, optional model - File mode, FullyReplicated).
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
 * Continues an earlier built-in job: same algorithm, backbone and hyperparameters, its
 * model.tar.gz as the `model` channel, and a dataset (the earlier training data unless given).
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
  const algorithm = builtinAlgorithmOf(parent.AlgorithmSpecification);
  if (!algorithm) {
    throw validationError(
      `${parent.TrainingJobName} ran ${parent.AlgorithmSpecification?.TrainingImage ?? 'an unknown image'}; incremental training continues ` +
        'models of local:image-classification and local:text-classification.',
    );
  }
  if (parent.TrainingJobStatus !== 'Completed' && parent.TrainingJobStatus !== 'Stopped') {
    throw validationError(
      `${parent.TrainingJobName} is ${parent.TrainingJobStatus}; only a Completed or Stopped job has a model to continue from.`,
    );
  }
  const artifact = parent.ModelArtifacts?.S3ModelArtifacts;
  if (!artifact) throw validationError(`${parent.TrainingJobName} has no model artifact.`);
  const parentChannel = (name: string) =>
    parent.InputDataConfig?.find((c) => c.ChannelName === name)?.DataSource?.S3DataSource?.S3Uri;
  const training = overrides.training ?? parentChannel('training');
  if (!training)
    throw validationError(`${parent.TrainingJobName} has no training channel; choose a dataset.`);
  const validation =
    overrides.validation ?? (overrides.training ? undefined : parentChannel('validation'));
  const { ...hyperParameters } = parent.HyperParameters ?? {};
  delete hyperParameters._tuning_objective_metric;
  return fineTuneJobRequest({
    algorithm,
    training,
    ...(validation ? { validation } : {}),
    model: artifact,
    hyperParameters: { ...hyperParameters, ...overrides.hyperParameters },
    outputUri: parent.OutputDataConfig?.S3OutputPath ?? '',
    jobName:
      overrides.jobName ??
      timestampedJobName(`${(parent.TrainingJobName ?? 'model').slice(0, 30)}-incr`),
    trainingImage: parent.AlgorithmSpecification?.TrainingImage,
    roleArn: parent.RoleArn,
  });
}
