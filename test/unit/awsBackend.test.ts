/**
 * The aws backend against a real moto_server (the AWS emulator): training and tuning jobs
 * created, described and listed (with paging) through AwsBackend, validation before sending,
 * the service's errors, warm start against parents on the server, logs and metrics from moto's
 * CloudWatch Logs, change notification, and `smw --backend aws`. What moto does not implement
 * (the Stop operations, ListTrainingJobsForHyperParameterTuningJob) is in awsMocked.test.ts.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateTrainingJobCommand,
  SageMakerClient,
  type CreateHyperParameterTuningJobRequest,
} from '@aws-sdk/client-sagemaker';
import { AwsBackend } from '../../src/backends/aws/awsBackend';
import { TRAINING_JOB_LOG_GROUP } from '../../src/backends/aws/logReader';
import { SageMakerError } from '../../src/model/errors';
import type { CreateTrainingJobRequest } from '../../src/model/types';
import {
  isolateAwsEnvironment,
  MOTO_SKIP_REASON,
  MotoServer,
  motoAvailable,
} from '../moto/motoServer';

const skip = motoAvailable() ? false : MOTO_SKIP_REASON;
if (skip) process.stderr.write(`# skipping the moto tests of the aws backend: ${skip}\n`);

// Dummy credentials only, and nothing read from the user's ~/.aws.
isolateAwsEnvironment('smw-aws-');

const REGION = 'us-east-1';
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1.0';
const ROLE = 'arn:aws:iam::123456789012:role/SageMakerRole';

let moto: MotoServer;
const backends: AwsBackend[] = [];

function backend(): AwsBackend {
  const created = new AwsBackend({
    region: REGION,
    endpointUrl: moto.url,
    maxAttempts: 2,
    pollIntervals: { activeMs: 50, idleMs: 100, maxIdleMs: 200 },
  });
  backends.push(created);
  return created;
}

before(async () => {
  if (!skip) moto = await MotoServer.start();
});
after(() => moto?.stop());
afterEach(async () => {
  for (const b of backends.splice(0)) {
    b.sagemaker.destroy();
    b.logs.destroy();
  }
  if (!skip) await moto.reset();
});

function trainingRequest(name: string, extra: Partial<CreateTrainingJobRequest> = {}) {
  return {
    TrainingJobName: name,
    RoleArn: ROLE,
    AlgorithmSpecification: {
      TrainingImage: IMAGE,
      TrainingInputMode: 'File',
      MetricDefinitions: [{ Name: 'train:loss', Regex: 'loss=([0-9.]+)' }],
    },
    HyperParameters: { epochs: '3' },
    OutputDataConfig: { S3OutputPath: 's3://bucket/output' },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    ...extra,
  } satisfies CreateTrainingJobRequest;
}

function tuningRequest(
  name: string,
  warmStartParents: string[] = [],
  objective: 'Minimize' | 'Maximize' = 'Minimize',
): CreateHyperParameterTuningJobRequest {
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      Strategy: 'Bayesian',
      HyperParameterTuningJobObjective: { Type: objective, MetricName: 'val_loss' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
      ParameterRanges: {
        ContinuousParameterRanges: [
          { Name: 'lr', MinValue: '0.001', MaxValue: '0.1', ScalingType: 'Logarithmic' },
        ],
      },
    },
    TrainingJobDefinition: {
      StaticHyperParameters: { epochs: '3' },
      AlgorithmSpecification: {
        TrainingImage: IMAGE,
        TrainingInputMode: 'File',
        MetricDefinitions: [{ Name: 'val_loss', Regex: 'val_loss=(\\S+)' }],
      },
      RoleArn: ROLE,
      OutputDataConfig: { S3OutputPath: 's3://bucket/output' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    },
    ...(warmStartParents.length
      ? {
          WarmStartConfig: {
            WarmStartType: 'TransferLearning',
            ParentHyperParameterTuningJobs: warmStartParents.map((p) => ({
              HyperParameterTuningJobName: p,
            })),
          },
        }
      : {}),
  };
}

async function rejectsWith(promise: Promise<unknown>, name: string, message: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof SageMakerError, `not a SageMakerError: ${String(err)}`);
    assert.equal(err.name, name);
    assert.match(err.message, message);
    return true;
  });
}

test('training jobs: create, describe, and list every page', { skip }, async () => {
  const aws = backend();
  const names = ['job-a', 'job-b', 'job-c', 'job-d', 'job-e'];
  for (const name of names) {
    const created = await aws.createTrainingJob(trainingRequest(name));
    assert.deepEqual(created, {
      TrainingJobArn: `arn:aws:sagemaker:${REGION}:123456789012:training-job/${name}`,
    });
  }

  const job = await aws.describeTrainingJob({ TrainingJobName: 'job-c' });
  assert.equal(job.TrainingJobName, 'job-c');
  assert.equal(job.TrainingJobStatus, 'Completed'); // moto completes jobs at once
  assert.equal(job.RoleArn, ROLE);
  assert.ok(job.CreationTime instanceof Date);
  assert.ok(!('$metadata' in job), 'the SDK metadata is not part of the answer');

  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await aws.listTrainingJobs({
      MaxResults: 2,
      ...(token ? { NextToken: token } : {}),
    });
    assert.ok(!('$metadata' in page));
    assert.ok((page.TrainingJobSummaries ?? []).length <= 2);
    seen.push(...(page.TrainingJobSummaries ?? []).map((s) => s.TrainingJobName!));
    token = page.NextToken;
    pages++;
  } while (token);
  assert.equal(pages, 3);
  assert.deepEqual(seen.sort(), names);

  const filtered = await aws.listTrainingJobs({ NameContains: 'job-d' });
  assert.deepEqual(
    filtered.TrainingJobSummaries?.map((s) => s.TrainingJobName),
    ['job-d'],
  );
});

test('requests are validated before they are sent', { skip }, async () => {
  const aws = backend();
  await rejectsWith(
    aws.createTrainingJob(trainingRequest('bad_name')),
    'ValidationException',
    /^Invalid CreateTrainingJob request: TrainingJobName "bad_name" is not valid/,
  );
  await rejectsWith(
    aws.createTrainingJob(
      trainingRequest('local-only', {
        OutputDataConfig: { S3OutputPath: 'file:///tmp/out' },
        AlgorithmSpecification: { TrainingImage: 'local:process', TrainingInputMode: 'File' },
        HyperParameters: { sagemaker_submit_directory: 'file:///tmp/code', note: 'file://ok' },
      }),
    ),
    'ValidationException',
    /AlgorithmSpecification\.TrainingImage local:process runs only on the local backend.*; HyperParameters\.sagemaker_submit_directory is a file:\/\/ URI.*; OutputDataConfig\.S3OutputPath is a file:\/\/ URI.*s3:\/\/[^;]*$/,
  );
  await rejectsWith(
    aws.validateTrainingJobRequest({ ...trainingRequest('x'), RoleArn: undefined }),
    'ValidationException',
    /RoleArn is required/,
  );
  await aws.validateTrainingJobRequest(trainingRequest('fine'));
  // Nothing reached the server.
  assert.deepEqual((await aws.listTrainingJobs({})).TrainingJobSummaries, []);
});

test("the service's errors come back with its code and message", { skip }, async () => {
  const aws = backend();
  await rejectsWith(
    aws.describeTrainingJob({ TrainingJobName: 'no-such-job' }),
    'ValidationException',
    /Could not find training job .*no-such-job/,
  );
  await rejectsWith(
    aws.describeHyperParameterTuningJob({ HyperParameterTuningJobName: 'no-such-tuning' }),
    'ResourceNotFound',
    /no-such-tuning/,
  );
  await aws.createHyperParameterTuningJob(tuningRequest('dup'));
  await rejectsWith(
    aws.createHyperParameterTuningJob(tuningRequest('dup')),
    'ResourceInUse',
    /already exists/,
  );
});

test('tuning jobs: create, describe, list every page, warm start', { skip }, async () => {
  const aws = backend();
  for (const name of ['tune-1', 'tune-2', 'tune-3']) {
    const created = await aws.createHyperParameterTuningJob(tuningRequest(name));
    assert.match(created.HyperParameterTuningJobArn!, /hyper-parameter-tuning-job\/tune-\d$/);
  }
  const described = await aws.describeHyperParameterTuningJob({
    HyperParameterTuningJobName: 'tune-2',
  });
  assert.equal(described.HyperParameterTuningJobName, 'tune-2');
  assert.equal(described.HyperParameterTuningJobConfig?.Strategy, 'Bayesian');
  assert.ok(!('$metadata' in described));

  const first = await aws.listHyperParameterTuningJobs({ MaxResults: 2 });
  assert.equal(first.HyperParameterTuningJobSummaries?.length, 2);
  assert.ok(first.NextToken);
  const second = await aws.listHyperParameterTuningJobs({
    MaxResults: 2,
    NextToken: first.NextToken,
  });
  assert.equal(second.NextToken, undefined);
  assert.deepEqual(
    [...first.HyperParameterTuningJobSummaries!, ...second.HyperParameterTuningJobSummaries!]
      .map((s) => s.HyperParameterTuningJobName)
      .sort(),
    ['tune-1', 'tune-2', 'tune-3'],
  );

  // Warm start from parents on the server (moto's are Completed at once).
  await aws.validateHyperParameterTuningJobRequest(tuningRequest('child', ['tune-1', 'tune-2']));
  const child = await aws.createHyperParameterTuningJob(tuningRequest('child', ['tune-1']));
  assert.match(child.HyperParameterTuningJobArn!, /child$/);
  const echoed = await aws.describeHyperParameterTuningJob({
    HyperParameterTuningJobName: 'child',
  });
  assert.deepEqual(echoed.WarmStartConfig?.ParentHyperParameterTuningJobs, [
    { HyperParameterTuningJobName: 'tune-1' },
  ]);

  // A parent that does not exist, and one with another objective: refused before sending.
  await rejectsWith(
    aws.createHyperParameterTuningJob(tuningRequest('orphan', ['tune-1', 'no-such-parent'])),
    'ValidationException',
    /^Invalid WarmStartConfig: .*"no-such-parent"/,
  );
  await rejectsWith(
    aws.validateHyperParameterTuningJobRequest(tuningRequest('flip', ['tune-3'], 'Maximize')),
    'ValidationException',
    /objective metric must be the same as in parent tuning job "tune-3"/,
  );
  const all = await aws.listHyperParameterTuningJobs({ MaxResults: 100 });
  assert.ok(
    !all.HyperParameterTuningJobSummaries?.some((s) => s.HyperParameterTuningJobName === 'orphan'),
  );
});

/** Writes log lines to moto's CloudWatch Logs as SageMaker does: one stream per instance. */
async function putLog(
  logs: CloudWatchLogsClient,
  stream: string,
  lines: { t: number; message: string }[],
  create = true,
) {
  if (create) {
    await logs
      .send(new CreateLogGroupCommand({ logGroupName: TRAINING_JOB_LOG_GROUP }))
      .catch((err: Error) => {
        if (err.name !== 'ResourceAlreadyExistsException') throw err;
      });
    await logs.send(
      new CreateLogStreamCommand({ logGroupName: TRAINING_JOB_LOG_GROUP, logStreamName: stream }),
    );
  }
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: TRAINING_JOB_LOG_GROUP,
      logStreamName: stream,
      logEvents: lines.map((l) => ({ timestamp: l.t, message: l.message })),
    }),
  );
}

