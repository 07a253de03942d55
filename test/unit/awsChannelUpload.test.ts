/**
 * Local file:// channels sent to SageMaker, against a real moto_server over HTTP: each folder
 * uploaded to <output>/<job>/input/<channel>/, CreateTrainingJob (and
 * CreateHyperParameterTuningJob) receiving the S3 prefix, and nothing left behind when a
 * folder is missing, a destination is taken, the create fails or the upload is cancelled.
 * The planning and rewriting are pure and tested without moto too.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type {
  CreateHyperParameterTuningJobRequest,
  CreateTrainingJobRequest,
} from '@aws-sdk/client-sagemaker';
import { AwsBackend } from '../../src/backends/aws/awsBackend';
import { S3Datasets } from '../../src/backends/aws/s3/s3Datasets';
import {
  createTrainingJobWithUploads,
  createTuningJobWithUploads,
  planTrainingJobChannels,
  planTuningJobChannels,
  rewriteChannels,
} from '../../src/backends/aws/channelUpload';
import { applyTrainingJobDefaults } from '../../src/backends/aws/jobDefaults';
import { OperationCancelledError, TransferRefusedError } from '../../src/backends/datasets';
import { SageMakerError } from '../../src/model/errors';
import { DUMMY_CREDENTIALS, MOTO_SKIP_REASON, MotoServer, motoAvailable } from '../moto/motoServer';

const skip = motoAvailable() ? false : MOTO_SKIP_REASON;
if (skip) process.stderr.write(`# skipping the moto tests of channel uploads: ${skip}\n`);

const home = mkdtempSync(join(tmpdir(), 'smw-channels-'));
for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
Object.assign(process.env, DUMMY_CREDENTIALS, {
  AWS_CONFIG_FILE: join(home, 'config'),
  AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

const REGION = 'us-east-1';
const BUCKET = 'ml-bucket';
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1.0';
const ROLE = 'arn:aws:iam::123456789012:role/Execution';

let moto: MotoServer;
let s3: S3Client;
const opened: { dispose(): void }[] = [];

function clients(): { backend: AwsBackend; store: S3Datasets } {
  const backend = new AwsBackend({ region: REGION, endpointUrl: moto.url, maxAttempts: 2 });
  const store = new S3Datasets({
    region: REGION,
    endpointUrl: moto.url,
    maxAttempts: 2,
    credentials: backend.sagemaker.config.credentials,
  });
  opened.push(
    { dispose: () => (backend.sagemaker.destroy(), backend.logs.destroy()) },
    { dispose: () => store.dispose() },
  );
  return { backend, store };
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
  for (const o of opened.splice(0)) o.dispose();
  if (!skip) await moto.reset();
});

function folder(files: Record<string, string | Uint8Array>): string {
  const root = mkdtempSync(join(tmpdir(), 'smw-channel-data-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

function channel(name: string, uri: string) {
  return {
    ChannelName: name,
    DataSource: {
      S3DataSource: {
        S3DataType: 'S3Prefix' as const,
        S3Uri: uri,
        S3DataDistributionType: 'FullyReplicated' as const,
      },
    },
    InputMode: 'File' as const,
  };
}

function trainingRequest(
  name: string,
  channels: Record<string, string>,
  output = `s3://${BUCKET}/jobs`,
): CreateTrainingJobRequest {
  return {
    TrainingJobName: name,
    RoleArn: ROLE,
    AlgorithmSpecification: { TrainingImage: IMAGE, TrainingInputMode: 'File' },
    HyperParameters: { epochs: '1' },
    InputDataConfig: Object.entries(channels).map(([n, uri]) => channel(n, uri)),
    OutputDataConfig: { S3OutputPath: output },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  };
}

function tuningRequest(name: string, trainingUri: string): CreateHyperParameterTuningJobRequest {
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      Strategy: 'Random',
      HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:accuracy' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 },
      ParameterRanges: {
        ContinuousParameterRanges: [{ Name: 'learning_rate', MinValue: '0.001', MaxValue: '0.1' }],
      },
    },
    TrainingJobDefinition: {
      StaticHyperParameters: { epochs: '1' },
      AlgorithmSpecification: {
        TrainingImage: IMAGE,
        TrainingInputMode: 'File',
        MetricDefinitions: [{ Name: 'validation:accuracy', Regex: 'acc=(\\S+)' }],
      },
      RoleArn: ROLE,
      InputDataConfig: [channel('training', trainingUri)],
      OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/tuning` },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    },
  };
}

async function keys(prefix = ''): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key!).sort();
}

const fileUri = (path: string) => pathToFileURL(path).href;

test('plan: local channels go to <output>/<job>/input/<channel>/; s3:// channels stay', () => {
  const train = folder({ 'data.csv': 'a,b\n' });
  const request = trainingRequest('job-1', {
    training: fileUri(train),
    validation: `s3://${BUCKET}/val/`,
  });
  const plan = planTrainingJobChannels(request);
  assert.deepEqual(
    plan.map((c) => [c.field, c.channelName, c.folder, c.destination]),
    [['InputDataConfig[0]', 'training', train, `s3://${BUCKET}/jobs/job-1/input/training/`]],
  );
  const rewritten = rewriteChannels(request, plan);
  assert.equal(
    rewritten.InputDataConfig?.[0].DataSource?.S3DataSource?.S3Uri,
    `s3://${BUCKET}/jobs/job-1/input/training/`,
  );
  assert.equal(
    rewritten.InputDataConfig?.[1].DataSource?.S3DataSource?.S3Uri,
    `s3://${BUCKET}/val/`,
  );
  assert.equal(request.InputDataConfig?.[0].DataSource?.S3DataSource?.S3Uri, fileUri(train));
  // A trailing slash on the output prefix gives no double slash.
  const slash = planTrainingJobChannels(
    trainingRequest('job-1', { training: fileUri(train) }, `s3://${BUCKET}/jobs/`),
  );
  assert.equal(slash[0].destination, `s3://${BUCKET}/jobs/job-1/input/training/`);
});

test('plan: a file:// output, a local manifest, no output: clear messages', () => {
  const train = folder({ 'data.csv': 'a,b\n' });
  assert.throws(
    () =>
      planTrainingJobChannels(
        trainingRequest('j', { training: fileUri(train) }, 'file:///tmp/out'),
      ),
    /InputDataConfig\[0\] \(training\) is the local folder .* output path is not in S3 \(file:\/\/\/tmp\/out\): set sagemakerWorkbench\.aws\.outputS3Uri/,
  );
  const manifest = trainingRequest('j', { training: fileUri(join(train, 'data.csv')) });
  manifest.InputDataConfig![0].DataSource!.S3DataSource!.S3DataType = 'ManifestFile';
  assert.throws(() => planTrainingJobChannels(manifest), /is a local ManifestFile .* only folders/);
});

test('plan: tuning definitions upload under the tuning job; a shared folder once', () => {
  const train = folder({ 'data.csv': 'a,b\n' });
  const other = folder({ 'data.csv': 'c,d\n' });
  const definition = (name: string, uri: string) => ({
    DefinitionName: name,
    AlgorithmSpecification: { TrainingImage: IMAGE, TrainingInputMode: 'File' as const },
    RoleArn: ROLE,
    InputDataConfig: [channel('training', uri)],
    OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/tuning` },
    ResourceConfig: { InstanceType: 'ml.m5.large' as const, InstanceCount: 1, VolumeSizeInGB: 10 },
    StoppingCondition: { MaxRuntimeInSeconds: 60 },
  });
  const plan = planTuningJobChannels({
    HyperParameterTuningJobName: 'tune-1',
    HyperParameterTuningJobConfig: {
      Strategy: 'Random',
      ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 },
    },
    TrainingJobDefinitions: [
      definition('small', fileUri(train)),
      definition('large', fileUri(train)),
      definition('other', fileUri(other)),
    ],
  });
  assert.deepEqual(
    plan.map((c) => c.destination),
    [
      `s3://${BUCKET}/tuning/tune-1/input/small/training/`,
      `s3://${BUCKET}/tuning/tune-1/input/small/training/`,
      `s3://${BUCKET}/tuning/tune-1/input/other/training/`,
    ],
  );
});

test(
  'training job: folders uploaded, CreateTrainingJob on moto receives the S3 prefixes',
  { skip },
  async () => {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const train = folder({ 'cats/1.jpg': 'x', 'dogs/2.jpg': 'yy', '.DS_Store': 'z' });
    const validation = folder({ 'cats/3.jpg': 'xyz' });
    const { backend, store } = clients();
    // The defaults fill the output prefix, as the extension's launch does.
    const { request } = applyTrainingJobDefaults(
      trainingRequest(
        'fine-tune-1',
        { training: fileUri(train), validation: fileUri(validation) },
        '',
      ),
      { roleArn: ROLE, outputS3Uri: `s3://${BUCKET}/jobs/` },
    );
    const progress: string[] = [];
    const sent = await createTrainingJobWithUploads(backend, store, request, {
      onProgress: (p) => progress.push(`${p.index}/${p.count} ${p.channel.channelName}`),
    });
    assert.deepEqual(await keys(), [
      'jobs/fine-tune-1/input/training/cats/1.jpg',
      'jobs/fine-tune-1/input/training/dogs/2.jpg',
      'jobs/fine-tune-1/input/validation/cats/3.jpg',
    ]);
    const job = await backend.describeTrainingJob({ TrainingJobName: 'fine-tune-1' });
    assert.deepEqual(
      job.InputDataConfig?.map((c) => [c.ChannelName, c.DataSource?.S3DataSource?.S3Uri]),
      [
        ['training', `s3://${BUCKET}/jobs/fine-tune-1/input/training/`],
        ['validation', `s3://${BUCKET}/jobs/fine-tune-1/input/validation/`],
      ],
    );
    assert.equal(job.OutputDataConfig?.S3OutputPath, `s3://${BUCKET}/jobs`);
    assert.deepEqual(sent.InputDataConfig, job.InputDataConfig);
    assert.ok(progress.includes('1/2 training') && progress.includes('2/2 validation'));
  },
);

test('training job: without local channels it is a plain create', { skip }, async () => {
  const { backend, store } = clients();
  await createTrainingJobWithUploads(
    backend,
    store,
    trainingRequest('plain', { training: `s3://${BUCKET}/data/` }),
  );
  const job = await backend.describeTrainingJob({ TrainingJobName: 'plain' });
  assert.equal(job.InputDataConfig?.[0].DataSource?.S3DataSource?.S3Uri, `s3://${BUCKET}/data/`);
});

test(
  'training job: a missing folder fails before anything is uploaded or created',
  { skip },
  async () => {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const train = folder({ 'data.csv': 'a,b\n' });
    const { backend, store } = clients();
    await assert.rejects(
      createTrainingJobWithUploads(
        backend,
        store,
        trainingRequest('j2', {
          training: fileUri(train),
          validation: fileUri(join(train, 'missing')),
        }),
      ),
      /InputDataConfig\[1\] \(validation\): .*missing does not exist\. Nothing was uploaded\./,
    );
    assert.deepEqual(await keys(), []);
    const listed = await backend.listTrainingJobs({});
    assert.equal(listed.TrainingJobSummaries?.length, 0);
  },
);

test('training job: an invalid request is refused before uploading', { skip }, async () => {
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const train = folder({ 'data.csv': 'a,b\n' });
  const { backend, store } = clients();
  // Channels are uploaded; code (sagemaker_submit_directory) is not: refused up front.
  const request = trainingRequest('j3', { training: fileUri(train) });
  request.HyperParameters!.sagemaker_submit_directory = fileUri(train);
  await assert.rejects(
    createTrainingJobWithUploads(backend, store, request),
    (err: unknown) =>
      err instanceof SageMakerError &&
      err.name === 'ValidationException' &&
      /sagemaker_submit_directory is a file:\/\/ URI/.test(err.message),
  );
  assert.deepEqual(await keys(), []);
});

test(
  'training job: a destination that holds objects is refused, nothing uploaded',
  { skip },
  async () => {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'jobs/j4/input/validation/old.csv',
        Body: 'old',
      }),
    );
    const train = folder({ 'data.csv': 'a,b\n' });
    const { backend, store } = clients();
    await assert.rejects(
      createTrainingJobWithUploads(
        backend,
        store,
        trainingRequest('j4', { training: fileUri(train), validation: fileUri(train) }),
      ),
      (err: unknown) =>
        err instanceof TransferRefusedError &&
        /input\/validation\/ already holds objects .* Nothing was uploaded/.test(err.message),
    );
    assert.deepEqual(await keys(), ['jobs/j4/input/validation/old.csv']);
  },
);

test('tuning job: a failed create removes the uploaded data', { skip }, async () => {
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const train = folder({ 'data.csv': 'a,b\n' });
  const { backend, store } = clients();
  await backend.createHyperParameterTuningJob(tuningRequest('taken', `s3://${BUCKET}/x/`));
  await assert.rejects(
    createTuningJobWithUploads(backend, store, tuningRequest('taken', fileUri(train))),
    (err: unknown) =>
      err instanceof SageMakerError &&
      err.name === 'ResourceInUse' &&
      /The uploaded channel data was removed\./.test(err.message),
  );
  assert.deepEqual(await keys(), []);
});

test('training job: a cancelled upload leaves nothing and creates nothing', { skip }, async () => {
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const first = folder({ 'a.csv': 'a\n' });
  const second = folder({ 'b.csv': 'b\n', 'c.csv': 'c\n' });
  const { backend, store } = clients();
  const abort = new AbortController();
  await assert.rejects(
    createTrainingJobWithUploads(
      backend,
      store,
      trainingRequest('j5', { training: fileUri(first), validation: fileUri(second) }),
      {
        signal: abort.signal,
        // Cancel once the second channel starts: the first is complete by then.
        onProgress: (p) => {
          if (p.index === 2) abort.abort();
        },
      },
    ),
    (err: unknown) =>
      err instanceof OperationCancelledError &&
      /The 1 channels uploaded before it were removed\./.test(err.message),
  );
  assert.deepEqual(await keys(), []);
  assert.equal((await backend.listTrainingJobs({})).TrainingJobSummaries?.length, 0);
});

test(
  'tuning job: CreateHyperParameterTuningJob on moto receives the S3 prefix',
  { skip },
  async () => {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const train = folder({ 'data.csv': 'label,text\nham,hello\n' });
    const { backend, store } = clients();
    const request = tuningRequest('tune-up', fileUri(train));
    await createTuningJobWithUploads(backend, store, request);
    assert.deepEqual(await keys(), ['tuning/tune-up/input/training/data.csv']);
    const job = await backend.describeHyperParameterTuningJob({
      HyperParameterTuningJobName: 'tune-up',
    });
    assert.equal(
      job.TrainingJobDefinition?.InputDataConfig?.[0].DataSource?.S3DataSource?.S3Uri,
      `s3://${BUCKET}/tuning/tune-up/input/training/`,
    );
  },
);
