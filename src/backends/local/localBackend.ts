/**
 * The local backend: SageMaker's training job operations on this machine. Each job runs in
 * a detached runner process and is known only through its journal, so any number of
 * extension windows and CLI processes can share one store.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, fstatSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type {
  CreateTrainingJobRequest,
  CreateTrainingJobResponse,
  DescribeTrainingJobRequest,
  DescribeTrainingJobResponse,
  ListTrainingJobsRequest,
  ListTrainingJobsResponse,
  MetricPoint,
  StopTrainingJobRequest,
  TrainingJobSummary,
} from '../../model/types';
import { isTerminalStatus } from '../../model/types';
import { SageMakerError, validationError } from '../../model/errors';
import { formatProblems, validateShape, type OperationName } from '../../model/shapes';
import { TrainingJobStore, type TrainingJobRead } from '../../engine/store/trainingJobStore';
import { failedEvent, summarize } from '../../engine/training/events';
import { validateTrainingJobRequest } from '../../engine/training/validateRequest';
import { isProcessAlive, signalGroup } from '../../engine/util/processes';
import { watchStore } from '../../engine/store/storeWatcher';
import type { LogChunk, SageMakerBackend } from '../backend';

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'local';
/** How long a job may exist without any runner pid before it is declared dead. */
const RUNNER_START_GRACE_MS = 60_000;
const LIST_DEFAULT_MAX_RESULTS = 10;
const LOG_READ_MAX_BYTES = 1 << 20;

export interface LocalBackendOptions {
  /** Folder of the job store. */
  storeDir: string;
  /** The bundled runner script (dist/runner.js). */
  runnerPath: string;
  /** Seconds between SIGTERM and SIGKILL when a job is stopped (SageMaker: 120). */
  stopGraceSeconds?: number;
  /** Extra environment for job processes (e.g. a python3 from a virtual environment via SMW_PYTHON). */
  env?: NodeJS.ProcessEnv;
}

/** `$SMW_STORE`, else ~/.smw: the CLI and the extension share it by default. */
export function defaultStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SMW_STORE || join(homedir(), '.smw');
}

export class LocalBackend implements SageMakerBackend {
  readonly kind = 'local' as const;
  readonly location: string;
  readonly store: TrainingJobStore;

  constructor(private readonly options: LocalBackendOptions) {
    this.store = new TrainingJobStore(options.storeDir);
    this.location = `local store ${options.storeDir}`;
    if (!existsSync(options.runnerPath)) {
      throw new Error(
        `The local engine's runner is missing at ${options.runnerPath}; run \`npm run build\`.`,
      );
    }
  }

  async createTrainingJob(request: CreateTrainingJobRequest): Promise<CreateTrainingJobResponse> {
    const validated = validateTrainingJobRequest(request);
    const name = validated.request.TrainingJobName!;
    const arn = `arn:aws:sagemaker:${LOCAL_REGION}:${LOCAL_ACCOUNT}:training-job/${name.toLowerCase()}`;
    this.store.create(name, {
      type: 'Created',
      time: new Date().toISOString(),
      arn,
      request: validated.request,
      stopGraceSeconds: this.options.stopGraceSeconds ?? 120,
    });
    this.startRunner(name);
    return { TrainingJobArn: arn };
  }

  async describeTrainingJob(
    request: DescribeTrainingJobRequest,
  ): Promise<DescribeTrainingJobResponse> {
    checkInput('DescribeTrainingJob', request);
    return this.readReconciled(request.TrainingJobName!).state.description;
  }

  async listTrainingJobs(request: ListTrainingJobsRequest = {}): Promise<ListTrainingJobsResponse> {
    checkInput('ListTrainingJobs', request);
    const after = (d: Date | undefined, bound: Date | undefined) =>
      !bound || (d !== undefined && d > new Date(bound));
    const before = (d: Date | undefined, bound: Date | undefined) =>
      !bound || (d !== undefined && d < new Date(bound));
    const summaries: TrainingJobSummary[] = [];
    for (const name of this.store.listNames()) {
      if (request.NameContains && !name.toLowerCase().includes(request.NameContains.toLowerCase()))
        continue;
      let summary: TrainingJobSummary;
      try {
        summary = summarize(this.readReconciled(name).state.description);
      } catch {
        continue; // an unreadable job is reported by describe, not allowed to break the list
      }
      if (request.StatusEquals && summary.TrainingJobStatus !== request.StatusEquals) continue;
      if (!after(summary.CreationTime, request.CreationTimeAfter)) continue;
      if (!before(summary.CreationTime, request.CreationTimeBefore)) continue;
      if (!after(summary.LastModifiedTime, request.LastModifiedTimeAfter)) continue;
      if (!before(summary.LastModifiedTime, request.LastModifiedTimeBefore)) continue;
      summaries.push(summary);
    }
    const key = request.SortBy ?? 'CreationTime';
    const direction = (request.SortOrder ?? 'Ascending') === 'Ascending' ? 1 : -1;
    const value = (s: TrainingJobSummary) =>
      key === 'Name'
        ? s.TrainingJobName!
        : key === 'Status'
          ? s.TrainingJobStatus!
          : s.CreationTime!.toISOString();
    summaries.sort((a, b) => direction * (value(a) < value(b) ? -1 : value(a) > value(b) ? 1 : 0));
    const offset = decodeToken(request.NextToken);
    const page = summaries.slice(offset, offset + (request.MaxResults ?? LIST_DEFAULT_MAX_RESULTS));
    const next = offset + page.length;
    return {
      TrainingJobSummaries: page,
      ...(next < summaries.length ? { NextToken: encodeToken(next) } : {}),
    };
  }

