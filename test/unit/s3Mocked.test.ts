/**
 * S3 datasets with mocked clients (aws-sdk-client-mock) for what moto does not do: ListBuckets
 * denied, a bucket in another region answering 301 with its region header (or 400
 * AuthorizationHeaderMalformed with a Region), objects that vanish between the listing and the
 * read, and an upload that fails half-way (the objects it created are deleted again).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { S3Datasets } from '../../src/backends/aws/s3/s3Datasets';
import { SageMakerError } from '../../src/model/errors';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** S3Datasets over one mocked client per region ('default' for the default region). */
function mocked() {
  const clients = new Map<string, S3Client>();
  const mocks = new Map<string, AwsClientStub<S3Client>>();
  const get = (region: string) => {
    let client = clients.get(region);
    if (!client) {
      client = new S3Client({ region: region === 'default' ? 'us-east-1' : region, credentials });
      clients.set(region, client);
      mocks.set(region, mockClient(client));
    }
    return { client, mock: mocks.get(region)! };
  };
  const datasets = new S3Datasets({
    region: 'us-east-1',
    credentials,
    clientFor: (region) => get(region ?? 'default').client,
  });
  return { datasets, mock: (region = 'default') => get(region).mock };
}

function serviceError(
  name: string,
  status: number,
  extra: { headers?: Record<string, string>; fields?: Record<string, string> } = {},
) {
  const error = new S3ServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status },
    message: `${name} from the service`,
  });
  Object.assign(error, extra.fields ?? {});
  Object.defineProperty(error, '$response', {
    value: { statusCode: status, headers: extra.headers ?? {} },
  });
  return error;
}

/** A body as the SDK gives it on Node: a Readable (the downloader pipes it). */
const body = (text: string) =>
  Readable.from([Buffer.from(text)]) as unknown as NonNullable<
    import('@aws-sdk/client-s3').GetObjectCommandOutput['Body']
  >;

test('ListBuckets denied: no roots, and a notice to open a bucket or URI directly', async () => {
  const { datasets, mock } = mocked();
  mock().on(ListBucketsCommand).rejects(serviceError('AccessDenied', 403));
  const roots = await datasets.listRoots();
  assert.deepEqual(roots.roots, []);
  assert.match(
    roots.notice ?? '',
    /may not list buckets \(s3:ListAllMyBuckets\).*Open a bucket or s3:\/\/ URI directly/,
  );
});

test('access denied on a prefix names the operation, the location and the IAM action', async () => {
  const { datasets, mock } = mocked();
  mock().on(ListObjectsV2Command).rejects(serviceError('AccessDenied', 403));
  await assert.rejects(
    datasets.list('s3://locked-bucket/data/'),
    (err: unknown) =>
      err instanceof SageMakerError &&
      err.name === 'AccessDenied' &&
      /ListObjectsV2 on s3:\/\/locked-bucket\/data\/.*s3:ListBucket/.test(err.message),
  );
});

test('a 301 with x-amz-bucket-region is retried in that region, which is remembered', async () => {
  const { datasets, mock } = mocked();
  mock()
    .on(ListObjectsV2Command)
    .rejects(
      serviceError('PermanentRedirect', 301, { headers: { 'x-amz-bucket-region': 'ap-south-1' } }),
    );
  mock('ap-south-1')
    .on(ListObjectsV2Command)
    .resolves({ Contents: [{ Key: 'a.csv', Size: 3 }], CommonPrefixes: [{ Prefix: 'train/' }] });
  const page = await datasets.list('s3://mumbai-data/');
  assert.deepEqual(
    page.entries.map((e) => e.uri),
    ['s3://mumbai-data/train/', 's3://mumbai-data/a.csv'],
  );
  await datasets.list('s3://mumbai-data/train/');
  assert.equal(
    mock().commandCalls(ListObjectsV2Command).length,
    1,
    'asked the default region once',
  );
  assert.equal(mock('ap-south-1').commandCalls(ListObjectsV2Command).length, 2);
});

