// The tuning request editor's model (request <-> form, problems mapped to fields, the
// worst-case compute), the warm-start rule list, and the training run view's model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  CreateHyperParameterTuningJobRequest,
  DescribeHyperParameterTuningJobResponse,
} from '@aws-sdk/client-sagemaker';
import type { DescribeTrainingJobResponse } from '../../src/model/types';
import {
  checkDraft,
  draftFromRequest,
  fieldOfPath,
  parseRequestText,
  requestFromDraft,
  substituteWorkspaceFolder,
  templateDraft,
  worstCaseCompute,
} from '../../src/ui/panels/viewModels/editor';
import {
  childName,
  childRequest,
  parentRow,
  WARM_START_RULES,
  warmStartRuleChecks,
} from '../../src/ui/panels/viewModels/warmStart';
import {
  buildTrainingRunModel,
  executionProviderOf,
  metricGroup,
  metricSeries,
  tailLines,
} from '../../src/ui/panels/viewModels/trainingRun';
import { editorDraft, editorInbound } from '../../src/ui/panels/protocol/editor';
import { validate } from '../../src/ui/panels/protocol/check';

function request(): CreateHyperParameterTuningJobRequest {
  return {
    HyperParameterTuningJobName: 'tune-1',
    HyperParameterTuningJobConfig: {
      Strategy: 'Random',
      RandomSeed: 3,
      HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'acc' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 10, MaxParallelTrainingJobs: 2 },
      ParameterRanges: {
        IntegerParameterRanges: [{ Name: 'layers', MinValue: '1', MaxValue: '4' }],
        ContinuousParameterRanges: [
          { Name: 'lr', MinValue: '0.001', MaxValue: '0.1', ScalingType: 'Logarithmic' },
        ],
        CategoricalParameterRanges: [{ Name: 'opt', Values: ['sgd', 'adam'] }],
      },
      TuningJobCompletionCriteria: { TargetObjectiveMetricValue: 0.99 },
    },
    TrainingJobDefinition: {
      StaticHyperParameters: { sagemaker_program: 'train.py', epochs: '3' },
      AlgorithmSpecification: {
        TrainingImage: 'local:process',
        TrainingInputMode: 'File',
        MetricDefinitions: [{ Name: 'acc', Regex: 'acc=([0-9.]+)' }],
      },
      RoleArn: 'arn:aws:iam::123456789012:role/SageMakerRole',
      InputDataConfig: [
        {
          ChannelName: 'training',
          DataSource: {
            S3DataSource: {
              S3DataType: 'S3Prefix',
              S3Uri: 'file:///data/train',
              S3DataDistributionType: 'FullyReplicated',
            },
          },
        },
      ],
      OutputDataConfig: { S3OutputPath: 'file:///out' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 2, VolumeSizeInGB: 10 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      Environment: { KEEP: 'me' },
    },
    Tags: [{ Key: 'team', Value: 'ml' }],
  };
}

test('a request round-trips through the form, keeping what the form does not show', () => {
  const original = request();
  const { draft, notes } = draftFromRequest(original);
  assert.deepEqual(notes, []);
  assert.equal(draft.name, 'tune-1');
  assert.equal(draft.objectiveType, 'Maximize');
  assert.equal(draft.randomSeed, '3');
  assert.equal(draft.instanceCount, '2');
  assert.deepEqual(
    draft.ranges.map((r) => `${r.type}:${r.name}:${r.min}:${r.max}:${r.scaling}:${r.values}`),
    [
      'Integer:layers:1:4:Auto:',
      'Continuous:lr:0.001:0.1:Logarithmic:',
      'Categorical:opt:::Auto:sgd, adam',
    ],
  );
  assert.equal(validate(editorDraft, draft).ok, true);
  const { request: rebuilt, problems } = requestFromDraft(draft, original);
  assert.deepEqual(problems, []);
  assert.deepEqual(rebuilt, original);
});

