/**
 * S3 datasets against a real moto_server started by this file: buckets, one page of a prefix
 * at a time, prefix search, layout validation of good and bad prefixes, folder upload
 * (multipart above 5 MiB) and download with byte equality, refused traversal keys, a bucket in
 * another region found through GetBucketLocation, a missing bucket, and cancellation.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { S3Datasets } from '../../src/backends/aws/s3/s3Datasets';
import { S3UriError } from '../../src/backends/aws/s3/s3Uri';
import {
  OperationCancelledError,
  TransferRefusedError,
  type DatasetEntry,
} from '../../src/backends/datasets';
import { SageMakerError } from '../../src/model/errors';
import {
  isolateAwsEnvironment,
  MOTO_SKIP_REASON,
  MotoServer,
  motoAvailable,
} from '../moto/motoServer';

const skip = motoAvailable() ? false : MOTO_SKIP_REASON;
if (skip) process.stderr.write(`# skipping the moto tests of S3 datasets: ${skip}\n`);

isolateAwsEnvironment('smw-s3-');

const REGION = 'us-east-1';
let moto: MotoServer;
let s3: S3Client;
const opened: S3Datasets[] = [];

function datasets(extra: ConstructorParameters<typeof S3Datasets>[0] = {}): S3Datasets {
  const created = new S3Datasets({
    region: REGION,
    endpointUrl: moto.url,
    maxAttempts: 2,
    ...extra,
  });
  opened.push(created);
  return created;
}

before(async () => {
  if (skip) return;
  moto = await MotoServer.start();
  s3 = new S3Client({
    region: REGION,
    endpoint: moto.url,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
});
after(() => {
  s3?.destroy();
  moto?.stop();
});
afterEach(async () => {
  for (const d of opened.splice(0)) d.dispose();
  if (!skip) await moto.reset();
});

async function bucket(name: string, region?: string): Promise<void> {
  await s3.send(
    new CreateBucketCommand({
      Bucket: name,
      ...(region && region !== 'us-east-1'
        ? { CreateBucketConfiguration: { LocationConstraint: region as 'eu-west-1' } }
        : {}),
    }),
  );
}

async function put(bucketName: string, objects: Record<string, string | Uint8Array>) {
  await Promise.all(
    Object.entries(objects).map(([Key, Body]) =>
      s3.send(
        new PutObjectCommand({
          Bucket: bucketName,
          Key,
          Body,
          ContentLength: Buffer.byteLength(Body),
        }),
      ),
    ),
  );
}

async function keysOf(bucketName: string, prefix = ''): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucketName, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key!).sort();
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'smw-s3-data-'));
}

function writeFiles(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/** Every file under dir, relative, with its bytes. */
function readTree(dir: string, prefix = ''): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + entry.name;
    if (entry.isDirectory()) Object.assign(out, readTree(join(dir, entry.name), `${rel}/`));
    else out[rel] = readFileSync(join(dir, entry.name));
  }
  return out;
}

test('buckets are listed by name', { skip }, async () => {
  await bucket('zeta-data');
  await bucket('alpha-data');
  const roots = await datasets().listRoots();
  assert.deepEqual(
    roots.roots.map((r) => [r.name, r.uri, r.kind]),
    [
      ['alpha-data', 's3://alpha-data/', 'root'],
      ['zeta-data', 's3://zeta-data/', 'root'],
    ],
  );
  assert.equal(roots.notice, undefined);
});

test(
  'a prefix is listed one page at a time: folders, then objects, with a token',
  { skip },
  async () => {
    await bucket('paging');
    const objects: Record<string, string> = { 'data/': '' };
    for (let i = 0; i < 23; i++) objects[`data/file-${String(i).padStart(2, '0')}.csv`] = `${i}`;
    for (const folder of ['cat', 'dog', 'emu']) objects[`data/${folder}/1.jpg`] = 'x';
    await put('paging', objects);
    const d = datasets();

    const seen: DatasetEntry[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await d.list('s3://paging/data/', { pageSize: 10, ...(token ? { token } : {}) });
      pages++;
      assert.ok(page.entries.length <= 10);
      seen.push(...page.entries);
      token = page.nextToken;
    } while (token);
    assert.equal(pages, 3);
    const folders = seen.filter((e) => e.kind === 'folder');
    assert.deepEqual(
      folders.map((f) => [f.name, f.uri]),
      [
        ['cat/', 's3://paging/data/cat/'],
        ['dog/', 's3://paging/data/dog/'],
        ['emu/', 's3://paging/data/emu/'],
      ],
    );
    const files = seen.filter((e) => e.kind === 'object');
    assert.equal(files.length, 23, 'the folder marker data/ is not listed as an object');
    assert.equal(files[0].uri, 's3://paging/data/file-00.csv');
    assert.equal(files[0].size, 1);
    assert.match(files[0].lastModified ?? '', /^\d{4}-\d\d-\d\dT/);

    const root = await d.list('s3://paging');
    assert.deepEqual(
      root.entries.map((e) => e.uri),
      ['s3://paging/data/'],
    );
  },
);

