/**
 * The runner: one process per local training job, started detached by the backend, so a
 * job outlives the window or terminal that launched it. It prepares the job folder, runs
 * the user's command without a shell, turns its output into log lines and metrics, enforces
 * MaxRuntimeInSeconds, honours stop requests (SIGTERM, then SIGKILL after a grace period),
 * packs model/ into model.tar.gz, and journals every step.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { localPathOf } from '../util/fileUri';
import { processStartToken, signalGroup } from '../util/processes';
import { TrainingJobStore } from '../store/trainingJobStore';
import type { EndStatus, TrainingJobEvent } from './events';
import { failedEvent, modelArtifactUri } from './events';
import { compileMetricDefinitions, matchMetrics } from './metrics';
import { effectiveMetricDefinitions } from '../../model/builtinAlgorithms';
import { validateTrainingJobRequest, DEFAULT_MAX_RUNTIME_SECONDS } from './validateRequest';
import {
  installCode,
  linkChannels,
  trainingEnvironment,
  workspaceLayout,
  writeConfig,
} from './jobWorkspace';
import type { MetricPoint, SecondaryStatus } from '../../model/types';
import { isTerminalStatus } from '../../model/types';
import { packDirectory } from './artifacts';

const STDERR_TAIL_LINES = 20;
const METRIC_FLUSH_MS = 250;
/** How long output may keep arriving after the process has exited. */
const PIPE_DRAIN_MS = 2000;
/** FailureReason is limited to 1024 characters by the API. */
const FAILURE_REASON_MAX = 1024;

const now = () => new Date().toISOString();

/** What a built-in algorithm prints once it knows where it runs; shown in SecondaryStatusTransitions. */
const EXECUTION_PROVIDER_LINE = /ONNX Runtime execution provider: (\w+)/;

/** The runner's own script: built-in algorithms run as `runner.js algorithm <name>`. */
function runnerScript(): string {
  return process.env.SMW_RUNNER_SCRIPT ?? process.argv[1];
}

export async function runTrainingJob(storeRoot: string, name: string): Promise<EndStatus> {
  const store = new TrainingJobStore(storeRoot);
  try {
    return await run(store, name);
  } catch (err) {
    // A bug or an I/O error in the runner itself: never leave the job InProgress.
    if (!isTerminal(store, name)) {
      store.append(
        name,
        failedEvent('The local engine failed', `InternalServerError: ${(err as Error).message}`),
      );
    }
    throw err;
  }
}

function isTerminal(store: TrainingJobStore, name: string): boolean {
  try {
    return isTerminalStatus(store.read(name).state.description.TrainingJobStatus);
  } catch {
    return false;
  }
}

