/**
 * The aws backend with mocked SDK clients (aws-sdk-client-mock): what moto does not implement
 * (StopTrainingJob, StopHyperParameterTuningJob, ListTrainingJobsForHyperParameterTuningJob),
 * status changes for watchChanges, and CloudWatch Logs answers shaped as the service gives them
 * (pages, several streams, Python-style metric regexes, a missing log group).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  ResourceNotFoundException,
  type FilteredLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTrainingJobCommand,
  ListHyperParameterTuningJobsCommand,
  ListTrainingJobsCommand,
  ListTrainingJobsForHyperParameterTuningJobCommand,
  ResourceNotFound,
  SageMakerClient,
  SageMakerServiceException,
  StopHyperParameterTuningJobCommand,
  StopTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { AwsBackend } from '../../src/backends/aws/awsBackend';
import { TRAINING_JOB_LOG_GROUP } from '../../src/backends/aws/logReader';
import { SageMakerError } from '../../src/model/errors';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

function mocked(pollIntervals = { activeMs: 30, idleMs: 60, maxIdleMs: 120 }) {
  const sagemakerClient = new SageMakerClient({ region: 'us-east-1', credentials });
  const logsClient = new CloudWatchLogsClient({ region: 'us-east-1', credentials });
  const sagemaker = mockClient(sagemakerClient);
  const logs = mockClient(logsClient);
  const backend = new AwsBackend({
    region: 'us-east-1',
    sagemakerClient,
    logsClient,
    pollIntervals,
  });
  return { backend, sagemaker, logs };
}

const metadata = { $metadata: { httpStatusCode: 200, requestId: 'r-1', attempts: 1 } };

test('StopTrainingJob and StopHyperParameterTuningJob are sent, after validation', async () => {
  const { backend, sagemaker } = mocked();
  sagemaker.on(StopTrainingJobCommand).resolves(metadata);
  sagemaker.on(StopHyperParameterTuningJobCommand).resolves(metadata);

  assert.equal(await backend.stopTrainingJob({ TrainingJobName: 'job-1' }), undefined);
  assert.equal(
    await backend.stopHyperParameterTuningJob({ HyperParameterTuningJobName: 'tune-1' }),
    undefined,
  );
  assert.deepEqual(sagemaker.commandCalls(StopTrainingJobCommand)[0].args[0].input, {
    TrainingJobName: 'job-1',
  });
  assert.deepEqual(sagemaker.commandCalls(StopHyperParameterTuningJobCommand)[0].args[0].input, {
    HyperParameterTuningJobName: 'tune-1',
  });

  await assert.rejects(backend.stopTrainingJob({ TrainingJobName: 'not_valid!' }), {
    name: 'ValidationException',
    message: /^Invalid StopTrainingJob request: TrainingJobName/,
  });
  assert.equal(sagemaker.commandCalls(StopTrainingJobCommand).length, 1, 'nothing sent');

  // The service refusing: its code and message, as the CLI prints them.
  sagemaker.on(StopTrainingJobCommand).rejects(
    new SageMakerServiceException({
      name: 'ValidationException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'The request was rejected because the training job is in status Completed.',
    }),
  );
  await assert.rejects(backend.stopTrainingJob({ TrainingJobName: 'job-1' }), (err) => {
    assert.ok(err instanceof SageMakerError);
    assert.equal(err.name, 'ValidationException');
    assert.equal(
      err.message,
      'The request was rejected because the training job is in status Completed.',
    );
    return true;
  });
});

test('ListTrainingJobsForHyperParameterTuningJob passes the request and the page on', async () => {
  const { backend, sagemaker } = mocked();
  const created = new Date('2026-01-01T00:00:00Z');
  sagemaker.on(ListTrainingJobsForHyperParameterTuningJobCommand).resolves({
    ...metadata,
    TrainingJobSummaries: [
      {
        TrainingJobName: 'tune-1-001-abc',
        TrainingJobArn: 'arn:aws:sagemaker:us-east-1:123456789012:training-job/tune-1-001-abc',
        CreationTime: created,
        TrainingJobStatus: 'Completed',
        TunedHyperParameters: { lr: '0.01' },
        FinalHyperParameterTuningJobObjectiveMetric: { MetricName: 'val_loss', Value: 0.25 },
        ObjectiveStatus: 'Succeeded',
      },
    ],
    NextToken: 'page-2',
  });
  const page = await backend.listTrainingJobsForHyperParameterTuningJob({
    HyperParameterTuningJobName: 'tune-1',
    SortBy: 'FinalObjectiveMetricValue',
    MaxResults: 1,
  });
  assert.ok(!('$metadata' in page));
  assert.equal(page.NextToken, 'page-2');
  assert.equal(
    page.TrainingJobSummaries?.[0].FinalHyperParameterTuningJobObjectiveMetric?.Value,
    0.25,
  );
  assert.deepEqual(
    sagemaker.commandCalls(ListTrainingJobsForHyperParameterTuningJobCommand)[0].args[0].input,
    { HyperParameterTuningJobName: 'tune-1', SortBy: 'FinalObjectiveMetricValue', MaxResults: 1 },
  );

  sagemaker.on(ListTrainingJobsForHyperParameterTuningJobCommand).rejects(
    new ResourceNotFound({
      $metadata: { httpStatusCode: 400 },
      message: 'Amazon SageMaker can\'t find a tuning job named "ghost".',
    }),
  );
  await assert.rejects(
    backend.listTrainingJobsForHyperParameterTuningJob({ HyperParameterTuningJobName: 'ghost' }),
    {
      name: 'ResourceNotFound',
      message: 'Amazon SageMaker can\'t find a tuning job named "ghost".',
    },
  );
});

function event(
  t: number,
  message: string,
  stream = 'job-1/algo-1-1700000000',
  id = `${stream}-${t}`,
): FilteredLogEvent {
  return { timestamp: t, message, logStreamName: stream, eventId: id, ingestionTime: t + 5 };
}

test("metrics are parsed from every page of the job's log with its MetricDefinitions", async () => {
  const { backend, sagemaker, logs } = mocked();
  sagemaker.on(DescribeTrainingJobCommand).resolves({
    ...metadata,
    TrainingJobName: 'job-1',
    TrainingJobStatus: 'InProgress',
    AlgorithmSpecification: {
      TrainingInputMode: 'File',
      MetricDefinitions: [
        { Name: 'train:loss', Regex: 'loss=(?P<value>[0-9.]+)' }, // Python syntax
        { Name: 'val:acc', Regex: 'val_acc: ([0-9.]+)' },
        { Name: 'broken', Regex: '(?<=(unbalanced' }, // not compilable: skipped, not fatal
      ],
    },
  });
  const base = 1_700_000_000_000;
  logs
    .on(FilterLogEventsCommand)
    .resolvesOnce({
      ...metadata,
      events: [event(base, 'epoch 1 loss=0.9'), event(base + 1, 'noise loss=abc')],
      nextToken: 'next-page',
    })
    .resolvesOnce({
      ...metadata,
      events: [
        event(base + 2, 'val_acc: 0.7', 'job-1/algo-2-1700000000'),
        event(base + 3, 'epoch 2 loss=0.4 val_acc: 0.8'),
      ],
    })
    // the second read: only what came after, from the last timestamp on
    .resolvesOnce({
      ...metadata,
      events: [event(base + 3, 'epoch 2 loss=0.4 val_acc: 0.8'), event(base + 4, 'loss=0.1')],
    });

  const first = await backend.getTrainingJobMetrics('job-1');
  const at = (ms: number) => new Date(base + ms).toISOString();
  assert.deepEqual(first, [
    { name: 'train:loss', value: 0.9, timestamp: at(0) },
    { name: 'val:acc', value: 0.7, timestamp: at(2) },
    { name: 'train:loss', value: 0.4, timestamp: at(3) },
    { name: 'val:acc', value: 0.8, timestamp: at(3) },
  ]);
  const calls = logs.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
  assert.equal(calls.length, 2);
  assert.equal(calls[0].logGroupName, TRAINING_JOB_LOG_GROUP);
  assert.equal(calls[0].logStreamNamePrefix, 'job-1/');
  assert.equal(calls[0].startTime, undefined);
  assert.equal(calls[1].nextToken, 'next-page', 'the paginator walks every page');

  const second = await backend.getTrainingJobMetrics('job-1');
  assert.deepEqual(second.slice(4), [{ name: 'train:loss', value: 0.1, timestamp: at(4) }]);
  assert.equal(second.length, 5, 'the event at the last timestamp is not counted twice');
  assert.equal(logs.commandCalls(FilterLogEventsCommand)[2].args[0].input.startTime, base + 3);
  assert.equal(sagemaker.commandCalls(DescribeTrainingJobCommand).length, 1, 'definitions cached');
});

test('a job without a log group yet has no log and no metrics', async () => {
  const { backend, sagemaker, logs } = mocked();
  sagemaker.on(DescribeTrainingJobCommand).resolves({
    ...metadata,
    TrainingJobName: 'job-1',
    AlgorithmSpecification: {
      TrainingInputMode: 'File',
      MetricDefinitions: [{ Name: 'loss', Regex: 'loss=(\\S+)' }],
    },
  });
  logs.on(FilterLogEventsCommand).rejects(
    new ResourceNotFoundException({
      $metadata: { httpStatusCode: 400 },
      message: 'The specified log group does not exist.',
    }),
  );
  assert.deepEqual(await backend.getTrainingJobMetrics('job-1'), []);
  assert.deepEqual(await backend.readTrainingJobLog('job-1', 0), { text: '', next: 0 });
});

test('readTrainingJobLog pages through the log by event count', async () => {
  const { backend, sagemaker, logs } = mocked();
  sagemaker.on(DescribeTrainingJobCommand).resolves({ ...metadata, TrainingJobName: 'job-1' });
  const base = 1_700_000_000_000;
  logs
    .on(FilterLogEventsCommand)
    .resolvesOnce({ ...metadata, events: [event(base, 'one'), event(base + 1, 'two\n')] })
    .resolvesOnce({ ...metadata, events: [event(base + 1, 'two\n')] })
    .resolvesOnce({ ...metadata, events: [event(base + 1, 'two\n'), event(base + 2, 'three')] });

  const a = await backend.readTrainingJobLog('job-1', 0);
  assert.deepEqual(a, { text: 'one\ntwo\n', next: 2 });
  const b = await backend.readTrainingJobLog('job-1', a.next);
  assert.deepEqual(b, { text: '', next: 2 }, 'nothing new: the same position');
  const c = await backend.readTrainingJobLog('job-1', b.next);
  assert.deepEqual(c, { text: 'three\n', next: 3 });
  await assert.rejects(backend.readTrainingJobLog('job-1', -1), { name: 'ValidationException' });
});

test('watchChanges polls while jobs run, calls back on a change, stops when disposed', async () => {
  const { backend, sagemaker } = mocked();
  const summary = (status: 'InProgress' | 'Completed', modified: number) => ({
    ...metadata,
    TrainingJobSummaries: [
      {
        TrainingJobName: 'job-1',
        TrainingJobArn: 'arn:aws:sagemaker:us-east-1:123456789012:training-job/job-1',
        CreationTime: new Date(0),
        TrainingJobStatus: status,
        LastModifiedTime: new Date(modified),
      },
    ],
  });
  sagemaker.on(ListHyperParameterTuningJobsCommand).resolves({
    ...metadata,
    HyperParameterTuningJobSummaries: [],
  });
  sagemaker
    .on(ListTrainingJobsCommand)
    .resolvesOnce(summary('InProgress', 1))
    .resolvesOnce(summary('InProgress', 1))
    .resolves(summary('Completed', 2));

  let calls = 0;
  const watcher = backend.watchChanges(() => calls++);
  const deadline = Date.now() + 3_000;
  while (calls === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(calls, 1, 'one change: InProgress -> Completed');
  const input = sagemaker.commandCalls(ListTrainingJobsCommand)[0].args[0].input;
  assert.deepEqual(input, { SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 100 });

  // Idle now: polls slow down (60, 90, 120 ms); no further calls without changes.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(calls, 1);
  watcher.dispose();
  const polled = sagemaker.commandCalls(ListTrainingJobsCommand).length;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(sagemaker.commandCalls(ListTrainingJobsCommand).length, polled, 'stopped');

  // A job stopped through this backend is a change the listeners hear at once.
  sagemaker.on(StopTrainingJobCommand).resolves(metadata);
  let heard = 0;
  const again = backend.watchChanges(() => heard++);
  await backend.stopTrainingJob({ TrainingJobName: 'job-1' });
  assert.equal(heard, 1);
  again.dispose();
});

test('a poll that fails backs off and does not call the listener', async () => {
  const { backend, sagemaker } = mocked({ activeMs: 20, idleMs: 40, maxIdleMs: 1_000 });
  sagemaker.on(ListHyperParameterTuningJobsCommand).resolves({ ...metadata });
  sagemaker.on(ListTrainingJobsCommand).rejects(
    new SageMakerServiceException({
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'Rate exceeded',
    }),
  );
  let calls = 0;
  const watcher = backend.watchChanges(() => calls++);
  await new Promise((r) => setTimeout(r, 400));
  watcher.dispose();
  // 0, 40, 80, 160, 320 ms: about 5 polls, not 20.
  const polls = sagemaker.commandCalls(ListTrainingJobsCommand).length;
  assert.ok(polls >= 2 && polls <= 6, `${polls} polls`);
  assert.equal(calls, 0);
});
