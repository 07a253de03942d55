/**
 * `smw --backend aws create-training-job` / `create-hyper-parameter-tuning-job` with local
 * inputs: `file://` channels and a local code folder (`sagemaker_submit_directory`, packed as
 * sourcedir.tar.gz) are uploaded to the job's S3 prefix before the job is created, as a launch
 * from the extension does (src/backends/aws/channelUpload.ts). Progress goes to stderr; Ctrl-C
 * cancels the upload and removes what was uploaded. `validate` checks the request as it would
 * be sent (local paths as their planned S3 destinations), uploading nothing.
 */
import type {
  CreateHyperParameterTuningJobRequest,
  CreateHyperParameterTuningJobResponse,
  CreateTrainingJobRequest,
  CreateTrainingJobResponse,
} from '@aws-sdk/client-sagemaker';
import type { SageMakerBackend } from '../backends/backend';
import { createDatasetsBackend, s3DatasetsOf } from '../backends/createDatasets';
import {
  createTrainingJobWithUploads,
  createTuningJobWithUploads,
  planTrainingJobChannels,
  planTrainingJobSource,
  planTuningJobChannels,
  planTuningJobSources,
  trainingJobAsSent,
  tuningJobAsSent,
  type ChannelStore,
  type ChannelUploadOptions,
  type ChannelUploadProgress,
} from '../backends/aws/channelUpload';
import { mib, withCancellableProgress } from './cancellable';

export interface AwsSettings {
  profile?: string;
  region?: string;
  endpointUrl?: string;
}

/** Creates a training job, uploading its local channels and code first. */
export async function createTrainingJobOnAws(
  backend: SageMakerBackend,
  settings: AwsSettings,
  request: CreateTrainingJobRequest,
): Promise<CreateTrainingJobResponse> {
  if (!planTrainingJobChannels(request).length && !planTrainingJobSource(request).length)
    return backend.createTrainingJob(request);
  let response: CreateTrainingJobResponse | undefined;
  await withUploads(settings, backend, (store, options) =>
    createTrainingJobWithUploads(
      {
        validateTrainingJobRequest: (r) => backend.validateTrainingJobRequest(r),
        createTrainingJob: async (r) => (response = await backend.createTrainingJob(r)),
      },
      store,
      request,
      options,
    ),
  );
  return response!;
}

/** Creates a tuning job, uploading every definition's local channels and code first. */
export async function createTuningJobOnAws(
  backend: SageMakerBackend,
  settings: AwsSettings,
  request: CreateHyperParameterTuningJobRequest,
): Promise<CreateHyperParameterTuningJobResponse> {
  if (!planTuningJobChannels(request).length && !planTuningJobSources(request).length)
    return backend.createHyperParameterTuningJob(request);
  let response: CreateHyperParameterTuningJobResponse | undefined;
  await withUploads(settings, backend, (store, options) =>
    createTuningJobWithUploads(
      {
        validateHyperParameterTuningJobRequest: (r) =>
          backend.validateHyperParameterTuningJobRequest(r),
        createHyperParameterTuningJob: async (r) =>
          (response = await backend.createHyperParameterTuningJob(r)),
      },
      store,
      request,
      options,
    ),
  );
  return response!;
}

/** A request as `create` would send it: local channels and code as their S3 destinations. */
export function asSentToAws<T extends object>(request: T, isTuning: boolean): T {
  return (
    isTuning
      ? tuningJobAsSent(request as CreateHyperParameterTuningJobRequest)
      : trainingJobAsSent(request as CreateTrainingJobRequest)
  ) as T;
}

async function withUploads(
  settings: AwsSettings,
  backend: SageMakerBackend,
  run: (store: ChannelStore, options: ChannelUploadOptions) => Promise<unknown>,
): Promise<void> {
  const datasets = createDatasetsBackend({ kind: 'aws', ...settings }, backend);
  try {
    await withCancellableProgress(
      (p: ChannelUploadProgress) => ({
        line: `${p.channel.channelName} (${p.index}/${p.count}) to ${p.channel.destination}: ${p.files}/${p.totalFiles} files, ${mib(p.bytes)} of ${mib(p.totalBytes)} MiB`,
        done: p.files === p.totalFiles,
      }),
      (options) => run(s3DatasetsOf(datasets), options),
    );
  } finally {
    datasets.dispose();
  }
}
