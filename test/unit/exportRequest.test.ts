import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { CreateHyperParameterTuningJobRequest } from '@aws-sdk/client-sagemaker';
import type { CreateTrainingJobRequest, DescribeTrainingJobResponse } from '../../src/model/types';
import {
  PLACEHOLDER_IMAGE,
  PLACEHOLDER_ROLE,
  pyLiteral,
  shellQuote,
  toAwsCliCommand,
  toSageMakerPythonSdk,
  trainingRequestFromDescription,
  tuningRequestFromDescription,
} from '../../src/model/exportRequest';
import { fineTuneJobRequest } from '../../src/model/fineTuneJob';
import { scriptJobRequest } from '../../src/model/scriptJob';

const HOSTILE = `it's "quoted" $HOME \`date\` $(id) \\ back\nnew line\ttab ünï 😀 '\\''`;

const training: CreateTrainingJobRequest = {
  TrainingJobName: 'digits-2024-01-01',
  RoleArn: 'arn:aws:iam::123456789012:role/SageMakerRole',
  AlgorithmSpecification: {
    TrainingImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/train:latest',
    TrainingInputMode: 'File',
    MetricDefinitions: [{ Name: 'validation:accuracy', Regex: "acc='([0-9.]+)'" }],
    EnableSageMakerMetricsTimeSeries: true,
  },
  HyperParameters: { epochs: '5', learning_rate: '0.001', note: HOSTILE },
  InputDataConfig: [
    {
      ChannelName: 'training',
      DataSource: {
        S3DataSource: {
          S3DataType: 'S3Prefix',
          S3Uri: 's3://bucket/digits/train/',
          S3DataDistributionType: 'FullyReplicated',
        },
      },
      ContentType: 'application/x-image',
      CompressionType: 'None',
      RecordWrapperType: 'None',
      InputMode: 'File',
    },
    {
      ChannelName: 'validation',
      DataSource: {
        S3DataSource: {
          S3DataType: 'ManifestFile',
          S3Uri: 's3://bucket/digits/validation.manifest',
          S3DataDistributionType: 'ShardedByS3Key',
        },
      },
      CompressionType: 'Gzip',
    },
  ],
  OutputDataConfig: { S3OutputPath: 's3://bucket/output/', KmsKeyId: 'alias/out' },
  ResourceConfig: {
    InstanceType: 'ml.p3.2xlarge',
    InstanceCount: 2,
    VolumeSizeInGB: 50,
    VolumeKmsKeyId: 'alias/vol',
  },
  StoppingCondition: { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 },
  CheckpointConfig: { S3Uri: 's3://bucket/checkpoints/' },
  VpcConfig: { Subnets: ['subnet-1'], SecurityGroupIds: ['sg-1'] },
  EnableNetworkIsolation: true,
  EnableManagedSpotTraining: true,
  Environment: { MODE: 'fast' },
  Tags: [{ Key: 'team', Value: 'ml' }],
};

const definition = {
  RoleArn: 'arn:aws:iam::123456789012:role/SageMakerRole',
  AlgorithmSpecification: {
    TrainingImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/train:latest',
    TrainingInputMode: 'File' as const,
    MetricDefinitions: [{ Name: 'validation:accuracy', Regex: 'acc=([0-9.]+)' }],
  },
  StaticHyperParameters: { epochs: '10' },
  InputDataConfig: training.InputDataConfig!.slice(0, 1),
  OutputDataConfig: { S3OutputPath: 's3://bucket/tuning/' },
  ResourceConfig: { InstanceType: 'ml.g5.xlarge' as const, InstanceCount: 1, VolumeSizeInGB: 30 },
  StoppingCondition: { MaxRuntimeInSeconds: 1800 },
};

