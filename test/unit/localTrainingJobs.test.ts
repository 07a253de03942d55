import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { dataDir, isAlive, newBackend, scriptRequest, waitFor, writeScript } from './helpers';

const PY_TRAIN = `
import json, os, sys, time
cfg = os.environ["SM_INPUT_CONFIG_DIR"]
report = {
  "argv": sys.argv[1:],
  "hps_file": json.load(open(os.path.join(cfg, "hyperparameters.json"))),
  "env": {k: v for k, v in os.environ.items() if k.startswith("SM_")},
  "channel_files": sorted(os.listdir(os.environ["SM_CHANNEL_TRAINING"])),
  "cwd": os.getcwd(),
}
for epoch in range(3):
    print(f"epoch={epoch} loss={1.0 / (epoch + 1):.4f}", flush=True)
with open(os.path.join(os.environ["SM_MODEL_DIR"], "report.json"), "w") as f:
    json.dump(report, f)
print("done", file=sys.stderr)
`;

test('a sagemaker_program script runs as SageMaker runs it and leaves model.tar.gz', async () => {
  const { backend, root } = newBackend();
  writeScript(root, 'train.py', PY_TRAIN);
  const data = dataDir(root);
  const request = scriptRequest(root, 'py-job', 'train.py', {
    InputDataConfig: [
      {
        ChannelName: 'training',
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: pathToFileURL(data).href } },
      },
    ],
  });
  request.HyperParameters = { ...request.HyperParameters, epochs: '3', learning_rate: '"0.1"' };
  const created = await backend.createTrainingJob(request);
  assert.match(
    created.TrainingJobArn!,
    /^arn:aws:sagemaker:local:000000000000:training-job\/py-job$/,
  );
  const job = await waitFor(backend, 'py-job');
  assert.equal(job.TrainingJobStatus, 'Completed', job.FailureReason);
  assert.equal(job.SecondaryStatus, 'Completed');
  assert.deepEqual(
    job.SecondaryStatusTransitions!.map((t) => t.Status),
    ['Starting', 'Downloading', 'Training', 'Uploading', 'Completed'],
  );
  assert.ok(job.TrainingStartTime && job.TrainingEndTime && job.TrainingTimeInSeconds! >= 1);
  assert.deepEqual(
    job.FinalMetricDataList!.map((m) => [m.MetricName, m.Value]),
    [['train:loss', 0.3333]],
  );
  const series = await backend.getTrainingJobMetrics('py-job');
  assert.deepEqual(
    series.map((p) => p.value),
    [1, 0.5, 0.3333],
  );

  const artifact = join(root, 'output', 'py-job', 'output', 'model.tar.gz');
  assert.equal(job.ModelArtifacts!.S3ModelArtifacts, pathToFileURL(artifact).href);
  const listing = execFileSync('tar', ['tzf', artifact], { encoding: 'utf8' });
  assert.equal(listing.trim(), 'report.json');
  const extracted = JSON.parse(
    execFileSync('tar', ['xzOf', artifact, 'report.json'], { encoding: 'utf8' }),
  );
  assert.deepEqual(extracted.argv, ['--epochs', '3', '--learning_rate', '0.1']);
  assert.equal(extracted.hps_file.sagemaker_program, 'train.py');
  assert.equal(extracted.env.SM_HP_EPOCHS, '3');
  assert.equal(extracted.env.SM_HP_LEARNING_RATE, '0.1');
  assert.deepEqual(JSON.parse(extracted.env.SM_HPS), { epochs: '3', learning_rate: '0.1' });
  assert.equal(extracted.env.SM_CURRENT_HOST, 'algo-1');
  assert.ok(extracted.env.SM_MODEL_DIR.endsWith('/work/model'));
  assert.ok(extracted.env.SM_OUTPUT_DATA_DIR.endsWith('/work/output/data'));
  assert.ok(extracted.env.SM_CHANNEL_TRAINING.endsWith('/work/input/data/training'));
  assert.deepEqual(extracted.channel_files, ['train.csv']);
  assert.ok(extracted.cwd.endsWith('/work/code'), 'runs from the copied code folder');

  const log = await backend.readTrainingJobLog('py-job', 0);
  assert.match(log.text, /epoch=2 loss=0.3333/);
  assert.match(log.text, /done/);
});

