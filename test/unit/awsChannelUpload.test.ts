/**
 * Local file:// channels sent to SageMaker, against a real moto_server over HTTP: each folder
 * uploaded to <output>/<job>/input/<channel>/, CreateTrainingJob (and
 * CreateHyperParameterTuningJob) receiving the S3 prefix, and nothing left behind when a
 * folder is missing, a destination is taken, the create fails or the upload is cancelled.
 * A local code folder (sagemaker_submit_directory) packed into
 * <output>/<job>/source/sourcedir.tar.gz and the hyperparameter rewritten to it; incremental
 * training from a job on moto. The planning and rewriting are pure and tested without moto too.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tar from 'tar';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type {
  CreateHyperParameterTuningJobRequest,
  CreateTrainingJobRequest,
  DescribeTrainingJobResponse,
} from '@aws-sdk/client-sagemaker';
import { AwsBackend } from '../../src/backends/aws/awsBackend';
import { S3Datasets } from '../../src/backends/aws/s3/s3Datasets';
import {
  createTrainingJobWithUploads,
  createTuningJobWithUploads,
  planTrainingJobChannels,
  planTrainingJobSource,
  planTuningJobChannels,
  planTuningJobSources,
  rewriteChannels,
  rewriteSources,
} from '../../src/backends/aws/channelUpload';
import { listSourceEntries, packSourceDir } from '../../src/backends/aws/sourcePack';
import { incrementalJobRequest } from '../../src/model/fineTuneJob';
import { applyTrainingJobDefaults } from '../../src/backends/aws/jobDefaults';
import { OperationCancelledError, TransferRefusedError } from '../../src/backends/datasets';
import { SageMakerError } from '../../src/model/errors';
import {
  isolateAwsEnvironment,
  MOTO_SKIP_REASON,
  MotoServer,
  motoAvailable,
} from '../moto/motoServer';
import { REPO_ROOT } from './helpers';

const skip = motoAvailable() ? false : MOTO_SKIP_REASON;
if (skip) process.stderr.write(`# skipping the moto tests of channel uploads: ${skip}\n`);

isolateAwsEnvironment('smw-channels-');

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
  // A script job written for the local engine still names local:process: refused up front,
  // before its data or code is uploaded.
  const request = trainingRequest('j3', { training: fileUri(train) });
  request.AlgorithmSpecification!.TrainingImage = 'local:process';
  request.HyperParameters!.sagemaker_program = 'train.py';
  request.HyperParameters!.sagemaker_submit_directory = fileUri(folder({ 'train.py': 'x' }));
  await assert.rejects(
    createTrainingJobWithUploads(backend, store, request),
    (err: unknown) =>
      err instanceof SageMakerError &&
      err.name === 'ValidationException' &&
      /TrainingImage local:process runs only on the local backend; SageMaker needs a container image URI: for a script \(sagemaker_program\), a framework training image/.test(
        err.message,
      ),
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

// ---------------------------------------------------------------------------------------
// The job's code: a local sagemaker_submit_directory packed into sourcedir.tar.gz

/** A script folder with what the archive leaves out. */
function scriptFolder(): string {
  const root = folder({
    'train.py': 'print("loss=0.5")\n',
    'lib/util.py': 'X = 1\n',
    'lib/__pycache__/util.cpython-312.pyc': 'bytecode',
    '__pycache__/train.cpython-312.pyc': 'bytecode',
    '.git/HEAD': 'ref: refs/heads/main\n',
    'node_modules/left-pad/index.js': 'module.exports = 1;\n',
    'requirements.txt': 'numpy\n',
    '.env.example': 'A=1\n',
  });
  // A link to a file inside the folder is packed as that file.
  symlinkSync(join(root, 'lib', 'util.py'), join(root, 'helpers.py'));
  return root;
}

async function archiveEntries(file: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  await tar.t({ file, onReadEntry: (e) => entries.set(e.path, e.type) });
  return entries;
}

function scriptRequest(name: string, code: string): CreateTrainingJobRequest {
  const request = trainingRequest(name, { training: `s3://${BUCKET}/data/` });
  request.HyperParameters = {
    epochs: '2',
    sagemaker_program: 'train.py',
    sagemaker_submit_directory: code,
  };
  return request;
}