test('whatever a hand-edited file holds, the form opens and says what it keeps aside', () => {
  for (const raw of [null, 42, 'text', [], {}, { HyperParameterTuningJobConfig: 'oops' }]) {
    const { draft } = draftFromRequest(raw);
    assert.equal(validate(editorDraft, draft).ok, true, JSON.stringify(raw));
  }
  assert.match(draftFromRequest([]).notes[0], /does not hold a JSON object/);
  const odd = draftFromRequest({
    HyperParameterTuningJobConfig: {
      ResourceLimits: { MaxParallelTrainingJobs: 'two' },
      ParameterRanges: { AutoParameters: [{ Name: 'x', ValueHint: '1' }] },
    },
    TrainingJobDefinitions: [{}, {}],
  });
  assert.equal(odd.draft.maxParallelTrainingJobs, 'two');
  assert.equal(odd.notes.length, 2);
  assert.deepEqual(parseRequestText('{"a": 1}'), { value: { a: 1 } });
  const bad = parseRequestText('{\n  "a": 1,\n  oops\n}');
  assert.ok('error' in bad);
  assert.match(bad.error, /^Not valid JSON at line 3, column 3:/);
});

test('problems land on their fields: numbers, shapes, and the engine checks of each range', () => {
  const draft = templateDraft({ name: 'tune-2', outputPath: 'file:///out' });
  draft.maxParallelTrainingJobs = 'two';
  draft.ranges[0].min = '0.5';
  draft.ranges[0].max = '0.1';
  draft.ranges.push({
    name: 'layers',
    type: 'Integer',
    min: '1.5',
    max: '4',
    scaling: 'Auto',
    values: '',
  });
  draft.ranges.push({
    name: 'act',
    type: 'Categorical',
    min: '',
    max: '',
    scaling: 'Auto',
    values: 'relu, relu',
  });
  draft.staticHyperParameters.push({ name: '', value: '7' });
  draft.roleArn = 'role';
  draft.name = 'bad_name!';
  const { problems, general } = checkDraft(draft);
  const byField = Object.fromEntries(problems.map((p) => [p.field, p.message]));
  assert.match(byField.maxParallelTrainingJobs, /must be a whole number, not "two"/);
  assert.match(byField['ranges.0.min'], /MinValue 0\.5 must be less than MaxValue 0\.1/);
  assert.match(byField['ranges.2.min'], /whole numbers/);
  assert.match(byField['ranges.3.values'], /"relu" is listed twice/);
  assert.match(byField['staticHyperParameters.3.name'], /Name this hyperparameter/);
  assert.match(byField.roleArn, /RoleArn/);
  assert.match(byField.name, /HyperParameterTuningJobName/);
  assert.deepEqual(general, []);
  // A fixed form has no field problems left.
  const fixed = templateDraft({ name: 'tune-2', outputPath: 'file:///out' });
  assert.deepEqual(checkDraft(fixed).problems, []);
});

test('request paths map to the most specific field', () => {
  const { fields } = requestFromDraft(draftFromRequest(request()).draft, request());
  assert.equal(
    fieldOfPath(
      'HyperParameterTuningJobConfig.ParameterRanges.ContinuousParameterRanges[0].MaxValue',
      fields,
    ),
    'ranges.1.max',
  );
  assert.equal(
    fieldOfPath('HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs', fields),
    'maxParallelTrainingJobs',
  );
  assert.equal(
    fieldOfPath('TrainingJobDefinition.InputDataConfig[0].DataSource.S3DataSource.S3Uri', fields),
    'channels.0.uri',
  );
  assert.equal(
    fieldOfPath('TrainingJobDefinition.StaticHyperParameters key "epochs"', fields),
    'staticHyperParameters.1.name',
  );
  assert.equal(fieldOfPath('TrainingJobDefinition.VpcConfig', fields), undefined);
});

