/**
 * Datasets on S3: buckets, one page of a prefix at a time (Delimiter '/', continuation tokens
 * for "Load more"), a prefix search over a whole bucket (the SDK's ListObjectsV2 paginator,
 * streamed, bounded, cancellable), the dataset layout report of a prefix (from the listing and
 * data.csv, read with a size bound, through the local engine's own checks), and folder upload
 * and download (s3Transfer.ts).
 */
import {
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  paginateListObjectsV2,
  type ListObjectsV2CommandOutput,
  type _Object,
} from '@aws-sdk/client-s3';
import { SageMakerError } from '../../../model/errors';
import { detectLayout, TEXT_DATA_FILE } from '../../../engine/training/data/layout';
import { ProblemList } from '../../../engine/training/data/problems';
import { reportDataset, type DatasetReport } from '../../../engine/training/data/report';
import { compareCodePoints, type DatasetSource } from '../../../engine/training/data/source';
import type {
  DatasetEntry,
  DatasetPage,
  DatasetRoots,
  DatasetsBackend,
  ListOptions,
  SearchBatch,
  SearchOptions,
  TransferOptions,
  TransferResult,
  ValidateOptions,
} from '../../datasets';
import { S3Access, vanished, type S3AccessOptions } from './s3Access';
import { deletePrefix, downloadPrefix, uploadFolder } from './s3Transfer';
import { asFolderPrefix, formatS3Uri, keyName, parseS3Uri } from './s3Uri';

/** S3's own maximum keys per ListObjectsV2 page. */
export const MAX_PAGE_SIZE = 1000;
/** Search results kept by default. */
export const DEFAULT_SEARCH_MAX_ITEMS = 1000;
/** A dataset prefix holding more objects than this is not listed whole for validation. */
export const MAX_VALIDATE_OBJECTS = 500_000;
/** data.csv larger than this is not read for validation. */
export const MAX_VALIDATE_READ_BYTES = 256 * 1024 * 1024;

export interface S3DatasetsOptions extends S3AccessOptions {
  /** Bytes read at most from one object for validation (default 256 MiB). */
  maxValidateReadBytes?: number;
  /** Objects listed at most under a prefix for validation (default 500,000). */
  maxValidateObjects?: number;
}

const sendOptions = (signal?: AbortSignal) => (signal ? { abortSignal: signal } : {});

export class S3Datasets implements DatasetsBackend {
  readonly kind = 'aws' as const;
  readonly access: S3Access;

  constructor(private readonly options: S3DatasetsOptions = {}) {
    this.access = new S3Access(options);
  }

  /** The account's buckets; when ListBuckets is denied, a notice to open a bucket directly. */
  async listRoots(options: { signal?: AbortSignal } = {}): Promise<DatasetRoots> {
    const roots: DatasetEntry[] = [];
    let token: string | undefined;
    try {
      do {
        const at = token;
        const page = await this.access.call(
          'ListBuckets',
          {},
          (client, signal) =>
            client.send(
              new ListBucketsCommand(at ? { ContinuationToken: at } : {}),
              sendOptions(signal),
            ),
          options.signal,
        );
        for (const bucket of page.Buckets ?? []) {
          if (!bucket.Name) continue;
          this.access.rememberRegion(bucket.Name, bucket.BucketRegion);
          roots.push({ uri: formatS3Uri(bucket.Name), name: bucket.Name, kind: 'root' });
        }
        token = page.ContinuationToken;
      } while (token);
    } catch (err) {
      if (err instanceof SageMakerError && err.name === 'AccessDenied') {
        return {
          roots: [],
          notice:
            `These credentials may not list buckets (s3:ListAllMyBuckets${this.profileNote()}). ` +
            `Open a bucket or s3:// URI directly.`,
        };
      }
      throw err;
    }
    roots.sort((a, b) => compareCodePoints(a.name, b.name));
    return roots.length ? { roots } : { roots, notice: 'This account has no buckets.' };
  }

  private profileNote(): string {
    return this.access.profileExplicit ? `, profile ${this.access.profile}` : '';
  }