test('code plan: a file:// folder or a path goes to <output>/<job>/source/, rewritten JSON-encoded', () => {
  const code = scriptFolder();
  for (const value of [fileUri(code), code, JSON.stringify(fileUri(code))]) {
    const request = scriptRequest('script-1', value);
    const plan = planTrainingJobSource(request);
    assert.deepEqual(
      plan.map((p) => [p.field, p.folder, p.program, p.destination, p.archive]),
      [
        [
          'HyperParameters.sagemaker_submit_directory',
          code,
          'train.py',
          `s3://${BUCKET}/jobs/script-1/source/`,
          `s3://${BUCKET}/jobs/script-1/source/sourcedir.tar.gz`,
        ],
      ],
      value,
    );
    const sent = rewriteSources(request, plan);
    // As the SageMaker Python SDK sends them; the training toolkit JSON-decodes both.
    assert.deepEqual(sent.HyperParameters, {
      epochs: '2',
      sagemaker_program: '"train.py"',
      sagemaker_submit_directory: `"s3://${BUCKET}/jobs/script-1/source/sourcedir.tar.gz"`,
    });
    assert.equal(request.HyperParameters?.sagemaker_submit_directory, value);
  }
  // Already in S3: nothing to do.
  assert.deepEqual(
    planTrainingJobSource(scriptRequest('s', `s3://${BUCKET}/code/sourcedir.tar.gz`)),
    [],
  );
  const noProgram = scriptRequest('s', fileUri(code));
  delete noProgram.HyperParameters!.sagemaker_program;
  assert.throws(
    () => planTrainingJobSource(noProgram),
    /sagemaker_submit_directory is the local folder .* but sagemaker_program is missing/,
  );
  assert.throws(
    () =>
      planTrainingJobSource({
        ...scriptRequest('s', fileUri(code)),
        OutputDataConfig: { S3OutputPath: 'file:///tmp/out' },
      }),
    /packed and uploaded below the job's output prefix, but the output path is not in S3/,
  );
});

test('code plan: tuning definitions, a shared folder packed once', () => {
  const code = scriptFolder();
  const request = tuningRequest('tune-code', `s3://${BUCKET}/data/`);
  const definition = request.TrainingJobDefinition!;
  delete request.TrainingJobDefinition;
  const withCode = (name: string) => ({
    ...definition,
    DefinitionName: name,
    StaticHyperParameters: { sagemaker_program: 'train.py', sagemaker_submit_directory: code },
  });
  request.TrainingJobDefinitions = [withCode('small'), withCode('large')];
  const plan = planTuningJobSources(request);
  assert.deepEqual(
    plan.map((p) => [p.field, p.archive]),
    [
      [
        'TrainingJobDefinitions[0].StaticHyperParameters.sagemaker_submit_directory',
        `s3://${BUCKET}/tuning/tune-code/source/small/sourcedir.tar.gz`,
      ],
      [
        'TrainingJobDefinitions[1].StaticHyperParameters.sagemaker_submit_directory',
        `s3://${BUCKET}/tuning/tune-code/source/small/sourcedir.tar.gz`,
      ],
    ],
  );
  const sent = rewriteSources(request, plan);
  assert.equal(
    sent.TrainingJobDefinitions?.[1].StaticHyperParameters?.sagemaker_submit_directory,
    `"s3://${BUCKET}/tuning/tune-code/source/small/sourcedir.tar.gz"`,
  );
});

test('code archive: relative paths, .git, node_modules and __pycache__ left out, links inside followed', async () => {
  const code = scriptFolder();
  const packed = await packSourceDir(
    code,
    'HyperParameters.sagemaker_submit_directory',
    'train.py',
  );
  try {
    const entries = await archiveEntries(packed.file);
    assert.deepEqual([...entries.keys()].map((p) => p.replace(/\/$/, '')).sort(), [
      '.env.example',
      'helpers.py',
      'lib',
      'lib/util.py',
      'requirements.txt',
      'train.py',
    ]);
    // The link is a regular file in the archive, never a link.
    assert.equal(entries.get('helpers.py'), 'File');
    assert.ok(![...entries.keys()].some((p) => p.startsWith('/') || p.includes('..')));
  } finally {
    await packed.dispose();
  }

  const escaping = scriptFolder();
  const outside = folder({ 'secret.txt': 'x' });
  symlinkSync(join(outside, 'secret.txt'), join(escaping, 'lib', 'secret.txt'));
  await assert.rejects(
    packSourceDir(escaping, 'f', 'train.py'),
    /Cannot pack the code folder .*: lib\/secret\.txt is a symbolic link to .*secret\.txt, outside the folder/,
  );
  const loop = scriptFolder();
  symlinkSync(loop, join(loop, 'lib', 'again'));
  await assert.rejects(
    listSourceEntries(loop),
    /lib\/again is a symbolic link back to a folder that holds it/,
  );
  await assert.rejects(
    packSourceDir(scriptFolder(), 'HyperParameters.sagemaker_submit_directory', 'missing.py'),
    /sagemaker_program: "missing\.py" was not found in/,
  );
});

