/**
 * The DatasetsBackend and ModelsBackend that go with a job backend (see datasets.ts).
 *
 * Datasets: the roots follow the backend (aws: buckets; local: registered folders); every
 * other operation follows its URI - `s3://` to S3 with the AWS settings (so a local-backend
 * user can still upload a dataset to S3), a path or `file://` URI to this machine. The S3 code
 * and the AWS SDK are loaded on the first s3:// operation only.
 */
import type { BackendKind, SageMakerBackend } from './backend';
import type {
  DatasetPage,
  DatasetRoots,
  DatasetsBackend,
  ListOptions,
  ModelsBackend,
  SearchBatch,
  SearchOptions,
  TransferOptions,
  TransferResult,
  ValidateOptions,
} from './datasets';
import type { DatasetReport } from '../engine/training/data/report';
import { isS3Uri } from './aws/s3/s3Uri';
import { LocalDatasets } from './local/localDatasets';
import { LocalModels } from './models';
import type { S3Datasets, S3DatasetsOptions } from './aws/s3/s3Datasets';
import type { AwsBackend } from './aws/awsBackend';

export interface DatasetsSettings {
  kind: BackendKind;
  /** local: the registered dataset folders (paths, ~/..., file:// URIs). */
  localDatasetFolders?: readonly string[];
  /** For s3:// locations: profile, region and endpoint, as for the aws backend. */
  profile?: string;
  region?: string;
  endpointUrl?: string;
}

export function createDatasetsBackend(
  settings: DatasetsSettings,
  jobs?: SageMakerBackend,
): DatasetsBackend {
  return new RoutedDatasets(settings, jobs);
}

export function createModelsBackend(jobs: SageMakerBackend): ModelsBackend {
  if (jobs.kind === 'aws') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { AwsModels } = require('./aws/awsModels') as typeof import('./aws/awsModels');
    return new AwsModels(jobs as AwsBackend);
  }
  return new LocalModels(jobs);
}

/**
 * The S3 side of a datasets backend from createDatasetsBackend (built on first use, with the
 * aws job backend's credentials): what uploads a job's local channels before it is sent.
 */
export function s3DatasetsOf(datasets: DatasetsBackend): S3Datasets {
  if (datasets instanceof RoutedDatasets) return datasets.s3;
  throw new Error('These datasets were not made by createDatasetsBackend.');
}

class RoutedDatasets implements DatasetsBackend {
  readonly kind: BackendKind;
  private readonly local: LocalDatasets;
  private s3Datasets: S3Datasets | undefined;

  constructor(
    private readonly settings: DatasetsSettings,
    private readonly jobs?: SageMakerBackend,
  ) {
    this.kind = settings.kind;
    this.local = new LocalDatasets(settings.localDatasetFolders ?? []);
  }

  /** S3, built on first use; it shares the aws job backend's credentials when there is one. */
  get s3(): S3Datasets {
    if (!this.s3Datasets) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { S3Datasets } = require('./aws/s3/s3Datasets') as typeof import('./aws/s3/s3Datasets');
      const options: S3DatasetsOptions = {
        ...(this.settings.profile ? { profile: this.settings.profile } : {}),
        ...(this.settings.region ? { region: this.settings.region } : {}),
        ...(this.settings.endpointUrl ? { endpointUrl: this.settings.endpointUrl } : {}),
      };
      if (this.jobs?.kind === 'aws')
        options.credentials = (this.jobs as AwsBackend).sagemaker.config.credentials;
      this.s3Datasets = new S3Datasets(options);
    }
    return this.s3Datasets;
  }

  private at(uri: string): DatasetsBackend {
    return isS3Uri(uri) ? this.s3 : this.local;
  }

  listRoots(options: { signal?: AbortSignal } = {}): Promise<DatasetRoots> {
    return this.kind === 'aws' ? this.s3.listRoots(options) : this.local.listRoots();
  }

  list(uri: string, options?: ListOptions): Promise<DatasetPage> {
    return this.at(uri).list(uri, options);
  }

  search(uri: string, text: string, options?: SearchOptions): AsyncIterable<SearchBatch> {
    return this.at(uri).search(uri, text, options);
  }

  validate(uri: string, options?: ValidateOptions): Promise<DatasetReport> {
    return this.at(uri).validate(uri, options);
  }

  upload(dir: string, uri: string, options?: TransferOptions): Promise<TransferResult> {
    return this.at(uri).upload(dir, uri, options);
  }

  download(uri: string, dir: string, options?: TransferOptions): Promise<TransferResult> {
    return this.at(uri).download(uri, dir, options);
  }

  dispose(): void {
    this.s3Datasets?.dispose();
  }
}
