// Built-in algorithms as local training jobs: created through the backend, run by the
// detached runner in a process of their own, metrics and execution provider in Describe,
// model.tar.gz with the ONNX model; bad requests refused before the job exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tar from 'tar';
import { readFileSync } from 'node:fs';
import { incrementalJobRequest } from '../../src/model/fineTuneJob';
import { validateShape } from '../../src/model/shapes';
import type { CreateTrainingJobRequest } from '../../src/model/types';
import { newBackend, waitFor } from './helpers';
import { waitForTuning } from './tuningHelpers';
import { writeImageDataset, writeProjectionBackbone } from './builtinFixtures';

function imageJob(
  root: string,
  name: string,
  hps: Record<string, string>,
  channels: Record<string, string>,
): CreateTrainingJobRequest {
  return {
    TrainingJobName: name,
    RoleArn: 'arn:aws:iam::123456789012:role/SageMakerRole',
    AlgorithmSpecification: {
      TrainingImage: 'local:image-classification',
      TrainingInputMode: 'File',
    },
    HyperParameters: hps,
    InputDataConfig: Object.entries(channels).map(([ChannelName, dir]) => ({
      ChannelName,
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: pathToFileURL(dir).href } },
    })),
    OutputDataConfig: { S3OutputPath: pathToFileURL(join(root, 'output')).href },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
    StoppingCondition: { MaxRuntimeInSeconds: 300 },
  };
}