test(
  'prefix search streams matches over the whole bucket, bounded and cancellable',
  { skip },
  async () => {
    await bucket('search');
    const objects: Record<string, string> = {};
    for (let i = 0; i < 30; i++) objects[`imgs/cat/${String(i).padStart(3, '0')}.jpg`] = 'c';
    for (let i = 0; i < 5; i++) objects[`imgs/dog/${i}.jpg`] = 'd';
    objects['imgs/catalog.txt'] = 'not a folder';
    await put('search', objects);
    const d = datasets();

    const collect = async (uri: string, text: string, maxItems?: number) => {
      const batches = [];
      for await (const batch of d.search(uri, text, maxItems ? { maxItems } : {}))
        batches.push(batch);
      return batches;
    };
    const all = await collect('s3://search/imgs/', 'cat');
    const found = all.flatMap((b) => b.entries.map((e) => e.uri));
    assert.equal(found.length, 31);
    assert.ok(found.includes('s3://search/imgs/catalog.txt'));
    assert.equal(all.at(-1)!.truncated, false);

    const bounded = await collect('s3://search/', 'imgs/cat/0', 12);
    const boundedFound = bounded.flatMap((b) => b.entries);
    assert.equal(boundedFound.length, 12);
    assert.equal(bounded.at(-1)!.matched, 12);
    assert.equal(bounded.at(-1)!.truncated, true);
    assert.equal(boundedFound[0].name, '000.jpg');

    const none = await collect('s3://search/', 'nothing-here');
    assert.equal(none.flatMap((b) => b.entries).length, 0);

    const controller = new AbortController();
    controller.abort();
    await assert.rejects(async () => {
      for await (const batch of d.search('s3://search/', 'imgs', { signal: controller.signal }))
        void batch;
    }, OperationCancelledError);
  },
);

test('layout validation of good and bad prefixes', { skip }, async () => {
  await bucket('datasets');
  await put('datasets', {
    'text/train/data.csv': '0,the movie was dull\n1,"I loved it, twice"\n0,meh\n1,great\n',
    'text/bad/data.csv': '0,fine\nx,label is not a number\n1,ok\n',
    'images/train/cat/1.jpg': 'jpg',
    'images/train/cat/2.JPEG': 'jpg',
    'images/train/dog/a.png': 'png',
    'images/train/dog/b.png': 'png',
    'images/train/dog/notes.txt': 'not an image',
    'images/flat/1.jpg': 'jpg',
    'images/flat/2.jpg': 'jpg',
  });
  const d = datasets();

  const text = await d.validate('s3://datasets/text/train/');
  assert.equal(text.layout, 'text');
  assert.equal(text.location, 's3://datasets/text/train/');
  assert.deepEqual(
    text.classes.map((c) => [c.name, c.count]),
    [
      ['0', 2],
      ['1', 2],
    ],
  );
  assert.deepEqual(text.errors, []);

  const badText = await d.validate('s3://datasets/text/bad');
  assert.equal(badText.layout, 'text');
  assert.ok(
    badText.errors.some(
      (e) =>
        e.line === 2 && e.file === 's3://datasets/text/bad/data.csv' && /label/i.test(e.message),
    ),
    JSON.stringify(badText.errors),
  );

  const images = await d.validate('s3://datasets/images/train/');
  assert.equal(images.layout, 'images');
  assert.deepEqual(
    images.classes.map((c) => [c.name, c.count]),
    [
      ['cat', 2],
      ['dog', 2],
    ],
  );
  assert.ok(
    images.warnings.some((w) => /notes\.txt/.test(w.message)),
    JSON.stringify(images),
  );

  const flat = await d.validate('s3://datasets/images/flat/');
  assert.equal(flat.layout, 'unknown');
  assert.match(flat.errors[0].message, /no class folders/);

  const empty = await d.validate('s3://datasets/nothing/');
  assert.equal(empty.layout, 'unknown');
  assert.match(empty.errors[0].message, /empty/);

  const small = datasets({ maxValidateReadBytes: 10 });
  const tooLarge = await small.validate('s3://datasets/text/train/');
  assert.equal(tooLarge.errors[0].code, 'too-large');
});

