/**
 * The aws backend's setup, resolved as the AWS CLI resolves it: profiles and regions from a
 * temporary shared config file, one-line messages with the fix for missing or rejected
 * credentials, a missing region and an unreachable endpoint, and throttling retried by the
 * SDK's adaptive retry against a small fake SageMaker endpoint (the real HTTP stack, not a mock).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AwsBackend } from '../../src/backends/aws/awsBackend';
import { AwsConfigurationError } from '../../src/backends/aws/awsErrors';
import { SageMakerError } from '../../src/model/errors';
import { freePort } from '../moto/motoServer';

const SECRET = 'SECRETDUMMYKEY0123456789';
const home = mkdtempSync(join(tmpdir(), 'smw-aws-config-'));
writeFileSync(
  join(home, 'config'),
  [
    '[profile static]',
    'region = ap-south-1',
    'aws_access_key_id = AKIDDUMMY',
    `aws_secret_access_key = ${SECRET}`,
    '',
    '[profile noregion]',
    'aws_access_key_id = AKIDDUMMY',
    `aws_secret_access_key = ${SECRET}`,
    '',
    '[profile sso-dev]',
    'sso_session = corp',
    'sso_account_id = 123456789012',
    'sso_role_name = Developer',
    'region = eu-west-1',
    '',
    '[sso-session corp]',
    'sso_start_url = https://example.awsapps.com/start',
    'sso_region = us-east-1',
    '',
  ].join('\n'),
);
writeFileSync(join(home, 'credentials'), '');

// Only the temporary files: nothing from the user's environment or ~/.aws.
for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
const ENV = {
  HOME: home,
  AWS_CONFIG_FILE: join(home, 'config'),
  AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
Object.assign(process.env, ENV);

/** A fake SageMaker endpoint answering each request with the next answer (the last repeats). */
interface FakeEndpoint {
  url: string;
  targets: string[];
  server: Server;
}
const answers: { status: number; body: object }[] = [];
let fake: FakeEndpoint;

before(async () => {
  const targets: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    targets.push(String(req.headers['x-amz-target'] ?? ''));
    req.resume();
    req.on('end', () => {
      const answer = answers.length > 1 ? answers.shift()! : answers[0];
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  fake = { url: `http://127.0.0.1:${port}`, targets, server };
});
after(() => fake.server.close());

function answer(...list: { status: number; body: object }[]) {
  answers.splice(0, answers.length, ...list);
  fake.targets.length = 0;
}

const THROTTLED = {
  status: 400,
  body: { __type: 'ThrottlingException', message: 'Rate exceeded' },
};
const JOB = {
  status: 200,
  body: { TrainingJobName: 'job-1', TrainingJobStatus: 'InProgress', CreationTime: 1_700_000_000 },
};

async function configurationError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof AwsConfigurationError, `not an AwsConfigurationError: ${String(err)}`);
    assert.ok(!err.message.includes('\n'), 'one line');
    assert.ok(!err.message.includes(SECRET), 'no secrets');
    return err.message;
  }
  throw new Error('expected a rejection');
}

test('throttling is retried with adaptive backoff, then succeeds', async () => {
  answer(THROTTLED, JOB);
  const backend = new AwsBackend({ profile: 'static', endpointUrl: fake.url, maxAttempts: 4 });
  const job = await backend.describeTrainingJob({ TrainingJobName: 'job-1' });
  assert.equal(job.TrainingJobName, 'job-1');
  assert.deepEqual(job.CreationTime, new Date(1_700_000_000_000));
  assert.deepEqual(fake.targets, Array(2).fill('SageMaker.DescribeTrainingJob'));
});

test('throttling past maxAttempts is the service error, as the AWS CLI shows it', async () => {
  answer(THROTTLED);
  const backend = new AwsBackend({ profile: 'static', endpointUrl: fake.url, maxAttempts: 2 });
  await assert.rejects(backend.listTrainingJobs({}), (err) => {
    assert.ok(err instanceof SageMakerError);
    assert.equal(err.name, 'ThrottlingException');
    assert.equal(err.message, 'Rate exceeded');
    return true;
  });
  assert.equal(fake.targets.length, 2);
});

test('expired or rejected credentials say what to run', async () => {
  answer({
    status: 400,
    body: {
      __type: 'ExpiredTokenException',
      message: 'The security token included in the request is expired',
    },
  });
  const backend = new AwsBackend({ profile: 'static', endpointUrl: fake.url, maxAttempts: 1 });
  assert.match(
    await configurationError(backend.listTrainingJobs({})),
    /^The AWS credentials of profile static have expired .*`aws sso login --profile static`/,
  );
  answer({
    status: 400,
    body: {
      __type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    },
  });
  assert.match(
    await configurationError(backend.listTrainingJobs({})),
    /^AWS rejected the credentials of profile static .*`aws sts get-caller-identity --profile static`.*`aws configure --profile static`/,
  );
});

