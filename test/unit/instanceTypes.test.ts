import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeInstanceType,
  instancePricePerHour,
  instanceTypeInfo,
  suggestedBatchSize,
  worstCaseCost,
} from '../../src/model/instanceTypes';

test('instance types: GPU counts as SageMaker documents them', () => {
  const gpus = (name: string) => instanceTypeInfo(name)?.gpus;
  assert.equal(gpus('ml.p3.2xlarge'), 1);
  assert.equal(gpus('ml.p3.8xlarge'), 4);
  assert.equal(gpus('ml.p3.16xlarge'), 8);
  assert.equal(gpus('ml.p3dn.24xlarge'), 8);
  assert.equal(gpus('ml.g4dn.12xlarge'), 4);
  assert.equal(gpus('ml.g5.48xlarge'), 8);
  assert.equal(gpus('ml.p4d.24xlarge'), 8);
  assert.equal(gpus('ml.p5.48xlarge'), 8);
  assert.equal(gpus('ml.m5.xlarge'), 0);
  assert.equal(instanceTypeInfo('ml.nope.large'), undefined);
  assert.equal(
    describeInstanceType(instanceTypeInfo('ml.p3.8xlarge')!),
    '4 x V100 (16 GiB), 32 vCPU, 244 GiB',
  );
});

test('instance types: the suggested batch size scales with the GPU count', () => {
  assert.equal(suggestedBatchSize(32, 'ml.p3.2xlarge'), 32);
  assert.equal(suggestedBatchSize(32, 'ml.p3.8xlarge'), 128);
  assert.equal(suggestedBatchSize(32, 'ml.p3.16xlarge'), 256);
  assert.equal(suggestedBatchSize(32, 'ml.m5.xlarge'), 32);
  assert.equal(suggestedBatchSize(32, 'ml.unknown.xlarge'), 32);
});

test('instance types: worst-case cost of a tuning job, with price overrides', () => {
  const cost = worstCaseCost({
    instanceType: 'ml.p3.2xlarge',
    instanceCount: 2,
    maxRuntimeInSeconds: 1800,
    maxParallelTrainingJobs: 3,
    maxNumberOfTrainingJobs: 10,
  });
  assert.equal(cost.instanceHours, 3); // 0.5 h x 2 instances x 3 in parallel
  assert.equal(cost.totalInstanceHours, 10);
  assert.ok(Math.abs(cost.maxCostUsd! - 38.25) < 1e-9);
  const overridden = worstCaseCost({
    instanceType: 'ml.p3.2xlarge',
    instanceCount: 1,
    maxRuntimeInSeconds: 3600,
    priceOverrides: { 'ml.p3.2xlarge': 1.5 },
  });
  assert.equal(overridden.maxCostUsd, 1.5);
  assert.equal(instancePricePerHour('ml.p3.2xlarge', { 'ml.p3.2xlarge': -1 }), 3.825);
  const unknown = worstCaseCost({
    instanceType: 'ml.x.y',
    instanceCount: 1,
    maxRuntimeInSeconds: 60,
  });
  assert.equal(unknown.maxCostUsd, undefined);
});