test(
  'upload a folder (multipart above 5 MiB) and download it back byte for byte',
  { skip },
  async () => {
    await bucket('roundtrip');
    const src = tempDir();
    const big = randomBytes(6 * 1024 * 1024 + 123);
    writeFiles(src, {
      'train/data.csv': '0,a\n1,b\n',
      'train/big.bin': big,
      'train/empty.txt': '',
      'images/cat/1.jpg': randomBytes(1000),
      '.DS_Store': 'finder',
      '__MACOSX/x': 'junk',
    });
    const d = datasets();
    const progress: number[] = [];
    const uploaded = await d.upload(src, 's3://roundtrip/sets/v1', {
      onProgress: (p) => progress.push(p.bytes),
    });
    assert.equal(uploaded.destination, 's3://roundtrip/sets/v1/');
    assert.equal(uploaded.files, 4);
    assert.equal(uploaded.bytes, big.length + 8 + 1000);
    assert.deepEqual(uploaded.skipped, ['.DS_Store', '__MACOSX/']);
    assert.equal(progress.at(-1), uploaded.bytes);
    assert.ok(progress.length >= 4);
    assert.deepEqual(await keysOf('roundtrip'), [
      'sets/v1/images/cat/1.jpg',
      'sets/v1/train/big.bin',
      'sets/v1/train/data.csv',
      'sets/v1/train/empty.txt',
    ]);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: 'roundtrip', Key: 'sets/v1/train/big.bin' }),
    );
    assert.match(head.ETag ?? '', /-2"$/, 'a two-part multipart upload');
    assert.equal(head.ContentLength, big.length);
    const csv = await s3.send(
      new GetObjectCommand({ Bucket: 'roundtrip', Key: 'sets/v1/train/data.csv' }),
    );
    assert.equal(csv.ContentType, 'text/csv');

    await assert.rejects(
      d.upload(src, 's3://roundtrip/sets/v1/'),
      (err: unknown) =>
        err instanceof TransferRefusedError && /4 of the 4 files already exist/.test(err.message),
    );
    await d.upload(src, 's3://roundtrip/sets/v1/', { overwrite: true });

    const dest = join(tempDir(), 'copy');
    const downloaded = await d.download('s3://roundtrip/sets/v1/', dest);
    assert.equal(downloaded.files, 4);
    assert.equal(downloaded.bytes, uploaded.bytes);
    const tree = readTree(dest);
    assert.deepEqual(Object.keys(tree).sort(), [
      'images/cat/1.jpg',
      'train/big.bin',
      'train/data.csv',
      'train/empty.txt',
    ]);
    for (const [path, bytes] of Object.entries(tree))
      assert.ok(bytes.equals(readFileSync(join(src, path))), path);

    await assert.rejects(
      d.download('s3://roundtrip/sets/v1/', dest),
      (err: unknown) =>
        err instanceof TransferRefusedError && /4 files already exist/.test(err.message),
    );
    await d.download('s3://roundtrip/sets/v1/', dest, { overwrite: true });

    // One object, named by its key.
    const single = tempDir();
    const one = await d.download('s3://roundtrip/sets/v1/train/data.csv', single);
    assert.equal(one.files, 1);
    assert.equal(readFileSync(join(single, 'data.csv'), 'utf8'), '0,a\n1,b\n');
  },
);

