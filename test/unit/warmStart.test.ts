import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  CreateHyperParameterTuningJobRequest,
  DescribeHyperParameterTuningJobResponse,
  HyperParameterTrainingJobDefinition,
  HyperParameterTuningJobObjective,
  ParameterRanges,
} from '@aws-sdk/client-sagemaker';
import {
  checkWarmStart,
  warmStartError,
  type WarmStartParent,
  type WarmStartRule,
  type WarmStartViolation,
} from '../../src/model/warmStart';

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/trainer:1.0';
const OBJECTIVE: HyperParameterTuningJobObjective = {
  Type: 'Maximize',
  MetricName: 'validation:accuracy',
};

function ranges(): ParameterRanges {
  return {
    ContinuousParameterRanges: [{ Name: 'lr', MinValue: '0.001', MaxValue: '0.1' }],
    IntegerParameterRanges: [{ Name: 'batch', MinValue: '16', MaxValue: '256' }],
    CategoricalParameterRanges: [{ Name: 'optimizer', Values: ['sgd', 'adam', 'rmsprop'] }],
  };
}

function definition(
  overrides: Partial<HyperParameterTrainingJobDefinition> = {},
): HyperParameterTrainingJobDefinition {
  return {
    StaticHyperParameters: { epochs: '10', dropout: '0.2' },
    AlgorithmSpecification: { TrainingImage: IMAGE, TrainingInputMode: 'File' },
    RoleArn: 'arn:aws:iam::123456789012:role/R',
    InputDataConfig: [
      {
        ChannelName: 'train',
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bucket/train/' } },
      },
      {
        ChannelName: 'validation',
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bucket/validation/' } },
      },
    ],
    OutputDataConfig: { S3OutputPath: 's3://bucket/output/' },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    ...overrides,
  };
}

interface JobShape {
  objective?: HyperParameterTuningJobObjective;
  ranges?: ParameterRanges;
  definition?: HyperParameterTrainingJobDefinition;
}

function request(
  parents: string[],
  options: JobShape & {
    type?: 'IdenticalDataAndAlgorithm' | 'TransferLearning';
    maxJobs?: number | null;
  } = {},
): CreateHyperParameterTuningJobRequest {
  return {
    HyperParameterTuningJobName: 'child',
    HyperParameterTuningJobConfig: {
      Strategy: 'Bayesian',
      HyperParameterTuningJobObjective: options.objective ?? OBJECTIVE,
      ResourceLimits: {
        MaxParallelTrainingJobs: 2,
        ...(options.maxJobs === null ? {} : { MaxNumberOfTrainingJobs: options.maxJobs ?? 20 }),
      },
      ParameterRanges: options.ranges ?? ranges(),
    },
    TrainingJobDefinition: options.definition ?? definition(),
    WarmStartConfig: {
      ParentHyperParameterTuningJobs: parents.map((name) => ({
        HyperParameterTuningJobName: name,
      })),
      WarmStartType: options.type ?? 'TransferLearning',
    },
  };
}

function parent(
  name: string,
  options: JobShape & {
    status?: DescribeHyperParameterTuningJobResponse['HyperParameterTuningJobStatus'];
    created?: Date;
    trainingJobCount?: number;
    extra?: Partial<DescribeHyperParameterTuningJobResponse>;
  } = {},
): WarmStartParent {
  return {
    description: {
      HyperParameterTuningJobName: name,
      HyperParameterTuningJobArn: `arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/${name}`,
      HyperParameterTuningJobConfig: {
        Strategy: 'Bayesian',
        HyperParameterTuningJobObjective: options.objective ?? OBJECTIVE,
        ResourceLimits: { MaxParallelTrainingJobs: 2, MaxNumberOfTrainingJobs: 20 },
        ParameterRanges: options.ranges ?? ranges(),
      },
      TrainingJobDefinition: options.definition ?? definition(),
      HyperParameterTuningJobStatus: options.status ?? 'Completed',
      CreationTime: options.created ?? new Date('2024-01-01T00:00:00Z'),
      TrainingJobStatusCounters: { Completed: 20 },
      ObjectiveStatusCounters: { Succeeded: 20 },
      ...options.extra,
    },
    ...(options.trainingJobCount === undefined
      ? { trainingJobCount: 20 }
      : { trainingJobCount: options.trainingJobCount }),
  };
}

