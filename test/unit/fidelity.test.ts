/**
 * SageMaker fidelity: every request the docs, examples and CLI produce passes the SageMaker
 * API's own parameter validation, and every answer conforms to its output shapes - checked
 * by botocore's service model (test/fidelity/check_shapes.py). Skips, with a notice, where
 * botocore is not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT, dataDir, newBackend, scriptRequest, waitFor, writeScript } from './helpers';
import { scriptJobRequest } from '../../src/model/scriptJob';
import { multiDefinitionRequest, tuningRequest, waitForTuning } from './tuningHelpers';

interface Item {
  label: string;
  operation: string;
  direction: 'input' | 'output';
  value: unknown;
}

const botocore = spawnSync('python3', ['-c', 'import botocore'], { encoding: 'utf8' });
const skip =
  botocore.status !== 0
    ? `botocore is not installed (python3 -c "import botocore" failed); fidelity not checked`
    : false;

function check(items: Item[]): void {
  const output = execFileSync('python3', [join(REPO_ROOT, 'test', 'fidelity', 'check_shapes.py')], {
    input: JSON.stringify(items),
    encoding: 'utf8',
  });
  const results = JSON.parse(output) as { label: string; errors: string[] }[];
  const failures = results.filter((r) => r.errors.length > 0);
  assert.deepEqual(failures, [], 'every value conforms to the SageMaker service model');
  assert.equal(results.length, items.length);
}

/** CreateTrainingJob requests shown in README.md and docs/*.md (```json blocks with a TrainingJobName). */
function documentedRequests(): Item[] {
  const files = [
    'README.md',
    ...readdirSync(join(REPO_ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => join('docs', f)),
  ];
  const items: Item[] = [];
  for (const file of files) {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    for (const [index, match] of [...text.matchAll(/```json\n([\s\S]*?)```/g)].entries()) {
      const operation = match[1].includes('"HyperParameterTuningJobName"')
        ? 'CreateHyperParameterTuningJob'
        : match[1].includes('"TrainingJobName"')
          ? 'CreateTrainingJob'
          : undefined;
      if (!operation) continue;
      items.push({
        label: `${file} json block ${index + 1}`,
        operation,
        direction: 'input',
        value: JSON.parse(match[1]),
      });
    }
  }
  return items;
}

test(
  'requests from the docs, the examples, the CLI and the editor pass SageMaker validation',
  { skip },
  () => {
    const items = documentedRequests();
    assert.ok(items.length >= 2, `the docs show request examples (found ${items.length})`);
    const demo = join(REPO_ROOT, '.demo', 'request.json');
    if (existsSync(demo))
      items.push({
        label: 'demo request',
        operation: 'CreateTrainingJob',
        direction: 'input',
        value: JSON.parse(readFileSync(demo, 'utf8')),
      });
    items.push({
      label: 'Run Training Script Locally request',
      operation: 'CreateTrainingJob',
      direction: 'input',
      value: scriptJobRequest({
        script: '/home/me/project/train.py',
        channels: { training: '/home/me/data/train' },
        hyperParameters: { epochs: '3' },
        outputUri: 'file:///home/me/.smw/output',
      }),
    });
    items.push({
      label: 'test request',
      operation: 'CreateTrainingJob',
      direction: 'input',
      value: scriptRequest('/tmp/x', 'a-job', 'train.py'),
    });
    check(items);
  },
);

test(
  'Describe, List and Create answers conform to the SageMaker output shapes',
  { skip },
  async () => {
    const { backend, root } = newBackend(1);
    writeScript(root, 'ok.py', 'print("loss=0.25")\n');
    writeScript(root, 'bad.py', 'import sys\nsys.exit("boom")\n');
    writeScript(root, 'slow.sh', '#!/bin/sh\necho loss=1\nsleep 30\n');
    const data = dataDir(root);
    const channel = [
      {
        ChannelName: 'training',
        DataSource: {
          S3DataSource: { S3DataType: 'S3Prefix' as const, S3Uri: pathToFileURL(data).href },
        },
      },
    ];
    const created = await backend.createTrainingJob(
      scriptRequest(root, 'ok-job', 'ok.py', { InputDataConfig: channel }),
    );
    await backend.createTrainingJob(scriptRequest(root, 'bad-job', 'bad.py'));
    await backend.createTrainingJob(scriptRequest(root, 'slow-job', 'slow.sh'));
    const inProgress = await waitFor(backend, 'slow-job', (j) => j.SecondaryStatus === 'Training');
    await backend.stopTrainingJob({ TrainingJobName: 'slow-job' });
    const items: Item[] = [
      { label: 'create', operation: 'CreateTrainingJob', direction: 'output', value: created },
      {
        label: 'describe in progress',
        operation: 'DescribeTrainingJob',
        direction: 'output',
        value: json(inProgress),
      },
    ];
    for (const name of ['ok-job', 'bad-job', 'slow-job']) {
      const job = await waitFor(backend, name);
      items.push({
        label: `describe ${name} (${job.TrainingJobStatus})`,
        operation: 'DescribeTrainingJob',
        direction: 'output',
        value: json(job),
      });
    }
    items.push({
      label: 'list',
      operation: 'ListTrainingJobs',
      direction: 'output',
      value: json(await backend.listTrainingJobs({ MaxResults: 2 })),
    });
    assert.deepEqual(
      items
        .filter((i) => i.label.startsWith('describe ') && i.label.includes('('))
        .map((i) => (i.value as { TrainingJobStatus: string }).TrainingJobStatus),
      ['Completed', 'Failed', 'Stopped'],
    );
    check(items);
  },
);

/** What the CLI prints: dates as ISO strings. */
function json(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

test('tuning job requests and answers conform to the SageMaker shapes', { skip }, async () => {
  const { backend, root } = newBackend(1);
  const request = tuningRequest(root, 'fidelity-tune');
  const items: Item[] = [
    {
      label: 'tuning request',
      operation: 'CreateHyperParameterTuningJob',
      direction: 'input',
      value: json(request),
    },
  ];
  const created = await backend.createHyperParameterTuningJob(request);
  items.push({
    label: 'create tuning',
    operation: 'CreateHyperParameterTuningJob',
    direction: 'output',
    value: json(created),
  });
  const running = await waitForTuning(
    backend,
    'fidelity-tune',
    (j) => (j.TrainingJobStatusCounters?.InProgress ?? 0) > 0,
  );
  items.push({
    label: 'describe running',
    operation: 'DescribeHyperParameterTuningJob',
    direction: 'output',
    value: json(running),
  });
  const done = await waitForTuning(backend, 'fidelity-tune');
  assert.equal(done.HyperParameterTuningJobStatus, 'Completed');
  items.push(
    {
      label: 'describe done',
      operation: 'DescribeHyperParameterTuningJob',
      direction: 'output',
      value: json(done),
    },
    {
      label: 'list tuning jobs',
      operation: 'ListHyperParameterTuningJobs',
      direction: 'output',
      value: json(await backend.listHyperParameterTuningJobs({})),
    },
    {
      label: 'list training jobs for tuning job',
      operation: 'ListTrainingJobsForHyperParameterTuningJob',
      direction: 'output',
      value: json(
        await backend.listTrainingJobsForHyperParameterTuningJob({
          HyperParameterTuningJobName: 'fidelity-tune',
          SortBy: 'FinalObjectiveMetricValue',
        }),
      ),
    },
    {
      label: 'describe a trial',
      operation: 'DescribeTrainingJob',
      direction: 'output',
      value: json(
        await backend.describeTrainingJob({
          TrainingJobName: done.BestTrainingJob!.TrainingJobName,
        }),
      ),
    },
  );
  check(items);
});

test(
  'a tuning job with several definitions: request and answers conform to the SageMaker shapes',
  { skip },
  async () => {
    const { backend, root } = newBackend(1);
    const request = multiDefinitionRequest(root, 'fidelity-multi', {
      config: { ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 } },
    });
    const items: Item[] = [
      {
        label: 'multi-definition request',
        operation: 'CreateHyperParameterTuningJob',
        direction: 'input',
        value: json(request),
      },
    ];
    await backend.createHyperParameterTuningJob(request);
    const running = await waitForTuning(
      backend,
      'fidelity-multi',
      (j) => (j.TrainingJobStatusCounters?.InProgress ?? 0) > 0,
    );
    const runningList = await backend.listTrainingJobsForHyperParameterTuningJob({
      HyperParameterTuningJobName: 'fidelity-multi',
    });
    const done = await waitForTuning(backend, 'fidelity-multi');
    assert.equal(done.HyperParameterTuningJobStatus, 'Completed');
    assert.ok(done.BestTrainingJob?.TrainingJobDefinitionName);
    const listed = await backend.listTrainingJobsForHyperParameterTuningJob({
      HyperParameterTuningJobName: 'fidelity-multi',
      SortBy: 'FinalObjectiveMetricValue',
    });
    assert.ok(listed.TrainingJobSummaries!.every((s) => s.TrainingJobDefinitionName));
    items.push(
      {
        label: 'describe running (several definitions)',
        operation: 'DescribeHyperParameterTuningJob',
        direction: 'output',
        value: json(running),
      },
      {
        label: 'list training jobs while running (several definitions)',
        operation: 'ListTrainingJobsForHyperParameterTuningJob',
        direction: 'output',
        value: json(runningList),
      },
      {
        label: 'describe done (several definitions)',
        operation: 'DescribeHyperParameterTuningJob',
        direction: 'output',
        value: json(done),
      },
      {
        label: 'list training jobs (several definitions)',
        operation: 'ListTrainingJobsForHyperParameterTuningJob',
        direction: 'output',
        value: json(listed),
      },
      {
        label: 'list tuning jobs (several definitions)',
        operation: 'ListHyperParameterTuningJobs',
        direction: 'output',
        value: json(await backend.listHyperParameterTuningJobs({})),
      },
    );
    check(items);
  },
);
