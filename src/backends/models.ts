/**
 * Models on either backend: the artifacts of finished training jobs, read through the job
 * backend's own operations (ListTrainingJobs, DescribeTrainingJob's ModelArtifacts), and the
 * local engine's ModelsBackend (it has no SageMaker models, only artifacts). The aws one, with
 * SageMaker's ListModels and DescribeModel, is aws/awsModels.ts.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DescribeModelOutput, ModelSummary } from '@aws-sdk/client-sagemaker';
import { validationError } from '../model/errors';
import type { TrainingJobSummary } from '../model/types';
import type { SageMakerBackend } from './backend';
import {
  OperationCancelledError,
  type ListModelsOptions,
  type ModelArtifact,
  type ModelsBackend,
} from './datasets';

/** Artifacts listed by default: the most recent finished jobs. */
export const DEFAULT_ARTIFACTS = 100;
/** DescribeTrainingJob calls at once. */
const DESCRIBE_CONCURRENCY = 4;

/** Finished jobs whose artifact is remembered (a finished job's artifact never changes). */
const CACHED_ARTIFACTS = 1000;

/** Artifacts of finished jobs by job name (null: the job has none), so a refresh describes only new jobs. */
export type ArtifactCache = Map<string, ModelArtifact | null>;

/**
 * The `model.tar.gz` of Completed training jobs (and Stopped ones that wrote one), newest
 * first. `keep` drops artifacts that cannot be used (a local file that was deleted).
 */
export async function listTrainingJobArtifacts(
  jobs: SageMakerBackend,
  options: ListModelsOptions = {},
  keep: (uri: string) => boolean = () => true,
  cache: ArtifactCache = new Map(),
): Promise<ModelArtifact[]> {
  const max = Math.max(1, options.maxItems ?? DEFAULT_ARTIFACTS);
  const summaries: TrainingJobSummary[] = [];
  for (const status of ['Completed', 'Stopped'] as const) {
    let token: string | undefined;
    let count = 0;
    do {
      if (options.signal?.aborted) throw new OperationCancelledError('Listing was cancelled.');
      const page = await jobs.listTrainingJobs({
        StatusEquals: status,
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 100,
        ...(options.nameContains ? { NameContains: options.nameContains } : {}),
        ...(token ? { NextToken: token } : {}),
      });
      const found = page.TrainingJobSummaries ?? [];
      summaries.push(...found);
      count += found.length;
      token = page.NextToken;
    } while (token && count < max);
  }
  summaries.sort((a, b) => time(b.CreationTime) - time(a.CreationTime));
  const chosen = summaries.slice(0, max);

  const artifacts: (ModelArtifact | undefined)[] = new Array(chosen.length);
  let next = 0;
  const worker = async () => {
    while (next < chosen.length) {
      const index = next++;
      if (options.signal?.aborted) throw new OperationCancelledError('Listing was cancelled.');
      const name = chosen[index].TrainingJobName!;
      let artifact = cache.get(name);
      if (artifact === undefined) {
        const job = await jobs.describeTrainingJob({ TrainingJobName: name });
        const uri = job.ModelArtifacts?.S3ModelArtifacts;
        artifact = uri
          ? {
              trainingJobName: job.TrainingJobName ?? name,
              artifactUri: uri,
              status: job.TrainingJobStatus ?? chosen[index].TrainingJobStatus ?? '',
              ...(job.TrainingEndTime
                ? { trainingEndTime: job.TrainingEndTime.toISOString() }
                : {}),
            }
          : null;
        cache.set(name, artifact);
        while (cache.size > CACHED_ARTIFACTS) cache.delete(cache.keys().next().value!);
      }
      if (artifact && keep(artifact.artifactUri)) artifacts[index] = artifact;
    }
  };
  await Promise.all(Array.from({ length: Math.min(DESCRIBE_CONCURRENCY, chosen.length) }, worker));
  return artifacts.filter((a): a is ModelArtifact => a !== undefined);
}

function time(value: Date | undefined): number {
  return value instanceof Date ? value.getTime() : 0;
}

/** An artifact that is a file:// URI must still exist; others are kept. */
export function artifactExists(uri: string): boolean {
  if (!uri.startsWith('file://')) return true;
  try {
    return existsSync(fileURLToPath(uri));
  } catch {
    return false;
  }
}

/** The local engine's models: the artifacts of its finished jobs; no SageMaker models. */
export class LocalModels implements ModelsBackend {
  readonly kind = 'local' as const;
  private readonly cache: ArtifactCache = new Map();

  constructor(private readonly jobs: SageMakerBackend) {}

  async listModels(): Promise<ModelSummary[]> {
    return [];
  }

  async describeModel(name: string): Promise<DescribeModelOutput> {
    throw validationError(
      `Could not find model "${name}": the local engine has no SageMaker models, only the ` +
        `artifacts of its training jobs.`,
    );
  }

  listModelArtifacts(options: ListModelsOptions = {}): Promise<ModelArtifact[]> {
    return listTrainingJobArtifacts(this.jobs, options, artifactExists, this.cache);
  }
}