test('ContainerEntrypoint + ContainerArguments run without a shell', async () => {
  const { backend, root } = newBackend();
  const request = scriptRequest(root, 'entry-job', 'unused', {
    AlgorithmSpecification: {
      TrainingImage: 'local:process',
      TrainingInputMode: 'File',
      ContainerEntrypoint: ['/bin/echo'],
      ContainerArguments: ['loss=0.25', '$HOME', ';', 'rm', '-rf'],
      MetricDefinitions: [{ Name: 'loss', Regex: 'loss=([0-9.]+)' }],
    },
    HyperParameters: { epochs: '1' },
  });
  await backend.createTrainingJob(request);
  const job = await waitFor(backend, 'entry-job');
  assert.equal(job.TrainingJobStatus, 'Completed', job.FailureReason);
  const log = await backend.readTrainingJobLog('entry-job', 0);
  assert.equal(
    log.text,
    'loss=0.25 $HOME ; rm -rf\n',
    'arguments reach the process verbatim, no shell expansion',
  );
  assert.equal(job.FinalMetricDataList![0].Value, 0.25);
});

test('a crashing script fails with the tail of its stderr as FailureReason', async () => {
  const { backend, root } = newBackend();
  writeScript(
    root,
    'crash.py',
    'import sys\nprint("loss=0.9", flush=True)\nraise ValueError("bad batch size 0")\n',
  );
  await backend.createTrainingJob(scriptRequest(root, 'crash-job', 'crash.py'));
  const job = await waitFor(backend, 'crash-job');
  assert.equal(job.TrainingJobStatus, 'Failed');
  assert.equal(job.SecondaryStatus, 'Failed');
  assert.match(
    job.FailureReason!,
    /^AlgorithmError: .*crash\.py exited with code 1\. Last lines of stderr:/,
  );
  assert.match(job.FailureReason!, /ValueError: bad batch size 0/);
  assert.ok(job.FailureReason!.length <= 1024);
  assert.equal(job.FinalMetricDataList![0].Value, 0.9, 'metrics before the crash are kept');
  assert.equal(
    existsSync(join(root, 'output', 'crash-job', 'output', 'model.tar.gz')),
    false,
    'no model for a failed job',
  );
});

test("a script's /opt/ml/output/failure file becomes the FailureReason, as on SageMaker", async () => {
  const { backend, root } = newBackend();
  writeScript(
    root,
    'fail.sh',
    '#!/bin/sh\necho "label column missing in train.csv" > "$SM_OUTPUT_DIR/failure"\nexit 3\n',
  );
  await backend.createTrainingJob(scriptRequest(root, 'failure-file-job', 'fail.sh'));
  const job = await waitFor(backend, 'failure-file-job');
  assert.equal(job.FailureReason, 'AlgorithmError: label column missing in train.csv');
});

test('StopTrainingJob sends SIGTERM; the script saves its model and the job is Stopped', async () => {
  const { backend, root } = newBackend(5);
  writeScript(
    root,
    'long.py',
    `import os, signal, sys, time
def save(*_):
    open(os.path.join(os.environ["SM_MODEL_DIR"], "partial.txt"), "w").write("saved on SIGTERM")
    sys.exit(0)
signal.signal(signal.SIGTERM, save)
for i in range(1000):
    print(f"loss={1/(i+1)}", flush=True)
    time.sleep(0.1)
`,
  );
  await backend.createTrainingJob(scriptRequest(root, 'stop-job', 'long.py'));
  await waitFor(backend, 'stop-job', (j) => (j.FinalMetricDataList ?? []).length > 0);
  const { state } = backend.store.read('stop-job');
  const pid = state.processPid!;
  assert.ok(isAlive(pid));
  const started = Date.now();
  await backend.stopTrainingJob({ TrainingJobName: 'stop-job' });
  const stopping = await backend.describeTrainingJob({ TrainingJobName: 'stop-job' });
  assert.ok(['Stopping', 'Stopped'].includes(stopping.TrainingJobStatus!));
  const job = await waitFor(backend, 'stop-job');
  assert.equal(job.TrainingJobStatus, 'Stopped');
  assert.equal(job.SecondaryStatus, 'Stopped');
  assert.ok(Date.now() - started < 5000, 'ended well within the grace period');
  assert.equal(isAlive(pid), false);
  const artifact = join(root, 'output', 'stop-job', 'output', 'model.tar.gz');
  assert.equal(
    execFileSync('tar', ['xzOf', artifact, 'partial.txt'], { encoding: 'utf8' }),
    'saved on SIGTERM',
  );
  await assert.rejects(backend.stopTrainingJob({ TrainingJobName: 'stop-job' }), /already Stopped/);
});

