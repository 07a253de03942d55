/**
 * The instance-type picker's pure side: one item per catalog type with its GPUs, vCPUs,
 * memory and price; batch_size scaled by the GPU count (per-GPU batch kept) and said so;
 * a training or tuning request moved to another type.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  CreateHyperParameterTuningJobRequest,
  CreateTrainingJobRequest,
} from '@aws-sdk/client-sagemaker';
import { INSTANCE_TYPES } from '../../src/model/instanceTypes';
import {
  instanceTypeItems,
  PRICE_NOTE,
  scaleBatchSize,
  withInstanceType,
} from '../../src/ui/commands/instanceTypeItems';

test('picker items: every catalog type, with GPUs, vCPUs, memory and price as description', () => {
  const items = instanceTypeItems();
  assert.deepEqual(
    items.map((i) => i.instanceType),
    INSTANCE_TYPES.map((t) => t.name),
  );
  const byName = new Map(items.map((i) => [i.label, i]));
  assert.equal(
    byName.get('ml.p3.8xlarge')?.description,
    '4 x V100 (16 GiB), 32 vCPU, 244 GiB - ~$14.69/h',
  );
  assert.equal(byName.get('ml.m5.large')?.description, 'CPU only, 2 vCPU, 8 GiB - ~$0.12/h');
  assert.equal(byName.get('ml.m5.large')?.group, 'CPU instances');
  for (const [name, gpus] of [
    ['ml.p3.2xlarge', 1],
    ['ml.p3.8xlarge', 4],
    ['ml.p3.16xlarge', 8],
    ['ml.p3dn.24xlarge', 8],
    ['ml.g5.12xlarge', 4],
    ['ml.p4d.24xlarge', 8],
    ['ml.p5.48xlarge', 8],
  ] as const) {
    assert.equal(byName.get(name)?.gpus, gpus, name);
    assert.equal(byName.get(name)?.group, 'GPU instances', name);
  }
  assert.match(PRICE_NOTE, /on-demand prices, us-east-1/);
});

test('picker items: the current type is marked; multi-GPU types show the batch they get', () => {
  const items = instanceTypeItems({ current: 'ml.g5.xlarge', perDeviceBatchSize: 32 });
  const byName = new Map(items.map((i) => [i.label, i]));
  assert.equal(byName.get('ml.g5.xlarge')?.picked, true);
  assert.match(byName.get('ml.g5.xlarge')?.description ?? '', /^current - 1 x A10G/);
  assert.equal(byName.get('ml.g5.xlarge')?.detail, undefined);
  assert.equal(byName.get('ml.p3.16xlarge')?.detail, 'batch_size 256 (32 per GPU x 8 GPUs)');
  assert.equal(byName.get('ml.m5.large')?.detail, undefined);
  assert.equal(items.filter((i) => i.picked).length, 1);
});

test('batch size: per-GPU batch times the GPUs, and a note that says so', () => {
  const scaled = scaleBatchSize({ batch_size: '32', epochs: '5' }, 'ml.p3.8xlarge');
  assert.deepEqual(scaled.hyperParameters, { batch_size: '128', epochs: '5' });
  assert.equal(
    scaled.note,
    "batch_size 32 -> 128: 32 per GPU x 4 GPUs on ml.p3.8xlarge (SageMaker's fine-tuning guidance: keep the per-GPU batch, scale by the GPU count).",
  );
  assert.deepEqual(scaleBatchSize({ batch_size: '32' }, 'ml.p4d.24xlarge').hyperParameters, {
    batch_size: '256',
  });
});

test('batch size: unchanged on one GPU, on CPU, unknown types, and without a usable value', () => {
  for (const type of ['ml.p3.2xlarge', 'ml.m5.xlarge', 'ml.unknown.xlarge']) {
    const same = scaleBatchSize({ batch_size: '32' }, type);
    assert.deepEqual(same, { hyperParameters: { batch_size: '32' } }, type);
  }
  assert.deepEqual(scaleBatchSize({ epochs: '3' }, 'ml.p3.8xlarge'), {
    hyperParameters: { epochs: '3' },
  });
  assert.deepEqual(scaleBatchSize({ batch_size: 'auto' }, 'ml.p3.8xlarge'), {
    hyperParameters: { batch_size: 'auto' },
  });
});

test('batch size: moving between types keeps the per-GPU batch', () => {
  const down = scaleBatchSize({ batch_size: '128' }, 'ml.g5.xlarge', 'ml.p3.8xlarge');
  assert.equal(down.hyperParameters.batch_size, '32');
  assert.match(down.note ?? '', /ml\.g5\.xlarge has one GPU, so the per-GPU batch of 32/);
  const up = scaleBatchSize({ batch_size: '128' }, 'ml.p3.16xlarge', 'ml.p3.8xlarge');
  assert.equal(up.hyperParameters.batch_size, '256');
  // 30 does not split over 4 GPUs: left as written.
  assert.equal(
    scaleBatchSize({ batch_size: '30' }, 'ml.p3.16xlarge', 'ml.p3.8xlarge').note,
    undefined,
  );
});

test('withInstanceType: a training request moved, batch_size rescaled, the input untouched', () => {
  const request = {
    TrainingJobName: 'j',
    HyperParameters: { batch_size: '32', epochs: '3' },
    ResourceConfig: { InstanceType: 'ml.g5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
  } as unknown as CreateTrainingJobRequest;
  const moved = withInstanceType(request, 'ml.g5.48xlarge');
  assert.equal(moved.changed, 1);
  assert.equal(moved.request.ResourceConfig?.InstanceType, 'ml.g5.48xlarge');
  assert.deepEqual(moved.request.HyperParameters, { batch_size: '256', epochs: '3' });
  assert.match(moved.notes[0], /batch_size 32 -> 256/);
  assert.equal(request.ResourceConfig?.InstanceType, 'ml.g5.xlarge');
});

test('withInstanceType: tuning definitions, static batch_size and a tuned batch_size range', () => {
  const request = {
    HyperParameterTuningJobName: 't',
    HyperParameterTuningJobConfig: {
      ParameterRanges: {
        IntegerParameterRanges: [{ Name: 'batch_size', MinValue: '16', MaxValue: '64' }],
      },
    },
    TrainingJobDefinition: {
      StaticHyperParameters: { epochs: '2' },
      ResourceConfig: { InstanceType: 'ml.p3.2xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
    },
    TrainingJobDefinitions: [
      {
        StaticHyperParameters: { batch_size: '64' },
        HyperParameterTuningResourceConfig: { InstanceType: 'ml.p3.2xlarge' },
      },
    ],
  } as unknown as CreateHyperParameterTuningJobRequest;
  const moved = withInstanceType(request, 'ml.p3.8xlarge');
  assert.equal(moved.changed, 2);
  assert.equal(moved.request.TrainingJobDefinition?.ResourceConfig?.InstanceType, 'ml.p3.8xlarge');
  const range =
    moved.request.HyperParameterTuningJobConfig?.ParameterRanges?.IntegerParameterRanges?.[0];
  assert.deepEqual([range?.MinValue, range?.MaxValue], ['64', '256']);
  const second = moved.request.TrainingJobDefinitions?.[0];
  assert.equal(second?.HyperParameterTuningResourceConfig?.InstanceType, 'ml.p3.8xlarge');
  assert.deepEqual(second?.StaticHyperParameters, { batch_size: '256' });
  assert.ok(moved.notes.some((n) => /range 16-64 -> 64-256/.test(n)));
});

test('withInstanceType: a JSON with no ResourceConfig changes nothing', () => {
  assert.equal(withInstanceType({ TrainingJobName: 'x' } as never, 'ml.m5.large').changed, 0);
});