test('worst-case compute: runtime x parallel x instances, bounded by the job count and the tuning time', () => {
  const r = request();
  // 10 jobs of at most 1 h on 2 instances, 2 at a time: 5 rounds (5 h), 20 instance-hours.
  const e = worstCaseCompute(r);
  assert.equal(e.wallClockSeconds, 5 * 3600);
  assert.equal(e.instanceSeconds, 20 * 3600);
  assert.match(
    e.lines.join('\n'),
    /Worst case: 20 instance-hours of ml\.m5\.large \(5h x 2 parallel x 2 instances/,
  );
  r.HyperParameterTuningJobConfig!.ResourceLimits!.MaxRuntimeInSeconds = 2 * 3600;
  // The tuning job stops after 2 h: 2 h x 2 parallel x 2 instances = 8 instance-hours.
  const capped = worstCaseCompute(r);
  assert.equal(capped.wallClockSeconds, 2 * 3600);
  assert.equal(capped.instanceSeconds, 8 * 3600);
  delete r.HyperParameterTuningJobConfig!.ResourceLimits!.MaxNumberOfTrainingJobs;
  delete r.HyperParameterTuningJobConfig!.ResourceLimits!.MaxRuntimeInSeconds;
  assert.equal(worstCaseCompute(r).instanceSeconds, undefined);
  assert.match(worstCaseCompute(r).lines.at(-1)!, /No bound/);
});

test('${workspaceFolder} is replaced in every string, only when there is a workspace', () => {
  const value = { a: '${workspaceFolder}/x', b: ['file://${workspaceFolder}'], c: 1 };
  assert.deepEqual(substituteWorkspaceFolder(value, '/ws'), {
    a: '/ws/x',
    b: ['file:///ws'],
    c: 1,
  });
  assert.deepEqual(substituteWorkspaceFolder(value, undefined), value);
});

test('the editor protocol rejects drafts that do not fit the form', () => {
  const draft = templateDraft({ name: 't', outputPath: 'file:///o' });
  assert.equal(validate(editorInbound, { type: 'changed', seq: 1, draft }).ok, true);
  assert.equal(
    validate(editorInbound, { type: 'changed', seq: 1, draft: { ...draft, strategy: 'Magic' } }).ok,
    false,
  );
  assert.equal(
    validate(editorInbound, { type: 'changed', seq: 1, draft: { ...draft, extra: 1 } }).ok,
    false,
  );
  assert.equal(validate(editorInbound, { type: 'chooseChannelFolder', index: 99 }).ok, false);
  assert.equal(validate(editorInbound, { type: 'launch' }).ok, false);
});

function parent(name: string, status = 'Completed'): DescribeHyperParameterTuningJobResponse {
  const r = request();
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobArn: `arn:aws:sagemaker:local:000000000000:hyper-parameter-tuning-job/${name}`,
    HyperParameterTuningJobStatus:
      status as DescribeHyperParameterTuningJobResponse['HyperParameterTuningJobStatus'],
    HyperParameterTuningJobConfig: r.HyperParameterTuningJobConfig,
    TrainingJobDefinition: r.TrainingJobDefinition,
    CreationTime: new Date('2025-01-01T00:00:00Z'),
    TrainingJobStatusCounters: {
      Completed: 8,
      Stopped: 1,
      NonRetryableError: 1,
      InProgress: 0,
      RetryableError: 0,
    },
    ObjectiveStatusCounters: { Succeeded: 9, Failed: 1, Pending: 0 },
    BestTrainingJob: {
      TrainingJobName: `${name}-003-aaaaaaaa`,
      TrainingJobArn: `arn:aws:sagemaker:local:000000000000:training-job/${name}-003-aaaaaaaa`,
      TrainingJobStatus: 'Completed',
      CreationTime: new Date('2025-01-01T00:00:00Z'),
      TunedHyperParameters: {},
      FinalHyperParameterTuningJobObjectiveMetric: { MetricName: 'acc', Value: 0.93 },
    },
  };
}

test('warm start: every rule listed, passed or failed with its reasons, n/a where it does not apply', () => {
  const parents = new Map([['p1', { description: parent('p1') }]]);
  const child = childRequest(parent('p1'), ['p1'], 'TransferLearning', 'p1-warm');
  const checks = warmStartRuleChecks(child, parents);
  assert.equal(checks.length, WARM_START_RULES.length);
  assert.deepEqual(
    checks.filter((c) => c.state !== 'pass').map((c) => `${c.rule}:${c.state}`),
    ['identical-data:n/a', 'identical-algorithm:n/a'],
  );
  // A running parent, a changed objective and identical data that differs.
  const running = new Map([['p1', { description: parent('p1', 'InProgress') }]]);
  const changed = childRequest(parent('p1'), ['p1'], 'IdenticalDataAndAlgorithm', 'p1-warm');
  changed.HyperParameterTuningJobConfig!.HyperParameterTuningJobObjective!.MetricName = 'loss';
  changed.TrainingJobDefinition!.InputDataConfig![0].DataSource!.S3DataSource!.S3Uri =
    'file:///other';
  const failed = warmStartRuleChecks(changed, running).filter((c) => c.state === 'fail');
  assert.deepEqual(
    failed.map((c) => c.rule),
    ['parent-not-terminal', 'objective-metric', 'identical-data'],
  );
  assert.match(failed[0].reasons[0], /"p1" is InProgress/);
  // No parents at all: only the count rule can be judged.
  const none = warmStartRuleChecks(
    {
      ...child,
      WarmStartConfig: { WarmStartType: 'TransferLearning', ParentHyperParameterTuningJobs: [] },
    },
    new Map(),
  );
  assert.deepEqual(
    none.filter((c) => c.state !== 'n/a').map((c) => `${c.rule}:${c.state}`),
    ['parent-count:fail'],
  );
  assert.deepEqual(warmStartRuleChecks(request(), parents), []);
});