test('logs and metrics from CloudWatch Logs', { skip }, async () => {
  const aws = backend();
  await aws.createTrainingJob(trainingRequest('logged'));
  await aws.createTrainingJob(trainingRequest('logged-2')); // its stream must not be read
  // moto replaces MetricDefinitions with its own; the job's definitions are what count.
  const definitions = (await aws.describeTrainingJob({ TrainingJobName: 'logged' }))
    .AlgorithmSpecification!.MetricDefinitions!;
  const metric = definitions[0];
  const lineFor = (value: number) =>
    metric.Name === 'train:loss'
      ? `loss=${value}`
      : `#quality_metric: host=algo-1, test dcg <score>=${value}`;

  const t0 = Date.now() - 60_000;
  await putLog(aws.logs, 'logged/algo-1-1700000000', [
    { t: t0, message: 'starting' },
    { t: t0 + 10, message: lineFor(0.9) },
    { t: t0 + 30, message: lineFor(0.5) },
  ]);
  await putLog(aws.logs, 'logged/algo-2-1700000000', [{ t: t0 + 20, message: 'algo-2 up' }]);
  await putLog(aws.logs, 'logged-2/algo-1-1700000000', [{ t: t0, message: 'other job' }]);

  const first = await aws.readTrainingJobLog('logged', 0);
  assert.equal(first.text, `starting\n${lineFor(0.9)}\nalgo-2 up\n${lineFor(0.5)}\n`);
  assert.equal(first.next, 4);
  assert.deepEqual(await aws.readTrainingJobLog('logged', first.next), { text: '', next: 4 });

  const points = await aws.getTrainingJobMetrics('logged');
  assert.deepEqual(points, [
    { name: metric.Name, value: 0.9, timestamp: new Date(t0 + 10).toISOString() },
    { name: metric.Name, value: 0.5, timestamp: new Date(t0 + 30).toISOString() },
  ]);

  // New lines, one of them at the same millisecond as the last one read.
  await putLog(
    aws.logs,
    'logged/algo-1-1700000000',
    [
      { t: t0 + 30, message: 'same millisecond' },
      { t: t0 + 40, message: lineFor(0.25) },
    ],
    false,
  );
  const more = await aws.readTrainingJobLog('logged', first.next);
  assert.equal(more.text, `same millisecond\n${lineFor(0.25)}\n`);
  assert.equal(more.next, 6);
  assert.deepEqual(
    (await aws.getTrainingJobMetrics('logged')).map((p) => p.value),
    [0.9, 0.5, 0.25],
  );

  // A position this backend did not hand out (another window's): found by reading again.
  const fresh = backend();
  assert.deepEqual(await fresh.readTrainingJobLog('logged', 3), {
    text: `${lineFor(0.5)}\nsame millisecond\n${lineFor(0.25)}\n`,
    next: 6,
  });

  // A job that has not logged yet, and one that does not exist.
  await aws.createTrainingJob(trainingRequest('quiet'));
  assert.deepEqual(await aws.readTrainingJobLog('quiet', 0), { text: '', next: 0 });
  assert.deepEqual(await aws.getTrainingJobMetrics('quiet'), []);
  await rejectsWith(aws.readTrainingJobLog('ghost', 0), 'ValidationException', /ghost/);
  assert.deepEqual(await aws.getTrainingJobWarnings(), []);
});