const bayesian: CreateHyperParameterTuningJobRequest = {
  HyperParameterTuningJobName: 'digits-bayes-warm',
  HyperParameterTuningJobConfig: {
    Strategy: 'Bayesian',
    HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:accuracy' },
    ResourceLimits: {
      MaxNumberOfTrainingJobs: 20,
      MaxParallelTrainingJobs: 2,
      MaxRuntimeInSeconds: 36000,
    },
    ParameterRanges: {
      ContinuousParameterRanges: [
        { Name: 'learning_rate', MinValue: '0.0001', MaxValue: '0.1', ScalingType: 'Logarithmic' },
      ],
      IntegerParameterRanges: [
        { Name: 'batch_size', MinValue: '16', MaxValue: '128', ScalingType: 'Auto' },
      ],
      CategoricalParameterRanges: [{ Name: 'optimizer', Values: ['adam', 'sgd', "it's"] }],
    },
    TrainingJobEarlyStoppingType: 'Auto',
    RandomSeed: 42,
    TuningJobCompletionCriteria: {
      TargetObjectiveMetricValue: 0.99,
      BestObjectiveNotImproving: { MaxNumberOfTrainingJobsNotImproving: 5 },
      ConvergenceDetected: { CompleteOnConvergence: 'Enabled' },
    },
  },
  TrainingJobDefinition: definition,
  WarmStartConfig: {
    WarmStartType: 'TransferLearning',
    ParentHyperParameterTuningJobs: [
      { HyperParameterTuningJobName: 'parent-a' },
      { HyperParameterTuningJobName: 'parent-b' },
    ],
  },
  Tags: [{ Key: 'team', Value: 'ml' }],
};

const hyperband: CreateHyperParameterTuningJobRequest = {
  HyperParameterTuningJobName: 'digits-hyperband',
  HyperParameterTuningJobConfig: {
    Strategy: 'Hyperband',
    StrategyConfig: { HyperbandStrategyConfig: { MinResource: 1, MaxResource: 27 } },
    HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'validation:loss' },
    ResourceLimits: { MaxNumberOfTrainingJobs: 30, MaxParallelTrainingJobs: 3 },
    ParameterRanges: {
      ContinuousParameterRanges: [{ Name: 'dropout_rate', MinValue: '0', MaxValue: '0.5' }],
    },
  },
  TrainingJobDefinition: definition,
};

const multi: CreateHyperParameterTuningJobRequest = {
  HyperParameterTuningJobName: 'two-algorithms',
  HyperParameterTuningJobConfig: {
    Strategy: 'Random',
    ResourceLimits: { MaxNumberOfTrainingJobs: 10, MaxParallelTrainingJobs: 2 },
  },
  TrainingJobDefinitions: [
    {
      ...definition,
      DefinitionName: 'cnn',
      TuningObjective: { Type: 'Maximize', MetricName: 'validation:accuracy' },
      HyperParameterRanges: {
        IntegerParameterRanges: [{ Name: 'epochs', MinValue: '1', MaxValue: '20' }],
      },
    },
    {
      ...definition,
      DefinitionName: 'mlp-2',
      TuningObjective: { Type: 'Maximize', MetricName: 'validation:accuracy' },
      HyperParameterRanges: {
        CategoricalParameterRanges: [{ Name: 'hidden', Values: ['64', '128'] }],
      },
    },
  ],
};

/** Splits a command line the way a POSIX shell reads single-quoted and plain words. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      assert.ok(end > i, 'unterminated quote');
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '\\') {
      word = (word ?? '') + line[++i];
    } else if (c === ' ' || c === '\n') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      assert.ok(!/["$`;&|<>(){}*?~#]/.test(c), `unquoted ${c}`);
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The command without its comment lines. */
function commandOf(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n')
    .replace(/\n$/, '');
}

/**
 * Runs the copied text (comment lines included) as a bash script, with `aws` a function
 * that prints its arguments NUL-terminated: the words bash would have passed to the CLI.
 */
function bashWords(text: string): string[] {
  const result = spawnSync('bash', ['-s'], {
    input: `aws() { printf '%s\\0' "$@"; }\n${text}`,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.split('\0').slice(0, -1);
}

/** The code with calls, lists and dicts that were broken over lines joined back onto one. */
function joined(code: string): string {
  return code
    .replace(/([([{])\n\s*/g, '$1')
    .replace(/,\n\s*([)\]}])/g, '$1')
    .replace(/\n\s*([)\]}])/g, '$1')
    .replace(/,\n\s*/g, ', ');
}

function assertHas(code: string, expected: string): void {
  assert.ok(
    code.includes(expected) || joined(code).includes(expected),
    `missing ${expected}\n${code}`,
  );
}

