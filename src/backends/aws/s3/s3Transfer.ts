/**
 * Folder upload and prefix download between this machine and S3.
 *
 * Upload: every file under the folder (hidden files and `__MACOSX` left out, as the dataset
 * readers ignore them) through `@aws-sdk/lib-storage`'s Upload - multipart above 5 MiB, a few
 * files and parts at once, progress per part. Objects that exist are refused before anything
 * is sent unless `overwrite` is set. When the upload fails or is cancelled, the objects it
 * created are deleted again (after the requests in flight have ended), so a prefix is either
 * uploaded whole or left as it was (objects it overwrote stay overwritten).
 *
 * Download: every object under the prefix (or the one object the URI names) streamed into a
 * temporary file beside its destination and renamed when complete, so no file is ever
 * half-written. Keys that would land outside the folder (`../x`, `/etc/x`, `C:\x`, or through
 * a symbolic link) refuse the whole download before anything is written. Files that exist
 * are refused unless `overwrite` is set; on failure or cancellation the files and folders it
 * created are removed again.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, realpath, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, extname, join, relative as relativePath, resolve, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { SageMakerError } from '../../../model/errors';
import { isIgnoredPath, listNames } from '../../../engine/training/data/layout';
import { compareCodePoints } from '../../../engine/training/data/source';
import {
  OperationCancelledError,
  TransferRefusedError,
  type TransferOptions,
  type TransferProgress,
  type TransferResult,
} from '../../datasets';
import { cancelled, vanished, type S3Access } from './s3Access';
import { asFolderPrefix, formatS3Uri, parseS3Uri } from './s3Uri';

/** Files transferred at once by default. */
export const DEFAULT_CONCURRENCY = 4;
/** Parts of one file uploaded at once: memory stays under concurrency x queue x part size. */
const QUEUE_SIZE = 2;
/** lib-storage's part size (S3's minimum); larger files go multipart. */
export const PART_SIZE = 5 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.csv': 'text/csv',
  '.txt': 'text/plain',
  '.json': 'application/json',
  '.jsonl': 'application/jsonl',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar',
};

interface LocalFile {
  /** '/'-separated, relative to the folder. */
  relative: string;
  path: string;
  size: number;
}

const sendOptions = (signal?: AbortSignal) => (signal ? { abortSignal: signal } : {});

// ------------------------------------------------------------------ upload

