import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateShape, formatProblems } from '../../src/model/shapes';
import {
  parseKeyValues,
  parseMetricDefinitions,
  scriptJobRequest,
  timestampedJobName,
} from '../../src/model/scriptJob';
import { compileMetricDefinitions, matchMetrics } from '../../src/engine/training/metrics';
import { progressLine, formatDuration } from '../../src/model/progress';
import { COMMANDS } from '../../src/ui/commandIds';
import { REPO_ROOT } from './helpers';

test('shape validation follows the SageMaker API', () => {
  const ok = { TrainingJobName: 'a-b-1' };
  assert.deepEqual(validateShape('DescribeTrainingJob', 'input', ok), []);
  const problems = validateShape('ListTrainingJobs', 'input', {
    MaxResults: 500,
    SortBy: 'Size',
    NameContains: 'x',
  });
  assert.equal(
    formatProblems(problems),
    'MaxResults must be at most 100, got 500; SortBy must be one of Name, CreationTime, Status; got "Size"',
  );
  assert.match(
    formatProblems(validateShape('DescribeTrainingJob', 'input', { TrainingJobName: 'a--b-' })),
    /is not valid/,
  );
  assert.deepEqual(
    validateShape('DescribeTrainingJob', 'input', { TrainingJobName: 'a--b' }),
    [],
    'hyphen runs are allowed',
  );
  assert.match(
    formatProblems(validateShape('DescribeTrainingJob', 'input', { TrainingJobName: 7 })),
    /must be a string, got 7/,
  );
  // The one local widening: S3 URIs may be file:// URIs.
  const output = { S3OutputPath: 'file:///tmp/out' };
  const request = {
    TrainingJobName: 'x',
    RoleArn: 'arn:aws:iam::123456789012:role/R',
    OutputDataConfig: output,
  };
  assert.deepEqual(validateShape('CreateTrainingJob', 'input', request), []);
  assert.match(
    formatProblems(
      validateShape('CreateTrainingJob', 'input', {
        ...request,
        OutputDataConfig: { S3OutputPath: 'ftp://x' },
      }),
    ),
    /OutputDataConfig.S3OutputPath "ftp:\/\/x" is not valid: use s3:\/\/bucket\/prefix, or file:\/\/\/absolute\/path/,
  );
});

test('metric definitions: Python named groups, first capture group, non-numbers ignored', () => {
  const metrics = compileMetricDefinitions([
    { Name: 'loss', Regex: 'loss: (?P<value>[-0-9.e]+)' },
    { Name: 'acc', Regex: 'acc=([^ ]+)' },
  ]);
  assert.deepEqual(
    matchMetrics(metrics, 'step 3 loss: 1.5e-2 acc=nan', 't').map((p) => [p.name, p.value]),
    [['loss', 0.015]],
  );
  assert.throws(
    () => compileMetricDefinitions([{ Name: 'x', Regex: '(' }]),
    /MetricDefinitions\[0\] \(x\)/,
  );
});

test('script job requests and the input-box short forms', () => {
  assert.equal(
    timestampedJobName('my_train script.v2', new Date('2026-11-22T06:29:40.547Z')),
    'my-train-script-v2-2026-11-22-06-29-40-547',
  );
  assert.equal(timestampedJobName('x'.repeat(80), new Date(0)).length, 63);
  assert.deepEqual(parseKeyValues(' epochs=3  lr=0.1 '), { epochs: '3', lr: '0.1' });
  assert.throws(() => parseKeyValues('epochs'), /"epochs" is not name=value/);
  assert.throws(() => parseKeyValues('a=1 a=2'), /"a" is given twice/);
  assert.deepEqual(parseMetricDefinitions('loss=loss=([0-9.]+); acc=acc: ([0-9.]+)'), [
    { Name: 'loss', Regex: 'loss=([0-9.]+)' },
    { Name: 'acc', Regex: 'acc: ([0-9.]+)' },
  ]);
  assert.throws(() => parseMetricDefinitions('loss=loss=[0-9.]+'), /needs a capture group/);
  const request = scriptJobRequest({
    script: '/p/train.py',
    outputUri: 'file:///o',
    channels: { training: '/d' },
    jobName: 'j',
  });
  assert.equal(request.HyperParameters!.sagemaker_program, 'train.py');
  assert.equal(request.HyperParameters!.sagemaker_submit_directory, 'file:///p');
  assert.equal(request.InputDataConfig![0].DataSource!.S3DataSource!.S3Uri, 'file:///d');
});

test('progress lines', () => {
  assert.equal(formatDuration(3_725_000), '1:02:05');
  assert.equal(formatDuration(65_000), '01:05');
  const job = {
    TrainingJobName: 'j',
    TrainingJobStatus: 'InProgress' as const,
    SecondaryStatus: 'Training' as const,
    CreationTime: new Date(Date.now() - 61_000),
    TrainingJobArn: 'arn:aws:sagemaker:local:000000000000:training-job/j',
    ModelArtifacts: { S3ModelArtifacts: 'file:///o/j/output/model.tar.gz' },
    StoppingCondition: {},
  };
  assert.match(
    progressLine(job, [{ name: 'loss', value: 0.123456, timestamp: '' }]),
    /^InProgress \(Training\) - 01:0[12] - loss=0\.1235$/,
  );
});

test('every contributed command is registered under the same id, and vice versa', () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  const contributed: string[] = manifest.contributes.commands
    .map((c: { command: string }) => c.command)
    .sort();
  assert.deepEqual(contributed, (Object.values(COMMANDS) as string[]).sort());
  const menuCommands = Object.values(
    manifest.contributes.menus as Record<string, { command: string }[]>,
  )
    .flat()
    .map((m) => m.command);
  for (const command of menuCommands)
    assert.ok(contributed.includes(command), `menu entry ${command} is contributed`);
});