  /** One page of a prefix with Delimiter '/': sub-prefixes, then objects. */
  async list(uri: string, options: ListOptions = {}): Promise<DatasetPage> {
    const { bucket, key } = parseS3Uri(uri);
    const pageSize = Math.min(Math.max(1, options.pageSize ?? MAX_PAGE_SIZE), MAX_PAGE_SIZE);
    const page = await this.access.call(
      'ListObjectsV2',
      { bucket, key },
      (client, signal) =>
        client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Delimiter: '/',
            MaxKeys: pageSize,
            ...(key ? { Prefix: key } : {}),
            ...(options.token ? { ContinuationToken: options.token } : {}),
          }),
          sendOptions(signal),
        ),
      options.signal,
    );
    const entries: DatasetEntry[] = [];
    for (const prefix of page.CommonPrefixes ?? []) {
      if (prefix.Prefix)
        entries.push({
          uri: formatS3Uri(bucket, prefix.Prefix),
          name: keyName(prefix.Prefix),
          kind: 'folder',
        });
    }
    for (const object of page.Contents ?? []) {
      // The folder's own marker object ("prefix/", made by the console's "Create folder").
      if (object.Key && object.Key !== key) entries.push(objectEntry(bucket, object));
    }
    return {
      entries,
      ...(page.IsTruncated && page.NextContinuationToken
        ? { nextToken: page.NextContinuationToken }
        : {}),
    };
  }

  /**
   * Objects whose keys start with the folder's prefix + `text`, anywhere below it: S3 finds
   * them by key prefix, so the search costs one request per 1000 matches whatever the bucket's
   * size. Batches stream as pages arrive.
   */
  async *search(
    uri: string,
    text: string,
    options: SearchOptions = {},
  ): AsyncGenerator<SearchBatch> {
    const { bucket, key } = parseS3Uri(uri);
    const prefix = asFolderPrefix(key) + text;
    const maxItems = Math.max(1, options.maxItems ?? DEFAULT_SEARCH_MAX_ITEMS);
    let matched = 0;
    const pages = this.access.pages(
      'ListObjectsV2',
      { bucket, key: prefix },
      (client, signal) =>
        paginateListObjectsV2(
          { client, pageSize: Math.min(MAX_PAGE_SIZE, maxItems + 1) },
          { Bucket: bucket, ...(prefix ? { Prefix: prefix } : {}) },
          sendOptions(signal),
        ),
      options.signal,
    );
    for await (const page of pages) {
      const objects = (page as ListObjectsV2CommandOutput).Contents ?? [];
      const room = maxItems - matched;
      const entries = objects.slice(0, room).map((o) => objectEntry(bucket, o));
      matched += entries.length;
      const truncated = objects.length > room || (matched >= maxItems && Boolean(page.IsTruncated));
      yield { entries, matched, truncated };
      if (matched >= maxItems) return;
    }
  }

  /**
   * The layout report of a prefix: layout and classes from the listing, data.csv read (up to
   * the size bound) and checked line by line, image extensions checked from the keys. Images
   * are not downloaded.
   */
  async validate(uri: string, options: ValidateOptions = {}): Promise<DatasetReport> {
    const { bucket, key } = parseS3Uri(uri);
    const source = new S3DatasetSource(this.access, bucket, asFolderPrefix(key), {
      maxObjects: this.options.maxValidateObjects ?? MAX_VALIDATE_OBJECTS,
      maxReadBytes: this.options.maxValidateReadBytes ?? MAX_VALIDATE_READ_BYTES,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const files = await source.listFiles();
    const layout = detectLayout(files);
    if (layout.kind === 'text') {
      const size = source.size(TEXT_DATA_FILE) ?? 0;
      if (size > source.maxReadBytes) return tooLargeReport(source, size);
    }
    return reportDataset(source);
  }

  upload(dir: string, uri: string, options: TransferOptions = {}): Promise<TransferResult> {
    return uploadFolder(this.access, dir, uri, options);
  }

  download(uri: string, dir: string, options: TransferOptions = {}): Promise<TransferResult> {
    return downloadPrefix(this.access, uri, dir, options);
  }

  /** Deletes every object below a prefix; returns the keys that could not be deleted. */
  deletePrefix(uri: string): Promise<string[]> {
    return deletePrefix(this.access, uri);
  }

  dispose(): void {
    this.access.destroy();
  }
}

function objectEntry(bucket: string, object: _Object): DatasetEntry {
  const key = object.Key ?? '';
  return {
    uri: formatS3Uri(bucket, key),
    name: keyName(key),
    kind: key.endsWith('/') ? 'folder' : 'object',
    ...(object.Size !== undefined ? { size: object.Size } : {}),
    ...(object.LastModified ? { lastModified: object.LastModified.toISOString() } : {}),
  };
}

/** Every object under a prefix, as the dataset checks read a folder. */
export class S3DatasetSource implements DatasetSource {
  readonly root: string;
  readonly maxReadBytes: number;
  private listing: Map<string, number> | undefined;

  constructor(
    private readonly access: S3Access,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly limits: { maxObjects: number; maxReadBytes: number; signal?: AbortSignal },
  ) {
    this.root = formatS3Uri(bucket, prefix);
    this.maxReadBytes = limits.maxReadBytes;
  }

  /** Keys below the prefix, relative to it, sorted by code point; listed once. */
  async listFiles(): Promise<string[]> {
    if (!this.listing) {
      const listing = new Map<string, number>();
      const pages = this.access.pages(
        'ListObjectsV2',
        { bucket: this.bucket, key: this.prefix },
        (client, signal) =>
          paginateListObjectsV2(
            { client, pageSize: MAX_PAGE_SIZE },
            { Bucket: this.bucket, ...(this.prefix ? { Prefix: this.prefix } : {}) },
            sendOptions(signal),
          ),
        this.limits.signal,
      );
      for await (const page of pages) {
        for (const object of (page as ListObjectsV2CommandOutput).Contents ?? []) {
          const relative = (object.Key ?? '').slice(this.prefix.length);
          // Folder marker objects ("a/") are not files.
          if (relative && !relative.endsWith('/')) listing.set(relative, object.Size ?? 0);
        }
        if (listing.size > this.limits.maxObjects) {
          throw new SageMakerError(
            'TooManyObjects',
            `${this.root} holds more than ${this.limits.maxObjects} objects, more than a dataset ` +
              `layout check lists; point at the prefix of one channel (e.g. .../train/).`,
          );
        }
      }
      this.listing = listing;
    }
    return [...this.listing.keys()].sort(compareCodePoints);
  }

  /** The size of a listed file, in bytes. */
  size(path: string): number | undefined {
    return this.listing?.get(path);
  }

  async readFile(path: string): Promise<Uint8Array> {
    const key = this.prefix + path;
    const uri = formatS3Uri(this.bucket, key);
    try {
      return await this.access.call(
        'GetObject',
        { bucket: this.bucket, key },
        async (client, signal) => {
          const object = await client.send(
            new GetObjectCommand({ Bucket: this.bucket, Key: key }),
            sendOptions(signal),
          );
          if ((object.ContentLength ?? 0) > this.maxReadBytes) {
            object.Body?.transformToWebStream()
              .cancel()
              .catch(() => undefined);
            throw new SageMakerError(
              'TooLarge',
              `${uri} is ${object.ContentLength} bytes, more than the ${this.maxReadBytes} ` +
                `bytes read for a check.`,
            );
          }
          return (await object.Body?.transformToByteArray()) ?? new Uint8Array();
        },
        this.limits.signal,
      );
    } catch (err) {
      if (err instanceof SageMakerError && err.name === 'NoSuchKey' && this.listing?.has(path)) {
        throw vanished(uri, 'read');
      }
      throw err;
    }
  }

  location(path: string): string {
    return this.root + path;
  }
}

function tooLargeReport(source: S3DatasetSource, size: number): DatasetReport {
  const problems = new ProblemList();
  const file = source.location(TEXT_DATA_FILE);
  problems.error(
    'too-large',
    `${file} is ${size} bytes, more than the ${source.maxReadBytes} bytes a layout check reads. ` +
      `Split the data, or check a sample of it locally (smw datasets validate DIR).`,
    { file },
  );
  const { errors, warnings } = problems.result();
  return { location: source.root, layout: 'text', classes: [], examples: 0, errors, warnings };
}