test(
  'script job: the code folder packed to <job>/source/sourcedir.tar.gz, CreateTrainingJob names it',
  { skip },
  async () => {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const code = scriptFolder();
    const train = folder({ 'data.csv': 'a,b\n' });
    const { backend, store } = clients();
    const request = scriptRequest('script-job', fileUri(code));
    request.InputDataConfig = [channel('training', fileUri(train))];
    const sent = await createTrainingJobWithUploads(backend, store, request);
    assert.deepEqual(await keys(), [
      'jobs/script-job/input/training/data.csv',
      'jobs/script-job/source/sourcedir.tar.gz',
    ]);
    const job = await backend.describeTrainingJob({ TrainingJobName: 'script-job' });
    assert.deepEqual(job.HyperParameters, {
      epochs: '2',
      sagemaker_program: '"train.py"',
      sagemaker_submit_directory: `"s3://${BUCKET}/jobs/script-job/source/sourcedir.tar.gz"`,
    });
    assert.deepEqual(sent.HyperParameters, job.HyperParameters);
    // The archive in S3, listed as the container would unpack it.
    const object = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'jobs/script-job/source/sourcedir.tar.gz' }),
    );
    const local = join(mkdtempSync(join(tmpdir(), 'smw-sourcedir-check-')), 'sourcedir.tar.gz');
    writeFileSync(local, await object.Body!.transformToByteArray());
    const entries = [...(await archiveEntries(local)).keys()].map((p) => p.replace(/\/$/, ''));
    assert.deepEqual(entries.sort(), [
      '.env.example',
      'helpers.py',
      'lib',
      'lib/util.py',
      'requirements.txt',
      'train.py',
    ]);
  },
);

/** bin/smw against moto: --backend aws with moto's endpoint. */
function smwOnMoto(args: string[]) {
  const result = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, 'bin', 'smw'),
      '--backend',
      'aws',
      '--region',
      REGION,
      '--endpoint-url',
      moto.url,
      ...args,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test(
  'smw --backend aws: validate and create upload nothing / the local code and data first',
  { skip },
  async () => {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const code = scriptFolder();
    const train = folder({ 'data.csv': 'a,b\n' });
    const request = scriptRequest('cli-job', fileUri(code));
    request.InputDataConfig = [channel('training', fileUri(train))];
    const file = join(mkdtempSync(join(tmpdir(), 'smw-cli-aws-')), 'req.json');
    writeFileSync(file, JSON.stringify(request));

    // validate: checked as it would be sent (the file:// URIs as their S3 destinations).
    const validated = smwOnMoto(['validate', '--cli-input-json', `file://${file}`]);
    assert.equal(validated.code, 0, validated.stderr);
    assert.match(validated.stderr, /valid CreateTrainingJob request/);
    assert.deepEqual(await keys(), []);

    const created = smwOnMoto(['create-training-job', '--cli-input-json', `file://${file}`]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(JSON.parse(created.stdout).TrainingJobArn, /training-job\/cli-job$/);
    assert.match(
      created.stderr,
      /training \(1\/2\) to s3:\/\/ml-bucket\/jobs\/cli-job\/input\/training\//,
    );
    assert.deepEqual(await keys(), [
      'jobs/cli-job/input/training/data.csv',
      'jobs/cli-job/source/sourcedir.tar.gz',
    ]);
    const { backend } = clients();
    const job = await backend.describeTrainingJob({ TrainingJobName: 'cli-job' });
    assert.equal(
      job.InputDataConfig?.[0].DataSource?.S3DataSource?.S3Uri,
      `s3://${BUCKET}/jobs/cli-job/input/training/`,
    );
    assert.equal(
      job.HyperParameters?.sagemaker_submit_directory,
      `"s3://${BUCKET}/jobs/cli-job/source/sourcedir.tar.gz"`,
    );

    // A tuning job whose create fails (the name is taken): its uploads are removed, exit 254.
    const tuning = tuningRequest('cli-tuning', fileUri(train));
    writeFileSync(file, JSON.stringify(tuning));
    assert.equal(
      smwOnMoto(['create-hyper-parameter-tuning-job', '--cli-input-json', `file://${file}`]).code,
      0,
    );
    const before = await keys('tuning/');
    assert.deepEqual(before, ['tuning/cli-tuning/input/training/data.csv']);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'unrelated.txt', Body: 'kept' }));
    // The same name again, with the first upload moved out of the way by hand.
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: before[0] }));
    const again = smwOnMoto([
      'create-hyper-parameter-tuning-job',
      '--cli-input-json',
      `file://${file}`,
    ]);
    assert.equal(again.code, 254, again.stderr);
    assert.match(again.stderr, /The uploaded channel data was removed\./);
    assert.deepEqual(await keys('tuning/'), []);
    assert.deepEqual(await keys('unrelated'), ['unrelated.txt']);
  },
);