test('warm start: the parents table rows and the child request', () => {
  assert.deepEqual(parentRow(parent('p1')), {
    name: 'p1',
    status: 'Completed',
    strategy: 'Random',
    objective: 'Maximize acc',
    bestValue: 0.93,
    trainingJobs: 10,
    createdAt: Date.parse('2025-01-01T00:00:00Z'),
    terminal: true,
  });
  const child = childRequest(parent('p1'), ['p1', 'p2'], 'IdenticalDataAndAlgorithm', 'p1-warm');
  assert.deepEqual(child.WarmStartConfig, {
    WarmStartType: 'IdenticalDataAndAlgorithm',
    ParentHyperParameterTuningJobs: [
      { HyperParameterTuningJobName: 'p1' },
      { HyperParameterTuningJobName: 'p2' },
    ],
  });
  assert.equal(child.TrainingJobDefinition?.Environment?.KEEP, 'me');
  assert.equal(childName('p1', new Set()), 'p1-warm');
  assert.equal(childName('p1', new Set(['p1-warm'])), 'p1-warm-2');
  assert.equal(childName('x'.repeat(32), new Set()).length, 32);
});

test('training run: one series per metric, grouped into losses, metrics and sifting', () => {
  const t = (s: number) => new Date(Date.parse('2025-01-01T00:00:00Z') + s * 1000).toISOString();
  const series = metricSeries([
    { name: 'train:loss', value: 1, timestamp: t(0) },
    { name: 'validation:accuracy', value: 0.5, timestamp: t(1) },
    { name: 'train:loss', value: 0.5, timestamp: t(2) },
    { name: 'sift:kept_fraction', value: 0.4, timestamp: t(2) },
    { name: 'train:loss', value: Number.NaN, timestamp: t(3) },
  ]);
  assert.deepEqual(
    series.map((s) => [s.name, s.group, s.points]),
    [
      [
        'train:loss',
        'loss',
        [
          [0, 1],
          [2, 0.5],
        ],
      ],
      ['validation:accuracy', 'metric', [[1, 0.5]]],
      ['sift:kept_fraction', 'sift', [[2, 0.4]]],
    ],
  );
  assert.equal(metricGroup('sift:loss'), 'sift');
  assert.equal(
    executionProviderOf(
      {} as DescribeTrainingJobResponse,
      'Backbone x; ONNX Runtime execution provider: webgpu.\n',
    ),
    'webgpu',
  );
  assert.equal(executionProviderOf({ ExecutionProvider: 'cuda' } as never, ''), 'cuda');
  assert.equal(executionProviderOf({} as DescribeTrainingJobResponse, 'nothing'), undefined);
  assert.equal(tailLines('a\nb\nc', 2), 'b\nc');
  const model = buildTrainingRunModel(
    {
      TrainingJobName: 'job',
      TrainingJobStatus: 'Completed',
      TuningJobArn: 'arn:aws:sagemaker:local:000000000000:hyper-parameter-tuning-job/tune-1',
      FinalMetricDataList: [{ MetricName: 'acc', Value: 0.9, Timestamp: new Date() }],
      SecondaryStatusTransitions: [
        { Status: 'Training', StartTime: new Date(0), StatusMessage: 'go' },
      ],
      HyperParameters: { lr: '0.1' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
    } as unknown as DescribeTrainingJobResponse,
    [],
    { executionProvider: 'cpu', now: 5 },
  );
  assert.equal(model.tuningJobName, 'tune-1');
  assert.equal(model.instance, '1 x ml.m5.large');
  assert.deepEqual(model.finalMetrics, [{ name: 'acc', value: 0.9 }]);
  assert.deepEqual(model.transitions, [{ status: 'Training', startedAt: 0, message: 'go' }]);
  assert.equal(model.executionProvider, 'cpu');
});