test('a script that ignores SIGTERM is killed after the grace period', async () => {
  const { backend, root } = newBackend(1);
  writeScript(
    root,
    'stubborn.py',
    'import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint("loss=1", flush=True)\ntime.sleep(600)\n',
  );
  await backend.createTrainingJob(scriptRequest(root, 'stubborn-job', 'stubborn.py'));
  await waitFor(backend, 'stubborn-job', (j) => (j.FinalMetricDataList ?? []).length > 0);
  const pid = backend.store.read('stubborn-job').state.processPid!;
  const started = Date.now();
  await backend.stopTrainingJob({ TrainingJobName: 'stubborn-job' });
  const job = await waitFor(backend, 'stubborn-job');
  const took = Date.now() - started;
  assert.equal(job.TrainingJobStatus, 'Stopped');
  assert.ok(
    took >= 900 && took < 6000,
    `SIGKILL came after the 1 s grace period (took ${took} ms)`,
  );
  assert.equal(isAlive(pid), false);
});

test('MaxRuntimeInSeconds is enforced: Stopped with SecondaryStatus MaxRuntimeExceeded', async () => {
  const { backend, root } = newBackend(1);
  writeScript(root, 'sleepy.sh', '#!/bin/sh\necho loss=0.5\nsleep 30\n');
  await backend.createTrainingJob(
    scriptRequest(root, 'runtime-job', 'sleepy.sh', {
      StoppingCondition: { MaxRuntimeInSeconds: 1 },
    }),
  );
  const job = await waitFor(backend, 'runtime-job');
  assert.equal(job.TrainingJobStatus, 'Stopped');
  assert.equal(job.SecondaryStatus, 'MaxRuntimeExceeded');
  assert.ok(job.TrainingTimeInSeconds! <= 5);
});

test('kill -9 of the runner: the next describe reports Failed with a reason and kills the orphan', async () => {
  const { backend, root } = newBackend();
  writeScript(root, 'forever.sh', '#!/bin/sh\necho loss=1\nsleep 600\n');
  await backend.createTrainingJob(scriptRequest(root, 'orphan-job', 'forever.sh'));
  await waitFor(backend, 'orphan-job', (j) => (j.FinalMetricDataList ?? []).length > 0);
  const { state } = backend.store.read('orphan-job');
  process.kill(state.runnerPid!, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 200));
  const job = await backend.describeTrainingJob({ TrainingJobName: 'orphan-job' });
  assert.equal(job.TrainingJobStatus, 'Failed');
  assert.match(job.FailureReason!, /runner process \(pid \d+\) ended without finishing the job/);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(isAlive(state.processPid!), false, "the job's own process is not left running");
});

test("kill -9 of the job's own process: Failed, killed by SIGKILL", async () => {
  const { backend, root } = newBackend();
  writeScript(root, 'victim.sh', '#!/bin/sh\necho loss=1\nsleep 600\n');
  await backend.createTrainingJob(scriptRequest(root, 'victim-job', 'victim.sh'));
  await waitFor(backend, 'victim-job', (j) => (j.FinalMetricDataList ?? []).length > 0);
  process.kill(backend.store.read('victim-job').state.processPid!, 'SIGKILL');
  const job = await waitFor(backend, 'victim-job');
  assert.equal(job.TrainingJobStatus, 'Failed');
  assert.match(job.FailureReason!, /was killed by SIGKILL/);
});

