/** Packing a job's model/ folder into model.tar.gz, as SageMaker uploads it. */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as tar from 'tar';

/**
 * Writes `<dir>`'s contents (not the folder itself, as SageMaker does) to a gzip'd tarball at
 * `target`, through a temp file renamed into place: a reader never sees half an archive.
 * Returns false when the folder is empty and nothing was written (`writeEmpty` false).
 */
export async function packDirectory(
  dir: string,
  target: string,
  writeEmpty = true,
): Promise<boolean> {
  const entries = existsSync(dir) ? readdirSync(dir) : [];
  if (entries.length === 0 && !writeEmpty) return false;
  mkdirSync(dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
  try {
    await tar.c(
      { gzip: true, file: temp, cwd: dir, portable: true },
      entries.length ? entries : ['.'],
    );
    renameSync(temp, target);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  return true;
}