async function run(store: TrainingJobStore, name: string): Promise<EndStatus> {
  const append = (event: TrainingJobEvent) => store.append(name, event);
  const status = (secondaryStatus: SecondaryStatus, message: string) =>
    append({ type: 'Status', time: now(), secondaryStatus, message });
  const end = (
    s: EndStatus,
    secondaryStatus: SecondaryStatus,
    message: string,
    failureReason?: string,
  ): EndStatus => {
    append({
      type: 'Ended',
      time: now(),
      status: s,
      secondaryStatus,
      message,
      ...(failureReason ? { failureReason: truncate(failureReason, FAILURE_REASON_MAX) } : {}),
    });
    return s;
  };

  // Stop requests arrive as SIGTERM, or are already journaled. The handler is installed
  // before RunnerStarted is journaled: a stopper only signals a runner it has seen start.
  const created = store.read(name).state.created;
  const graceMs = created.stopGraceSeconds * 1000;
  let stopReason: 'user' | 'MaxRuntimeExceeded' | undefined;
  let child: ChildProcess | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const requestStop = (reason: 'user' | 'MaxRuntimeExceeded') => {
    if (!stopReason) stopReason = reason;
    if (child?.pid && child.exitCode === null && child.signalCode === null && !killTimer) {
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => child?.pid && signalGroup(child.pid, 'SIGKILL'), graceMs);
    }
  };
  process.on('SIGTERM', () => {
    if (!stopReason) {
      append({ type: 'StopRequested', time: now(), reason: 'user' });
      status('Stopping', 'Stopping the training job');
    }
    requestStop('user');
  });
  append({
    type: 'RunnerStarted',
    time: now(),
    pid: process.pid,
    pidStart: processStartToken(process.pid),
  });
  const request = created.request;
  const stopJournaled = () => store.read(name).state.stopRequested;
  if (stopJournaled()) stopReason = 'user';
  process.on('SIGINT', () => requestStop('user'));

  const stoppedBeforeStart = () =>
    end('Stopped', 'Stopped', 'The job was stopped before its process started');

  // Starting -> Downloading: the job folder and the input data.
  status('Starting', 'Preparing the local job folder');
  let validated;
  try {
    validated = validateTrainingJobRequest(request);
  } catch (err) {
    return end('Failed', 'Failed', 'Failed to start', `ClientError: ${(err as Error).message}`);
  }
  const workspace = workspaceLayout(
    store.workDir(name),
    validated.channels.map((c) => c.name),
  );
  try {
    writeConfig(workspace, request);
    if (stopReason) return stoppedBeforeStart();
    status(
      'Downloading',
      validated.channels.length ? 'Linking input data from file:// channels' : 'No input channels',
    );
    linkChannels(workspace, validated.channels);
    if (validated.process.kind === 'program') await installCode(workspace, validated.process);
  } catch (err) {
    return end(
      'Failed',
      'Failed',
      'Failed to prepare the job folder',
      `ClientError: ${(err as Error).message}`,
    );
  }
  if (stopReason || stopJournaled()) return stoppedBeforeStart();

  // Training: run the command without a shell, in its own process group.
  const spec = validated.process;
  const argv =
    spec.kind === 'entrypoint'
      ? spec.argv
      : spec.kind === 'builtin'
        ? // The engine's own trainer, in a process of its own like any training script.
          [process.execPath, runnerScript(), 'algorithm', spec.algorithm]
        : spec.interpreter
          ? [spec.interpreter, join(workspace.codeDir, spec.program), ...spec.userArgs]
          : [join(workspace.codeDir, spec.program), ...spec.userArgs];
  const cwd = spec.kind === 'program' ? workspace.codeDir : workspace.root;
  const env = trainingEnvironment(workspace, request, spec, process.env);
  if (validated.checkpointPath) env.SMW_CHECKPOINT_DIR = validated.checkpointPath;
  env.SMW_FEATURE_CACHE_DIR = store.featureCacheDir();
  const log = createWriteStream(store.logPath(name), { flags: 'a' });
  const metrics = compileMetricDefinitions(
    effectiveMetricDefinitions(request.AlgorithmSpecification),
  );
  const stderrTail: string[] = [];
  let pending: MetricPoint[] = [];
  const flushMetrics = () => {
    if (pending.length === 0) return;
    append({ type: 'Metrics', time: now(), points: pending });
    pending = [];
  };
  const metricTimer = setInterval(flushMetrics, METRIC_FLUSH_MS);

  status('Training', `Running ${argv.map(quoteForDisplay).join(' ')}`);
  const exit = await new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    error?: Error;
  }>((resolve) => {
    try {
      child = spawn(argv[0], argv.slice(1), {
        cwd,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      resolve({ code: null, signal: null, error: err as Error });
      return;
    }
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    if (child.pid) {
      append({
        type: 'ProcessStarted',
        time: now(),
        pid: child.pid,
        pidStart: processStartToken(child.pid),
        argv,
      });
    }
    const follow = (stream: NodeJS.ReadableStream, isStderr: boolean) =>
      new Promise<void>((done) => {
        const lines = createInterface({ input: stream, crlfDelay: Infinity });
        lines.on('line', (line) => {
          log.write(`${line}\n`);
          pending.push(...matchMetrics(metrics, line, now()));
          const provider = spec.kind === 'builtin' ? EXECUTION_PROVIDER_LINE.exec(line) : null;
          if (provider) status('Training', `Training with ONNX Runtime on ${provider[1]}`);
          if (isStderr) {
            stderrTail.push(line);
            if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
          }
        });
        lines.once('close', done);
      });
    const streamsDone = Promise.all([follow(child.stdout!, false), follow(child.stderr!, true)]);
    child.once('exit', (code, signal) => {
      // As when a container's entrypoint ends: whatever the process left behind goes too,
      // so nothing holds the pipes open. Then finish reading what is buffered in them.
      if (child?.pid) signalGroup(child.pid, 'SIGKILL');
      const drained = setTimeout(() => resolve({ code, signal }), PIPE_DRAIN_MS);
      void streamsDone.then(() => {
        clearTimeout(drained);
        resolve({ code, signal });
      });
    });
    const maxRuntimeMs =
      (request.StoppingCondition?.MaxRuntimeInSeconds ?? DEFAULT_MAX_RUNTIME_SECONDS) * 1000;
    const runtimeTimer = setTimeout(() => {
      append({ type: 'StopRequested', time: now(), reason: 'MaxRuntimeExceeded' });
      requestStop('MaxRuntimeExceeded');
    }, maxRuntimeMs);
    child.once('exit', () => clearTimeout(runtimeTimer));
    if (stopReason) requestStop(stopReason);
  });
  if (killTimer) clearTimeout(killTimer);
  clearInterval(metricTimer);
  flushMetrics();
  await new Promise<void>((resolve) => log.end(resolve));

  const stopped = stopReason !== undefined;
  if (exit.error) {
    return end(
      'Failed',
      'Failed',
      'The training process could not start',
      `ClientError: could not run ${argv[0]}: ${exit.error.message}`,
    );
  }
  if (exit.code !== 0 && !stopped) {
    return end(
      'Failed',
      'Failed',
      'Training job failed',
      failureReason(workspace.outputDir, argv, exit, stderrTail),
    );
  }

  // Uploading: model/ -> <output>/<job>/output/model.tar.gz (also after a stop, as SageMaker does).
  status('Uploading', 'Uploading generated training model');
  try {
    const modelTarget = localPathOf(modelArtifactUri(request), 'ModelArtifacts.S3ModelArtifacts');
    await packDirectory(workspace.modelDir, modelTarget);
    await packDirectory(workspace.outputDataDir, join(modelTarget, '..', 'output.tar.gz'), false);
  } catch (err) {
    return end(
      'Failed',
      'Failed',
      'Uploading the model failed',
      `ClientError: could not write model.tar.gz: ${(err as Error).message}`,
    );
  }
  if (stopReason === 'MaxRuntimeExceeded') {
    return end(
      'Stopped',
      'MaxRuntimeExceeded',
      'Job stopped because it exceeded StoppingCondition.MaxRuntimeInSeconds',
    );
  }
  if (stopped) return end('Stopped', 'Stopped', 'Training job stopped');
  return end('Completed', 'Completed', 'Training job completed');
}

/** SageMaker's failure reason: the script's /opt/ml/output/failure file if it wrote one, else the exit and stderr tail. */
function failureReason(
  outputDir: string,
  argv: string[],
  exit: { code: number | null; signal: NodeJS.Signals | null },
  stderrTail: string[],
): string {
  const failureFile = join(outputDir, 'failure');
  if (existsSync(failureFile)) {
    const text = readFileSync(failureFile, 'utf8').trim();
    if (text) return `AlgorithmError: ${text}`;
  }
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const tail = stderrTail.join('\n').trim();
  return (
    `AlgorithmError: ${argv.map(quoteForDisplay).join(' ')} ${how}.` +
    (tail
      ? ` Last lines of stderr:\n${tailToFit(tail, FAILURE_REASON_MAX - 200)}`
      : ' It printed nothing on stderr.')
  );
}

function tailToFit(text: string, max: number): string {
  return text.length <= max ? text : `...${text.slice(text.length - max + 3)}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

function quoteForDisplay(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg);
}