test(
  'a cancelled upload leaves nothing under the prefix, no multipart upload open',
  { skip },
  async () => {
    await bucket('cancel');
    const src = tempDir();
    writeFiles(src, {
      'a.csv': randomBytes(1024),
      'b.csv': randomBytes(1024),
      'big.bin': randomBytes(12 * 1024 * 1024),
    });
    const controller = new AbortController();
    const d = datasets();
    await assert.rejects(
      d.upload(src, 's3://cancel/run/', {
        concurrency: 3,
        signal: controller.signal,
        // Cancel once the big file is part-way through (a part of it is up).
        onProgress: (p) => {
          if (p.current === 'big.bin' && p.files < p.totalFiles) controller.abort();
        },
      }),
      (err: unknown) =>
        err instanceof OperationCancelledError &&
        /Upload cancelled: nothing was left under s3:\/\/cancel\/run\//.test(err.message),
    );
    assert.deepEqual(await keysOf('cancel'), [], 'the finished files were deleted again');
    const open = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'cancel' }));
    assert.deepEqual(open.Uploads ?? [], [], 'the multipart upload was aborted');
  },
);

test('download refuses keys that would escape the folder, writing nothing', { skip }, async () => {
  await bucket('evil');
  await put('evil', {
    'set/ok.csv': '0,a\n',
    'set/../escape.txt': 'outside',
    'set/a/../../../x.txt': 'far outside',
  });
  assert.ok((await keysOf('evil')).includes('set/../escape.txt'), 'moto keeps the key as sent');
  const parent = tempDir();
  const dest = join(parent, 'target');
  await assert.rejects(
    datasets().download('s3://evil/set/', dest),
    (err: unknown) =>
      err instanceof TransferRefusedError &&
      /2 object keys would be written outside/.test(err.message) &&
      /set\/\.\.\/escape\.txt/.test(err.message) &&
      /Nothing was downloaded/.test(err.message),
  );
  assert.equal(existsSync(dest), false);
  assert.deepEqual(readdirSync(parent), []);
});

test('a missing bucket and a malformed URI get clear messages', { skip }, async () => {
  const d = datasets();
  await assert.rejects(
    d.list('s3://no-such-bucket-here/data/'),
    (err: unknown) =>
      err instanceof SageMakerError &&
      err.name === 'NoSuchBucket' &&
      /The bucket no-such-bucket-here does not exist/.test(err.message),
  );
  await assert.rejects(
    d.validate('s3://no-such-bucket-here/'),
    (err: unknown) => err instanceof SageMakerError && err.name === 'NoSuchBucket',
  );
  await assert.rejects(
    d.download('s3://no-such-bucket-here/x.csv', tempDir()),
    (err: unknown) => err instanceof SageMakerError && err.name === 'NoSuchBucket',
  );
  await assert.rejects(d.list('s3://Bad_Bucket/'), S3UriError);
  await bucket('empty-one');
  await assert.rejects(
    d.download('s3://empty-one/none/', tempDir()),
    /Nothing to download: s3:\/\/empty-one\/none\/ holds no objects/,
  );
});

test(
  'a bucket in another region: GetBucketLocation finds it, later calls go there',
  { skip },
  async () => {
    await bucket('far-away', 'eu-west-1');
    await put('far-away', { 'a.csv': '0,x\n' });
    // moto serves every region; S3 would answer 301 without a region header to a client of
    // another region (e.g. for a HEAD). Simulate that answer for the default client only.
    const regionsUsed: string[] = [];
    const clientFor = (region: string | undefined) => {
      const client = new S3Client({
        region: region ?? REGION,
        endpoint: moto.url,
        forcePathStyle: true,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
      client.middlewareStack.add(
        (next, context) => async (args) => {
          regionsUsed.push(`${region ?? 'default'}:${context.commandName}`);
          if (region === undefined && context.commandName === 'ListObjectsV2Command') {
            throw new S3ServiceException({
              name: 'PermanentRedirect',
              $fault: 'client',
              $metadata: { httpStatusCode: 301 },
              message:
                'The bucket you are attempting to access must be addressed using the specified endpoint.',
            });
          }
          return next(args);
        },
        { step: 'initialize', name: 'fakeRedirect' },
      );
      return client;
    };
    const d = datasets({ clientFor });
    const page = await d.list('s3://far-away/');
    assert.deepEqual(
      page.entries.map((e) => e.name),
      ['a.csv'],
    );
    await d.list('s3://far-away/');
    assert.deepEqual(regionsUsed, [
      'default:ListObjectsV2Command',
      'us-east-1:GetBucketLocationCommand',
      'eu-west-1:ListObjectsV2Command',
      'eu-west-1:ListObjectsV2Command',
    ]);
  },
);