export async function uploadFolder(
  access: S3Access,
  dir: string,
  uri: string,
  options: TransferOptions = {},
): Promise<TransferResult> {
  const { bucket, key } = parseS3Uri(uri);
  const prefix = asFolderPrefix(key);
  const destination = formatS3Uri(bucket, prefix);
  const root = resolve(dir);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new TransferRefusedError(
      info ? `${root} is a file; upload takes a folder.` : `${root} does not exist.`,
    );
  }
  const { files, skipped } = await walkFolder(root);
  if (files.length === 0) {
    throw new TransferRefusedError(
      `${root} holds no files to upload${skipped.length ? ` (only hidden ones: ${listNames(skipped)})` : ''}.`,
    );
  }

  // What is there already (this also finds the bucket's region before the first upload).
  const existing = new Set<string>();
  for await (const object of objectsBelow(access, bucket, prefix, options.signal))
    if (object.Key) existing.add(object.Key);
  const conflicts = files.filter((f) => existing.has(prefix + f.relative));
  if (conflicts.length > 0 && !options.overwrite) {
    throw new TransferRefusedError(
      `${conflicts.length} of the ${files.length} files already exist under ${destination} ` +
        `(${listNames(conflicts.map((f) => f.relative))}). Nothing was uploaded; ` +
        `choose another prefix, or overwrite them (smw: --overwrite).`,
      'exists',
    );
  }

  const client = access.clientForBucket(bucket);
  const progress = newProgress(files);
  const loaded = new Map<string, number>();
  const attempted: string[] = [];
  /** Uploads that did not finish, to abort the multipart uploads a cancel left open. */
  const unfinished = new Map<string, Upload>();
  const report = (current?: string) => {
    progress.bytes = progress.doneBytes + [...loaded.values()].reduce((a, b) => a + b, 0);
    options.onProgress?.({ ...publicProgress(progress), ...(current ? { current } : {}) });
  };

  const outcome = await runPool(files, options, async (file, signal) => {
    const objectKey = prefix + file.relative;
    attempted.push(objectKey);
    const fileAbort = new AbortController();
    const upload = new Upload({
      client,
      params: {
        Bucket: bucket,
        Key: objectKey,
        Body: createReadStream(file.path),
        ContentType: CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
      },
      queueSize: QUEUE_SIZE,
      partSize: PART_SIZE,
      leavePartsOnError: false,
      abortController: fileAbort,
    });
    const abort = () => void upload.abort();
    signal.addEventListener('abort', abort, { once: true });
    upload.on('httpUploadProgress', (event) => {
      loaded.set(objectKey, Math.min(event.loaded ?? 0, file.size));
      report(file.relative);
    });
    try {
      if (signal.aborted) throw cancelled('Upload');
      await upload.done();
    } catch (err) {
      unfinished.set(objectKey, upload);
      throw access.mapError(err, 'PutObject', { bucket, key: objectKey }, signal);
    } finally {
      signal.removeEventListener('abort', abort);
    }
    loaded.delete(objectKey);
    progress.files++;
    progress.doneBytes += file.size;
    report(file.relative);
  });

  if (outcome.error !== undefined) {
    // Aborted uploads return before their requests end; wait, then remove what was created
    // and abort the multipart uploads left open (lib-storage may not have done so yet).
    await access.settled(client);
    await abortMultipartUploads(access, bucket, unfinished);
    const created = attempted.filter((k) => !existing.has(k));
    const left = await deleteObjects(access, bucket, created);
    const what = outcome.cancelled ? 'Upload cancelled' : 'Upload failed';
    const cleanup =
      left.length === 0
        ? `nothing was left under ${destination}`
        : `${left.length} uploaded objects could not be removed (${listNames(left)})`;
    const overwritten = attempted.filter((k) => existing.has(k)).length;
    const note = overwritten ? `; ${overwritten} existing objects were already overwritten` : '';
    if (outcome.cancelled) throw new OperationCancelledError(`${what}: ${cleanup}${note}.`);
    throw withMessage(outcome.error, `${messageOf(outcome.error)} ${what}: ${cleanup}${note}.`);
  }
  return {
    source: root,
    destination,
    files: files.length,
    bytes: progress.totalBytes,
    skipped,
  };
}

/** Every file under root ('/'-separated), symbolic links followed once; ignored ones apart. */
async function walkFolder(root: string): Promise<{ files: LocalFile[]; skipped: string[] }> {
  const files: LocalFile[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  const visit = async (dir: string, prefix: string): Promise<void> => {
    const real = await realpath(dir);
    if (seen.has(real)) return; // a link loop
    seen.add(real);
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => compareCodePoints(a.name, b.name));
    for (const entry of entries) {
      const relative = prefix + entry.name;
      const full = join(dir, entry.name);
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await stat(full).catch(() => undefined);
        isDirectory = target?.isDirectory() ?? false;
        isFile = target?.isFile() ?? false;
      }
      if (isIgnoredPath(relative)) {
        skipped.push(isDirectory ? `${relative}/` : relative);
      } else if (isDirectory) {
        await visit(full, `${relative}/`);
      } else if (isFile) {
        files.push({ relative, path: full, size: (await stat(full)).size });
      }
    }
  };
  await visit(root, '');
  return { files, skipped };
}

/** Every object below `prefix` (the whole bucket when empty), pages of 1000, in key order. */
async function* objectsBelow(
  access: S3Access,
  bucket: string,
  prefix: string,
  signal?: AbortSignal,
): AsyncGenerator<NonNullable<ListObjectsV2CommandOutput['Contents']>[number]> {
  for await (const page of access.pages(
    'ListObjectsV2',
    { bucket, key: prefix },
    (client, abortSignal) =>
      paginateListObjectsV2(
        { client, pageSize: 1000 },
        { Bucket: bucket, ...(prefix ? { Prefix: prefix } : {}) },
        sendOptions(abortSignal),
      ),
    signal,
  ))
    yield* (page as ListObjectsV2CommandOutput).Contents ?? [];
}