test('a profile that does not exist', async () => {
  const backend = new AwsBackend({ profile: 'nosuch', region: 'us-east-1', endpointUrl: fake.url });
  assert.equal(
    await configurationError(backend.listTrainingJobs({})),
    'The config profile (nosuch) could not be found in the shared AWS config or credentials file. ' +
      'Create it with `aws configure --profile nosuch` (or `aws configure sso --profile nosuch`), ' +
      'or choose another profile with --profile.',
  );
});

test('an SSO profile that is not logged in', async () => {
  const backend = new AwsBackend({ profile: 'sso-dev', endpointUrl: fake.url });
  assert.match(
    await configurationError(backend.listTrainingJobs({})),
    /^The SSO session of profile sso-dev has expired or was never started .*Run `aws sso login --profile sso-dev`/,
  );
});

test('no credentials anywhere', async () => {
  const backend = new AwsBackend({ region: 'us-east-1', endpointUrl: fake.url });
  assert.match(
    await configurationError(backend.listTrainingJobs({})),
    /^Unable to locate AWS credentials\. Run `aws configure` \(or `aws sso login` for an SSO profile\), or set AWS_ACCESS_KEY_ID/,
  );
});

test('no region anywhere', async () => {
  const backend = new AwsBackend({ profile: 'noregion', endpointUrl: fake.url });
  assert.equal(
    await configurationError(backend.listTrainingJobs({})),
    'No AWS region is configured for profile noregion. Pass --region (e.g. --region us-east-1), ' +
      'set AWS_REGION, or run `aws configure set region us-east-1 --profile noregion`.',
  );
});

test('region: the option, else AWS_REGION, else AWS_DEFAULT_REGION, else the profile', async () => {
  const regionOf = async (backend: AwsBackend) => backend.sagemaker.config.region();
  const fromProfile = new AwsBackend({ profile: 'static' });
  assert.equal(await regionOf(fromProfile), 'ap-south-1');
  await new Promise((r) => setImmediate(r));
  assert.equal(fromProfile.location, 'aws ap-south-1 (profile static)');

  process.env.AWS_DEFAULT_REGION = 'eu-central-1';
  try {
    assert.equal(await regionOf(new AwsBackend({ profile: 'static' })), 'eu-central-1');
    process.env.AWS_REGION = 'us-west-2';
    assert.equal(await regionOf(new AwsBackend({ profile: 'static' })), 'us-west-2');
    const explicit = new AwsBackend({
      profile: 'static',
      region: 'sa-east-1',
      endpointUrl: fake.url,
    });
    assert.equal(await regionOf(explicit), 'sa-east-1');
    assert.equal(explicit.location, `aws sa-east-1 (profile static) at ${fake.url}`);
  } finally {
    delete process.env.AWS_DEFAULT_REGION;
    delete process.env.AWS_REGION;
  }
});

test('an endpoint nobody listens on', async () => {
  const url = `http://127.0.0.1:${await freePort()}`;
  const backend = new AwsBackend({ profile: 'static', endpointUrl: url, maxAttempts: 1 });
  assert.equal(
    await configurationError(backend.listTrainingJobs({})),
    `Could not connect to the endpoint URL: "${url}" (ECONNREFUSED). Check --endpoint-url and that the server is running.`,
  );
});

test('smw --backend aws with an unknown profile: one line, no stack trace', async () => {
  const main = resolve(__dirname, '..', '..', 'src', 'cli', 'main.js');
  const script = `require(${JSON.stringify(main)}).main(process.argv.slice(1), '.').then((code) => process.stdout.write('', () => process.exit(code)));`;
  const args = ['--backend', 'aws', '--profile', 'nosuch', '--region', 'us-east-1'];
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (done, fail) => {
      const child = spawn(
        process.execPath,
        ['-e', script, '--', ...args, '--endpoint-url', fake.url, 'list-training-jobs'],
        { env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', fail);
      child.on('close', (code) => done({ code, stdout, stderr }));
    },
  );
  assert.equal(result.code, 255);
  assert.equal(result.stdout, '');
  assert.equal(
    result.stderr,
    'smw: The config profile (nosuch) could not be found in the shared AWS config or credentials file. ' +
      'Create it with `aws configure --profile nosuch` (or `aws configure sso --profile nosuch`), ' +
      'or choose another profile with --profile.\n',
  );
});