function assertPython(code: string): void {
  const result = spawnSync('python3', ['-c', 'import ast,sys; ast.parse(sys.stdin.read())'], {
    input: code,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `${result.stderr}\n${code}`);
}

/** Evaluates a Python literal and returns it as JSON. */
function pythonValue(literal: string): unknown {
  const result = spawnSync(
    'python3',
    ['-c', 'import ast,json,sys; print(json.dumps(ast.literal_eval(sys.stdin.read())))'],
    { input: literal, encoding: 'utf8' },
  );
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

test('shellQuote: a single word, literal, whatever it holds', () => {
  for (const value of [HOSTILE, '', "'", "''", 'a b', '$(rm -rf /)']) {
    const result = spawnSync('bash', ['-s'], {
      input: `printf %s ${shellQuote(value)}`,
      encoding: 'utf8',
    });
    assert.equal(result.stdout, value);
  }
});

test('toAwsCliCommand: the request round-trips through the shell, training and tuning', () => {
  for (const [kind, request, operation] of [
    ['training', training, 'create-training-job'],
    ['tuning', bayesian, 'create-hyper-parameter-tuning-job'],
    ['tuning', multi, 'create-hyper-parameter-tuning-job'],
  ] as const) {
    const text = toAwsCliCommand(kind, request);
    assert.ok(!text.includes('# note'), 'no local values, no notes');
    const command = commandOf(text);
    const shell = shellWords(command);
    assert.equal(shell[0], 'aws');
    for (const words of [shell.slice(1), bashWords(text)]) {
      assert.deepEqual(words.slice(0, 3), ['sagemaker', operation, '--cli-input-json']);
      assert.equal(words.length, 4);
      assert.deepEqual(JSON.parse(words[3]), request);
    }
  }
});

test('toAwsCliCommand: --region and --profile, quoted when needed', () => {
  const words = bashWords(
    toAwsCliCommand('training', training, { region: 'eu-west-1', profile: "my profile's" }),
  );
  assert.deepEqual(words.slice(0, 6), [
    'sagemaker',
    'create-training-job',
    '--region',
    'eu-west-1',
    '--profile',
    "my profile's",
  ]);
  assert.deepEqual(JSON.parse(words[7]), training);
});

test('toAwsCliCommand: local values become named placeholders with comment lines', () => {
  const request = scriptJobRequest({
    script: '/home/me/project/train.py',
    channels: { training: '/home/me/data/digits' },
    outputUri: 'file:///home/me/out',
  });
  const text = toAwsCliCommand('training', request);
  const parsed = JSON.parse(bashWords(text)[3]) as CreateTrainingJobRequest;
  assert.equal(parsed.AlgorithmSpecification!.TrainingImage, PLACEHOLDER_IMAGE);
  assert.equal(parsed.RoleArn, PLACEHOLDER_ROLE);
  assert.equal(
    parsed.InputDataConfig![0].DataSource!.S3DataSource!.S3Uri,
    's3://REPLACE_WITH_BUCKET/digits/',
  );
  assert.equal(parsed.OutputDataConfig!.S3OutputPath, 's3://REPLACE_WITH_BUCKET/out/');
  assert.equal(
    parsed.HyperParameters!.sagemaker_submit_directory,
    's3://REPLACE_WITH_BUCKET/project/sourcedir.tar.gz',
  );
  assert.doesNotMatch(JSON.stringify(parsed), /file:|local:/);
  const comments = text.split('\n').filter((l) => l.startsWith('#'));
  assert.ok(comments.some((l) => l.includes('(was local:process)')));
  assert.ok(comments.some((l) => l.includes('(was file:///home/me/data/digits)')));
  assert.ok(comments.some((l) => l.includes('aws s3 sync /home/me/data/digits')));
  assert.ok(comments.some((l) => l.includes('tar -czf sourcedir.tar.gz -C /home/me/project')));

  const builtin = fineTuneJobRequest({
    algorithm: 'image-classification',
    training: 'file:///data/digits',
    outputUri: 'file:///out',
    jobName: 'ft',
  });
  const builtinText = toAwsCliCommand('training', builtin);
  assert.match(builtinText, /\(was local:image-classification\).*JumpStart/);
});

test('pyLiteral: Python reads back what JSON holds', () => {
  const value = {
    s: HOSTILE,
    n: [0, -1, 1.5, 1e-7, 1e21],
    b: [true, false],
    z: null,
    nested: { "k'ey": ['\u2028', '\u0000', 'é'] },
  };
  assert.deepEqual(pythonValue(pyLiteral(value)), value);
});

test('toSageMakerPythonSdk: a training request as Estimator and fit', () => {
  const code = toSageMakerPythonSdk('training', training);
  assertPython(code);
  assert.match(code, /^import sagemaker$/m);
  assert.match(code, /^from sagemaker\.estimator import Estimator$/m);
  assert.match(code, /^from sagemaker\.inputs import TrainingInput$/m);
  for (const expected of [
    "image_uri='123456789012.dkr.ecr.eu-west-1.amazonaws.com/train:latest'",
    "role='arn:aws:iam::123456789012:role/SageMakerRole'",
    'instance_count=2',
    "instance_type='ml.p3.2xlarge'",
    'volume_size=50',
    "volume_kms_key='alias/vol'",
    'max_run=3600',
    'max_wait=7200',
    "input_mode='File'",
    "output_path='s3://bucket/output/'",
    "output_kms_key='alias/out'",
    "checkpoint_s3_uri='s3://bucket/checkpoints/'",
    'enable_network_isolation=True',
    'use_spot_instances=True',
    'enable_sagemaker_metrics=True',
    "subnets=['subnet-1']",
    "security_group_ids=['sg-1']",
    "environment={'MODE': 'fast'}",
    "tags=[{'Key': 'team', 'Value': 'ml'}]",
    'debugger_hook_config=False',
    "s3_data='s3://bucket/digits/train/'",
    "distribution='FullyReplicated'",
    "compression='None'",
    "content_type='application/x-image'",
    "record_wrapping='None'",
    "s3_data_type='ManifestFile'",
    "distribution='ShardedByS3Key'",
    "compression='Gzip'",
    "job_name='digits-2024-01-01'",
    'wait=False',
  ]) {
    assertHas(code, expected);
  }
  // Hyperparameters and metric definitions come back exactly.
  const hp = /hyperparameters=(\{[\s\S]*?\n {4}\}|\{.*\}),\n/.exec(code);
  assert.ok(hp, code);
  assert.deepEqual(pythonValue(hp[1]), training.HyperParameters);
  const metrics = /metric_definitions=(\[.*\]),\n/.exec(code);
  assert.ok(metrics, code);
  assert.deepEqual(pythonValue(metrics[1]), training.AlgorithmSpecification!.MetricDefinitions);
  assert.doesNotMatch(code, /# note/);
});

test('toSageMakerPythonSdk: a Bayesian tuning request with all range kinds, warm start and completion criteria', () => {
  const code = toSageMakerPythonSdk('tuning', bayesian, { region: 'eu-west-1', profile: 'dev' });
  assertPython(code);
  for (const expected of [
    'from sagemaker.parameter import CategoricalParameter, ContinuousParameter, IntegerParameter',
    'from sagemaker.tuner import HyperparameterTuner, TuningJobCompletionCriteriaConfig, WarmStartConfig, WarmStartTypes',
    "session = sagemaker.Session(boto_session=boto3.Session(profile_name='dev', region_name='eu-west-1'))",
    'sagemaker_session=session',
    "hyperparameters={'epochs': '10'}",
    'tuner = HyperparameterTuner(',
    '    estimator,',
    "objective_metric_name='validation:accuracy'",
    "'learning_rate': ContinuousParameter(0.0001, 0.1, scaling_type='Logarithmic')",
    "'batch_size': IntegerParameter(16, 128, scaling_type='Auto')",
    "'optimizer': CategoricalParameter(['adam', 'sgd', 'it\\'s'])",
    "metric_definitions=[{'Name': 'validation:accuracy', 'Regex': 'acc=([0-9.]+)'}]",
    "objective_type='Maximize'",
    "strategy='Bayesian'",
    'max_jobs=20',
    'max_parallel_jobs=2',
    'max_runtime_in_seconds=36000',
    "early_stopping_type='Auto'",
    'random_seed=42',
    'max_number_of_training_jobs_not_improving=5',
    'complete_on_convergence=True',
    'target_objective_metric_value=0.99',
    "WarmStartConfig(WarmStartTypes.TRANSFER_LEARNING, parents={'parent-a', 'parent-b'})",
    "tags=[{'Key': 'team', 'Value': 'ml'}]",
    "job_name='digits-bayes-warm'",
    'wait=False',
  ]) {
    assertHas(code, expected);
  }
  assert.match(code, /tuner\.fit\(\s*\{\s*'training': TrainingInput\(/);
  assert.doesNotMatch(code, /# note/);
  assert.doesNotMatch(code, /metric_definitions=.*\n[\s\S]*estimator = /, 'not on the estimator');
});

test('toSageMakerPythonSdk: Hyperband with its strategy config', () => {
  const code = toSageMakerPythonSdk('tuning', hyperband);
  assertPython(code);
  assert.ok(code.includes("strategy='Hyperband'"), code);
  assertHas(
    code,
    'strategy_config=StrategyConfig(HyperbandStrategyConfig(max_resource=27, min_resource=1))',
  );
  assert.match(code, /from sagemaker\.tuner import .*HyperbandStrategyConfig.*StrategyConfig/);
  assert.ok(code.includes("'dropout_rate': ContinuousParameter(0, 0.5)"), code);
  assert.ok(code.includes("objective_type='Minimize'"), code);
});

test('toSageMakerPythonSdk: TrainingJobDefinitions as HyperparameterTuner.create', () => {
  const code = toSageMakerPythonSdk('tuning', multi);
  assertPython(code);
  for (const expected of [
    'estimator_cnn = Estimator(',
    'estimator_mlp_2 = Estimator(',
    'tuner = HyperparameterTuner.create(',
    "estimator_dict={'cnn': estimator_cnn, 'mlp-2': estimator_mlp_2}",
    "objective_metric_name_dict={\n        'cnn': 'validation:accuracy',\n        'mlp-2': 'validation:accuracy',\n    }",
    "'cnn': {'epochs': IntegerParameter(1, 20)}",
    "'mlp-2': {'hidden': CategoricalParameter(['64', '128'])}",
    'metric_definitions_dict=',
    "objective_type='Maximize'",
    "strategy='Random'",
    'include_cls_metadata={}',
    "job_name='two-algorithms'",
  ]) {
    assertHas(code, expected);
  }
  assert.match(code, /tuner\.fit\(\s*\{\s*'cnn': \{\s*'training': TrainingInput\(/);
});

test('toSageMakerPythonSdk: local values become placeholders, unsupported members notes', () => {
  const request = fineTuneJobRequest({
    algorithm: 'text-classification',
    training: 'file:///data/spam',
    outputUri: 'file:///out',
    jobName: 'spam',
  });
  const code = toSageMakerPythonSdk('training', {
    ...request,
    InfraCheckConfig: { EnableInfraCheck: true },
  });
  assertPython(code);
  assert.ok(code.includes(`image_uri='${PLACEHOLDER_IMAGE}'`), code);
  assert.ok(code.includes(`role='${PLACEHOLDER_ROLE}'`), code);
  assert.ok(code.includes("s3_data='s3://REPLACE_WITH_BUCKET/spam/'"), code);
  assert.match(code, /^# note: .*\(was local:text-classification\)/m);
  assert.match(code, /^# note: .*\(was file:\/\/\/data\/spam\)/m);
  assert.match(code, /^# note: InfraCheckConfig is not set .*\{"EnableInfraCheck":true\}$/m);
  assert.doesNotMatch(code.replace(/^#.*$/gm, ''), /file:|local:/);
});

test('Create requests rebuilt from Describe responses', () => {
  const description = {
    ...training,
    Tags: undefined,
    TrainingJobArn: 'arn:aws:sagemaker:eu-west-1:123456789012:training-job/x',
    TrainingJobStatus: 'Completed',
    SecondaryStatus: 'Completed',
    ModelArtifacts: { S3ModelArtifacts: 's3://bucket/output/model.tar.gz' },
    CreationTime: new Date(0),
    HyperParameters: { ...training.HyperParameters, _tuning_objective_metric: 'x' },
  } as DescribeTrainingJobResponse;
  const { Tags: _tags, ...expected } = training;
  void _tags;
  assert.deepEqual(trainingRequestFromDescription(description), expected);
  const { Tags: _t, ...expectedTuning } = bayesian;
  void _t;
  const tuning = tuningRequestFromDescription({
    ...expectedTuning,
    HyperParameterTuningJobArn: 'arn',
    HyperParameterTuningJobStatus: 'Completed',
    CreationTime: new Date(0),
    TrainingJobStatusCounters: {},
    ObjectiveStatusCounters: {},
  } as never);
  assert.deepEqual(tuning, expectedTuning);
});
