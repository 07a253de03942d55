/**
 * Models on the aws backend against a real moto_server started by this file: SageMaker models
 * (ListModels, DescribeModel) and the artifacts of completed training jobs; ListModels paging
 * with a mocked client; and the `smw` dataset and model commands end to end.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { CreateModelCommand, ListModelsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { AwsBackend } from '../../src/backends/aws/awsBackend';
import { createModelsBackend } from '../../src/backends/createDatasets';
import { SageMakerError } from '../../src/model/errors';
import type { CreateTrainingJobRequest } from '../../src/model/types';
import {
  isolateAwsEnvironment,
  MOTO_SKIP_REASON,
  MotoServer,
  motoAvailable,
} from '../moto/motoServer';

const skip = motoAvailable() ? false : MOTO_SKIP_REASON;
if (skip) process.stderr.write(`# skipping the moto tests of aws models: ${skip}\n`);

isolateAwsEnvironment('smw-models-');

const REGION = 'us-east-1';
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1.0';
const ROLE = 'arn:aws:iam::123456789012:role/SageMakerRole';

let moto: MotoServer;
let sagemaker: SageMakerClient;
const backends: AwsBackend[] = [];

function backend(): AwsBackend {
  const created = new AwsBackend({ region: REGION, endpointUrl: moto.url, maxAttempts: 2 });
  backends.push(created);
  return created;
}

before(async () => {
  if (skip) return;
  moto = await MotoServer.start();
  sagemaker = new SageMakerClient({
    region: REGION,
    endpoint: moto.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
});
after(() => {
  sagemaker?.destroy();
  moto?.stop();
});
afterEach(async () => {
  for (const b of backends.splice(0)) {
    b.sagemaker.destroy();
    b.logs.destroy();
  }
  if (!skip) await moto.reset();
});

function trainingRequest(name: string): CreateTrainingJobRequest {
  return {
    TrainingJobName: name,
    RoleArn: ROLE,
    AlgorithmSpecification: { TrainingImage: IMAGE, TrainingInputMode: 'File' },
    OutputDataConfig: { S3OutputPath: 's3://models-bucket/output' },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  };
}

async function createModel(name: string, modelDataUrl: string): Promise<void> {
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: IMAGE, ModelDataUrl: modelDataUrl },
    }),
  );
}

test(
  'SageMaker models: ListModels, DescribeModel, and the artifacts of completed jobs',
  { skip },
  async () => {
    for (let i = 0; i < 3; i++)
      await createModel(`model-${i}`, `s3://models-bucket/output/job-${i}/output/model.tar.gz`);
    const aws = backend();
    await aws.createTrainingJob(trainingRequest('job-a'));
    await aws.createTrainingJob(trainingRequest('job-b'));
    const models = createModelsBackend(aws);
    assert.equal(models.kind, 'aws');

    const listed = await models.listModels();
    assert.deepEqual(listed.map((m) => m.ModelName).sort(), ['model-0', 'model-1', 'model-2']);
    assert.ok(listed.every((m) => m.ModelArn?.startsWith('arn:aws:sagemaker:')));
    assert.equal((await models.listModels({ maxItems: 2 })).length, 2);
    // (moto ignores NameContains, so the filter is not checked here.)

    const described = await models.describeModel('model-1');
    assert.equal(described.ModelName, 'model-1');
    assert.equal(
      described.PrimaryContainer?.ModelDataUrl,
      's3://models-bucket/output/job-1/output/model.tar.gz',
    );
    assert.equal('$metadata' in described, false);
    await assert.rejects(
      models.describeModel('no-such-model'),
      (err: unknown) =>
        err instanceof SageMakerError && /no-such-model|Could not find/i.test(err.message),
    );
    await assert.rejects(models.describeModel('bad_name'), /ModelName "bad_name"/);

    const artifacts = await models.listModelArtifacts();
    assert.deepEqual(artifacts.map((a) => a.trainingJobName).sort(), ['job-a', 'job-b']);
    for (const artifact of artifacts) {
      assert.equal(artifact.status, 'Completed');
      assert.match(
        artifact.artifactUri,
        /^s3:\/\/models-bucket\/output\/job-[ab]\/output\/model\.tar\.gz$/,
      );
    }
  },
);

test('ListModels pages are followed until maxItems (mocked pages)', async () => {
  const client = new SageMakerClient({
    region: REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const mock = mockClient(client);
  const summary = (name: string) => ({
    ModelName: name,
    ModelArn: `arn:aws:sagemaker:us-east-1:123456789012:model/${name}`,
    CreationTime: new Date(),
  });
  mock
    .on(ListModelsCommand)
    .resolvesOnce({ Models: [summary('m1'), summary('m2')], NextToken: 't1' })
    .resolvesOnce({ Models: [summary('m3')] });
  const models = createModelsBackend(new AwsBackend({ region: REGION, sagemakerClient: client }));
  assert.deepEqual(
    (await models.listModels({ nameContains: 'm' })).map((m) => m.ModelName),
    ['m1', 'm2', 'm3'],
  );
  const calls = mock.commandCalls(ListModelsCommand).map((c) => c.args[0].input);
  assert.deepEqual(
    calls.map((input) => [input.NextToken, input.NameContains, input.SortOrder]),
    [
      [undefined, 'm', 'Descending'],
      ['t1', 'm', 'Descending'],
    ],
  );
  mock.reset();
  mock.on(ListModelsCommand).resolves({ Models: [summary('a'), summary('b')], NextToken: 'more' });
  assert.equal((await models.listModels({ maxItems: 2 })).length, 2);
  assert.equal(mock.commandCalls(ListModelsCommand).length, 1, 'no page past maxItems');
});

/** Runs the CLI transpiled next to this test (src/cli/main.js in the same out folder), as bin/smw does. */
function smw(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const main = resolve(__dirname, '..', '..', 'src', 'cli', 'main.js');
  const script = `require(${JSON.stringify(main)}).main(process.argv.slice(1), ${JSON.stringify(
    resolve(__dirname, '..', '..', '..', 'dist'),
  )}).then((code) => process.stdout.write('', () => process.exit(code)));`;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['-e', script, '--', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

function writeTree(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

test('smw datasets ls/validate/upload/download and list-models, end to end', { skip }, async () => {
  const aws = ['--backend', 'aws', '--endpoint-url', moto.url, '--region', REGION];
  const s3 = new S3Client({
    region: REGION,
    endpoint: moto.url,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'cli-data' }));
  s3.destroy();
  const src = mkdtempSync(join(tmpdir(), 'smw-cli-src-'));
  writeTree(src, {
    'train/data.csv': '0,dull\n1,great\n0,meh\n1,wow\n',
    'train/notes.txt': 'stray',
    'images/cat/1.jpg': 'c',
    'images/dog/1.jpg': 'd',
    'big.bin': randomBytes(6 * 1024 * 1024),
  });

  const buckets = await smw([...aws, 'datasets', 'ls']);
  assert.equal(buckets.code, 0, buckets.stderr);
  assert.deepEqual(JSON.parse(buckets.stdout), {
    Buckets: [{ Name: 'cli-data', Uri: 's3://cli-data/' }],
  });

  // S3 locations work with the local backend too (the URI says where).
  const upload = await smw([
    '--endpoint-url',
    moto.url,
    '--region',
    REGION,
    'datasets',
    'upload',
    src,
    's3://cli-data/sets/v1/',
  ]);
  assert.equal(upload.code, 0, upload.stderr);
  const uploaded = JSON.parse(upload.stdout);
  assert.equal(uploaded.Destination, 's3://cli-data/sets/v1/');
  assert.equal(uploaded.Files, 5);
  assert.match(upload.stderr, /5\/5 files/);

  const again = await smw([...aws, 'datasets', 'upload', src, 's3://cli-data/sets/v1/']);
  assert.equal(again.code, 255);
  assert.match(again.stderr, /^smw: 5 of the 5 files already exist .*--overwrite/);

  const ls = await smw([...aws, 'datasets', 'ls', 's3://cli-data/sets/v1/']);
  assert.equal(ls.code, 0, ls.stderr);
  const listing = JSON.parse(ls.stdout);
  assert.deepEqual(
    listing.Prefixes.map((p: { Uri: string }) => p.Uri),
    ['s3://cli-data/sets/v1/images/', 's3://cli-data/sets/v1/train/'],
  );
  assert.deepEqual(
    listing.Objects.map((o: { Name: string; Size: number }) => [o.Name, o.Size]),
    [['big.bin', 6 * 1024 * 1024]],
  );
  assert.equal(listing.NextToken, undefined);

  const paged = await smw([...aws, 'datasets', 'ls', 's3://cli-data/sets/v1/', '--max-items', '2']);
  const first = JSON.parse(paged.stdout);
  assert.equal(first.Prefixes.length + first.Objects.length, 2);
  assert.ok(first.NextToken);
  const rest = JSON.parse(
    (
      await smw([
        ...aws,
        'datasets',
        'ls',
        's3://cli-data/sets/v1/',
        '--starting-token',
        first.NextToken,
      ])
    ).stdout,
  );
  assert.equal(rest.Prefixes.length + rest.Objects.length, 1);

  const search = await smw([
    ...aws,
    'datasets',
    'ls',
    's3://cli-data/',
    '--search',
    'sets/v1/images/',
  ]);
  assert.equal(search.code, 0, search.stderr);
  assert.deepEqual(JSON.parse(search.stdout), {
    Objects: [
      {
        Uri: 's3://cli-data/sets/v1/images/cat/1.jpg',
        Name: '1.jpg',
        Size: 1,
        LastModified: JSON.parse(search.stdout).Objects[0].LastModified,
      },
      {
        Uri: 's3://cli-data/sets/v1/images/dog/1.jpg',
        Name: '1.jpg',
        Size: 1,
        LastModified: JSON.parse(search.stdout).Objects[1].LastModified,
      },
    ],
    Truncated: false,
  });

  const valid = await smw([...aws, 'datasets', 'validate', 's3://cli-data/sets/v1/train/']);
  assert.equal(valid.code, 0, valid.stderr);
  const report = JSON.parse(valid.stdout);
  assert.equal(report.layout, 'text');
  assert.equal(report.examples, 4);
  assert.match(valid.stderr, /text classification \(data\.csv\)/);
  assert.ok(report.warnings.some((w: { message: string }) => /notes\.txt/.test(w.message)));

  const invalid = await smw([...aws, 'datasets', 'validate', 's3://cli-data/sets/v1/']);
  assert.equal(invalid.code, 1);
  assert.equal(JSON.parse(invalid.stdout).layout, 'unknown');
  assert.match(invalid.stderr, /smw: s3:\/\/cli-data\/sets\/v1\/: 1 problem\(s\)/);

  const localValid = await smw(['datasets', 'validate', join(src, 'images')]);
  assert.equal(localValid.code, 0, localValid.stderr);
  assert.equal(JSON.parse(localValid.stdout).layout, 'images');

  const dest = join(mkdtempSync(join(tmpdir(), 'smw-cli-dest-')), 'copy');
  const download = await smw([...aws, 'datasets', 'download', 's3://cli-data/sets/v1/', dest]);
  assert.equal(download.code, 0, download.stderr);
  assert.equal(JSON.parse(download.stdout).Files, 5);
  for (const path of ['train/data.csv', 'images/cat/1.jpg', 'big.bin'])
    assert.ok(readFileSync(join(dest, path)).equals(readFileSync(join(src, path))), path);

  const malformed = await smw([...aws, 'datasets', 'ls', 's3://Bad_Bucket/x']);
  assert.equal(malformed.code, 252);
  assert.match(
    malformed.stderr,
    /^smw: s3:\/\/Bad_Bucket\/x: the bucket name "Bad_Bucket" has uppercase letters/,
  );
  assert.equal(malformed.stderr.split('\n').length, 2, 'one line');

  const missing = await smw([...aws, 'datasets', 'ls', 's3://no-such-bucket-here/']);
  assert.equal(missing.code, 254);
  assert.match(
    missing.stderr,
    /^smw: An error occurred \(NoSuchBucket\): The bucket no-such-bucket-here does not exist/,
  );

  // Models: a SageMaker model and a completed job's artifact.
  await createModel('cli-model', 's3://cli-data/model.tar.gz');
  await backend().createTrainingJob(trainingRequest('cli-job'));
  const models = await smw([...aws, 'list-models']);
  assert.equal(models.code, 0, models.stderr);
  const listed = JSON.parse(models.stdout);
  assert.deepEqual(
    listed.Models.map((m: { ModelName: string }) => m.ModelName),
    ['cli-model'],
  );
  assert.deepEqual(
    listed.TrainingJobArtifacts.map((a: { TrainingJobName: string; S3ModelArtifacts: string }) => [
      a.TrainingJobName,
      a.S3ModelArtifacts,
    ]),
    [['cli-job', 's3://models-bucket/output/cli-job/output/model.tar.gz']],
  );
  const described = await smw([...aws, 'describe-model', '--model-name', 'cli-model']);
  assert.equal(described.code, 0, described.stderr);
  assert.equal(
    JSON.parse(described.stdout).PrimaryContainer.ModelDataUrl,
    's3://cli-data/model.tar.gz',
  );

  const store = mkdtempSync(join(tmpdir(), 'smw-cli-store-'));
  const local = await smw(['--store', store, 'list-models']);
  assert.equal(local.code, 0, local.stderr);
  assert.deepEqual(JSON.parse(local.stdout), { Models: [], TrainingJobArtifacts: [] });
});
