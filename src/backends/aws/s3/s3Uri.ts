/**
 * `s3://bucket/prefix` URIs: parsed and checked before anything is sent, so a typo gets a
 * message that names the problem (no scheme, an empty bucket, a bucket name S3 would refuse)
 * instead of the service's generic answer. Pure: no AWS SDK, so the CLI and the views can
 * tell S3 locations from local ones without loading it.
 */

export interface S3Location {
  bucket: string;
  /** The key or key prefix after `bucket/`, possibly empty; never starts with '/'. */
  key: string;
}

/** A malformed s3:// URI or bucket name; the message says what is wrong and how it should look. */
export class S3UriError extends Error {
  override readonly name = 'InvalidS3Uri';
}

const EXAMPLE = 's3://my-bucket/datasets/train/';

export function isS3Uri(value: string): boolean {
  return /^s3:\/\//i.test(value.trim());
}

/**
 * Parses `s3://bucket[/key]`. The scheme is case-insensitive (as the AWS CLI takes it); the
 * bucket name must follow S3's naming rules; the key is kept exactly as written (S3 keys are
 * case-sensitive and may hold any character).
 */
export function parseS3Uri(uri: string): S3Location {
  const value = uri.trim();
  if (!value) throw new S3UriError(`An S3 URI is empty; expected one like ${EXAMPLE}`);
  if (!isS3Uri(value)) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1];
    throw new S3UriError(
      scheme
        ? `${value} is a ${scheme}: URI, not an S3 URI; expected one like ${EXAMPLE}`
        : `${value} is not an S3 URI: it must start with s3:// (e.g. ${EXAMPLE})`,
    );
  }
  const rest = value.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  if (!bucket) {
    throw new S3UriError(
      `${value} has no bucket name: write the bucket right after s3:// (e.g. ${EXAMPLE})`,
    );
  }
  const problem = bucketNameProblem(bucket);
  if (problem) throw new S3UriError(`${value}: the bucket name "${bucket}" ${problem}`);
  if (key.startsWith('/')) {
    throw new S3UriError(
      `${value} has a key that starts with '/' (two slashes after the bucket); ` +
        `write s3://${bucket}/${key.replace(/^\/+/, '')}`,
    );
  }
  return { bucket, key };
}

/**
 * Why S3 would refuse a bucket name (the general purpose bucket rules), or undefined when it is
 * valid: 3-63 characters of lowercase letters, digits, '.' and '-', starting and ending with a
 * letter or digit, no '..', not an IP address, none of the reserved prefixes and suffixes.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63)
    return `is ${name.length} characters long; bucket names have 3 to 63 characters`;
  if (/[A-Z]/.test(name)) return 'has uppercase letters; bucket names are lowercase';
  const bad = /[^a-z0-9.-]/.exec(name);
  if (bad) {
    return `has the character "${bad[0]}"; bucket names hold only lowercase letters, digits, '.' and '-'`;
  }
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name))
    return 'must start and end with a lowercase letter or a digit';
  if (name.includes('..')) return "has two adjacent periods ('..')";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'is formatted as an IP address';
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-'])
    if (name.startsWith(prefix)) return `starts with the reserved prefix ${prefix}`;
  for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'])
    if (name.endsWith(suffix)) return `ends with the reserved suffix ${suffix}`;
  return undefined;
}

export function formatS3Uri(bucket: string, key = ''): string {
  return `s3://${bucket}/${key}`;
}

/** A key prefix as a folder: '' stays '' (the bucket's root), otherwise it ends with '/'. */
export function asFolderPrefix(key: string): string {
  return key === '' || key.endsWith('/') ? key : `${key}/`;
}

/** The last segment of a key or prefix, for display: `a/b/` -> `b/`, `a/b.csv` -> `b.csv`. */
export function keyName(key: string): string {
  const trimmed = key.endsWith('/') ? key.slice(0, -1) : key;
  const name = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  return key.endsWith('/') ? `${name}/` : name;
}
