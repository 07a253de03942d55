/**
 * A script job's code folder packed the way the SageMaker Python SDK packs it for a framework
 * container: `sourcedir.tar.gz`, gzip'd, every path relative to the folder, which the
 * container unpacks into /opt/ml/code before it runs `sagemaker_program`.
 *
 * `.git`, `node_modules` and `__pycache__` folders are left out (history, packages the image
 * does not use, bytecode of another Python). A symbolic link is packed as what it points to
 * when that lies inside the folder; one that leads outside it (or nowhere, or back to a
 * folder holding it) refuses the packing, since the container would get a dangling link.
 *
 * This module loads `tar`: the extension reaches it with require() on first use, so it stays
 * out of the activation bundle (dist/aws.js holds it).
 */
import { copyFile, mkdtemp, readdir, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, normalize, sep } from 'node:path';
import * as tar from 'tar';
import { validationError } from '../../model/errors';
import { SOURCE_ARCHIVE } from './channelUpload';

/** Folders never packed, wherever they are. */
export const SKIPPED_SOURCE_FOLDERS: ReadonlySet<string> = new Set([
  '.git',
  'node_modules',
  '__pycache__',
]);

/** The packed archive: `dir` holds only `file` (sourcedir.tar.gz); `dispose` removes both. */
export interface PackedSource {
  dir: string;
  file: string;
  /** Paths in the archive, relative, `/`-separated (folders included). */
  entries: string[];
  dispose(): Promise<void>;
}

/**
 * The folder's files and folders to pack, relative and `/`-separated, in name order; the
 * skipped folders left out. Throws (naming the path) on a link that leaves the folder.
 */
export async function listSourceEntries(folder: string): Promise<string[]> {
  const root = await realpath(folder);
  const entries: string[] = [];
  await walk(folder, root, '', [root], entries);
  return entries;
}

async function walk(
  folder: string,
  root: string,
  relativeDir: string,
  ancestors: readonly string[],
  out: string[],
): Promise<void> {
  const children = await readdir(relativeDir ? join(folder, relativeDir) : folder, {
    withFileTypes: true,
  });
  children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const child of children) {
    const path = relativeDir ? `${relativeDir}/${child.name}` : child.name;
    const full = join(folder, path);
    let isDirectory = child.isDirectory();
    let isFile = child.isFile();
    let real = full;
    if (child.isSymbolicLink()) {
      const target = await realpath(full).catch(() => undefined);
      if (!target)
        throw refused(folder, `${path} is a symbolic link to nothing (its target is gone)`);
      if (target !== root && !target.startsWith(root + sep)) {
        throw refused(
          folder,
          `${path} is a symbolic link to ${target}, outside the folder; the container would get a dangling link - copy what it points to into the folder or remove the link`,
        );
      }
      const info = await stat(full);
      isDirectory = info.isDirectory();
      isFile = info.isFile();
      real = target;
      if (isDirectory && ancestors.includes(target)) {
        throw refused(folder, `${path} is a symbolic link back to a folder that holds it (a loop)`);
      }
    }
    if (isDirectory) {
      if (SKIPPED_SOURCE_FOLDERS.has(child.name)) continue;
      out.push(path);
      await walk(folder, root, path, [...ancestors, await realpath(real)], out);
    } else if (isFile) {
      out.push(path);
    }
    // Sockets, FIFOs and devices are not code: left out.
  }
}

function refused(folder: string, why: string): Error {
  return validationError(`Cannot pack the code folder ${folder}: ${why}. Nothing was uploaded.`);
}

/**
 * Packs `source` (a folder, or an existing .tar.gz / .tgz, used as it is) into a fresh
 * temporary folder as sourcedir.tar.gz. `program` (sagemaker_program), when given, must be a
 * file inside the folder.
 */
export async function packSourceDir(
  source: string,
  field: string,
  program?: string,
): Promise<PackedSource> {
  const info = await stat(source).catch(() => undefined);
  if (!info) throw validationError(`${field}: ${source} does not exist. Nothing was uploaded.`);
  if (info.isFile() && !/\.(tar\.gz|tgz)$/i.test(source)) {
    throw validationError(
      `${field}: ${source} is a file; give the folder holding the script (or a sourcedir .tar.gz). Nothing was uploaded.`,
    );
  }
  if (program !== undefined && info.isDirectory()) {
    const inside = normalize(program);
    if (isAbsolute(inside) || inside === '..' || inside.startsWith(`..${sep}`)) {
      throw validationError(
        `HyperParameters.sagemaker_program ${JSON.stringify(program)} must be a path inside the code folder, e.g. "train.py".`,
      );
    }
    const script = await stat(join(source, inside)).catch(() => undefined);
    if (!script?.isFile()) {
      throw validationError(
        `HyperParameters.sagemaker_program: ${JSON.stringify(program)} was not found in ${source}. Nothing was uploaded.`,
      );
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'smw-sourcedir-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  const file = join(dir, SOURCE_ARCHIVE);
  try {
    if (info.isFile()) {
      await copyFile(source, file);
      return { dir, file, entries: [], dispose };
    }
    const entries = await listSourceEntries(source);
    if (entries.length === 0) throw refused(source, 'it is empty');
    // Links were checked above: following them packs their content, never a link.
    await tar.c(
      { file, gzip: true, cwd: source, portable: true, follow: true, noDirRecurse: true },
      entries,
    );
    return { dir, file, entries, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