function parentsOf(...entries: WarmStartParent[]): Map<string, WarmStartParent | undefined> {
  return new Map(entries.map((p) => [p.description.HyperParameterTuningJobName ?? '', p]));
}

function only(violations: WarmStartViolation[], rule: WarmStartRule): WarmStartViolation[] {
  return violations.filter((v) => v.rule === rule);
}

function one(violations: WarmStartViolation[], rule: WarmStartRule): WarmStartViolation {
  const found = only(violations, rule);
  assert.equal(found.length, 1, `one ${rule} violation in ${JSON.stringify(violations, null, 2)}`);
  return found[0];
}

test('warm start: a valid job with several parents has no violation', () => {
  // p1 is identical; p2 had epochs tunable (now static: 1 change) and used a new image tag;
  // p3 describes itself with a single TrainingJobDefinitions entry.
  const p2Ranges = ranges();
  p2Ranges.IntegerParameterRanges?.push({ Name: 'epochs', MinValue: '5', MaxValue: '50' });
  const p3Definition = definition({
    TuningObjective: OBJECTIVE,
    HyperParameterRanges: ranges(),
  });
  const parents = parentsOf(
    parent('p1'),
    parent('p2', {
      ranges: p2Ranges,
      definition: definition({
        StaticHyperParameters: { dropout: '0.2' },
        AlgorithmSpecification: {
          TrainingImage: IMAGE.replace(':1.0', ':0.9'),
          TrainingInputMode: 'File',
        },
      }),
      status: 'Stopped',
    }),
    parent('p3', {
      status: 'Failed',
      extra: {
        HyperParameterTuningJobConfig: {
          Strategy: 'Bayesian',
          ResourceLimits: { MaxParallelTrainingJobs: 1, MaxNumberOfTrainingJobs: 5 },
        },
        TrainingJobDefinition: undefined,
        TrainingJobDefinitions: [p3Definition],
      },
    }),
  );
  const req = request(['p1', 'p2', 'p3'], { type: 'IdenticalDataAndAlgorithm' });
  assert.deepEqual(checkWarmStart(req, parents), []);
  assert.equal(warmStartError([]), undefined);
  // No WarmStartConfig: nothing to check.
  assert.deepEqual(checkWarmStart({ ...req, WarmStartConfig: undefined }, new Map()), []);
});

test('warm start: at most 5 parents, at least 1', () => {
  const names = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
  const parents = parentsOf(...names.map((n) => parent(n, { trainingJobCount: 1 })));
  const v = one(checkWarmStart(request(names), parents), 'parent-count');
  assert.match(v.message, /lists 6 parent tuning jobs/);
  assert.match(v.message, /"a6"/);
  assert.match(v.message, /at most 5/);
  assert.deepEqual(checkWarmStart(request(names.slice(0, 5)), parents), []);
  assert.match(
    one(checkWarmStart(request([]), parents), 'parent-count').message,
    /is empty: list 1 to 5 parent tuning jobs/,
  );
});

test('warm start: each parent is listed once (names are not case sensitive)', () => {
  const parents = parentsOf(parent('p1'), parent('p2'));
  const v = one(checkWarmStart(request(['p1', 'p2', 'P1']), parents), 'duplicate-parent');
  assert.equal(v.parent, 'p1');
  assert.match(v.message, /Parent tuning job "p1" is listed 2 times/);
  assert.match(v.message, /list each parent once/);
  assert.deepEqual(checkWarmStart(request(['p1', 'p2']), parents), []);
});

test('warm start: each parent must exist', () => {
  const parents: Map<string, WarmStartParent | undefined> = parentsOf(parent('p1'));
  parents.set('gone', undefined);
  const violations = only(
    checkWarmStart(request(['p1', 'ghost', 'gone']), parents),
    'parent-not-found',
  );
  assert.deepEqual(
    violations.map((v) => v.parent),
    ['ghost', 'gone'],
  );
  assert.match(violations[0].message, /Parent tuning job "ghost" does not exist/);
  assert.match(violations[0].message, /check its name/);
  // A key that differs only in case finds the parent.
  assert.deepEqual(checkWarmStart(request(['P1']), parents), []);
});