/**
 * Deletes every object below a prefix (a rollback of uploads made under a fresh prefix);
 * returns the keys that could not be deleted.
 */
export async function deletePrefix(access: S3Access, uri: string): Promise<string[]> {
  const { bucket, key } = parseS3Uri(uri);
  const prefix = asFolderPrefix(key);
  const keys: string[] = [];
  for await (const object of objectsBelow(access, bucket, prefix))
    if (object.Key) keys.push(object.Key);
  return deleteObjects(access, bucket, keys);
}

/** AbortMultipartUpload for each one (an upload already aborted answers NoSuchUpload). */
async function abortMultipartUploads(
  access: S3Access,
  bucket: string,
  uploads: Map<string, Upload>,
): Promise<void> {
  for (const [key, { uploadId }] of uploads) {
    if (!uploadId) continue;
    await access
      .call('AbortMultipartUpload', { bucket, key }, (client) =>
        client.send(
          new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
        ),
      )
      .catch(() => undefined);
  }
}

/** DeleteObjects in batches of 1000; returns the keys that could not be deleted. */
async function deleteObjects(access: S3Access, bucket: string, keys: string[]): Promise<string[]> {
  const left: string[] = [];
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    try {
      const answer = await access.call('DeleteObjects', { bucket }, (client) =>
        client.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        ),
      );
      for (const error of answer.Errors ?? []) if (error.Key) left.push(error.Key);
    } catch {
      left.push(...batch);
    }
  }
  return left;
}

// ------------------------------------------------------------------ download

interface PlannedObject {
  key: string;
  relative: string;
  size: number;
}

