/**
 * Where a dataset's files come from. The checks and readers only see '/'-separated paths
 * relative to the channel's root and a way to read one file, so the same code serves a local
 * folder now and an S3 prefix (ListObjectsV2 + GetObject) in the aws backend later.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface DatasetSource {
  /** The root as shown to the user: a folder path or an s3:// prefix. */
  readonly root: string;
  /** Every file under the root, relative, '/'-separated, sorted by code point. */
  listFiles(): Promise<string[]>;
  readFile(path: string): Promise<Uint8Array>;
  /** A file's location as shown to the user. */
  location(path: string): string;
}

/** Deeper than this is no dataset layout we read; it also stops symbolic-link loops. */
const MAX_DEPTH = 6;

/** A local folder; symbolic links are followed (the runner links channels into /opt/ml). */
export function localSource(dir: string): DatasetSource {
  const root = resolve(dir);
  return {
    root,
    async listFiles() {
      const files: string[] = [];
      await walk(root, '', 0, files);
      return files.sort(compareCodePoints);
    },
    readFile: (path) => readFile(join(root, ...path.split('/'))),
    location: (path) => join(root, ...path.split('/')),
  };
}

export function toSource(dirOrSource: string | DatasetSource): DatasetSource {
  return typeof dirOrSource === 'string' ? localSource(dirOrSource) : dirOrSource;
}

async function walk(dir: string, prefix: string, depth: number, out: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relative = prefix + entry.name;
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await stat(join(dir, entry.name)).catch(() => undefined);
      isDirectory = target?.isDirectory() ?? false;
      isFile = target?.isFile() ?? false;
    }
    if (isFile) out.push(relative);
    else if (isDirectory && depth < MAX_DEPTH) {
      await walk(join(dir, entry.name), relative + '/', depth + 1, out);
    }
  }
}

/** Python's sorted() order, which SageMaker's scripts use for class folders; not locale order. */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Files held in memory, keyed by relative path: for tests, and for listings that arrive as
 * data (an S3 ListObjectsV2 page) before any object is fetched.
 */
export function memorySource(
  files: Record<string, Uint8Array | string>,
  root = 'memory:',
): DatasetSource {
  const encoder = new TextEncoder();
  return {
    root,
    listFiles: async () => Object.keys(files).sort(compareCodePoints),
    async readFile(path) {
      const content = files[path];
      if (content === undefined) throw new Error(`no such file: ${path}`);
      return typeof content === 'string' ? encoder.encode(content) : content;
    },
    location: (path) => `${root}/${path}`,
  };
}
