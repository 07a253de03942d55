// The editor's cost estimate (worst-case instance-hours and USD from the instance-type catalog,
// the setting's overrides, local jobs free) and its smart-sifting options (checks as typed, the
// expected kept fraction, the advice), and the messages the editor refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CreateHyperParameterTuningJobRequest } from '@aws-sdk/client-sagemaker';
import {
  checkDraft,
  instanceTypeOptions,
  templateDraft,
  worstCaseCompute,
} from '../../src/ui/panels/viewModels/editor';
import {
  checkSiftingValues,
  siftingInputMessage,
  siftingView,
} from '../../src/ui/panels/viewModels/sifting';
import { editorInbound, editorState } from '../../src/ui/panels/protocol/editor';
import { validate } from '../../src/ui/panels/protocol/check';
import { INSTANCE_PRICES_AS_OF, worstCaseCost } from '../../src/model/instanceTypes';
import { defaultHyperParameters } from '../../src/engine/builtin/hyperparameters';

function request(
  image: string,
  instanceType: string | undefined,
  limits: { jobs?: number; parallel?: number; tuningSeconds?: number } = {},
): CreateHyperParameterTuningJobRequest {
  return {
    HyperParameterTuningJobName: 'tune-cost',
    HyperParameterTuningJobConfig: {
      Strategy: 'Random',
      HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:accuracy' },
      ResourceLimits: {
        ...(limits.jobs !== undefined ? { MaxNumberOfTrainingJobs: limits.jobs } : {}),
        MaxParallelTrainingJobs: limits.parallel ?? 2,
        ...(limits.tuningSeconds !== undefined
          ? { MaxRuntimeInSeconds: limits.tuningSeconds }
          : {}),
      },
    },
    TrainingJobDefinition: {
      AlgorithmSpecification: { TrainingImage: image, TrainingInputMode: 'File' },
      RoleArn: 'arn:aws:iam::123456789012:role/SageMakerRole',
      OutputDataConfig: { S3OutputPath: 's3://bucket/out' },
      ResourceConfig: {
        ...(instanceType ? { InstanceType: instanceType as 'ml.m5.large' } : {}),
        InstanceCount: 2,
        VolumeSizeInGB: 10,
      },
      StoppingCondition: { MaxRuntimeInSeconds: 1800 },
    },
  };
}

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com/train:latest';
const close = (actual: number | undefined, expected: number) =>
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) < 1e-9,
    `${actual} should be ${expected}`,
  );