export async function downloadPrefix(
  access: S3Access,
  uri: string,
  dir: string,
  options: TransferOptions = {},
): Promise<TransferResult> {
  const { bucket, key } = parseS3Uri(uri);
  const target = resolve(dir);
  const plan = await planDownload(access, bucket, key, options.signal);
  const source = formatS3Uri(bucket, plan.prefix);
  if (plan.objects.length === 0) {
    throw new SageMakerError('NoSuchKey', `Nothing to download: ${uri} holds no objects.`);
  }

  // Every key must land inside the folder; refuse the whole download otherwise.
  const unsafe = plan.objects.filter((o) => safeDestination(target, o.relative) === undefined);
  if (unsafe.length > 0) {
    throw new TransferRefusedError(
      `Refusing to download ${source}: ${unsafe.length} object keys would be written outside ` +
        `${target} (${listNames(unsafe.map((o) => JSON.stringify(o.key)))}). Nothing was downloaded.`,
      'unsafe',
    );
  }
  const destinations = new Map(plan.objects.map((o) => [o, safeDestination(target, o.relative)!]));
  const paths = new Set(destinations.values());
  const clash = plan.objects.find((o) => {
    for (let d = dirname(destinations.get(o)!); d.length > target.length; d = dirname(d))
      if (paths.has(d)) return true;
    return false;
  });
  if (clash) {
    throw new TransferRefusedError(
      `Refusing to download ${source}: ${clash.key} needs a folder where another object is a ` +
        `file (${relativePath(target, dirname(destinations.get(clash)!))}). Nothing was downloaded.`,
    );
  }
  const conflicts: string[] = [];
  for (const path of paths) {
    const existing = await lstat(path).catch(() => undefined);
    if (existing?.isDirectory())
      throw new TransferRefusedError(`${path} is a folder; an object would replace it.`);
    if (existing && !options.overwrite) conflicts.push(relativePath(target, path));
  }
  if (conflicts.length > 0) {
    throw new TransferRefusedError(
      `${conflicts.length} files already exist in ${target} (${listNames(conflicts)}). Nothing ` +
        `was downloaded; choose another folder, or overwrite them (smw: --overwrite).`,
      'exists',
    );
  }

  const created = new CreatedPaths(target);
  await created.ensureDir(target);
  const realTarget = await realpath(target);
  const progress = newProgress(plan.objects.map((o) => ({ size: o.size })));
  const inFlight = new Map<string, number>();
  const report = (current?: string) => {
    progress.bytes = progress.doneBytes + [...inFlight.values()].reduce((a, b) => a + b, 0);
    options.onProgress?.({ ...publicProgress(progress), ...(current ? { current } : {}) });
  };

  const outcome = await runPool(plan.objects, options, async (object, signal) => {
    const dest = destinations.get(object)!;
    await created.ensureDir(dirname(dest));
    // A symbolic link inside the folder must not lead the file out of it.
    const realParent = await realpath(dirname(dest));
    if (realParent !== realTarget && !realParent.startsWith(realTarget + sep)) {
      throw new TransferRefusedError(
        `Refusing to write ${dest}: ${dirname(dest)} leads outside ${target} (a symbolic link).`,
        'unsafe',
      );
    }
    const existed = await lstat(dest).then(
      () => true,
      () => false,
    );
    const objectUri = formatS3Uri(bucket, object.key);
    const answer = await access
      .call(
        'GetObject',
        { bucket, key: object.key },
        (client, abortSignal) =>
          client.send(
            new GetObjectCommand({ Bucket: bucket, Key: object.key }),
            sendOptions(abortSignal),
          ),
        signal,
      )
      .catch((err: unknown) => {
        if (err instanceof SageMakerError && err.name === 'NoSuchKey')
          throw vanished(objectUri, 'downloaded');
        throw err;
      });
    const tmp = join(dirname(dest), `.${randomBytes(6).toString('hex')}.smw-download`);
    let written = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        written += chunk.length;
        inFlight.set(object.key, written);
        report(object.relative);
        done(null, chunk);
      },
    });
    try {
      await pipeline(answer.Body as Readable, count, createWriteStream(tmp, { flags: 'wx' }), {
        signal,
      });
      const expected = answer.ContentLength ?? object.size;
      if (written !== expected) {
        throw new SageMakerError(
          'IncompleteBody',
          `${objectUri} ended after ${written} of ${expected} bytes; try again.`,
        );
      }
      await rename(tmp, dest);
      if (!existed) created.files.push(dest);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      if (signal.aborted) throw cancelled('Download');
      if (err instanceof SageMakerError || err instanceof TransferRefusedError) throw err;
      throw new Error(`Could not download ${objectUri} to ${dest}: ${messageOf(err)}`);
    } finally {
      inFlight.delete(object.key);
    }
    progress.files++;
    progress.doneBytes += written;
    report(object.relative);
  });

  if (outcome.error !== undefined) {
    await created.remove();
    const removed = `the files it had written were removed from ${target}.`;
    if (outcome.cancelled) throw new OperationCancelledError(`Download cancelled: ${removed}`);
    throw withMessage(outcome.error, `${messageOf(outcome.error)} Download failed: ${removed}`);
  }
  return {
    source,
    destination: target,
    files: plan.objects.length,
    bytes: progress.doneBytes,
    skipped: [],
  };
}

