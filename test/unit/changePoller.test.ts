/**
 * The aws backend's change poller: it sends nothing before the first subscribe nor after the
 * last dispose (a poll in flight included), and a subscribe after a pause starts from a new
 * baseline at once instead of waiting out the old interval.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  ListHyperParameterTuningJobsCommand,
  ListTrainingJobsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { AwsBackend } from '../../src/backends/aws/awsBackend';
import { ChangePoller, type Snapshot } from '../../src/backends/aws/changePoller';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}
const FAST = { activeMs: 10, idleMs: 20, maxIdleMs: 40 };

/** A snapshot source that counts its calls; `fingerprint` is what the next call returns. */
function source(active = true) {
  const state = { calls: 0, fingerprint: 'a', active };
  const snapshot = async (): Promise<Snapshot> => {
    state.calls++;
    return { fingerprint: state.fingerprint, active: state.active };
  };
  return { state, snapshot };
}

test('no poll before the first subscribe', async () => {
  const { state, snapshot } = source();
  const poller = new ChangePoller(snapshot, FAST);
  await sleep(100);
  assert.equal(state.calls, 0);
  poller.changed(); // a job created through the backend, nobody listening
  await sleep(100);
  assert.equal(state.calls, 0);
});

test('polls while subscribed, none after the last dispose', async () => {
  const { state, snapshot } = source();
  const poller = new ChangePoller(snapshot, FAST);
  let heard = 0;
  const a = poller.subscribe(() => heard++);
  const b = poller.subscribe(() => heard++);
  await sleep(100);
  assert.ok(state.calls >= 3, `${state.calls} polls while jobs run every 10 ms`);
  state.fingerprint = 'b';
  await sleep(50);
  assert.equal(heard, 2, 'both listeners heard the change');
  a.dispose();
  const before = state.calls;
  await sleep(50);
  assert.ok(state.calls > before, 'one listener left: still polling');
  b.dispose();
  b.dispose();
  await sleep(20); // a poll that had started may finish
  const stopped = state.calls;
  await sleep(150);
  assert.equal(state.calls, stopped, 'no poll after the last dispose');
  poller.changed();
  await sleep(50);
  assert.equal(state.calls, stopped, 'changed() with nobody listening polls nothing');
});

test('a poll in flight at dispose is neither reported nor followed by another', async () => {
  let release: (() => void) | undefined;
  let calls = 0;
  const poller = new ChangePoller(async () => {
    calls++;
    if (calls === 2) await new Promise<void>((r) => (release = r));
    return { fingerprint: String(calls), active: true };
  }, FAST);
  let heard = 0;
  const watcher = poller.subscribe(() => heard++);
  await until(() => release !== undefined);
  watcher.dispose();
  release!();
  await sleep(100);
  assert.equal(calls, 2);
  assert.equal(heard, 0, 'the answer that came after dispose is dropped');
});

test('a subscribe after a pause takes a new baseline at once', async () => {
  const { state, snapshot } = source(false);
  // Slow intervals: anything that happens within the test comes from subscribe itself.
  const poller = new ChangePoller(snapshot, {
    activeMs: 60_000,
    idleMs: 60_000,
    maxIdleMs: 60_000,
  });
  let heard = 0;
  const first = poller.subscribe(() => heard++);
  await sleep(30);
  assert.equal(state.calls, 1, 'the baseline, at once');
  first.dispose();
  state.fingerprint = 'changed while nobody watched';
  const second = poller.subscribe(() => heard++);
  await sleep(30);
  assert.equal(state.calls, 2, 'a new baseline at once, not after the old interval');
  assert.equal(heard, 0, 'what changed during the pause is not reported as a change');
  second.dispose();
});

test('subscribing again while a poll is in flight gets a fresh baseline after it', async () => {
  let release: (() => void) | undefined;
  let calls = 0;
  const poller = new ChangePoller(
    async () => {
      calls++;
      if (calls === 1) await new Promise<void>((r) => (release = r));
      return { fingerprint: String(calls), active: false };
    },
    { activeMs: 60_000, idleMs: 60_000, maxIdleMs: 60_000 },
  );
  let heard = 0;
  const first = poller.subscribe(() => heard++);
  await until(() => release !== undefined);
  first.dispose();
  const watcher = poller.subscribe(() => heard++);
  release!();
  await sleep(50);
  assert.equal(calls, 2, 'the stale answer dropped, a new baseline taken');
  assert.equal(heard, 0);
  watcher.dispose();
});

test('AwsBackend sends no List request before watchChanges nor after its dispose', async () => {
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const sagemakerClient = new SageMakerClient({ region: 'us-east-1', credentials });
  const logsClient = new CloudWatchLogsClient({ region: 'us-east-1', credentials });
  const sagemaker = mockClient(sagemakerClient);
  const metadata = { $metadata: { httpStatusCode: 200 } };
  sagemaker.on(ListTrainingJobsCommand).resolves({
    ...metadata,
    TrainingJobSummaries: [
      {
        TrainingJobName: 'job-1',
        TrainingJobArn: 'arn:aws:sagemaker:us-east-1:123456789012:training-job/job-1',
        CreationTime: new Date(0),
        TrainingJobStatus: 'InProgress',
      },
    ],
  });
  sagemaker.on(ListHyperParameterTuningJobsCommand).resolves({
    ...metadata,
    HyperParameterTuningJobSummaries: [],
  });
  const backend = new AwsBackend({
    region: 'us-east-1',
    sagemakerClient,
    logsClient,
    pollIntervals: FAST,
  });
  const lists = () =>
    sagemaker.commandCalls(ListTrainingJobsCommand).length +
    sagemaker.commandCalls(ListHyperParameterTuningJobsCommand).length;
  await sleep(100);
  assert.equal(lists(), 0, 'a backend nobody watches sends nothing');
  const watcher = backend.watchChanges(() => undefined);
  await sleep(100);
  assert.ok(lists() >= 4, `${lists()} requests while watched and a job runs`);
  watcher.dispose();
  await sleep(20);
  const after = lists();
  await sleep(150);
  assert.equal(lists(), after, 'none after dispose');
  sagemaker.restore();
});