test('warm start: parents must be Completed, Stopped or Failed', () => {
  for (const status of ['InProgress', 'Stopping'] as const) {
    const v = one(
      checkWarmStart(request(['p1']), parentsOf(parent('p1', { status }))),
      'parent-not-terminal',
    );
    assert.equal(v.parent, 'p1');
    assert.match(v.message, new RegExp(`Parent tuning job "p1" is ${status}`));
    assert.match(v.message, /must be Completed, Stopped or Failed/);
    assert.match(
      v.message,
      status === 'InProgress' ? /Wait for "p1" to finish/ : /Wait for "p1" to stop/,
    );
  }
  for (const status of ['Completed', 'Stopped', 'Failed'] as const) {
    assert.deepEqual(checkWarmStart(request(['p1']), parentsOf(parent('p1', { status }))), []);
  }
});

test('warm start: the objective metric (name and type) is the parent one', () => {
  const parents = parentsOf(parent('p1'));
  const renamed = one(
    checkWarmStart(
      request(['p1'], { objective: { Type: 'Maximize', MetricName: 'validation:f1' } }),
      parents,
    ),
    'objective-metric',
  );
  assert.equal(renamed.parent, 'p1');
  assert.match(renamed.message, /parent tuning job "p1"/);
  assert.match(
    renamed.message,
    /maximizes "validation:accuracy", this job maximizes "validation:f1"/,
  );
  assert.match(renamed.message, /Use the parent's objective/);
  const flipped = one(
    checkWarmStart(
      request(['p1'], { objective: { Type: 'Minimize', MetricName: 'validation:accuracy' } }),
      parents,
    ),
    'objective-metric',
  );
  assert.match(flipped.message, /this job minimizes "validation:accuracy"/);
  assert.deepEqual(checkWarmStart(request(['p1']), parents), []);
});

test('warm start: the total of static plus tunable hyperparameters stays the same', () => {
  const parents = parentsOf(
    parent('p1', {
      definition: definition({
        StaticHyperParameters: { epochs: '10', dropout: '0.2', momentum: '0.9' },
      }),
    }),
  );
  const v = one(checkWarmStart(request(['p1']), parents), 'hyperparameter-count');
  assert.equal(v.parent, 'p1');
  assert.equal(v.hyperParameter, 'momentum');
  assert.match(v.message, /Parent tuning job "p1" has 6 hyperparameters .* this job has 5/);
  assert.match(v.message, /"momentum" is only in the parent: add it here/);

  // A static hyperparameter made tunable keeps the total: no violation.
  const withMomentum = ranges();
  withMomentum.ContinuousParameterRanges?.push({ Name: 'momentum', MinValue: '0', MaxValue: '1' });
  assert.deepEqual(checkWarmStart(request(['p1'], { ranges: withMomentum }), parents), []);

  // One more here than in the parent.
  const extra = one(
    checkWarmStart(
      request(['p1'], {
        ranges: withMomentum,
        definition: definition({
          StaticHyperParameters: { epochs: '10', dropout: '0.2', seed: '1' },
        }),
      }),
      parents,
    ),
    'hyperparameter-count',
  );
  assert.equal(extra.hyperParameter, 'seed');
  assert.match(extra.message, /"seed" is not in the parent: remove it/);
});

test('warm start: the type of each hyperparameter does not change', () => {
  const parents = parentsOf(parent('p1'));
  // Continuous range -> Integer range.
  const intLr = ranges();
  intLr.ContinuousParameterRanges = [];
  intLr.IntegerParameterRanges?.push({ Name: 'lr', MinValue: '1', MaxValue: '3' });
  const v = one(checkWarmStart(request(['p1'], { ranges: intLr }), parents), 'hyperparameter-type');
  assert.equal(v.parent, 'p1');
  assert.equal(v.hyperParameter, 'lr');
  assert.match(
    v.message,
    /Hyperparameter "lr" is a Continuous range in the parent but an Integer range here/,
  );
  assert.match(v.message, /parent tuning job "p1"/);
  assert.match(v.message, /Keep "lr" the type it had in "p1"/);

  // Integer range -> static value: an integer is fine, 32.5 is not.
  const noBatch = ranges();
  noBatch.IntegerParameterRanges = [];
  const staticBatch = (value: string) =>
    request(['p1'], {
      ranges: noBatch,
      definition: definition({
        StaticHyperParameters: { epochs: '10', dropout: '0.2', batch: value },
      }),
    });
  const fractional = one(checkWarmStart(staticBatch('32.5'), parents), 'hyperparameter-type');
  assert.equal(fractional.hyperParameter, 'batch');
  assert.match(
    fractional.message,
    /"batch" is an Integer range in the parent, but its static value "32.5" here is not an integer/,
  );
  assert.deepEqual(checkWarmStart(staticBatch('32'), parents), []);

  // Static value -> range: "0.2" fits Continuous and Categorical, not Integer.
  const tunableDropout = (kind: 'Continuous' | 'Integer') => {
    const r = ranges();
    if (kind === 'Continuous') {
      r.ContinuousParameterRanges?.push({ Name: 'dropout', MinValue: '0', MaxValue: '0.5' });
    } else {
      r.IntegerParameterRanges?.push({ Name: 'dropout', MinValue: '0', MaxValue: '5' });
    }
    return request(['p1'], {
      ranges: r,
      definition: definition({ StaticHyperParameters: { epochs: '10' } }),
    });
  };
  assert.deepEqual(checkWarmStart(tunableDropout('Continuous'), parents), []);
  const dropout = one(checkWarmStart(tunableDropout('Integer'), parents), 'hyperparameter-type');
  assert.equal(dropout.hyperParameter, 'dropout');
  assert.match(
    dropout.message,
    /"dropout" had the static value "0.2" in the parent, which is not an integer, but is an Integer range here/,
  );
});

test('warm start: at most 10 changes against each parent, categorical values counted one by one', () => {
  // The parent tunes 4 ranges; this job makes all of them static and changes both static values.
  const parentRanges = ranges();
  parentRanges.CategoricalParameterRanges = [
    { Name: 'optimizer', Values: ['sgd', 'adam', 'rmsprop', 'adagrad'] },
  ];
  const allStatic = (epochs: string) =>
    request(['p1'], {
      ranges: {},
      definition: definition({
        StaticHyperParameters: {
          epochs,
          dropout: '0.3',
          lr: '0.01',
          batch: '64',
          optimizer: 'adam',
        },
      }),
    });
  // 4 (optimizer) + 1 (lr) + 1 (batch) + 2 (dropout) = 8, + 2 when epochs changes = 10: allowed.
  const p1 = parentsOf(parent('p1', { ranges: parentRanges }));
  assert.deepEqual(checkWarmStart(allStatic('10'), p1), []);
  assert.deepEqual(checkWarmStart(allStatic('20'), p1), []);

  // One more categorical value in the parent: 11 changes.
  parentRanges.CategoricalParameterRanges = [
    { Name: 'optimizer', Values: ['sgd', 'adam', 'rmsprop', 'adagrad', 'nadam'] },
  ];
  const p2 = parentsOf(parent('p1', { ranges: parentRanges }));
  const v = one(checkWarmStart(allStatic('20'), p2), 'too-many-changes');
  assert.equal(v.parent, 'p1');
  assert.match(
    v.message,
    /makes 11 hyperparameter changes against parent tuning job "p1", more than the 10/,
  );
  assert.match(
    v.message,
    /"optimizer" was a Categorical range of 5 values and is static here \(5 changes\)/,
  );
  assert.match(v.message, /"lr" was a Continuous range and is static here \(1 change\)/);
  assert.match(v.message, /"epochs" changed its static value from "10" to "20" \(2 changes\)/);
  assert.match(v.message, /Keep some of these as "p1" had them/);

  // Static -> tunable is not a counted change: every static made tunable, ranges changed.
  const wide = ranges();
  wide.IntegerParameterRanges?.push({ Name: 'epochs', MinValue: '1', MaxValue: '100' });
  wide.ContinuousParameterRanges = [
    { Name: 'lr', MinValue: '0.0001', MaxValue: '1' },
    { Name: 'dropout', MinValue: '0', MaxValue: '0.9' },
  ];
  assert.deepEqual(
    checkWarmStart(
      request(['p1'], { ranges: wide, definition: definition({ StaticHyperParameters: {} }) }),
      parentsOf(parent('p1')),
    ),
    [],
  );
});

test('warm start: not recursive - a parent’s own parents are not looked up', () => {
  const p2 = parent('p2', {
    extra: {
      WarmStartConfig: {
        ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: 'p0-not-known' }],
        WarmStartType: 'IdenticalDataAndAlgorithm',
      },
    },
  });
  // p0-not-known is not in the map and not reported: only listed parents are checked.
  assert.deepEqual(checkWarmStart(request(['p2']), parentsOf(p2)), []);
});