  async stopTrainingJob(request: StopTrainingJobRequest): Promise<void> {
    checkInput('StopTrainingJob', request);
    const name = request.TrainingJobName!;
    const { state } = this.readReconciled(name);
    const status = state.description.TrainingJobStatus;
    if (isTerminalStatus(status)) {
      throw validationError(
        `Training job ${name} is already ${status}; only InProgress jobs can be stopped.`,
      );
    }
    if (status === 'Stopping') return;
    this.store.append(name, {
      type: 'StopRequested',
      time: new Date().toISOString(),
      reason: 'user',
    });
    if (state.runnerPid !== undefined && isProcessAlive(state.runnerPid, state.runnerPidStart)) {
      process.kill(state.runnerPid, 'SIGTERM');
    }
  }

  async getTrainingJobMetrics(name: string): Promise<MetricPoint[]> {
    return this.readExisting(name).state.metrics;
  }

  async readTrainingJobLog(name: string, from: number): Promise<LogChunk> {
    this.readExisting(name);
    const path = this.store.logPath(name);
    if (!existsSync(path)) return { text: '', next: from };
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(Math.max(0, size - from), LOG_READ_MAX_BYTES);
      const buffer = Buffer.alloc(length);
      const read = length > 0 ? readSync(fd, buffer, 0, length, from) : 0;
      // Stop at the last complete UTF-8 line so a multi-byte character is never split.
      const text = buffer.subarray(0, read);
      const cut = read === Math.max(0, size - from) ? read : text.lastIndexOf(0x0a) + 1 || read;
      return { text: text.subarray(0, cut).toString('utf8'), next: from + cut };
    } finally {
      closeSync(fd);
    }
  }

  async getTrainingJobWarnings(name: string): Promise<string[]> {
    return this.readExisting(name).problems.map((p) => `${p.file}:${p.line}: ${p.message}`);
  }

  watchChanges(listener: () => void): { dispose(): void } {
    return watchStore(this.store.jobsDir, () => listener());
  }

  /** Path of the job's working folder (its /opt/ml) - for "Reveal Output" and tests. */
  jobDirectory(name: string): string {
    return this.store.jobDir(name);
  }

  private readExisting(name: string): TrainingJobRead {
    checkInput('DescribeTrainingJob', { TrainingJobName: name });
    return this.store.read(name);
  }

  /**
   * Reads a job and settles what the journal alone cannot know: a job whose runner is gone
   * (kill -9, reboot) without ending it is marked Failed, and any process it left is killed.
   */
  private readReconciled(name: string): TrainingJobRead {
    const read = this.readExisting(name);
    const { state } = read;
    if (isTerminalStatus(state.description.TrainingJobStatus)) return read;
    const pid = state.runnerPid;
    const age = Date.now() - Date.parse(state.created.time);
    if (pid === undefined ? age < RUNNER_START_GRACE_MS : isProcessAlive(pid, state.runnerPidStart))
      return read;
    // The runner is gone. It may have ended the job just before exiting: read again first.
    const again = this.store.read(name);
    if (isTerminalStatus(again.state.description.TrainingJobStatus)) return again;
    if (
      again.state.processPid !== undefined &&
      isProcessAlive(again.state.processPid, again.state.processPidStart)
    ) {
      signalGroup(again.state.processPid, 'SIGKILL');
    }
    this.store.append(
      name,
      failedEvent(
        'The job ended unexpectedly',
        pid === undefined
          ? 'InternalServerError: the local runner never started for this job. Create the job again with a new name.'
          : `InternalServerError: the job's runner process (pid ${pid}) ended without finishing the job ` +
              '(killed, or the machine restarted). Its log and partial output are kept; create the job again with a new name.',
      ),
    );
    return this.store.read(name);
  }

  private startRunner(name: string): void {
    const logFd = openSync(this.store.runnerLogPath(name), 'a');
    try {
      const child = spawn(
        process.execPath,
        [this.options.runnerPath, this.options.storeDir, name],
        {
          detached: true,
          stdio: ['ignore', logFd, logFd],
          env: { ...process.env, ...this.options.env, ELECTRON_RUN_AS_NODE: '1' },
        },
      );
      child.unref();
      if (child.pid === undefined) throw new Error('spawn returned no pid');
      this.store.append(name, {
        type: 'RunnerSpawned',
        time: new Date().toISOString(),
        pid: child.pid,
      });
    } catch (err) {
      this.store.append(
        name,
        failedEvent(
          'Failed to start',
          `InternalServerError: could not start the local runner: ${(err as Error).message}`,
        ),
      );
    } finally {
      closeSync(logFd);
    }
  }
}

function checkInput(operation: OperationName, request: unknown): void {
  const problems = validateShape(operation, 'input', request);
  if (problems.length)
    throw validationError(`Invalid ${operation} request: ${formatProblems(problems)}`);
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

function decodeToken(token: string | undefined): number {
  if (!token) return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      offset: unknown;
    };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    /* fall through */
  }
  throw new SageMakerError(
    'ValidationException',
    'NextToken is not a token this store issued; start again without it.',
  );
}