test('watchChanges notices jobs created elsewhere and stops when disposed', { skip }, async () => {
  const aws = backend();
  const other = new SageMakerClient({
    region: REGION,
    endpoint: moto.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  let calls = 0;
  const watcher = aws.watchChanges(() => calls++);
  await new Promise((r) => setTimeout(r, 150)); // the baseline poll
  assert.equal(calls, 0);
  await other.send(new CreateTrainingJobCommand(trainingRequest('from-elsewhere')));
  const deadline = Date.now() + 5_000;
  while (calls === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(calls >= 1, 'the listener was called');
  watcher.dispose();
  const after = calls;
  await other.send(new CreateTrainingJobCommand(trainingRequest('unseen')));
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(calls, after, 'no calls after dispose');
  other.destroy();
});

/** Runs the CLI transpiled next to this test (src/cli/main.js in the same out folder), as bin/smw does. */
function smw(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const main = resolve(__dirname, '..', '..', 'src', 'cli', 'main.js');
  const script = `require(${JSON.stringify(main)}).main(process.argv.slice(1), ${JSON.stringify(
    resolve(__dirname, '..', '..', '..', 'dist'),
  )}).then((code) => process.stdout.write('', () => process.exit(code)));`;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['-e', script, '--', ...args], {
      env: { ...process.env },
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

test('smw --backend aws lists and describes jobs from the endpoint', { skip }, async () => {
  const aws = backend();
  await aws.createTrainingJob(trainingRequest('cli-a'));
  await aws.createTrainingJob(trainingRequest('cli-b'));
  const common = ['--backend', 'aws', '--endpoint-url', moto.url, '--region', REGION];

  const listed = await smw([...common, 'list-training-jobs']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.stderr, '');
  const summaries = JSON.parse(listed.stdout).TrainingJobSummaries as { TrainingJobName: string }[];
  assert.deepEqual(summaries.map((s) => s.TrainingJobName).sort(), ['cli-a', 'cli-b']);

  const missing = await smw([...common, 'describe-training-job', '--training-job-name', 'nope']);
  assert.equal(missing.code, 254);
  assert.match(
    missing.stderr,
    /^smw: An error occurred \(ValidationException\): Could not find training job .*nope.*\n$/,
  );
  assert.equal(missing.stderr.split('\n').length, 2, 'one line');
});