test('cost estimate: in-flight instance-hours and the worst-case USD from the catalog', () => {
  // 10 jobs of at most 30 min on 2 x ml.g5.xlarge, 2 at a time.
  const e = worstCaseCompute(request(ECR, 'ml.g5.xlarge', { jobs: 10 }));
  const cost = e.cost!;
  const catalog = worstCaseCost({
    instanceType: 'ml.g5.xlarge',
    instanceCount: 2,
    maxRuntimeInSeconds: 1800,
    maxParallelTrainingJobs: 2,
    maxNumberOfTrainingJobs: 10,
  });
  // MaxRuntimeInSeconds x MaxParallelTrainingJobs x InstanceCount: 0.5 h x 2 x 2 = 2.
  close(cost.inFlightInstanceHours, 2);
  close(cost.inFlightInstanceHours, catalog.instanceHours);
  close(cost.totalInstanceHours, 10);
  close(cost.pricePerHour, 1.408);
  close(cost.maxCostUsd, 14.08);
  close(cost.maxCostUsd, catalog.maxCostUsd!);
  assert.equal(cost.priceSource, 'catalog');
  assert.equal(cost.local, false);
  assert.equal(cost.pricesAsOf, INSTANCE_PRICES_AS_OF);
  const text = e.costLines.join('\n');
  assert.match(text, /In flight at once: 2\.00 instance-hours/);
  assert.match(text, /Worst-case cost: \$14\.08 - 10 instance-hours at \$1\.408\/hour \(on-demand/);
  assert.match(text, new RegExp(`as of ${INSTANCE_PRICES_AS_OF}`));
});

test('cost estimate: the tuning time limit bounds the cost, the setting overrides the price', () => {
  // The tuning job stops after 1 h: 1 h x 2 parallel x 2 instances = 4 instance-hours.
  const e = worstCaseCompute(request(ECR, 'ml.g5.xlarge', { jobs: 10, tuningSeconds: 3600 }), {
    priceOverrides: { 'ml.g5.xlarge': 1, 'ml.m5.large': -3 },
  });
  close(e.cost!.totalInstanceHours, 4);
  close(e.cost!.pricePerHour, 1);
  close(e.cost!.maxCostUsd, 4);
  assert.equal(e.cost!.priceSource, 'setting');
  assert.match(e.costLines.join('\n'), /\$4\.00 .*sagemakerWorkbench\.instancePrices/);
  // A negative override is ignored: the catalog's price stands.
  const m5 = worstCaseCompute(request(ECR, 'ml.m5.large', { jobs: 1 }), {
    priceOverrides: { 'ml.m5.large': -3 },
  });
  close(m5.cost!.pricePerHour, 0.115);
  assert.equal(m5.cost!.priceSource, 'catalog');
});

test('cost estimate: unknown types say "price unknown" (until the setting names them), no bound says so', () => {
  const unknown = worstCaseCompute(request(ECR, 'ml.x9.huge', { jobs: 4 }));
  assert.equal(unknown.cost!.priceSource, 'unknown');
  assert.equal(unknown.cost!.maxCostUsd, undefined);
  close(unknown.cost!.inFlightInstanceHours, 2);
  assert.match(unknown.costLines.join('\n'), /price unknown for ml\.x9\.huge/);
  const priced = worstCaseCompute(request(ECR, 'ml.x9.huge', { jobs: 4 }), {
    priceOverrides: { 'ml.x9.huge': 2.5 },
  });
  close(priced.cost!.maxCostUsd, 4 * 0.5 * 2 * 2.5);
  const unbounded = worstCaseCompute(request(ECR, 'ml.m5.large'));
  assert.equal(unbounded.cost!.maxCostUsd, undefined);
  assert.match(unbounded.costLines.join('\n'), /unbounded/);
  const noType = worstCaseCompute(request(ECR, undefined, { jobs: 1 }));
  assert.equal(noType.cost, undefined);
  assert.match(noType.costLines[0], /set the instance type/);
});

test('cost estimate: local-engine jobs cost nothing but still show the worst-case time', () => {
  const e = worstCaseCompute(request('local:image-classification', 'ml.g5.xlarge', { jobs: 10 }));
  assert.equal(e.cost!.local, true);
  assert.equal(e.cost!.maxCostUsd, undefined);
  close(e.cost!.totalInstanceHours, 10);
  const text = e.costLines.join('\n');
  assert.match(text, /In flight at once: 2\.00 instance-hours/);
  assert.match(text, /this machine \(local engine\): no charge/);
  assert.match(text, /Worst-case time 10 job-hours/);
  assert.doesNotMatch(text, /\$/);
});

test('the instance-type picker: the catalog with GPU descriptions and the overridden prices', () => {
  const options = instanceTypeOptions({ 'ml.g5.xlarge': 0.9 });
  const g5 = options.find((o) => o.name === 'ml.g5.xlarge')!;
  assert.match(g5.description, /1 x A10G \(24 GiB\), 4 vCPU, 16 GiB/);
  assert.equal(g5.pricePerHour, 0.9);
  const m5 = options.find((o) => o.name === 'ml.m5.large')!;
  assert.match(m5.description, /^CPU only/);
  assert.equal(m5.pricePerHour, 0.115);
});

test('sifting: values checked as typed - beta > 0, history >= 1, delay >= 0', () => {
  assert.deepEqual(checkSiftingValues({}), []);
  assert.deepEqual(checkSiftingValues({ sift_beta_value: '' }), []);
  assert.deepEqual(
    checkSiftingValues({
      sift_beta_value: '0.5',
      sift_loss_history_length: '1',
      sift_delay: '0',
      sift_repeat_delay_per_epoch: 'True',
    }),
    [],
  );
  const names = (values: Record<string, string>) => checkSiftingValues(values).map((p) => p.name);
  assert.deepEqual(names({ sift_beta_value: '0' }), ['sift_beta_value']);
  assert.deepEqual(names({ sift_beta_value: '-1' }), ['sift_beta_value']);
  assert.deepEqual(names({ sift_beta_value: 'two' }), ['sift_beta_value']);
  assert.deepEqual(names({ sift_loss_history_length: '0' }), ['sift_loss_history_length']);
  assert.deepEqual(names({ sift_loss_history_length: '2.5' }), ['sift_loss_history_length']);
  assert.deepEqual(names({ sift_delay: '-1' }), ['sift_delay']);
  assert.deepEqual(names({ sift_repeat_delay_per_epoch: 'maybe' }), [
    'sift_repeat_delay_per_epoch',
  ]);
  assert.match(checkSiftingValues({ sift_beta_value: '0' })[0].message, /must be > 0/);
  assert.match(checkSiftingValues({ sift_delay: '-1' })[0].message, />= 0/);
  assert.match(checkSiftingValues({ sift_loss_history_length: '0' })[0].message, />= 1/);
});

const imageDefaults = Object.fromEntries(
  Object.entries(defaultHyperParameters('image-classification')).map(([k, v]) => [
    k,
    typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v),
  ]),
);