test('warm start: parents’ training jobs count against the 500 training jobs of a tuning job', () => {
  const parents = parentsOf(
    parent('p1', { trainingJobCount: 300 }),
    parent('p2', { trainingJobCount: 150 }),
  );
  assert.deepEqual(checkWarmStart(request(['p1', 'p2'], { maxJobs: 50 }), parents), []);
  const v = one(
    checkWarmStart(request(['p1', 'p2'], { maxJobs: 51 }), parents),
    'training-job-limit',
  );
  assert.match(v.message, /launched 450 training jobs \(p1: 300, p2: 150\)/);
  assert.match(v.message, /501 in all, more than the 500/);
  assert.match(v.message, /Lower MaxNumberOfTrainingJobs to at most 50/);
  // A raised quota.
  assert.deepEqual(
    checkWarmStart(request(['p1', 'p2'], { maxJobs: 51 }), parents, { maxTrainingJobs: 750 }),
    [],
  );
  // Without trainingJobCount the parent's TrainingJobStatusCounters are summed.
  const counted = parent('p3', {
    extra: { TrainingJobStatusCounters: { Completed: 400, Stopped: 60, NonRetryableError: 40 } },
  });
  delete counted.trainingJobCount;
  const full = one(
    checkWarmStart(request(['p3'], { maxJobs: null }), parentsOf(counted)),
    'training-job-limit',
  );
  assert.match(full.message, /launched 500 training jobs \(p3: 500\), which leaves none/);
});

