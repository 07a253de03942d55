import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { validationError } from '../../model/errors';

/** The local path of a `file://` URI; a clear ValidationException for anything else. */
export function localPathOf(uri: string, field: string): string {
  if (!uri.startsWith('file://')) {
    throw validationError(
      `${field} ${JSON.stringify(uri)} is not a local path: the local engine reads and writes file:// URIs ` +
        `(e.g. file:///home/me/data). Use the aws backend for s3:// locations.`,
    );
  }
  let path: string;
  try {
    path = fileURLToPath(uri);
  } catch (err) {
    throw validationError(
      `${field} ${JSON.stringify(uri)} is not a valid file:// URI: ${(err as Error).message}`,
    );
  }
  if (!isAbsolute(path)) {
    throw validationError(`${field} ${JSON.stringify(uri)} must be an absolute file:///path`);
  }
  return path;
}

export function fileUriOf(path: string): string {
  return pathToFileURL(path).href;
}
