/**
 * Models on the aws backend against a real moto_server started by this file: SageMaker models
 * (ListModels with paging, DescribeModel) and the artifacts of completed training jobs, and
 * the `smw` dataset and model commands end to end.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { CreateModelCommand, ListModelsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { AwsBackend } from '../../src/backends/aws/awsBackend';
import { createModelsBackend } from '../../src/backends/createDatasets';
import { SageMakerError } from '../../src/model/errors';
import type { CreateTrainingJobRequest } from '../../src/model/types';
import { DUMMY_CREDENTIALS, MOTO_SKIP_REASON, MotoServer, motoAvailable } from '../moto/motoServer';

const skip = motoAvailable() ? false : MOTO_SKIP_REASON;
if (skip) process.stderr.write(`# skipping the moto tests of aws models: ${skip}\n`);

const home = mkdtempSync(join(tmpdir(), 'smw-models-'));
for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
Object.assign(process.env, DUMMY_CREDENTIALS, {
  AWS_CONFIG_FILE: join(home, 'config'),
  AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

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