test('tuning job: a failed create removes the uploaded code and data', { skip }, async () => {
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const { backend, store } = clients();
  // moto refuses a tuning job name in use (it lets training job names be reused).
  await backend.createHyperParameterTuningJob(tuningRequest('taken', `s3://${BUCKET}/x/`));
  const request = tuningRequest('taken', fileUri(folder({ 'data.csv': 'a,b\n' })));
  request.TrainingJobDefinition!.StaticHyperParameters = {
    sagemaker_program: 'train.py',
    sagemaker_submit_directory: fileUri(scriptFolder()),
  };
  const progress: string[] = [];
  await assert.rejects(
    createTuningJobWithUploads(backend, store, request, {
      onProgress: (p) => progress.push(`${p.index}/${p.count} ${p.channel.destination}`),
    }),
    (err: unknown) =>
      err instanceof SageMakerError &&
      err.name === 'ResourceInUse' &&
      /The uploaded code and channel data was removed\./.test(err.message),
  );
  assert.ok(progress.includes(`2/2 s3://${BUCKET}/tuning/taken/source/`), progress.join());
  assert.deepEqual(await keys(), []);
});

test(
  'script job: an escaping link refuses the job before anything is uploaded',
  { skip },
  async () => {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const code = scriptFolder();
    symlinkSync(tmpdir(), join(code, 'tmp'));
    const { backend, store } = clients();
    await assert.rejects(
      createTrainingJobWithUploads(backend, store, scriptRequest('escaping', fileUri(code))),
      /tmp is a symbolic link to .*, outside the folder.*Nothing was uploaded\./,
    );
    assert.deepEqual(await keys(), []);
    assert.equal((await backend.listTrainingJobs({})).TrainingJobSummaries?.length, 0);
  },
);

// ---------------------------------------------------------------------------------------
// Train Incrementally: a new job from an earlier one's description

test(
  'incremental: a job from a completed moto job has the model channel and the earlier settings',
  { skip },
  async () => {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const { backend, store } = clients();
    const first = trainingRequest('first-run', {
      training: `s3://${BUCKET}/data/train/`,
      validation: `s3://${BUCKET}/data/val/`,
    });
    first.AlgorithmSpecification!.MetricDefinitions = [{ Name: 'loss', Regex: 'loss=(\\S+)' }];
    first.ResourceConfig = { InstanceType: 'ml.g5.2xlarge', InstanceCount: 2, VolumeSizeInGB: 50 };
    first.HyperParameters = { epochs: '3', learning_rate: '0.01' };
    first.CheckpointConfig = { S3Uri: `s3://${BUCKET}/checkpoints/first-run` };
    await backend.createTrainingJob(first);
    const parent = await backend.describeTrainingJob({ TrainingJobName: 'first-run' });
    assert.equal(parent.TrainingJobStatus, 'Completed');
    const artifact = parent.ModelArtifacts?.S3ModelArtifacts;
    assert.ok(artifact);

    const request = incrementalJobRequest(parent, {
      jobName: 'first-run-incr',
      hyperParameters: { epochs: '1' },
    });
    // As the launch does: the job defaults apply (the request's own values win).
    const { request: prepared } = applyTrainingJobDefaults(request, {
      roleArn: 'arn:aws:iam::123456789012:role/Other',
      outputS3Uri: `s3://${BUCKET}/elsewhere`,
      tags: { team: 'ml' },
    });
    await createTrainingJobWithUploads(backend, store, prepared);
    const job = await backend.describeTrainingJob({ TrainingJobName: 'first-run-incr' });
    assert.deepEqual(
      job.InputDataConfig?.map((c) => c.ChannelName),
      ['training', 'validation', 'model'],
    );
    const model = job.InputDataConfig?.find((c) => c.ChannelName === 'model');
    assert.deepEqual(model?.DataSource?.S3DataSource, {
      S3DataType: 'S3Prefix',
      S3Uri: artifact,
      S3DataDistributionType: 'FullyReplicated',
    });
    assert.equal(model?.InputMode, 'File');
    assert.equal(job.AlgorithmSpecification?.TrainingImage, IMAGE);
    assert.equal(job.AlgorithmSpecification?.TrainingInputMode, 'File');
    assert.deepEqual(
      job.AlgorithmSpecification?.MetricDefinitions,
      parent.AlgorithmSpecification?.MetricDefinitions,
    );
    assert.deepEqual(job.HyperParameters, { epochs: '1', learning_rate: '0.01' });
    assert.deepEqual(job.ResourceConfig, parent.ResourceConfig);
    assert.equal(job.RoleArn, ROLE);
    assert.deepEqual(job.OutputDataConfig, parent.OutputDataConfig);
    assert.deepEqual(job.StoppingCondition, parent.StoppingCondition);
    // A completed job's checkpoints are not resumed: its model channel is the starting point.
    assert.equal(request.CheckpointConfig, undefined);

    // Another dataset, a local folder: uploaded as the training channel, validation dropped.
    const other = folder({ 'cats/1.jpg': 'x' });
    const next = incrementalJobRequest(parent, {
      jobName: 'first-run-incr-2',
      training: fileUri(other),
    });
    await createTrainingJobWithUploads(backend, store, next);
    const nextJob = await backend.describeTrainingJob({ TrainingJobName: 'first-run-incr-2' });
    assert.deepEqual(
      nextJob.InputDataConfig?.map((c) => [c.ChannelName, c.DataSource?.S3DataSource?.S3Uri]),
      [
        ['training', `s3://${BUCKET}/jobs/first-run-incr-2/input/training/`],
        ['model', artifact],
      ],
    );
  },
);

