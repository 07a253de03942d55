import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, scriptRequest, tempDir, writeScript } from './helpers';
import { multiDefinitionRequest, tuningRequest } from './tuningHelpers';

const SMW = join(REPO_ROOT, 'bin', 'smw');

function smw(store: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [SMW, '--store', store, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function setup() {
  const root = tempDir('smw-cli-');
  const store = join(root, 'store');
  writeScript(
    root,
    'train.py',
    'import time\nfor i in range(3):\n    print(f"loss={1/(i+1):.3f}", flush=True)\n',
  );
  const requestFile = join(root, 'req.json');
  writeFileSync(requestFile, JSON.stringify(scriptRequest(root, 'cli-job', 'train.py')));
  return { root, store, requestFile };
}

test('create --wait prints the final description as JSON and progress on stderr', () => {
  const { root, store, requestFile } = setup();
  const result = smw(store, [
    'create-training-job',
    '--cli-input-json',
    `file://${requestFile}`,
    '--wait',
  ]);
  assert.equal(result.code, 0, result.stderr);
  const job = JSON.parse(result.stdout);
  assert.equal(job.TrainingJobStatus, 'Completed');
  assert.equal(job.FinalMetricDataList[0].Value, 0.333);
  assert.match(result.stderr, /cli-job: Completed - \d\d:\d\d - train:loss=0\.333/);
  assert.ok(existsSync(join(root, 'output', 'cli-job', 'output', 'model.tar.gz')));

  const described = smw(store, ['describe-training-job', '--training-job-name', 'cli-job']);
  assert.equal(described.code, 0);
  assert.equal(JSON.parse(described.stdout).TrainingJobArn, job.TrainingJobArn);

  const listed = smw(store, ['list-training-jobs']);
  assert.deepEqual(
    JSON.parse(listed.stdout).TrainingJobSummaries.map(
      (s: { TrainingJobName: string }) => s.TrainingJobName,
    ),
    ['cli-job'],
  );

  const logs = smw(store, ['logs', 'cli-job']);
  assert.equal(logs.stdout, 'loss=1.000\nloss=0.500\nloss=0.333\n');

  const again = smw(store, ['create-training-job', '--cli-input-json', `file://${requestFile}`]);
  assert.equal(again.code, 254);
  assert.equal(
    again.stderr,
    'smw: An error occurred (ResourceInUse): Training job "cli-job" already exists; choose another TrainingJobName.\n',
  );
});

test('errors are one line with AWS CLI exit codes', () => {
  const { root, store } = setup();
  const missing = smw(store, ['describe-training-job', '--training-job-name', 'nope']);
  assert.equal(missing.code, 254);
  assert.match(
    missing.stderr,
    /^smw: An error occurred \(ResourceNotFound\): .*"nope" does not exist.*\n$/,
  );
  assert.equal(missing.stderr.split('\n').length, 2);

  const badName = smw(store, ['describe-training-job', '--training-job-name', 'bad_name']);
  assert.equal(badName.code, 254);
  assert.match(badName.stderr, /ValidationException/);

  writeFileSync(join(root, 'broken.json'), '{"TrainingJobName": ');
  const broken = smw(store, [
    'create-training-job',
    '--cli-input-json',
    `file://${join(root, 'broken.json')}`,
  ]);
  assert.equal(broken.code, 252);
  assert.match(broken.stderr, /^smw: --cli-input-json is not valid JSON/);

  const noFile = smw(store, [
    'create-training-job',
    '--cli-input-json',
    'file:///no/such/req.json',
  ]);
  assert.equal(noFile.code, 252);
  assert.match(noFile.stderr, /cannot read --cli-input-json/);

  const unknown = smw(store, ['frobnicate']);
  assert.equal(unknown.code, 252);

  const missingOption = smw(store, ['describe-training-job']);
  assert.equal(missingOption.code, 252);
  assert.match(missingOption.stderr, /--training-job-name/);

  const invalid = smw(store, [
    'create-training-job',
    '--cli-input-json',
    '{"TrainingJobName":"x"}',
  ]);
  assert.equal(invalid.code, 254);
  assert.match(invalid.stderr, /ValidationException.*RoleArn is required/);
});

test('a failed job waited for exits 1 with the reason', () => {
  const { root, store } = setup();
  writeScript(root, 'boom.py', 'raise SystemExit("data.csv has no rows")\n');
  const file = join(root, 'boom.json');
  writeFileSync(file, JSON.stringify(scriptRequest(root, 'boom-job', 'boom.py')));
  const result = smw(store, [
    'create-training-job',
    '--cli-input-json',
    `file://${file}`,
    '--wait',
  ]);
  assert.equal(result.code, 1);
  assert.equal(JSON.parse(result.stdout).TrainingJobStatus, 'Failed');
  assert.match(
    result.stderr,
    /smw: training job boom-job ended Failed: AlgorithmError: .*data\.csv has no rows/,
  );
});

test('logs --follow streams until the job ends; stop-training-job --wait stops it', async () => {
  const { root, store } = setup();
  writeScript(
    root,
    'ticker.py',
    'import time\nfor i in range(600):\n    print(f"tick {i}", flush=True)\n    time.sleep(0.05)\n',
  );
  const file = join(root, 'ticker.json');
  writeFileSync(file, JSON.stringify(scriptRequest(root, 'ticker-job', 'ticker.py')));
  assert.equal(smw(store, ['create-training-job', '--cli-input-json', `file://${file}`]).code, 0);
  const follower = spawn(process.execPath, [
    SMW,
    '--store',
    store,
    'logs',
    'ticker-job',
    '--follow',
  ]);
  let followed = '';
  follower.stdout.on('data', (chunk: Buffer) => (followed += chunk.toString()));
  const followerExit = new Promise<number | null>((resolve) => follower.on('exit', resolve));
  while (!followed.includes('tick 3')) await new Promise((r) => setTimeout(r, 50));
  const stopped = smw(store, ['stop-training-job', '--training-job-name', 'ticker-job', '--wait'], {
    SMW_STOP_GRACE_SECONDS: '2',
  });
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.equal(JSON.parse(stopped.stdout).TrainingJobStatus, 'Stopped');
  assert.equal(await followerExit, 0, 'logs --follow ends when the job ends');
  const full = smw(store, ['logs', 'ticker-job']).stdout;
  assert.equal(followed, full, 'the follower saw every line');
  const again = smw(store, ['stop-training-job', '--training-job-name', 'ticker-job']);
  assert.equal(again.code, 254);
  assert.match(again.stderr, /already Stopped/);
});

test('tuning commands: validate, create --wait, list, list-training-jobs-for, describe', () => {
  const { root, store } = setup();
  const file = join(root, 'tune.json');
  writeFileSync(file, JSON.stringify(tuningRequest(root, 'cli-tune')));
  const valid = smw(store, ['validate', '--cli-input-json', `file://${file}`]);
  assert.equal(valid.code, 0, valid.stderr);
  assert.match(valid.stderr, /valid CreateHyperParameterTuningJob request/);

  const bad = tuningRequest(root, 'cli-tune-bad');
  bad.HyperParameterTuningJobConfig!.ParameterRanges!.ContinuousParameterRanges = [
    { Name: 'x', MinValue: '1', MaxValue: '0' },
  ];
  const badFile = join(root, 'bad.json');
  writeFileSync(badFile, JSON.stringify(bad));
  const invalid = smw(store, ['validate', '--cli-input-json', `file://${badFile}`]);
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /^smw: invalid: .*MinValue 1 must be less than MaxValue 0/);
  const trainingValid = smw(store, [
    'validate',
    '--cli-input-json',
    JSON.stringify(scriptRequest(root, 'v-job', 'train.py')),
  ]);
  assert.equal(trainingValid.code, 0, trainingValid.stderr);
  assert.match(trainingValid.stderr, /valid CreateTrainingJob request/);

  const created = smw(store, [
    'create-hyper-parameter-tuning-job',
    '--cli-input-json',
    `file://${file}`,
    '--wait',
  ]);
  assert.equal(created.code, 0, created.stderr);
  const job = JSON.parse(created.stdout);
  assert.equal(job.HyperParameterTuningJobStatus, 'Completed');
  assert.match(created.stderr, /cli-tune: Completed - 4\/4 - best [0-9.]+/);

  const listed = JSON.parse(smw(store, ['list-hyper-parameter-tuning-jobs']).stdout);
  assert.deepEqual(
    listed.HyperParameterTuningJobSummaries.map(
      (s: { HyperParameterTuningJobName: string }) => s.HyperParameterTuningJobName,
    ),
    ['cli-tune'],
  );
  const trials = JSON.parse(
    smw(store, [
      'list-training-jobs-for-hyper-parameter-tuning-job',
      '--hyper-parameter-tuning-job-name',
      'cli-tune',
      '--sort-by',
      'FinalObjectiveMetricValue',
      '--max-results',
      '1',
    ]).stdout,
  );
  assert.equal(trials.TrainingJobSummaries.length, 1);
  assert.equal(trials.TrainingJobSummaries[0].TrainingJobName, job.BestTrainingJob.TrainingJobName);
  assert.ok(trials.NextToken);
  const described = smw(store, [
    'describe-hyper-parameter-tuning-job',
    '--hyper-parameter-tuning-job-name',
    'cli-tune',
  ]);
  assert.equal(
    JSON.parse(described.stdout).HyperParameterTuningJobArn,
    job.HyperParameterTuningJobArn,
  );
  const stop = smw(store, [
    'stop-hyper-parameter-tuning-job',
    '--hyper-parameter-tuning-job-name',
    'cli-tune',
  ]);
  assert.equal(stop.code, 254);
  assert.match(stop.stderr, /already Completed/);
});

test('a tuning job with several TrainingJobDefinitions from --cli-input-json', () => {
  const { root, store } = setup();
  const file = join(root, 'multi.json');
  const request = multiDefinitionRequest(root, 'cli-multi', {
    config: { ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 } },
  });
  writeFileSync(file, JSON.stringify(request));
  const valid = smw(store, ['validate', '--cli-input-json', `file://${file}`]);
  assert.equal(valid.code, 0, valid.stderr);

  const unnamed = JSON.parse(JSON.stringify(request));
  delete unnamed.TrainingJobDefinitions[1].DefinitionName;
  const badFile = join(root, 'multi-bad.json');
  writeFileSync(badFile, JSON.stringify(unnamed));
  const invalid = smw(store, ['validate', '--cli-input-json', `file://${badFile}`]);
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /TrainingJobDefinitions\[1\]\.DefinitionName is required/);

  const created = smw(store, [
    'create-hyper-parameter-tuning-job',
    '--cli-input-json',
    `file://${file}`,
    '--wait',
  ]);
  assert.equal(created.code, 0, created.stderr);
  const job = JSON.parse(created.stdout);
  assert.equal(job.HyperParameterTuningJobStatus, 'Completed');
  assert.deepEqual(
    job.TrainingJobDefinitions.map((d: { DefinitionName: string }) => d.DefinitionName),
    ['quad', 'shifted'],
  );
  assert.equal(job.BestTrainingJob.TrainingJobDefinitionName, 'quad');
  const trials = JSON.parse(
    smw(store, [
      'list-training-jobs-for-hyper-parameter-tuning-job',
      '--hyper-parameter-tuning-job-name',
      'cli-multi',
    ]).stdout,
  );
  const names: string[] = trials.TrainingJobSummaries.map(
    (s: { TrainingJobDefinitionName: string }) => s.TrainingJobDefinitionName,
  );
  assert.equal(names.length, 4);
  assert.deepEqual(
    [...new Set(names)].sort(),
    ['quad', 'shifted'],
    'each summary names its definition',
  );
});
