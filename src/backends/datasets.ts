/**
 * Datasets and models, beside the SageMakerBackend's jobs. The UI and the CLI hold a
 * DatasetsBackend and a ModelsBackend next to the job backend (see createDatasets.ts):
 *
 * - DatasetsBackend: where training data lives. Its roots depend on the backend (aws: the
 *   account's S3 buckets; local: the folders registered in `sagemakerWorkbench.local.datasetFolders`);
 *   every other operation takes a location URI and goes where the URI points: `s3://` to S3
 *   (with the AWS profile, region and endpoint of the settings), a path or `file://` URI to
 *   this machine.
 * - ModelsBackend: SageMaker models (ListModels / DescribeModel; none on the local engine) and
 *   the `model.tar.gz` artifacts of finished training jobs, on either backend.
 *
 * Errors are the project's: SageMakerError with the service's code (NoSuchBucket,
 * AccessDenied, ...), S3UriError for a malformed URI, AwsConfigurationError for setup
 * problems, OperationCancelledError when an AbortSignal fired.
 */
import type { DescribeModelOutput, ModelSummary } from '@aws-sdk/client-sagemaker';
import type { DatasetReport } from '../engine/training/data/report';
import type { BackendKind } from './backend';

export interface DatasetEntry {
  /** `s3://bucket/`, `s3://bucket/prefix/`, `s3://bucket/key`, or a `file://` URI. */
  uri: string;
  /** The last segment, for display (`train/`, `data.csv`, `my-bucket`). */
  name: string;
  /** bucket or registered folder at the root; folder = a prefix (S3) or directory (local). */
  kind: 'root' | 'folder' | 'object';
  /** Bytes, for objects. */
  size?: number;
  /** ISO 8601, for objects. */
  lastModified?: string;
}

export interface DatasetRoots {
  roots: DatasetEntry[];
  /**
   * Set when the roots cannot be listed (ListBuckets denied, no folders registered): what the
   * user can do instead (open a bucket or s3:// URI directly, register a folder).
   */
  notice?: string;
}

export interface DatasetPage {
  /** Folders first, then objects, each in key order. */
  entries: DatasetEntry[];
  /** Pass back as `token` for the next page; absent on the last page. */
  nextToken?: string;
}

export interface ListOptions {
  /** A page's `nextToken`. */
  token?: string;
  /** Entries per page (S3: at most 1000, the default). */
  pageSize?: number;
  signal?: AbortSignal;
}

export interface SearchOptions {
  /** Stop after this many matches (default 1000). */
  maxItems?: number;
  signal?: AbortSignal;
}

/** One page of a prefix search, streamed as it arrives. */
export interface SearchBatch {
  /** Matches found in this page. */
  entries: DatasetEntry[];
  /** Matches so far, this batch included. */
  matched: number;
  /** True on the last batch when the search stopped at maxItems with more to find. */
  truncated: boolean;
}

export interface TransferProgress {
  files: number;
  totalFiles: number;
  bytes: number;
  totalBytes: number;
  /** The file or key being transferred. */
  current?: string;
}

export interface TransferOptions {
  signal?: AbortSignal;
  onProgress?: (progress: TransferProgress) => void;
  /** Files transferred at once (default 4). */
  concurrency?: number;
  /** Replace objects or files that exist (default: refuse before transferring anything). */
  overwrite?: boolean;
}

export interface TransferResult {
  source: string;
  destination: string;
  files: number;
  bytes: number;
  /** Files left out (hidden files and `__MACOSX` on upload), relative to the source. */
  skipped: string[];
}

export interface ValidateOptions {
  signal?: AbortSignal;
}

export interface DatasetsBackend {
  readonly kind: BackendKind;
  /** aws: the account's buckets (ListBuckets); local: the registered dataset folders. */
  listRoots(options?: { signal?: AbortSignal }): Promise<DatasetRoots>;
  /** One page of a folder: its sub-folders (S3: CommonPrefixes with Delimiter '/') and objects. */
  list(uri: string, options?: ListOptions): Promise<DatasetPage>;
  /**
   * Every object whose key starts with the folder's prefix followed by `text`, over the whole
   * bucket or folder tree, one batch per page as pages arrive; stops at maxItems or when the
   * signal fires.
   */
  search(uri: string, text: string, options?: SearchOptions): AsyncIterable<SearchBatch>;
  /** The dataset layout report of a folder or prefix (classes, counts, problems). */
  validate(uri: string, options?: ValidateOptions): Promise<DatasetReport>;
  /** Uploads a local folder under an s3:// prefix. */
  upload(dir: string, uri: string, options?: TransferOptions): Promise<TransferResult>;
  /** Downloads an s3:// prefix (or one object) into a local folder. */
  download(uri: string, dir: string, options?: TransferOptions): Promise<TransferResult>;
  dispose(): void;
}

/** The artifact of a finished training job. */
export interface ModelArtifact {
  trainingJobName: string;
  /** `ModelArtifacts.S3ModelArtifacts`: `s3://.../output/model.tar.gz` or a `file://` URI. */
  artifactUri: string;
  status: string;
  /** ISO 8601. */
  trainingEndTime?: string;
}

export interface ListModelsOptions {
  nameContains?: string;
  /** At most this many (default: every model / the 100 most recent artifacts). */
  maxItems?: number;
  signal?: AbortSignal;
}

export interface ModelsBackend {
  readonly kind: BackendKind;
  /** SageMaker models, newest first (ListModels); the local engine has none. */
  listModels(options?: ListModelsOptions): Promise<ModelSummary[]>;
  /** DescribeModel, without the SDK's metadata. */
  describeModel(name: string): Promise<DescribeModelOutput>;
  /** Artifacts of Completed (and Stopped, when one was written) training jobs, newest first. */
  listModelArtifacts(options?: ListModelsOptions): Promise<ModelArtifact[]>;
}

/**
 * A transfer refused before anything was sent or written: `exists` (objects or files that
 * exist, without overwrite), `unsafe` (keys that would land outside the folder), `other`.
 */
export class TransferRefusedError extends Error {
  override readonly name = 'TransferRefused';
  constructor(
    message: string,
    readonly reason: 'exists' | 'unsafe' | 'other' = 'other',
  ) {
    super(message);
  }
}

/** The operation was cancelled through its AbortSignal. */
export class OperationCancelledError extends Error {
  override readonly name = 'Cancelled';
}

/** The artifact URI a SageMaker model serves, when it has one (single or first container). */
export function modelDataUrl(model: DescribeModelOutput): string | undefined {
  return (
    model.PrimaryContainer?.ModelDataUrl ??
    model.Containers?.find((c) => c.ModelDataUrl)?.ModelDataUrl ??
    undefined
  );
}
