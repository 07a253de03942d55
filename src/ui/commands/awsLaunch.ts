/**
 * Creating jobs through the current backend, the way every launch in the extension does it.
 * On the aws backend the sagemakerWorkbench.aws.* defaults (role, output prefix, KMS keys,
 * VPC, tags) are applied first, and local `file://` channels - and a local code folder
 * (`sagemaker_submit_directory`), packed as sourcedir.tar.gz - are uploaded to the job's S3
 * prefix with a cancellable progress notification before the job is created. On the local
 * backend the request goes through unchanged.
 */
import * as vscode from 'vscode';
import type {
  CreateHyperParameterTuningJobRequest,
  CreateTrainingJobRequest,
} from '@aws-sdk/client-sagemaker';
import {
  applyTrainingJobDefaults,
  applyTuningJobDefaults,
  type AppliedDefaults,
} from '../../backends/aws/jobDefaults';
import {
  createTrainingJobWithUploads,
  createTuningJobWithUploads,
  planTrainingJobChannels,
  planTrainingJobSource,
  planTuningJobChannels,
  planTuningJobSources,
  tuningJobAsSent,
  type ChannelUploadOptions,
  type ChannelUploadProgress,
} from '../../backends/aws/channelUpload';
import { s3DatasetsOf } from '../../backends/createDatasets';
import type { Services } from '../services';

/** Creates a training job; resolves with the request as sent. */
export async function createTrainingJob(
  services: Services,
  request: CreateTrainingJobRequest,
): Promise<CreateTrainingJobRequest> {
  const backend = services.backend;
  if (backend.kind !== 'aws') {
    await backend.createTrainingJob(request);
    return request;
  }
  const prepared = withNotes(applyTrainingJobDefaults(request, services.config.awsJobDefaults));
  const code = planTrainingJobSource(prepared).length > 0;
  if (!code && planTrainingJobChannels(prepared).length === 0) {
    await backend.createTrainingJob(prepared);
    return prepared;
  }
  return withUploadProgress(uploadTitle(prepared.TrainingJobName, code), (options) =>
    createTrainingJobWithUploads(backend, s3DatasetsOf(services.datasets), prepared, options),
  );
}

/** Creates a tuning job; resolves with the request as sent. */
export async function createTuningJob(
  services: Services,
  request: CreateHyperParameterTuningJobRequest,
): Promise<CreateHyperParameterTuningJobRequest> {
  const backend = services.backend;
  if (backend.kind !== 'aws') {
    await backend.createHyperParameterTuningJob(request);
    return request;
  }
  const prepared = withNotes(applyTuningJobDefaults(request, services.config.awsJobDefaults));
  const code = planTuningJobSources(prepared).length > 0;
  if (!code && planTuningJobChannels(prepared).length === 0) {
    await backend.createHyperParameterTuningJob(prepared);
    return prepared;
  }
  return withUploadProgress(uploadTitle(prepared.HyperParameterTuningJobName, code), (options) =>
    createTuningJobWithUploads(backend, s3DatasetsOf(services.datasets), prepared, options),
  );
}

function uploadTitle(name: string | undefined, code: boolean): string {
  return `Uploading the ${code ? 'code and data' : 'data'} of ${name}`;
}

/**
 * The backend's checks of a tuning request as it would be sent: on aws with the defaults
 * applied, local channels as their planned S3 prefixes and a local code folder as its
 * planned archive (nothing is packed or uploaded).
 */
export async function validateTuningJob(
  services: Services,
  request: CreateHyperParameterTuningJobRequest,
): Promise<void> {
  const backend = services.backend;
  if (backend.kind !== 'aws') {
    await backend.validateHyperParameterTuningJobRequest(request);
    return;
  }
  const prepared = applyTuningJobDefaults(request, services.config.awsJobDefaults).request;
  await backend.validateHyperParameterTuningJobRequest(tuningJobAsSent(prepared));
}

function withNotes<T>(applied: AppliedDefaults<T>): T {
  if (applied.notes.length) void vscode.window.showInformationMessage(applied.notes.join(' '));
  return applied.request;
}

function withUploadProgress<T>(
  title: string,
  run: (options: ChannelUploadOptions) => Promise<T>,
): Promise<T> {
  return Promise.resolve(
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const cancel = token.onCancellationRequested(() => abort.abort());
        let reported = 0;
        try {
          return await run({
            signal: abort.signal,
            onProgress: (p) => {
              // Overall share: whole channels done plus this channel's bytes.
              const share =
                ((p.index - 1 + (p.totalBytes ? p.bytes / p.totalBytes : 0)) / p.count) * 100;
              progress.report({ message: progressMessage(p), increment: share - reported });
              reported = share;
            },
          });
        } finally {
          cancel.dispose();
        }
      },
    ),
  );
}

function progressMessage(p: ChannelUploadProgress): string {
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  return `${p.channel.channelName} (${p.index}/${p.count}) to ${p.channel.destination}: ${p.files}/${p.totalFiles} files, ${mb(p.bytes)} of ${mb(p.totalBytes)} MiB`;
}