test('AuthorizationHeaderMalformed with a Region is followed too; no region: a clear message', async () => {
  const { datasets, mock } = mocked();
  mock()
    .on(ListObjectsV2Command, { Bucket: 'sydney-data' })
    .rejects(
      serviceError('AuthorizationHeaderMalformed', 400, { fields: { Region: 'ap-southeast-2' } }),
    );
  mock('ap-southeast-2').on(ListObjectsV2Command).resolves({ Contents: [] });
  assert.deepEqual((await datasets.list('s3://sydney-data/')).entries, []);

  // A redirect that names no region, and GetBucketLocation denied.
  mock()
    .on(ListObjectsV2Command, { Bucket: 'nowhere-data' })
    .rejects(serviceError('PermanentRedirect', 301));
  mock('us-east-1').rejects(serviceError('AccessDenied', 403));
  await assert.rejects(
    datasets.list('s3://nowhere-data/'),
    (err: unknown) =>
      err instanceof SageMakerError &&
      err.name === 'PermanentRedirect' &&
      /The bucket nowhere-data is in another region .*Pass --region/.test(err.message),
  );
});

test('an object that vanishes between the listing and the read: validation says so', async () => {
  const { datasets, mock } = mocked();
  mock()
    .on(ListObjectsV2Command)
    .resolves({ Contents: [{ Key: 'set/data.csv', Size: 10 }] });
  mock().on(GetObjectCommand).rejects(serviceError('NoSuchKey', 404));
  await assert.rejects(
    datasets.validate('s3://busy-bucket/set/'),
    (err: unknown) =>
      err instanceof SageMakerError &&
      err.name === 'NoSuchKey' &&
      /s3:\/\/busy-bucket\/set\/data\.csv was listed but no longer exists.*being read/.test(
        err.message,
      ),
  );
});

test('an object that vanishes mid-download: a clear message, and the files written are removed', async () => {
  const { datasets, mock } = mocked();
  mock()
    .on(ListObjectsV2Command)
    .resolves({
      Contents: [
        { Key: 'set/a/1.csv', Size: 4 },
        { Key: 'set/b/2.csv', Size: 4 },
      ],
    });
  mock()
    .on(GetObjectCommand, { Key: 'set/a/1.csv' })
    .resolves({ Body: body('0,a\n'), ContentLength: 4 });
  mock()
    .on(GetObjectCommand, { Key: 'set/b/2.csv' })
    .callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      throw serviceError('NoSuchKey', 404);
    });
  const dest = join(mkdtempSync(join(tmpdir(), 'smw-s3-mock-')), 'out');
  await assert.rejects(
    datasets.download('s3://busy-bucket/set/', dest, { concurrency: 2 }),
    (err: unknown) =>
      err instanceof SageMakerError &&
      /s3:\/\/busy-bucket\/set\/b\/2\.csv was listed but no longer exists.*downloaded/.test(
        err.message,
      ) &&
      /Download failed: the files it had written were removed/.test(err.message),
  );
  assert.equal(existsSync(dest), false, 'the folder it created is gone too');
});

test('a body shorter than its length is not kept', async () => {
  const { datasets, mock } = mocked();
  mock()
    .on(ListObjectsV2Command)
    .resolves({ Contents: [{ Key: 'p/x.bin', Size: 10 }] });
  mock()
    .on(GetObjectCommand)
    .resolves({ Body: body('short'), ContentLength: 10 });
  const dest = mkdtempSync(join(tmpdir(), 'smw-s3-mock-'));
  await assert.rejects(datasets.download('s3://b-bucket/p/', dest), /ended after 5 of 10 bytes/);
  assert.deepEqual(readdirSync(dest), [], 'no temporary or partial file left');
});

test('an upload that fails half-way deletes the objects it created', async () => {
  const { datasets, mock } = mocked();
  const src = mkdtempSync(join(tmpdir(), 'smw-s3-mock-'));
  mkdirSync(join(src, 'cat'));
  for (const name of ['1.jpg', '2.jpg', '3.jpg']) writeFileSync(join(src, 'cat', name), name);
  mock().on(ListObjectsV2Command).resolves({ Contents: [] });
  mock().on(PutObjectCommand).resolves({ ETag: '"x"' });
  mock().on(PutObjectCommand, { Key: 'up/cat/3.jpg' }).rejects(serviceError('SlowDown', 503));
  mock().on(DeleteObjectsCommand).resolves({});
  await assert.rejects(
    datasets.upload(src, 's3://up-bucket/up/', { concurrency: 1 }),
    (err: unknown) =>
      err instanceof SageMakerError &&
      err.name === 'SlowDown' &&
      /Upload failed: nothing was left under s3:\/\/up-bucket\/up\//.test(err.message),
  );
  const deleted = mock()
    .commandCalls(DeleteObjectsCommand)
    .flatMap((call) => call.args[0].input.Delete?.Objects?.map((o) => o.Key));
  assert.deepEqual(deleted.sort(), ['up/cat/1.jpg', 'up/cat/2.jpg', 'up/cat/3.jpg']);
});
