/**
 * The `model` channel of incremental training: an earlier job's model.tar.gz (the channel
 * names the archive itself or a folder holding it, or an unpacked model folder). Archives
 * are untrusted: every entry is checked before anything is extracted - no absolute paths, no
 * `..`, no links or devices, bounded entry count and unpacked size - and extraction goes to
 * a fresh folder inside the job, so a hostile archive writes nothing anywhere else.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, sep } from 'node:path';
import * as tar from 'tar';
import { validationError } from '../../model/errors';
import { CHECKPOINT_DIR_IN_MODEL } from './exportModel';

export interface ArchiveLimits {
  /** Sum of the entries' sizes (default 4 GiB). */
  maxUnpackedBytes: number;
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxUnpackedBytes: 4 * 1024 ** 3,
  maxEntries: 10_000,
};

/** Checks every entry of a .tar.gz; throws a clear error on the first bad one. */
export async function checkArchive(
  file: string,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<void> {
  let entries = 0;
  let bytes = 0;
  let problem: string | undefined;
  const refuse = (why: string) => {
    problem ??= why;
  };
  try {
    await tar.t({
      file,
      strict: true,
      onReadEntry: (entry) => {
        entries++;
        const path = entry.path;
        const normalized = normalize(path);
        if (isAbsolute(path) || /^[a-zA-Z]:/.test(path))
          refuse(`entry ${JSON.stringify(path)} has an absolute path`);
        else if (
          normalized === '..' ||
          normalized.startsWith(`..${sep}`) ||
          path.split(/[\\/]/).includes('..')
        )
          refuse(`entry ${JSON.stringify(path)} points outside the archive (..)`);
        else if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'Directory')
          refuse(
            `entry ${JSON.stringify(path)} is a ${entry.type}; only files and folders are allowed`,
          );
        bytes += entry.size ?? 0;
        if (entries > limits.maxEntries) refuse(`more than ${limits.maxEntries} entries`);
        if (bytes > limits.maxUnpackedBytes)
          refuse(`it would unpack to more than ${limits.maxUnpackedBytes} bytes`);
        entry.resume();
      },
    });
  } catch (err) {
    throw validationError(`${file} is not a readable .tar.gz: ${(err as Error).message}`);
  }
  if (problem)
    throw validationError(`Refusing the model archive ${file}: ${problem}. Nothing was extracted.`);
}

/**
 * Finds and unpacks the channel's model into `workDir` (emptied first). Returns the folder
 * holding the model's files (model.onnx, class map, checkpoint/).
 */
export async function openModelChannel(
  channelDir: string,
  workDir: string,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<string> {
  if (!existsSync(channelDir))
    throw validationError(`The model channel ${channelDir} does not exist.`);
  if (existsSync(join(channelDir, CHECKPOINT_DIR_IN_MODEL, 'checkpoint.json'))) return channelDir;
  const archives = statSync(channelDir).isDirectory()
    ? readdirSync(channelDir).filter((n) => /\.(tar\.gz|tgz)$/.test(n))
    : [];
  const archive = archives.includes('model.tar.gz')
    ? 'model.tar.gz'
    : archives.length === 1
      ? archives[0]
      : undefined;
  if (!archive) {
    throw validationError(
      `The model channel holds ${archives.length ? `several archives (${archives.join(', ')})` : 'no model.tar.gz'}; ` +
        "point it at an earlier job's model.tar.gz (ModelArtifacts.S3ModelArtifacts) or the folder holding it.",
    );
  }
  const file = join(channelDir, archive);
  await checkArchive(file, limits);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  await tar.x({
    file,
    cwd: workDir,
    strict: true,
    preservePaths: false,
    // Checked above; the filter is a second line of defence.
    filter: (_path, entry) =>
      'type' in entry &&
      (entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'Directory'),
  });
  if (!existsSync(join(workDir, CHECKPOINT_DIR_IN_MODEL, 'checkpoint.json'))) {
    throw validationError(
      `${file} has no ${CHECKPOINT_DIR_IN_MODEL}/checkpoint.json: it is not a model of local:image-classification or ` +
        'local:text-classification, so training cannot continue from it.',
    );
  }
  return workDir;
}
