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
  CreateHyperParameterTuningJobRequest,
  CreateHyperParameterTuningJobResponse,
  DescribeHyperParameterTuningJobRequest,
  DescribeHyperParameterTuningJobResponse,
  HyperParameterTrainingJobSummary,
  HyperParameterTuningJobSummary,
  ListHyperParameterTuningJobsRequest,
  ListHyperParameterTuningJobsResponse,
  ListTrainingJobsForHyperParameterTuningJobRequest,
  ListTrainingJobsForHyperParameterTuningJobResponse,
  StopHyperParameterTuningJobRequest,
} from '@aws-sdk/client-sagemaker';
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
import { TuningJobStore, type TuningJobRead } from '../../engine/store/tuningJobStore';
import { isBetter, requestObjective, trialSummary } from '../../engine/tuning/events';
import { checkWarmStart, warmStartError, type WarmStartParent } from '../../model/warmStart';
import { AVAILABLE_STRATEGIES } from '../../engine/tuning/strategies';
import { validateTuningJobRequest } from '../../engine/tuning/validateTuningRequest';
import { recordTuningJob } from '../../engine/tuning/tuner';
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
  readonly tuningStore: TuningJobStore;

  constructor(private readonly options: LocalBackendOptions) {
    this.store = new TrainingJobStore(options.storeDir);
    this.tuningStore = new TuningJobStore(options.storeDir);
    this.location = `local store ${options.storeDir}`;
    if (!existsSync(options.runnerPath)) {
      throw new Error(
        `The local engine's runner is missing at ${options.runnerPath}; run \`npm run build\`.`,
      );
    }
  }

  async createTrainingJob(
    request: CreateTrainingJobRequest,
    options: { tuningJobArn?: string } = {},
  ): Promise<CreateTrainingJobResponse> {
    const validated = validateTrainingJobRequest(request);
    const name = validated.request.TrainingJobName!;
    const arn = `arn:aws:sagemaker:${LOCAL_REGION}:${LOCAL_ACCOUNT}:training-job/${name.toLowerCase()}`;
    this.store.create(name, {
      type: 'Created',
      time: new Date().toISOString(),
      arn,
      request: validated.request,
      stopGraceSeconds: this.options.stopGraceSeconds ?? 120,
      ...(options.tuningJobArn ? { tuningJobArn: options.tuningJobArn } : {}),
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
    summaries.sort((a, b) => direction * compare(value(a), value(b)));
    const { page, NextToken } = paginate(summaries, request.NextToken, request.MaxResults);
    return { TrainingJobSummaries: page, ...(NextToken ? { NextToken } : {}) };
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
    // Signal only a runner that has journaled its start (its SIGTERM handler is then in place);
    // one that has not started yet reads the StopRequested event itself.
    const after = this.store.read(name).state;
    if (after.runnerStarted && isProcessAlive(after.runnerPid!, after.runnerPidStart)) {
      process.kill(after.runnerPid!, 'SIGTERM');
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
    return watchStore(this.options.storeDir, () => listener());
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
    try {
      const pid = this.spawnRunner('training', name, this.store.runnerLogPath(name));
      this.store.append(name, { type: 'RunnerSpawned', time: new Date().toISOString(), pid });
    } catch (err) {
      this.store.append(
        name,
        failedEvent(
          'Failed to start',
          `InternalServerError: could not start the local runner: ${(err as Error).message}`,
        ),
      );
    }
  }

  /** Starts a detached runner process (`runner.js <kind> <store> <name>`) logging to `logPath`. */
  private spawnRunner(kind: 'training' | 'tuning', name: string, logPath: string): number {
    const logFd = openSync(logPath, 'a');
    try {
      const child = spawn(
        process.execPath,
        [this.options.runnerPath, kind, this.options.storeDir, name],
        {
          detached: true,
          stdio: ['ignore', logFd, logFd],
          env: {
            ...process.env,
            ...this.options.env,
            ELECTRON_RUN_AS_NODE: '1',
            SMW_STOP_GRACE_SECONDS: String(this.options.stopGraceSeconds ?? 120),
          },
        },
      );
      child.unref();
      if (child.pid === undefined) throw new Error('spawn returned no pid');
      return child.pid;
    } finally {
      closeSync(logFd);
    }
  }

  // ------------------------------------------------------------------ tuning jobs

  async validateTrainingJobRequest(request: CreateTrainingJobRequest): Promise<void> {
    validateTrainingJobRequest(request);
  }

  async validateHyperParameterTuningJobRequest(
    request: CreateHyperParameterTuningJobRequest,
  ): Promise<void> {
    validateTuningJobRequest(request, AVAILABLE_STRATEGIES);
    if (request.WarmStartConfig) {
      const violation = warmStartError(checkWarmStart(request, this.warmStartParents(request)));
      if (violation) throw violation;
    }
  }

  async createHyperParameterTuningJob(
    request: CreateHyperParameterTuningJobRequest,
  ): Promise<CreateHyperParameterTuningJobResponse> {
    await this.validateHyperParameterTuningJobRequest(request);
    const { arn } = recordTuningJob(this.tuningStore, request);
    const name = request.HyperParameterTuningJobName!;
    this.startTuner(name);
    return { HyperParameterTuningJobArn: arn };
  }

  async describeHyperParameterTuningJob(
    request: DescribeHyperParameterTuningJobRequest,
  ): Promise<DescribeHyperParameterTuningJobResponse> {
    checkInput('DescribeHyperParameterTuningJob', request);
    const { state } = this.readTuningReconciled(request.HyperParameterTuningJobName!);
    const description = state.description;
    const warmStart = state.created.request.WarmStartConfig;
    if (warmStart?.WarmStartType === 'IdenticalDataAndAlgorithm') {
      // The best of this job and every parent (parents are terminal, so theirs is settled).
      const type = requestObjective(state.created.request)?.Type;
      let overall = description.BestTrainingJob;
      for (const parent of warmStart.ParentHyperParameterTuningJobs ?? []) {
        const name = parent.HyperParameterTuningJobName!;
        if (!this.tuningStore.exists(name)) continue;
        const best = this.tuningStore.read(name).state.description.BestTrainingJob;
        const value = best?.FinalHyperParameterTuningJobObjectiveMetric?.Value;
        const incumbent = overall?.FinalHyperParameterTuningJobObjectiveMetric?.Value;
        if (value !== undefined && (incumbent === undefined || isBetter(type, value, incumbent)))
          overall = best;
      }
      if (overall) return { ...description, OverallBestTrainingJob: overall };
    }
    return description;
  }

  /** The warm-start parents a request names, as the warm-start rules need them (undefined: not found). */
  private warmStartParents(
    request: CreateHyperParameterTuningJobRequest,
  ): Map<string, WarmStartParent | undefined> {
    const parents = new Map<string, WarmStartParent | undefined>();
    for (const parent of request.WarmStartConfig?.ParentHyperParameterTuningJobs ?? []) {
      const name = parent.HyperParameterTuningJobName ?? '';
      if (!name || !this.tuningStore.exists(name)) {
        parents.set(name, undefined);
        continue;
      }
      const { state } = this.readTuningReconciled(name);
      parents.set(name, { description: state.description, trainingJobCount: state.trials.length });
    }
    return parents;
  }

  async listHyperParameterTuningJobs(
    request: ListHyperParameterTuningJobsRequest = {},
  ): Promise<ListHyperParameterTuningJobsResponse> {
    checkInput('ListHyperParameterTuningJobs', request);
    const summaries: HyperParameterTuningJobSummary[] = [];
    for (const name of this.tuningStore.listNames()) {
      if (request.NameContains && !name.toLowerCase().includes(request.NameContains.toLowerCase()))
        continue;
      let d: DescribeHyperParameterTuningJobResponse;
      try {
        d = this.readTuningReconciled(name).state.description;
      } catch {
        continue;
      }
      if (request.StatusEquals && d.HyperParameterTuningJobStatus !== request.StatusEquals)
        continue;
      if (request.CreationTimeAfter && !(d.CreationTime! > new Date(request.CreationTimeAfter)))
        continue;
      if (request.CreationTimeBefore && !(d.CreationTime! < new Date(request.CreationTimeBefore)))
        continue;
      if (
        request.LastModifiedTimeAfter &&
        !(d.LastModifiedTime! > new Date(request.LastModifiedTimeAfter))
      )
        continue;
      if (
        request.LastModifiedTimeBefore &&
        !(d.LastModifiedTime! < new Date(request.LastModifiedTimeBefore))
      )
        continue;
      summaries.push({
        HyperParameterTuningJobName: d.HyperParameterTuningJobName,
        HyperParameterTuningJobArn: d.HyperParameterTuningJobArn,
        HyperParameterTuningJobStatus: d.HyperParameterTuningJobStatus,
        Strategy: d.HyperParameterTuningJobConfig!.Strategy,
        CreationTime: d.CreationTime,
        ...(d.HyperParameterTuningEndTime
          ? { HyperParameterTuningEndTime: d.HyperParameterTuningEndTime }
          : {}),
        ...(d.LastModifiedTime ? { LastModifiedTime: d.LastModifiedTime } : {}),
        TrainingJobStatusCounters: d.TrainingJobStatusCounters,
        ObjectiveStatusCounters: d.ObjectiveStatusCounters,
        ...(d.HyperParameterTuningJobConfig?.ResourceLimits
          ? { ResourceLimits: d.HyperParameterTuningJobConfig.ResourceLimits }
          : {}),
      });
    }
    const key = request.SortBy ?? 'CreationTime';
    const direction = (request.SortOrder ?? 'Ascending') === 'Ascending' ? 1 : -1;
    const value = (s: HyperParameterTuningJobSummary) =>
      key === 'Name'
        ? s.HyperParameterTuningJobName!
        : key === 'Status'
          ? s.HyperParameterTuningJobStatus!
          : s.CreationTime!.toISOString();
    summaries.sort((a, b) => direction * compare(value(a), value(b)));
    const { page, NextToken } = paginate(summaries, request.NextToken, request.MaxResults);
    return { HyperParameterTuningJobSummaries: page, ...(NextToken ? { NextToken } : {}) };
  }

  async listTrainingJobsForHyperParameterTuningJob(
    request: ListTrainingJobsForHyperParameterTuningJobRequest,
  ): Promise<ListTrainingJobsForHyperParameterTuningJobResponse> {
    checkInput('ListTrainingJobsForHyperParameterTuningJob', request);
    const { state } = this.readTuningReconciled(request.HyperParameterTuningJobName!);
    const req = state.created.request;
    // With several definitions each trial's summary names its own definition's metric.
    const objective = requestObjective(req);
    let summaries = state.trials.map((trial) => {
      let running: { status?: string; creationTime?: Date; trainingStartTime?: Date } | undefined;
      if (!trial.ended && this.store.exists(trial.trainingJobName)) {
        const job = this.readReconciled(trial.trainingJobName).state.description;
        running = {
          status: job.TrainingJobStatus,
          creationTime: job.CreationTime,
          trainingStartTime: job.TrainingStartTime,
        };
      }
      return trialSummary(trial, req, objective?.Type, objective?.MetricName, running);
    });
    if (request.StatusEquals)
      summaries = summaries.filter((s) => s.TrainingJobStatus === request.StatusEquals);
    const key = request.SortBy ?? 'Name';
    // As SageMaker does: sorting by the objective lists only jobs that reported one.
    if (key === 'FinalObjectiveMetricValue') {
      summaries = summaries.filter(
        (s) => s.FinalHyperParameterTuningJobObjectiveMetric?.Value !== undefined,
      );
    }
    const direction = (request.SortOrder ?? 'Ascending') === 'Ascending' ? 1 : -1;
    const value = (s: HyperParameterTrainingJobSummary): string | number =>
      key === 'FinalObjectiveMetricValue'
        ? s.FinalHyperParameterTuningJobObjectiveMetric!.Value!
        : key === 'Status'
          ? s.TrainingJobStatus!
          : key === 'CreationTime'
            ? s.CreationTime!.toISOString()
            : s.TrainingJobName!;
    summaries.sort((a, b) => direction * compare(value(a), value(b)));
    const { page, NextToken } = paginate(summaries, request.NextToken, request.MaxResults);
    return { TrainingJobSummaries: page, ...(NextToken ? { NextToken } : {}) };
  }

  async stopHyperParameterTuningJob(request: StopHyperParameterTuningJobRequest): Promise<void> {
    checkInput('StopHyperParameterTuningJob', request);
    const name = request.HyperParameterTuningJobName!;
    const { state } = this.readTuningReconciled(name);
    const status = state.description.HyperParameterTuningJobStatus;
    if (status !== 'InProgress') {
      if (status === 'Stopping') return;
      throw validationError(
        `Tuning job ${name} is already ${status}; only InProgress tuning jobs can be stopped.`,
      );
    }
    this.tuningStore.append(name, { type: 'StopRequested', time: new Date().toISOString() });
    // Wakes the tuner; one that has not started yet reads the StopRequested event itself.
    const after = this.tuningStore.read(name).state;
    if (after.runnerStarted && isProcessAlive(after.runnerPid!, after.runnerPidStart)) {
      process.kill(after.runnerPid!, 'SIGTERM');
    }
  }

  /**
   * Reads a tuning job; if it is unfinished and its tuner is gone (kill -9, reboot), a new
   * tuner is started that resumes it from the journal.
   */
  private readTuningReconciled(name: string): TuningJobRead {
    const read = this.tuningStore.read(name);
    const { state } = read;
    if (state.ended) return read;
    const pid = state.runnerPid;
    const age = Date.now() - Date.parse(state.created.time);
    if (pid === undefined ? age < RUNNER_START_GRACE_MS : isProcessAlive(pid, state.runnerPidStart))
      return read;
    this.startTuner(name);
    return this.tuningStore.read(name);
  }

  private startTuner(name: string): void {
    try {
      const pid = this.spawnRunner('tuning', name, this.tuningStore.runnerLogPath(name));
      this.tuningStore.append(name, { type: 'RunnerSpawned', time: new Date().toISOString(), pid });
    } catch (err) {
      this.tuningStore.append(name, {
        type: 'Ended',
        time: new Date().toISOString(),
        status: 'Failed',
        reason: 'Error',
        failureReason: `InternalServerError: could not start the local tuner: ${(err as Error).message}`,
      });
    }
  }
}

/** Orders strings and numbers; for sorting list answers. */
function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function paginate<T>(
  items: T[],
  token: string | undefined,
  maxResults: number | undefined,
): { page: T[]; NextToken?: string } {
  const offset = decodeToken(token);
  const page = items.slice(offset, offset + (maxResults ?? LIST_DEFAULT_MAX_RESULTS));
  const next = offset + page.length;
  return { page, ...(next < items.length ? { NextToken: encodeToken(next) } : {}) };
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