test('bad requests are refused with a clear error and leave nothing behind', async () => {
  const { backend, root } = newBackend();
  writeScript(root, 'ok.py', 'print("loss=1")\n');
  const base = scriptRequest(root, 'good-name', 'ok.py');
  const cases: [string, unknown, RegExp][] = [
    ['missing RoleArn', { ...base, RoleArn: undefined }, /RoleArn is required/],
    ['missing output', { ...base, OutputDataConfig: undefined }, /OutputDataConfig is required/],
    [
      'bad name',
      { ...base, TrainingJobName: 'my_job' },
      /TrainingJobName "my_job" is not valid: a job name is 1-63 letters/,
    ],
    ['long name', { ...base, TrainingJobName: 'a'.repeat(64) }, /at most 63 characters/],
    ['leading hyphen', { ...base, TrainingJobName: '-job' }, /TrainingJobName "-job" is not valid/],
    [
      'typo field',
      { ...base, HyperParameter: {} },
      /HyperParameter is not a field of CreateTrainingJobRequest \(did you mean HyperParameters\?\)/,
    ],
    [
      'missing entrypoint',
      { ...base, HyperParameters: {} },
      /needs a command: set AlgorithmSpecification.ContainerEntrypoint .* or the hyperparameters sagemaker_program/,
    ],
    [
      'script not found',
      { ...base, HyperParameters: { ...base.HyperParameters, sagemaker_program: 'nope.py' } },
      /"nope.py" was not found in/,
    ],
    [
      'missing channel',
      {
        ...base,
        InputDataConfig: [
          {
            ChannelName: 'training',
            DataSource: {
              S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 'file:///does/not/exist' },
            },
          },
        ],
      },
      /channel "training" points at \/does\/not\/exist, which does not exist/,
    ],
    [
      's3 output locally',
      { ...base, OutputDataConfig: { S3OutputPath: 's3://bucket/out' } },
      /not a local path: the local engine reads and writes file:\/\/ URIs/,
    ],
    [
      'container image',
      {
        ...base,
        AlgorithmSpecification: {
          TrainingImage: '123.dkr.ecr.us-east-1.amazonaws.com/x:1',
          TrainingInputMode: 'File',
        },
      },
      /cannot run on the local engine/,
    ],
    [
      'entrypoint not found',
      {
        ...base,
        AlgorithmSpecification: {
          TrainingImage: 'local:process',
          TrainingInputMode: 'File',
          ContainerEntrypoint: ['/no/such/binary'],
        },
      },
      /was not found or is not executable/,
    ],
    [
      'bad metric regex',
      {
        ...base,
        AlgorithmSpecification: {
          TrainingImage: 'local:process',
          TrainingInputMode: 'File',
          MetricDefinitions: [{ Name: 'loss', Regex: 'loss=([0-9' }],
        },
      },
      /MetricDefinitions\[0\] \(loss\): the regex/,
    ],
    [
      'two instances',
      {
        ...base,
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 2, VolumeSizeInGB: 10 },
      },
      /InstanceCount is 2; the local engine runs a job on one instance/,
    ],
  ];
  for (const [label, request, message] of cases) {
    await assert.rejects(
      backend.createTrainingJob(request as never),
      (err: Error) => {
        assert.equal(err.name, 'ValidationException', label);
        assert.match(err.message, message, label);
        return true;
      },
      label,
    );
  }
  assert.deepEqual(
    existsSync(backend.store.jobsDir) ? readdirSync(backend.store.jobsDir) : [],
    [],
    'nothing was written',
  );

  await backend.createTrainingJob(base);
  await assert.rejects(backend.createTrainingJob(base), (err: Error) => {
    assert.equal(err.name, 'ResourceInUse');
    assert.match(err.message, /Training job "good-name" already exists/);
    return true;
  });
  await waitFor(backend, 'good-name');
  await assert.rejects(
    backend.describeTrainingJob({ TrainingJobName: 'no-such-job' }),
    (err: Error) => err.name === 'ResourceNotFound',
  );
});

test('a non-executable, non-Python program is refused with the fix', async () => {
  const { backend, root } = newBackend();
  writeScript(root, 'train.sh', 'echo hi\n');
  execFileSync('chmod', ['-x', join(root, 'code', 'train.sh')]);
  await assert.rejects(
    backend.createTrainingJob(scriptRequest(root, 'noexec', 'train.sh')),
    /is not executable: run chmod \+x/,
  );
});

test('a corrupt journal line is skipped and reported; the rest of the job is intact', async () => {
  const { backend, root } = newBackend();
  writeScript(root, 'ok.py', 'print("loss=0.5")\n');
  await backend.createTrainingJob(scriptRequest(root, 'journal-job', 'ok.py'));
  await waitFor(backend, 'journal-job');
  const journal = backend.store.journalPath('journal-job');
  const lines = readFileSync(journal, 'utf8').trimEnd().split('\n');
  lines.splice(2, 0, '{"type":"Status","time":"2026-01-0'); // a torn write in the middle
  writeFileSync(journal, `${lines.join('\n')}\n{"type":"Metr`); // and a torn tail
  const job = await backend.describeTrainingJob({ TrainingJobName: 'journal-job' });
  assert.equal(job.TrainingJobStatus, 'Completed');
  assert.equal(job.FinalMetricDataList![0].Value, 0.5);
  const warnings = await backend.getTrainingJobWarnings('journal-job');
  assert.equal(warnings.length, 2);
  assert.match(
    warnings[0],
    /journal\.jsonl:3: corrupt line .* skipped - the other events are intact/,
  );
  assert.match(
    warnings[1],
    /incomplete last line \(the writer was interrupted mid-write\); skipped/,
  );
});

