/**
 * The aws job defaults (sagemakerWorkbench.aws.*): each validation rule with its message,
 * what is filled into a training request and into every definition of a tuning request, what
 * the request already has kept, placeholders replaced, tags merged by key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  CreateHyperParameterTuningJobRequest,
  CreateTrainingJobRequest,
} from '@aws-sdk/client-sagemaker';
import {
  applyTrainingJobDefaults,
  applyTuningJobDefaults,
  JobDefaultsError,
  jobDefaultsProblems,
  mergeTags,
  type JobDefaults,
} from '../../src/backends/aws/jobDefaults';
import { LOCAL_ROLE_ARN } from '../../src/model/scriptJob';

const ROLE = 'arn:aws:iam::111122223333:role/service-role/SageMakerExecution';
const DEFAULTS: JobDefaults = {
  roleArn: ROLE,
  outputS3Uri: 's3://ml-bucket/jobs/',
  outputKmsKeyId: 'alias/ml-output',
  volumeKmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  vpcSubnets: ['subnet-0123456789abcdef0', 'subnet-0fedcba98'],
  vpcSecurityGroupIds: ['sg-0123456789abcdef0'],
  tags: { team: 'vision', 'cost-center': '42' },
};

function training(extra: Partial<CreateTrainingJobRequest> = {}): CreateTrainingJobRequest {
  return {
    TrainingJobName: 'job-1',
    AlgorithmSpecification: { TrainingImage: 'img:1', TrainingInputMode: 'File' },
    OutputDataConfig: { S3OutputPath: '' },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
    StoppingCondition: { MaxRuntimeInSeconds: 60 },
    RoleArn: undefined,
    ...extra,
  } as CreateTrainingJobRequest;
}

function tuning(): CreateHyperParameterTuningJobRequest {
  const definition = {
    AlgorithmSpecification: { TrainingImage: 'img:1', TrainingInputMode: 'File' as const },
    StaticHyperParameters: {},
    OutputDataConfig: { S3OutputPath: '' },
    ResourceConfig: { InstanceType: 'ml.m5.large' as const, InstanceCount: 1, VolumeSizeInGB: 10 },
    StoppingCondition: { MaxRuntimeInSeconds: 60 },
  } as never;
  return {
    HyperParameterTuningJobName: 'tune-1',
    HyperParameterTuningJobConfig: {
      Strategy: 'Random',
      ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 },
    },
    TrainingJobDefinitions: [
      { ...(definition as object), DefinitionName: 'a' },
      {
        ...(definition as object),
        DefinitionName: 'b',
        RoleArn: 'arn:aws:iam::111122223333:role/Other',
        OutputDataConfig: { S3OutputPath: 's3://other/out', KmsKeyId: 'alias/own' },
        VpcConfig: { Subnets: ['subnet-aaaaaaaa'], SecurityGroupIds: ['sg-bbbbbbbb'] },
      },
    ] as never,
    Tags: [{ Key: 'team', Value: 'nlp' }],
  };
}

function problemsOf(defaults: JobDefaults): string {
  return jobDefaultsProblems(defaults).join('\n');
}

test('job defaults: valid settings have no problems; empty settings neither', () => {
  assert.deepEqual(jobDefaultsProblems(DEFAULTS), []);
  assert.deepEqual(jobDefaultsProblems({}), []);
  assert.deepEqual(jobDefaultsProblems({ roleArn: '', vpcSubnets: [], tags: {} }), []);
  assert.deepEqual(
    jobDefaultsProblems({
      roleArn: 'arn:aws-cn:iam::111122223333:role/x',
      outputKmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
      volumeKmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:alias/vol',
    }),
    [],
  );
});

test('job defaults: the role must be an IAM role ARN, and the message names the setting', () => {
  assert.match(
    problemsOf({ roleArn: 'SageMakerRole' }),
    /^sagemakerWorkbench\.aws\.roleArn must be an IAM role ARN like arn:aws:iam::123456789012:role\/.* not "SageMakerRole"\.$/,
  );
  assert.match(
    problemsOf({ roleArn: 'arn:aws:iam::111122223333:user/alice' }),
    /that is a user: SageMaker assumes a role/,
  );
  assert.match(problemsOf({ roleArn: 'arn:aws:iam::1111:role/x' }), /roleArn must be an IAM role/);
});

test('job defaults: the output URI must be a well-formed s3:// URI', () => {
  assert.match(
    problemsOf({ outputS3Uri: 'ml-bucket/jobs' }),
    /^sagemakerWorkbench\.aws\.outputS3Uri: ml-bucket\/jobs is not an S3 URI: it must start with s3:\/\//,
  );
  assert.match(problemsOf({ outputS3Uri: 'https://x/y' }), /outputS3Uri: .*https: URI/);
  assert.match(problemsOf({ outputS3Uri: 's3://My_Bucket/x' }), /outputS3Uri: .*bucket name/);
  assert.match(problemsOf({ outputS3Uri: 's3://' }), /outputS3Uri: .*no bucket name/);
});

test('job defaults: KMS keys are key IDs, key ARNs or aliases', () => {
  assert.match(
    problemsOf({ outputKmsKeyId: 'my key' }),
    /^sagemakerWorkbench\.aws\.outputKmsKeyId must be a KMS key ID, key ARN, alias \(alias\/name\) or alias ARN, not "my key"\.$/,
  );
  assert.match(problemsOf({ volumeKmsKeyId: 'arn:aws:s3:::bucket' }), /volumeKmsKeyId must be/);
});

test('job defaults: subnets are subnet-..., security groups sg-..., and a VPC needs both', () => {
  assert.match(
    problemsOf({ vpcSubnets: ['subnet-12345678', 'sub-1'], vpcSecurityGroupIds: ['sg-12345678'] }),
    /vpcSubnets holds subnet IDs like subnet-0123456789abcdef0, not "sub-1"\./,
  );
  assert.match(
    problemsOf({ vpcSubnets: ['subnet-12345678'], vpcSecurityGroupIds: ['default'] }),
    /vpcSecurityGroupIds holds security group IDs like sg-0123456789abcdef0, not "default"\./,
  );
  assert.equal(
    problemsOf({ vpcSubnets: ['subnet-12345678'] }),
    'sagemakerWorkbench.aws.vpcSubnets is set but sagemakerWorkbench.aws.vpcSecurityGroupIds is empty: a VPC configuration needs both.',
  );
  assert.equal(
    problemsOf({ vpcSecurityGroupIds: ['sg-12345678'] }),
    'sagemakerWorkbench.aws.vpcSecurityGroupIds is set but sagemakerWorkbench.aws.vpcSubnets is empty: a VPC configuration needs both.',
  );
  const many = Array.from({ length: 6 }, (_, i) => `sg-1234567${i}`);
  assert.match(
    problemsOf({ vpcSubnets: ['subnet-12345678'], vpcSecurityGroupIds: many }),
    /6 security groups; SageMaker takes at most 5/,
  );
});

test('job defaults: tag keys and values follow AWS rules; aws: is reserved', () => {
  assert.match(problemsOf({ tags: { 'aws:owner': 'x' } }), /"aws:owner" starts with aws:/);
  assert.match(problemsOf({ tags: { 'a#b': 'x' } }), /key "a#b" must be 1-128/);
  assert.match(problemsOf({ tags: { a: 'x'.repeat(257) } }), /value of "a" must be at most 256/);
  assert.match(
    problemsOf({ tags: { a: 3 as unknown as string } }),
    /value of "a" must be a string/,
  );
});

test('training request: every default filled in; S3OutputPath is the output prefix', () => {
  const { request, notes } = applyTrainingJobDefaults(training(), DEFAULTS);
  assert.deepEqual(notes, []);
  assert.equal(request.RoleArn, ROLE);
  // SageMaker appends <job>/output/model.tar.gz itself: no job name, no trailing slash here.
  assert.deepEqual(request.OutputDataConfig, {
    S3OutputPath: 's3://ml-bucket/jobs',
    KmsKeyId: 'alias/ml-output',
  });
  assert.equal(request.ResourceConfig?.VolumeKmsKeyId, DEFAULTS.volumeKmsKeyId);
  assert.deepEqual(request.VpcConfig, {
    Subnets: ['subnet-0123456789abcdef0', 'subnet-0fedcba98'],
    SecurityGroupIds: ['sg-0123456789abcdef0'],
  });
  assert.deepEqual(request.Tags, [
    { Key: 'team', Value: 'vision' },
    { Key: 'cost-center', Value: '42' },
  ]);
});

test('training request: values it has are kept, tags merged by key, input untouched', () => {
  const own = training({
    RoleArn: 'arn:aws:iam::111122223333:role/Own',
    OutputDataConfig: { S3OutputPath: 's3://own/out', KmsKeyId: 'alias/own' },
    ResourceConfig: {
      InstanceType: 'ml.m5.large',
      InstanceCount: 1,
      VolumeSizeInGB: 10,
      VolumeKmsKeyId: 'alias/own-volume',
    },
    VpcConfig: { Subnets: ['subnet-aaaaaaaa'], SecurityGroupIds: ['sg-bbbbbbbb'] },
    Tags: [{ Key: 'team', Value: 'nlp' }],
  });
  const before = structuredClone(own);
  const { request } = applyTrainingJobDefaults(own, DEFAULTS);
  assert.deepEqual(own, before);
  assert.equal(request.RoleArn, 'arn:aws:iam::111122223333:role/Own');
  assert.deepEqual(request.OutputDataConfig, {
    S3OutputPath: 's3://own/out',
    KmsKeyId: 'alias/own',
  });
  assert.equal(request.ResourceConfig?.VolumeKmsKeyId, 'alias/own-volume');
  assert.deepEqual(request.VpcConfig, own.VpcConfig);
  assert.deepEqual(request.Tags, [
    { Key: 'team', Value: 'nlp' },
    { Key: 'cost-center', Value: '42' },
  ]);
});

test('training request: local placeholders (role, file:// output) count as unset', () => {
  const { request } = applyTrainingJobDefaults(
    training({
      RoleArn: LOCAL_ROLE_ARN,
      OutputDataConfig: { S3OutputPath: 'file:///home/me/.smw/output' },
    }),
    DEFAULTS,
  );
  assert.equal(request.RoleArn, ROLE);
  assert.equal(request.OutputDataConfig?.S3OutputPath, 's3://ml-bucket/jobs');
});

test('training request: a missing role or output says which setting to set', () => {
  assert.throws(
    () => applyTrainingJobDefaults(training(), { outputS3Uri: 's3://bucket/p' }),
    (err: unknown) => {
      assert.ok(err instanceof JobDefaultsError);
      assert.equal(err.name, 'ValidationException');
      assert.deepEqual(err.problems, [
        'No IAM role for the job: set sagemakerWorkbench.aws.roleArn to the ARN of the role SageMaker assumes to run it (or set RoleArn in the request).',
      ]);
      return true;
    },
  );
  assert.throws(
    () =>
      applyTrainingJobDefaults(training({ RoleArn: LOCAL_ROLE_ARN }), {
        outputS3Uri: 's3://bucket',
      }),
    /RoleArn is the placeholder arn:aws:iam::000000000000:role\/SageMakerWorkbenchLocal, which SageMaker cannot assume: set sagemakerWorkbench\.aws\.roleArn/,
  );
  assert.throws(
    () =>
      applyTrainingJobDefaults(
        training({ OutputDataConfig: { S3OutputPath: 'file:///tmp/out' } }),
        { roleArn: ROLE },
      ),
    /OutputDataConfig\.S3OutputPath is the local file:\/\/\/tmp\/out: set sagemakerWorkbench\.aws\.outputS3Uri/,
  );
  assert.throws(
    () => applyTrainingJobDefaults(training(), { roleArn: ROLE }),
    /No output location for the job: set sagemakerWorkbench\.aws\.outputS3Uri/,
  );
});

test('training request: invalid settings are refused before anything is applied', () => {
  assert.throws(
    () => applyTrainingJobDefaults(training(), { ...DEFAULTS, vpcSecurityGroupIds: [] }),
    /vpcSubnets is set but sagemakerWorkbench\.aws\.vpcSecurityGroupIds is empty/,
  );
});

test('training request: no volume key on instance types with local NVMe storage, with a note', () => {
  const { request, notes } = applyTrainingJobDefaults(
    training({
      ResourceConfig: { InstanceType: 'ml.g5.2xlarge', InstanceCount: 1, VolumeSizeInGB: 10 },
    }),
    DEFAULTS,
  );
  assert.equal(request.ResourceConfig?.VolumeKmsKeyId, undefined);
  assert.match(notes[0] ?? '', /volumeKmsKeyId is not applied on ml\.g5\.2xlarge/);
});

test('tuning request: every definition gets the defaults it lacks; tags on the tuning job', () => {
  const { request } = applyTuningJobDefaults(tuning(), DEFAULTS);
  const [a, b] = request.TrainingJobDefinitions!;
  assert.equal(a.RoleArn, ROLE);
  assert.deepEqual(a.OutputDataConfig, {
    S3OutputPath: 's3://ml-bucket/jobs',
    KmsKeyId: 'alias/ml-output',
  });
  assert.equal(a.ResourceConfig?.VolumeKmsKeyId, DEFAULTS.volumeKmsKeyId);
  assert.deepEqual(a.VpcConfig?.SecurityGroupIds, ['sg-0123456789abcdef0']);
  assert.equal(b.RoleArn, 'arn:aws:iam::111122223333:role/Other');
  assert.deepEqual(b.OutputDataConfig, { S3OutputPath: 's3://other/out', KmsKeyId: 'alias/own' });
  assert.deepEqual(b.VpcConfig, {
    Subnets: ['subnet-aaaaaaaa'],
    SecurityGroupIds: ['sg-bbbbbbbb'],
  });
  assert.deepEqual(request.Tags, [
    { Key: 'team', Value: 'nlp' },
    { Key: 'cost-center', Value: '42' },
  ]);
});

test('tuning request: the single TrainingJobDefinition, and HyperParameterTuningResourceConfig', () => {
  const base = tuning();
  const definition = {
    ...base.TrainingJobDefinitions![0],
    ResourceConfig: undefined,
    HyperParameterTuningResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 1 },
  } as never;
  const { request } = applyTuningJobDefaults(
    { ...base, TrainingJobDefinitions: undefined, TrainingJobDefinition: definition },
    DEFAULTS,
  );
  assert.equal(request.TrainingJobDefinition?.RoleArn, ROLE);
  assert.equal(
    request.TrainingJobDefinition?.HyperParameterTuningResourceConfig?.VolumeKmsKeyId,
    DEFAULTS.volumeKmsKeyId,
  );
});

test('tuning request: a missing role names the definition and the setting once', () => {
  assert.throws(
    () => applyTuningJobDefaults(tuning(), { outputS3Uri: 's3://bucket/p' }),
    (err: unknown) => {
      assert.ok(err instanceof JobDefaultsError);
      assert.equal(err.problems.length, 1);
      assert.match(err.problems[0], /set sagemakerWorkbench\.aws\.roleArn/);
      assert.match(err.problems[0], /TrainingJobDefinitions\[0\]\.RoleArn/);
      return true;
    },
  );
});

test('mergeTags: the request wins by key; none at all is undefined', () => {
  assert.equal(mergeTags(undefined, {}), undefined);
  assert.deepEqual(mergeTags([{ Key: 'a', Value: '1' }], { a: '2', b: '3' }), [
    { Key: 'a', Value: '1' },
    { Key: 'b', Value: '3' },
  ]);
});
