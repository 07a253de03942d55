/**
 * Datasets on this machine: the folders the user registered (`sagemakerWorkbench.local.datasetFolders`)
 * are the roots; a folder is listed a page at a time, searched by path prefix, and validated
 * with the local engine's own dataset checks (engine/training/data). Locations are paths or
 * `file://` URIs. Upload and download are S3 operations (s3:// destinations and sources).
 */
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { validationError } from '../../model/errors';
import type { DatasetReport } from '../../engine/training/data/report';
import { compareCodePoints } from '../../engine/training/data/source';
import {
  OperationCancelledError,
  type DatasetEntry,
  type DatasetPage,
  type DatasetRoots,
  type DatasetsBackend,
  type ListOptions,
  type SearchBatch,
  type SearchOptions,
  type TransferResult,
} from '../datasets';

const DEFAULT_PAGE_SIZE = 1000;
const DEFAULT_SEARCH_MAX_ITEMS = 1000;
/** Folder depth a search descends to; it also stops symbolic-link loops. */
const MAX_SEARCH_DEPTH = 32;

/** A path or file:// URI as an absolute path; `~` is the home folder. */
export function localPath(location: string): string {
  const value = location.trim();
  if (/^file:/i.test(value)) return resolve(fileURLToPath(value));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw validationError(`${value} is not a local folder (a path or a file:// URI).`);
  }
  return resolve(value.replace(/^~(?=$|[/\\])/, homedir()));
}

/** A file:// URI; folders end with '/'. */
export function fileUri(path: string, folder: boolean): string {
  const href = pathToFileURL(path).href;
  return folder && !href.endsWith('/') ? `${href}/` : href;
}

export class LocalDatasets implements DatasetsBackend {
  readonly kind = 'local' as const;

  /** @param folders the registered dataset folders (paths, `~/...` or file:// URIs). */
  constructor(private readonly folders: readonly string[] = []) {}

  async listRoots(): Promise<DatasetRoots> {
    const roots: DatasetEntry[] = [];
    const missing: string[] = [];
    for (const folder of this.folders) {
      let path: string;
      try {
        path = localPath(folder);
      } catch {
        missing.push(folder);
        continue;
      }
      const info = await stat(path).catch(() => undefined);
      if (info?.isDirectory())
        roots.push({ uri: fileUri(path, true), name: basename(path), kind: 'root' });
      else missing.push(folder);
    }
    if (this.folders.length === 0) {
      return {
        roots,
        notice:
          'No dataset folders yet: add one (setting sagemakerWorkbench.local.datasetFolders), ' +
          'or open an s3:// URI.',
      };
    }
    return missing.length
      ? {
          roots,
          notice: `Not found (check sagemakerWorkbench.local.datasetFolders): ${missing.join(', ')}`,
        }
      : { roots };
  }

  /** One page of a folder: sub-folders, then files, each by name (code point order). */
  async list(uri: string, options: ListOptions = {}): Promise<DatasetPage> {
    const dir = localPath(uri);
    const entries = await readdir(dir, { withFileTypes: true });
    const rows: DatasetEntry[] = [];
    for (const entry of entries) {
      const full = join(dir, entry.name);
      let isDirectory = entry.isDirectory();
      if (entry.isSymbolicLink())
        isDirectory = (await stat(full).catch(() => undefined))?.isDirectory() ?? false;
      if (isDirectory) {
        rows.push({ uri: fileUri(full, true), name: `${entry.name}/`, kind: 'folder' });
      } else {
        const info = await stat(full).catch(() => undefined);
        rows.push({
          uri: fileUri(full, false),
          name: entry.name,
          kind: 'object',
          ...(info ? { size: info.size, lastModified: info.mtime.toISOString() } : {}),
        });
      }
    }
    rows.sort((a, b) =>
      a.kind === b.kind ? compareCodePoints(a.name, b.name) : a.kind === 'folder' ? -1 : 1,
    );
    const start = options.token ? Number(options.token) : 0;
    if (!Number.isInteger(start) || start < 0)
      throw validationError(`Bad page token ${options.token}.`);
    const size = Math.max(1, options.pageSize ?? DEFAULT_PAGE_SIZE);
    const end = start + size;
    return {
      entries: rows.slice(start, end),
      ...(end < rows.length ? { nextToken: String(end) } : {}),
    };
  }

  /** Files below the folder whose relative path starts with `text`, as S3's prefix search. */
  async *search(
    uri: string,
    text: string,
    options: SearchOptions = {},
  ): AsyncGenerator<SearchBatch> {
    const root = localPath(uri);
    const maxItems = Math.max(1, options.maxItems ?? DEFAULT_SEARCH_MAX_ITEMS);
    let matched = 0;
    let batch: DatasetEntry[] = [];
    const check = () => {
      if (options.signal?.aborted) throw new OperationCancelledError('The search was cancelled.');
    };
    // Depth-first, each folder's files in name order before its sub-folders.
    const stack: { dir: string; prefix: string; depth: number }[] = [
      { dir: root, prefix: '', depth: 0 },
    ];
    while (stack.length) {
      check();
      const { dir, prefix, depth } = stack.pop()!;
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      entries.sort((a, b) => compareCodePoints(b.name, a.name));
      const files: DatasetEntry[] = [];
      for (const entry of entries) {
        const relative = prefix + entry.name;
        const full = join(dir, entry.name);
        let isDirectory = entry.isDirectory();
        if (entry.isSymbolicLink())
          isDirectory = (await stat(full).catch(() => undefined))?.isDirectory() ?? false;
        if (isDirectory) {
          // Only folders on the way to a match (or below one) are opened.
          const path = `${relative}/`;
          if (depth < MAX_SEARCH_DEPTH && (path.startsWith(text) || text.startsWith(path)))
            stack.push({ dir: full, prefix: path, depth: depth + 1 });
        } else if (relative.startsWith(text)) {
          const info = await stat(full).catch(() => undefined);
          files.push({
            uri: fileUri(full, false),
            name: entry.name,
            kind: 'object',
            ...(info ? { size: info.size, lastModified: info.mtime.toISOString() } : {}),
          });
        }
      }
      files.reverse();
      for (const [index, file] of files.entries()) {
        batch.push(file);
        matched++;
        if (matched >= maxItems) {
          // More may match: files left in this folder, or folders left to open.
          yield {
            entries: batch,
            matched,
            truncated: index < files.length - 1 || stack.length > 0,
          };
          return;
        }
        if (batch.length >= DEFAULT_PAGE_SIZE) {
          yield { entries: batch, matched, truncated: false };
          batch = [];
          check();
        }
      }
    }
    yield { entries: batch, matched, truncated: false };
  }

  async validate(uri: string): Promise<DatasetReport> {
    const dir = localPath(uri);
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw validationError(
        `${dir} ${info ? 'is a file' : 'does not exist'}; a dataset is a folder.`,
      );
    }
    // Loaded on use: the image decoders it brings would slow down every smw start.
    const { reportDataset } =
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('../../engine/training/data/report') as typeof import('../../engine/training/data/report');
    return reportDataset(dir);
  }

  async upload(dir: string, uri: string): Promise<TransferResult> {
    throw validationError(
      `Upload copies a folder to S3: the destination must be an s3:// URI (got ${uri} for ${dir}).`,
    );
  }

  async download(uri: string): Promise<TransferResult> {
    throw validationError(`Download copies from S3: the source must be an s3:// URI (got ${uri}).`);
  }

  dispose(): void {}
}