/** The objects to fetch: the one object a URI names, or every object under its prefix. */
async function planDownload(
  access: S3Access,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<{ prefix: string; objects: PlannedObject[] }> {
  if (key && !key.endsWith('/')) {
    const head = await access
      .call(
        'HeadObject',
        { bucket, key },
        (client, abortSignal) =>
          client.send(
            new HeadObjectCommand({ Bucket: bucket, Key: key }),
            sendOptions(abortSignal),
          ),
        signal,
      )
      .catch((err: unknown) => {
        if (err instanceof SageMakerError && err.name === 'NoSuchKey') return undefined;
        throw err;
      });
    if (head) {
      const name = key.slice(key.lastIndexOf('/') + 1);
      return {
        prefix: key,
        objects: [{ key, relative: name, size: head.ContentLength ?? 0 }],
      };
    }
  }
  const prefix = asFolderPrefix(key);
  const objects: PlannedObject[] = [];
  for await (const object of objectsBelow(access, bucket, prefix, signal)) {
    const objectKey = object.Key ?? '';
    const relative = objectKey.slice(prefix.length);
    // Folder marker objects ("a/") hold nothing to write.
    if (relative && !relative.endsWith('/'))
      objects.push({ key: objectKey, relative, size: object.Size ?? 0 });
  }
  return { prefix, objects };
}

/**
 * Where a key's relative path lands inside target, or undefined when it would not stay inside
 * (`..` segments, an absolute path, a drive letter, a NUL byte).
 */
export function safeDestination(target: string, relative: string): string | undefined {
  if (!relative || relative.includes('\0')) return undefined;
  if (/^[/\\]/.test(relative) || /^[A-Za-z]:/.test(relative)) return undefined;
  const parts = relative.split(/[/\\]/);
  if (parts.includes('..')) return undefined;
  const clean = parts.filter((p) => p !== '' && p !== '.');
  if (clean.length === 0) return undefined;
  const dest = resolve(target, ...clean);
  return dest.startsWith(target.endsWith(sep) ? target : target + sep) ? dest : undefined;
}

/** Files and folders a download created, to remove them when it fails. */
class CreatedPaths {
  readonly files: string[] = [];
  private readonly dirs: string[] = [];
  private readonly pending = new Map<string, Promise<void>>();

  constructor(private readonly target: string) {}

  ensureDir(dir: string): Promise<void> {
    let done = this.pending.get(dir);
    if (!done) {
      done = this.make(dir);
      this.pending.set(dir, done);
    }
    return done;
  }

  private async make(dir: string): Promise<void> {
    const info = await stat(dir).catch(() => undefined);
    if (info?.isDirectory()) return;
    if (info) throw new TransferRefusedError(`${dir} is a file where a folder is needed.`);
    const parent = dirname(dir);
    if (parent !== dir && dir !== this.target) await this.ensureDir(parent);
    await mkdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    this.dirs.push(dir);
  }

  async remove(): Promise<void> {
    for (const file of this.files) await unlink(file).catch(() => undefined);
    for (const dir of [...this.dirs].reverse()) await rmdir(dir).catch(() => undefined);
  }
}

// ------------------------------------------------------------------ shared

interface Progress extends TransferProgress {
  doneBytes: number;
}

function newProgress(files: { size: number }[]): Progress {
  return {
    files: 0,
    totalFiles: files.length,
    bytes: 0,
    doneBytes: 0,
    totalBytes: files.reduce((sum, f) => sum + f.size, 0),
  };
}

function publicProgress(progress: Progress): TransferProgress {
  const { files, totalFiles, bytes, totalBytes } = progress;
  return { files, totalFiles, bytes, totalBytes };
}

/**
 * Runs work over items, `concurrency` at a time. The first failure (or the caller's signal)
 * aborts the signal handed to the rest; resolves when every started item has settled.
 */
async function runPool<T>(
  items: readonly T[],
  options: TransferOptions,
  work: (item: T, signal: AbortSignal) => Promise<void>,
): Promise<{ error?: unknown; cancelled: boolean }> {
  const controller = new AbortController();
  const outer = options.signal;
  const forward = () => controller.abort();
  if (outer?.aborted) controller.abort();
  outer?.addEventListener('abort', forward, { once: true });
  let next = 0;
  let error: unknown;
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const worker = async () => {
    while (!controller.signal.aborted && next < items.length) {
      const item = items[next++];
      try {
        await work(item, controller.signal);
      } catch (err) {
        if (error === undefined && !(outer?.aborted && err instanceof OperationCancelledError))
          error = err;
        controller.abort();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  } finally {
    outer?.removeEventListener('abort', forward);
  }
  if (outer?.aborted) return { error: error ?? cancelled('Transfer'), cancelled: true };
  return error === undefined ? { cancelled: false } : { error, cancelled: false };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The same error (class and name kept, so the CLI's exit code stays right) with a new message. */
function withMessage(err: unknown, message: string): Error {
  if (err instanceof SageMakerError) return new SageMakerError(err.name, message);
  if (err instanceof TransferRefusedError) return new TransferRefusedError(message, err.reason);
  const copy = new Error(message);
  if (err instanceof Error) copy.name = err.name;
  return copy;
}