test('local:image-classification runs as a training job: metrics, execution provider, model.tar.gz', async () => {
  const { backend, root } = newBackend();
  const data = writeImageDataset(join(root, 'data'), 30);
  const backbone = writeProjectionBackbone(join(root, 'backbone.onnx'));
  await backend.createTrainingJob(
    imageJob(
      root,
      'builtin-job',
      { backbone, epochs: '3', learning_rate: '0.01' },
      { training: data },
    ),
  );
  const job = await waitFor(backend, 'builtin-job', undefined, 120_000);
  assert.equal(job.TrainingJobStatus, 'Completed', job.FailureReason);
  const finals = Object.fromEntries(
    (job.FinalMetricDataList ?? []).map((m) => [m.MetricName, m.Value]),
  );
  for (const name of ['train:loss', 'train:accuracy', 'validation:loss', 'validation:accuracy'])
    assert.ok(typeof finals[name] === 'number', `missing ${name}`);
  assert.ok(finals['validation:accuracy']! >= 0.8, String(finals['validation:accuracy']));
  assert.ok(
    job.SecondaryStatusTransitions?.some((t) =>
      /Training with ONNX Runtime on (cpu|cuda|webgpu)/.test(t.StatusMessage ?? ''),
    ),
    JSON.stringify(job.SecondaryStatusTransitions),
  );
  const metrics = await backend.getTrainingJobMetrics('builtin-job');
  assert.equal(metrics.filter((p) => p.name === 'validation:accuracy').length, 3);
  const entries: string[] = [];
  await tar.t({
    file: new URL(job.ModelArtifacts!.S3ModelArtifacts!).pathname,
    onReadEntry: (e) => entries.push(e.path),
  });
  for (const file of [
    'model.onnx',
    'class_label_to_prediction_index.json',
    'hyperparameters.json',
    'checkpoint/checkpoint.json',
    'checkpoint/tensors.bin',
  ])
    assert.ok(
      entries.some((e) => e.replace(/^\.\//, '') === file),
      `${file} not in ${entries.join(', ')}`,
    );

  // Incremental training from this job: its model.tar.gz as the model channel, same data.
  const next = incrementalJobRequest(job, { jobName: 'builtin-job-incr' });
  assert.deepEqual(validateShape('CreateTrainingJob', 'input', next), []);
  assert.equal(
    next.InputDataConfig?.find((c) => c.ChannelName === 'model')?.DataSource?.S3DataSource?.S3Uri,
    job.ModelArtifacts?.S3ModelArtifacts,
  );
  await backend.createTrainingJob(next);
  const continued = await waitFor(backend, 'builtin-job-incr', undefined, 120_000);
  assert.equal(continued.TrainingJobStatus, 'Completed', continued.FailureReason);
  const log = readFileSync(
    join(root, 'store', 'training-jobs', 'builtin-job-incr', 'output.log'),
    'utf8',
  );
  assert.match(log, /Incremental training from the model in channel "model"/);
});

test('built-in jobs: bad hyperparameters and missing channels are refused at create time; bad data fails with the reason', async () => {
  const { backend, root } = newBackend();
  const data = writeImageDataset(join(root, 'data'), 5);
  await assert.rejects(
    backend.createTrainingJob(
      imageJob(root, 'bad-hps', { learning_rate: '-1', optimizer: 'lion' }, { training: data }),
    ),
    /learning_rate="-1" is not in \(0, 1\].*optimizer="lion"/,
  );
  await assert.rejects(
    backend.createTrainingJob(imageJob(root, 'no-training', {}, { validation: data })),
    /needs an input channel named "training"/,
  );
  // A class folder with a single image cannot be split into training and validation.
  const tiny = writeImageDataset(join(root, 'tiny'), 1);
  const backbone = writeProjectionBackbone(join(root, 'backbone.onnx'));
  await backend.createTrainingJob(imageJob(root, 'tiny-data', { backbone }, { training: tiny }));
  const job = await waitFor(backend, 'tiny-data', undefined, 60_000);
  assert.equal(job.TrainingJobStatus, 'Failed');
  assert.match(
    job.FailureReason ?? '',
    /^AlgorithmError: [^]*single example[^]*validation channel/,
  );
});

test('a tuning job tunes local:image-classification on validation:accuracy without MetricDefinitions', async () => {
  const { backend, root } = newBackend();
  const data = writeImageDataset(join(root, 'data'), 20);
  const backbone = writeProjectionBackbone(join(root, 'backbone.onnx'));
  const job = imageJob(root, 'unused', { backbone, epochs: '2' }, { training: data });
  await backend.createHyperParameterTuningJob({
    HyperParameterTuningJobName: 'tune-builtin',
    HyperParameterTuningJobConfig: {
      Strategy: 'Random',
      RandomSeed: 3,
      HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:accuracy' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 3, MaxParallelTrainingJobs: 2 },
      ParameterRanges: {
        ContinuousParameterRanges: [
          {
            Name: 'learning_rate',
            MinValue: '0.001',
            MaxValue: '0.05',
            ScalingType: 'Logarithmic',
          },
        ],
        CategoricalParameterRanges: [{ Name: 'optimizer', Values: ['adam', 'sgd'] }],
      },
    },
    TrainingJobDefinition: {
      StaticHyperParameters: job.HyperParameters,
      AlgorithmSpecification: job.AlgorithmSpecification as never,
      RoleArn: job.RoleArn,
      InputDataConfig: job.InputDataConfig,
      OutputDataConfig: job.OutputDataConfig,
      ResourceConfig: job.ResourceConfig,
      StoppingCondition: job.StoppingCondition,
    },
  });
  const tuning = await waitForTuning(backend, 'tune-builtin', undefined, 180_000);
  assert.equal(tuning.HyperParameterTuningJobStatus, 'Completed', tuning.FailureReason);
  assert.equal(tuning.TrainingJobStatusCounters?.Completed, 3);
  const best = tuning.BestTrainingJob!;
  assert.equal(best.FinalHyperParameterTuningJobObjectiveMetric?.MetricName, 'validation:accuracy');
  assert.ok(best.FinalHyperParameterTuningJobObjectiveMetric!.Value! > 0.5);
});

test('stopping a built-in job ends training after the current batch; model.tar.gz holds the model so far', async () => {
  const { backend, root } = newBackend(10);
  const data = writeImageDataset(join(root, 'data'), 60);
  const backbone = writeProjectionBackbone(join(root, 'backbone.onnx'));
  await backend.createTrainingJob(
    imageJob(
      root,
      'stop-builtin',
      { backbone, epochs: '1000', batch_size: '4' },
      { training: data },
    ),
  );
  await waitFor(backend, 'stop-builtin', (j) => (j.FinalMetricDataList ?? []).length > 0, 60_000);
  await backend.stopTrainingJob({ TrainingJobName: 'stop-builtin' });
  const job = await waitFor(backend, 'stop-builtin', undefined, 60_000);
  assert.equal(job.TrainingJobStatus, 'Stopped');
  const entries: string[] = [];
  await tar.t({
    file: new URL(job.ModelArtifacts!.S3ModelArtifacts!).pathname,
    onReadEntry: (e) => entries.push(e.path.replace(/^\.\//, '')),
  });
  assert.ok(entries.includes('model.onnx'), entries.join(', '));
  assert.ok(entries.includes('checkpoint/checkpoint.json'), entries.join(', '));
  const log = readFileSync(
    join(root, 'store', 'training-jobs', 'stop-builtin', 'output.log'),
    'utf8',
  );
  assert.match(log, /Stop requested: finishing the current batch/);
});
