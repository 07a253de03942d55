/** s3:// URIs and bucket names, download destinations: pure checks, no S3. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import {
  asFolderPrefix,
  bucketNameProblem,
  isS3Uri,
  keyName,
  parseS3Uri,
  S3UriError,
} from '../../src/backends/aws/s3/s3Uri';
import { safeDestination } from '../../src/backends/aws/s3/s3Transfer';

test('parseS3Uri splits bucket and key, keeping the key as written', () => {
  assert.deepEqual(parseS3Uri('s3://my-bucket'), { bucket: 'my-bucket', key: '' });
  assert.deepEqual(parseS3Uri('s3://my-bucket/'), { bucket: 'my-bucket', key: '' });
  assert.deepEqual(parseS3Uri('S3://my-bucket/Data/Train/'), {
    bucket: 'my-bucket',
    key: 'Data/Train/',
  });
  assert.deepEqual(parseS3Uri('  s3://a.b-c/x y/z.csv '), { bucket: 'a.b-c', key: 'x y/z.csv' });
  assert.equal(isS3Uri('s3://b'), true);
  assert.equal(isS3Uri('/tmp/data'), false);
});

test('malformed s3:// URIs are refused with a message that names the problem', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['my-bucket/data', /not an S3 URI: it must start with s3:\/\//],
    ['https://my-bucket.s3.amazonaws.com/x', /is a https: URI, not an S3 URI/],
    ['s3://', /has no bucket name/],
    ['s3:///data/', /has no bucket name/],
    ['s3://My-Bucket/x', /"My-Bucket" has uppercase letters/],
    ['s3://ab/x', /"ab" is 2 characters long/],
    ['s3://my_bucket', /has the character "_"/],
    ['s3://-bucket', /must start and end with a lowercase letter or a digit/],
    ['s3://my..bucket', /two adjacent periods/],
    ['s3://192.168.1.1', /IP address/],
    ['s3://xn--bucket', /reserved prefix xn--/],
    ['s3://bucket-s3alias', /reserved suffix -s3alias/],
    ['s3://my-bucket//data', /two slashes after the bucket.*s3:\/\/my-bucket\/data/],
  ];
  for (const [uri, message] of cases) {
    assert.throws(
      () => parseS3Uri(uri),
      (err: unknown) => err instanceof S3UriError && message.test(err.message),
      uri,
    );
  }
  assert.equal(bucketNameProblem('a'.repeat(63)), undefined);
  assert.match(bucketNameProblem('a'.repeat(64)) ?? '', /64 characters/);
});

test('folder prefixes and display names', () => {
  assert.equal(asFolderPrefix(''), '');
  assert.equal(asFolderPrefix('a/b'), 'a/b/');
  assert.equal(asFolderPrefix('a/b/'), 'a/b/');
  assert.equal(keyName('a/b/'), 'b/');
  assert.equal(keyName('a/b.csv'), 'b.csv');
  assert.equal(keyName('top.csv'), 'top.csv');
});

test('download destinations stay inside the target folder', () => {
  const target = resolve('/tmp/smw-target');
  assert.equal(safeDestination(target, 'a/b.csv'), join(target, 'a', 'b.csv'));
  assert.equal(safeDestination(target, './a//b.csv'), join(target, 'a', 'b.csv'));
  for (const bad of [
    '../x',
    'a/../../x',
    'a/..',
    '..',
    '/etc/passwd',
    '\\evil',
    'C:\\x',
    'a\\..\\..\\x',
    '',
    '.',
    'a\0b',
  ]) {
    assert.equal(safeDestination(target, bad), undefined, bad);
  }
});