test('incremental: a stopped job with checkpoints is resumed from the same checkpoint URI', () => {
  const parent: DescribeTrainingJobResponse = {
    ...trainingRequest('stopped-run', { train: `s3://${BUCKET}/data/` }),
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    TrainingJobArn: 'arn:aws:sagemaker:us-east-1:123456789012:training-job/stopped-run',
    TrainingJobStatus: 'Stopped',
    SecondaryStatus: 'Stopped',
    CreationTime: new Date(),
    CheckpointConfig: {
      S3Uri: `s3://${BUCKET}/checkpoints/stopped-run`,
      LocalPath: '/opt/ml/checkpoints',
    },
    ModelArtifacts: { S3ModelArtifacts: `s3://${BUCKET}/jobs/stopped-run/output/model.tar.gz` },
    ExperimentConfig: { TrialName: 'earlier' },
    HyperParameters: { epochs: '10', _tuning_objective_metric: 'loss' },
  };
  const request = incrementalJobRequest(parent, { jobName: 'resumed' });
  assert.deepEqual(request.CheckpointConfig, parent.CheckpointConfig);
  assert.equal(request.ExperimentConfig, undefined);
  assert.deepEqual(request.HyperParameters, { epochs: '10' });
  // A dataset given replaces the `train` channel, keeping its options.
  const moved = incrementalJobRequest(parent, {
    jobName: 'resumed',
    training: `s3://${BUCKET}/new/`,
  });
  assert.deepEqual(
    moved.InputDataConfig?.map((c) => [
      c.ChannelName,
      c.DataSource?.S3DataSource?.S3Uri,
      c.InputMode,
    ]),
    [
      ['train', `s3://${BUCKET}/new/`, 'File'],
      ['model', parent.ModelArtifacts!.S3ModelArtifacts, 'File'],
    ],
  );
  // Stopped before writing a model: resumed from the checkpoints alone, no model channel.
  const early = incrementalJobRequest({ ...parent, ModelArtifacts: undefined }, { jobName: 'r2' });
  assert.deepEqual(
    early.InputDataConfig?.map((c) => c.ChannelName),
    ['train'],
  );
  assert.throws(
    () =>
      incrementalJobRequest(
        { ...parent, ModelArtifacts: undefined, CheckpointConfig: undefined },
        { jobName: 'r3' },
      ),
    /stopped-run has no model artifact \(it was stopped before writing one\) and no checkpoints/,
  );
  assert.throws(
    () => incrementalJobRequest({ ...parent, TrainingJobStatus: 'InProgress' }),
    /stopped-run is InProgress; only a Completed or Stopped job/,
  );
});