test('ListTrainingJobs filters, sorts and pages like SageMaker', async () => {
  const { backend, root } = newBackend();
  writeScript(root, 'ok.sh', '#!/bin/sh\necho loss=1\n');
  writeScript(root, 'bad.sh', '#!/bin/sh\nexit 1\n');
  for (const name of ['alpha-1', 'beta-2', 'alpha-3']) {
    await backend.createTrainingJob(
      scriptRequest(root, name, name === 'beta-2' ? 'bad.sh' : 'ok.sh'),
    );
    await waitFor(backend, name);
    await new Promise((r) => setTimeout(r, 5));
  }
  const all = await backend.listTrainingJobs({});
  assert.deepEqual(
    all.TrainingJobSummaries!.map((s) => s.TrainingJobName),
    ['alpha-1', 'beta-2', 'alpha-3'],
  );
  const desc = await backend.listTrainingJobs({ SortOrder: 'Descending' });
  assert.deepEqual(
    desc.TrainingJobSummaries!.map((s) => s.TrainingJobName),
    ['alpha-3', 'beta-2', 'alpha-1'],
  );
  const byName = await backend.listTrainingJobs({ SortBy: 'Name', NameContains: 'ALPHA' });
  assert.deepEqual(
    byName.TrainingJobSummaries!.map((s) => s.TrainingJobName),
    ['alpha-1', 'alpha-3'],
  );
  const failed = await backend.listTrainingJobs({ StatusEquals: 'Failed' });
  assert.deepEqual(
    failed.TrainingJobSummaries!.map((s) => s.TrainingJobName),
    ['beta-2'],
  );
  const page1 = await backend.listTrainingJobs({ MaxResults: 2 });
  assert.equal(page1.TrainingJobSummaries!.length, 2);
  assert.ok(page1.NextToken);
  const page2 = await backend.listTrainingJobs({ MaxResults: 2, NextToken: page1.NextToken });
  assert.deepEqual(
    page2.TrainingJobSummaries!.map((s) => s.TrainingJobName),
    ['alpha-3'],
  );
  assert.equal(page2.NextToken, undefined);
  await assert.rejects(
    backend.listTrainingJobs({ NextToken: 'garbage' }),
    /NextToken is not a token this store issued/,
  );
});

test('a hostile sourcedir.tar.gz cannot write outside the code folder', async () => {
  const { backend, root } = newBackend();
  const staging = join(root, 'staging');
  writeScript(root, 'train.sh', '#!/bin/sh\necho loss=1\n');
  execFileSync('mkdir', ['-p', join(staging, 'a')]);
  writeFileSync(join(staging, 'evil.txt'), 'owned');
  // An archive whose entry climbs out with ../ (GNU tar keeps it with -P).
  execFileSync('tar', [
    'czf',
    join(root, 'sourcedir.tar.gz'),
    '-C',
    join(root, 'code'),
    'train.sh',
  ]);
  execFileSync('tar', [
    'czPf',
    join(root, 'evil.tar.gz'),
    '-C',
    join(staging, 'a'),
    '../evil.txt',
    '-C',
    join(root, 'code'),
    'train.sh',
  ]);
  const request = scriptRequest(root, 'tar-job', 'train.sh');
  request.HyperParameters!.sagemaker_submit_directory = join(root, 'evil.tar.gz');
  await backend.createTrainingJob(request);
  const job = await waitFor(backend, 'tar-job');
  assert.equal(job.TrainingJobStatus, 'Failed');
  assert.match(job.FailureReason!, /^ClientError: .*path contains '\.\.'/);
  const work = backend.store.workDir('tar-job');
  assert.equal(
    existsSync(join(work, 'evil.txt')),
    false,
    'the ../ entry was not written next to code/',
  );
  assert.equal(existsSync(join(root, 'evil.txt')), false);

  const good = scriptRequest(root, 'tar-job-2', 'train.sh');
  good.HyperParameters!.sagemaker_submit_directory = pathToFileURL(
    join(root, 'sourcedir.tar.gz'),
  ).href;
  await backend.createTrainingJob(good);
  const ok = await waitFor(backend, 'tar-job-2');
  assert.equal(ok.TrainingJobStatus, 'Completed', ok.FailureReason);
});