test('sifting: the expected kept fraction 1 / (1 + beta), backward passes saved, and the advice', () => {
  for (const [beta, kept] of [
    ['0.5', 2 / 3],
    ['1', 0.5],
    ['2', 1 / 3],
    ['3', 0.25],
  ] as const) {
    const view = siftingView({ values: { sift_beta_value: beta }, defaults: imageDefaults });
    assert.equal(view.state, 'on');
    close(view.keptFraction, kept);
    close(view.backwardPassesSaved, 1 - kept);
  }
  const two = siftingView({
    values: { sift_beta_value: '2', batch_size: '32', sift_delay: '125' },
    defaults: imageDefaults,
  });
  assert.match(two.summary, /Keeps ~33% of the samples \(1 \/ \(1 \+ 2\)\): ~67% fewer backward/);
  const advice = two.advice.join('\n');
  assert.match(advice, /only pays where backward passes/);
  assert.match(advice, /light top over cached features/);
  assert.match(advice, /first 125 training steps \(4,000 samples at batch_size 32\)/);
  // The default delay (1000 steps) when none is given; augmentation warns of forward work.
  const defaults = siftingView({
    values: { sift_beta_value: '1', augmentation: 'True' },
    defaults: imageDefaults,
  });
  assert.match(defaults.advice.join('\n'), /first 1,000 training steps/);
  assert.match(defaults.advice.join('\n'), /augmentation=True/);
});

test('sifting: off, invalid, tuned, and settings that do nothing while off', () => {
  const off = siftingView({ values: {}, defaults: imageDefaults });
  assert.equal(off.state, 'off');
  assert.equal(off.keptFraction, undefined);
  assert.deepEqual(off.advice, []);
  // Editors send every default: defaults alone are quiet, changed ones are named.
  const quiet = siftingView({ values: { ...imageDefaults }, defaults: imageDefaults });
  assert.deepEqual(quiet.advice, []);
  const ignored = siftingView({ values: { sift_delay: '10' }, defaults: imageDefaults });
  assert.match(ignored.advice[0], /sift_delay does nothing while sift_beta_value is empty/);
  const invalid = siftingView({ values: { sift_beta_value: '0' }, defaults: imageDefaults });
  assert.equal(invalid.state, 'invalid');
  assert.equal(invalid.problems[0].name, 'sift_beta_value');
  const tuned = siftingView({
    values: {},
    defaults: imageDefaults,
    tuned: { min: '1', max: '3' },
  });
  assert.equal(tuned.state, 'tuned');
  close(tuned.keptRange![0], 0.25);
  close(tuned.keptRange![1], 0.5);
  assert.match(tuned.summary, /between ~25% and ~50%/);
  const categorical = siftingView({ values: {}, defaults: {}, tuned: { values: '0.5, 2' } });
  close(categorical.keptRange![1], 2 / 3);
});

test('sifting in the fine-tune input box: a line when beta is set, nothing otherwise', () => {
  assert.equal(siftingInputMessage({ epochs: '5' }), undefined);
  assert.equal(siftingInputMessage({ sift_beta_value: '0' }), undefined);
  assert.match(siftingInputMessage({ sift_beta_value: '1' }, imageDefaults)!, /Keeps ~50%/);
});

test('the editor checks sift_* values on the sifting fields of built-in jobs only', () => {
  const draft = templateDraft({ name: 'sift', outputPath: 'file:///out' });
  draft.staticHyperParameters = [
    { name: 'epochs', value: '2' },
    { name: 'sift_beta_value', value: '0' },
    { name: 'sift_delay', value: '-5' },
  ];
  draft.trainingImage = 'local:image-classification';
  const fields = checkDraft(draft).problems.map((p) => p.field);
  assert.ok(fields.includes('sift.sift_beta_value'), fields.join(', '));
  assert.ok(fields.includes('sift.sift_delay'), fields.join(', '));
  draft.trainingImage = 'local:process';
  assert.ok(!checkDraft(draft).problems.some((p) => p.field.startsWith('sift.')));
});

test('the editor protocol refuses malformed messages and states', () => {
  const draft = templateDraft({ name: 't', outputPath: 'file:///o' });
  const ok = (value: unknown) => validate(editorInbound, value).ok;
  assert.equal(ok({ type: 'changed', seq: 1, draft }), true);
  // A hyperparameter value that is not a string, a negative sequence number, a draft with a
  // member the form does not have, an unknown message.
  assert.equal(
    ok({
      type: 'changed',
      seq: 1,
      draft: { ...draft, staticHyperParameters: [{ name: 'sift_beta_value', value: 2 }] },
    }),
    false,
  );
  assert.equal(ok({ type: 'changed', seq: -1, draft }), false);
  assert.equal(ok({ type: 'changed', seq: 1, draft: { ...draft, instancePrices: {} } }), false);
  assert.equal(ok({ type: 'setInstancePrice', name: 'ml.m5.large', price: 0 }), false);
  assert.equal(ok({ type: 'save', draft: { ...draft, instanceType: 'x'.repeat(5000) } }), false);
  assert.equal(validate(editorState, { draft, file: 7 }).ok, false);
});