test('warm start: IdenticalDataAndAlgorithm needs the parent data and algorithm', () => {
  const parents = parentsOf(parent('p1'));
  const moved = definition();
  moved.InputDataConfig = [
    {
      ChannelName: 'train',
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bucket/train-v2/' } },
    },
    {
      ChannelName: 'test',
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bucket/test/' } },
    },
  ];
  moved.AlgorithmSpecification = {
    TrainingImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/other-trainer:1.0',
    TrainingInputMode: 'File',
  };
  const violations = checkWarmStart(
    request(['p1'], { type: 'IdenticalDataAndAlgorithm', definition: moved }),
    parents,
  );
  const data = only(violations, 'identical-data').map((v) => v.message);
  assert.equal(data.length, 3);
  assert.match(
    data[0],
    /parent tuning job "p1": channel "train" reads S3Prefix s3:\/\/bucket\/train-v2\/ here but S3Prefix s3:\/\/bucket\/train\/ in the parent/,
  );
  assert.match(
    data[1],
    /its channel "validation" \(S3Prefix s3:\/\/bucket\/validation\/\) is missing here/,
  );
  assert.match(data[2], /channel "test" .* is not in the parent/);
  assert.match(data[0], /or WarmStartType TransferLearning/);
  const algorithm = one(violations, 'identical-algorithm');
  assert.equal(algorithm.parent, 'p1');
  assert.match(
    algorithm.message,
    /the parent ran image ".*\/trainer:1.0", this job image ".*\/other-trainer:1.0"/,
  );
  assert.match(algorithm.message, /a different image repository/);

  // A new version (tag or digest) of the same image repository is accepted.
  const digest = definition({
    AlgorithmSpecification: {
      TrainingImage: `${IMAGE.replace(':1.0', '')}@sha256:${'a'.repeat(64)}`,
      TrainingInputMode: 'File',
    },
  });
  assert.deepEqual(
    checkWarmStart(
      request(['p1'], { type: 'IdenticalDataAndAlgorithm', definition: digest }),
      parents,
    ),
    [],
  );
  // A marketplace algorithm instead of the parent's image is a different algorithm.
  const named = definition({
    AlgorithmSpecification: { AlgorithmName: 'my-algorithm', TrainingInputMode: 'File' },
  });
  assert.match(
    one(
      checkWarmStart(
        request(['p1'], { type: 'IdenticalDataAndAlgorithm', definition: named }),
        parents,
      ),
      'identical-algorithm',
    ).message,
    /this job algorithm "my-algorithm" \(a different algorithm;/,
  );
  // TransferLearning may change both.
  assert.deepEqual(
    checkWarmStart(request(['p1'], { type: 'TransferLearning', definition: moved }), parents),
    [],
  );
});

test('warm start: parents created before 1 October 2018 cannot be used', () => {
  const old = parentsOf(parent('p1', { created: new Date('2018-09-30T23:59:59Z') }));
  const v = one(checkWarmStart(request(['p1']), old), 'parent-too-old');
  assert.equal(v.parent, 'p1');
  assert.match(v.message, /Parent tuning job "p1" was created on 2018-09-30T23:59:59.000Z/);
  assert.match(v.message, /before 1 October 2018/);
  const onTheDay = parentsOf(parent('p1', { created: new Date('2018-10-01T00:00:00Z') }));
  assert.deepEqual(checkWarmStart(request(['p1']), onTheDay), []);
});

test('warm start: one training job definition (single algorithm) in the job and its parents', () => {
  const parents = parentsOf(parent('p1'));
  const two = request(['p1']);
  two.TrainingJobDefinition = undefined;
  two.TrainingJobDefinitions = [
    definition({ DefinitionName: 'a', TuningObjective: OBJECTIVE, HyperParameterRanges: ranges() }),
    definition({ DefinitionName: 'b', TuningObjective: OBJECTIVE, HyperParameterRanges: ranges() }),
  ];
  const v = one(checkWarmStart(two, parents), 'single-algorithm');
  assert.equal(v.parent, undefined);
  assert.match(
    v.message,
    /This tuning job has 2 training job definitions; warm start is available only when tuning a single algorithm/,
  );

  // A single TrainingJobDefinitions entry is compared with its own objective and ranges.
  const single = request(['p1']);
  single.TrainingJobDefinition = undefined;
  single.HyperParameterTuningJobConfig = {
    Strategy: 'Bayesian',
    ResourceLimits: { MaxParallelTrainingJobs: 2, MaxNumberOfTrainingJobs: 20 },
  };
  single.TrainingJobDefinitions = [
    definition({ TuningObjective: OBJECTIVE, HyperParameterRanges: ranges() }),
  ];
  assert.deepEqual(checkWarmStart(single, parents), []);
  const singleF1 = structuredClone(single);
  singleF1.TrainingJobDefinitions = [
    definition({
      TuningObjective: { Type: 'Maximize', MetricName: 'f1' },
      HyperParameterRanges: ranges(),
    }),
  ];
  assert.match(
    one(checkWarmStart(singleF1, parents), 'objective-metric').message,
    /this job maximizes "f1"/,
  );

  // A parent that tuned several algorithms cannot be a parent.
  const multi = parent('multi', {
    extra: {
      TrainingJobDefinition: undefined,
      TrainingJobDefinitions: [
        definition({ DefinitionName: 'a' }),
        definition({ DefinitionName: 'b' }),
      ],
    },
  });
  const p = one(checkWarmStart(request(['multi']), parentsOf(multi)), 'single-algorithm');
  assert.equal(p.parent, 'multi');
  assert.match(p.message, /Parent tuning job "multi" tuned 2 training job definitions/);
  assert.match(p.message, /Remove "multi" from the parents/);
});

test('warm start: violations become one ValidationException', () => {
  const violations = checkWarmStart(
    request(['p1', 'ghost']),
    parentsOf(parent('p1', { status: 'InProgress' })),
  );
  assert.deepEqual(
    violations.map((v) => v.rule),
    ['parent-not-terminal', 'parent-not-found'],
  );
  const error = warmStartError(violations);
  assert.equal(error?.name, 'ValidationException');
  assert.match(
    error?.message ?? '',
    /^Invalid WarmStartConfig: Parent tuning job "p1" is InProgress.*"ghost" does not exist/,
  );
});
