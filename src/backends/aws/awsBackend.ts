/**
 * The aws backend: SageMaker's training and tuning job operations on Amazon SageMaker through
 * the AWS SDK v3, with metrics and logs from CloudWatch Logs. Requests go through the same
 * shape validation as the local backend's before they are sent; errors come back as the
 * project's SageMakerError (the service's code and message) or, for setup problems
 * (credentials, region, endpoint), as a one-line AwsConfigurationError that says what to run.
 */
import {
  CloudWatchLogsClient,
  type CloudWatchLogsClientConfig,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateHyperParameterTuningJobCommand,
  CreateTrainingJobCommand,
  DescribeHyperParameterTuningJobCommand,
  DescribeTrainingJobCommand,
  ListHyperParameterTuningJobsCommand,
  ListTrainingJobsCommand,
  ListTrainingJobsForHyperParameterTuningJobCommand,
  SageMakerClient,
  StopHyperParameterTuningJobCommand,
  StopTrainingJobCommand,
  type CreateHyperParameterTuningJobRequest,
  type CreateHyperParameterTuningJobResponse,
  type DescribeHyperParameterTuningJobRequest,
  type DescribeHyperParameterTuningJobResponse,
  type ListHyperParameterTuningJobsRequest,
  type ListHyperParameterTuningJobsResponse,
  type ListTrainingJobsForHyperParameterTuningJobRequest,
  type ListTrainingJobsForHyperParameterTuningJobResponse,
  type SageMakerClientConfig,
  type StopHyperParameterTuningJobRequest,
} from '@aws-sdk/client-sagemaker';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SageMakerError, validationError } from '../../model/errors';
import { formatProblems, validateShape, type OperationName } from '../../model/shapes';
import type {
  CreateTrainingJobRequest,
  CreateTrainingJobResponse,
  DescribeTrainingJobRequest,
  DescribeTrainingJobResponse,
  ListTrainingJobsRequest,
  ListTrainingJobsResponse,
  MetricDefinition,
  MetricPoint,
  StopTrainingJobRequest,
} from '../../model/types';
import { LOCAL_PROCESS_IMAGE } from '../../model/types';
import { checkWarmStart, warmStartError, type WarmStartParent } from '../../model/warmStart';
import {
  compileMetricDefinitions,
  matchMetrics,
  type CompiledMetric,
} from '../../engine/training/metrics';
import type { LogChunk, SageMakerBackend } from '../backend';
import {
  effectiveProfile,
  explicitRegion,
  silenceNodeVersionWarning,
  type AwsSettings,
} from './awsConfig';
import { mapAwsError, type ErrorContext } from './awsErrors';
import { ChangePoller, DEFAULT_POLL_INTERVALS, type PollIntervals } from './changePoller';
import { eventsText, readLogEvents, START, type LogCursor, type LogEvent } from './logReader';

/** Attempts per request (the first included); throttling is retried with adaptive backoff. */
export const DEFAULT_MAX_ATTEMPTS = 5;
/** Jobs whose log cursors and metric series are kept in memory. */
const CACHED_JOBS = 100;
/** Log cursors kept per job (one per reader position). */
const CURSORS_PER_JOB = 4;
/** Events per log read; callers read again from `next` for more. */
const LOG_READ_MAX_EVENTS = 10_000;

export interface AwsBackendOptions extends AwsSettings {
  /** Attempts per request, the first included (default 5). */
  maxAttempts?: number;
  /** How watchChanges polls. */
  pollIntervals?: PollIntervals;
  /** Environment for the region and profile (default process.env; the SDK reads process.env). */
  env?: NodeJS.ProcessEnv;
  /** Clients to use instead of building them (tests). */
  sagemakerClient?: SageMakerClient;
  logsClient?: CloudWatchLogsClient;
}

interface MetricSeries {
  metrics: CompiledMetric[];
  cursor: LogCursor;
  points: MetricPoint[];
}

export class AwsBackend implements SageMakerBackend {
  readonly kind = 'aws' as const;
  readonly sagemaker: SageMakerClient;
  readonly logs: CloudWatchLogsClient;
  private readonly profile: string;
  private readonly profileExplicit: boolean;
  private region: string | undefined;
  private readonly poller: ChangePoller;
  private readonly logCursors = new Map<string, Map<number, LogCursor>>();
  private readonly metricSeries = new Map<string, MetricSeries>();
  /** Per job, the metric read in progress, so concurrent reads do not count events twice. */
  private readonly metricReads = new Map<string, Promise<MetricPoint[]>>();

  constructor(private readonly options: AwsBackendOptions = {}) {
    const env = options.env ?? process.env;
    silenceNodeVersionWarning();
    this.profile = effectiveProfile(options, env);
    this.profileExplicit = Boolean(options.profile || env.AWS_PROFILE);
    this.region = explicitRegion(options, env);
    const config: SageMakerClientConfig & CloudWatchLogsClientConfig = {
      ...(this.region ? { region: this.region } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
      ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
      credentials: fromNodeProviderChain(options.profile ? { profile: options.profile } : {}),
      retryMode: 'adaptive',
      maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
    };
    this.sagemaker = options.sagemakerClient ?? new SageMakerClient(config);
    this.logs = options.logsClient ?? new CloudWatchLogsClient(config);
    if (!this.region) {
      // The profile's region, read by the SDK from the shared config file, for `location`.
      this.sagemaker.config
        ?.region()
        .then((region) => (this.region = region))
        .catch(() => undefined);
    }
    this.poller = new ChangePoller(
      () => this.snapshot(),
      options.pollIntervals ?? DEFAULT_POLL_INTERVALS,
    );
  }

  get location(): string {
    const where = this.region ?? `the region of profile ${this.profile}`;
    const profile = this.profileExplicit ? ` (profile ${this.profile})` : '';
    const endpoint = this.options.endpointUrl ? ` at ${this.options.endpointUrl}` : '';
    return `aws ${where}${profile}${endpoint}`;
  }

  // ------------------------------------------------------------------ training jobs

  async validateTrainingJobRequest(request: CreateTrainingJobRequest): Promise<void> {
    checkCreate('CreateTrainingJob', request);
  }

  async createTrainingJob(request: CreateTrainingJobRequest): Promise<CreateTrainingJobResponse> {
    checkCreate('CreateTrainingJob', request);
    const response = await this.call('CreateTrainingJob', () =>
      this.sagemaker.send(new CreateTrainingJobCommand(request)),
    );
    this.poller.changed();
    return withoutMetadata(response);
  }

  async describeTrainingJob(
    request: DescribeTrainingJobRequest,
  ): Promise<DescribeTrainingJobResponse> {
    checkInput('DescribeTrainingJob', request);
    return withoutMetadata(
      await this.call('DescribeTrainingJob', () =>
        this.sagemaker.send(new DescribeTrainingJobCommand(request)),
      ),
    );
  }

  async listTrainingJobs(request: ListTrainingJobsRequest = {}): Promise<ListTrainingJobsResponse> {
    checkInput('ListTrainingJobs', request);
    return withoutMetadata(
      await this.call('ListTrainingJobs', () =>
        this.sagemaker.send(new ListTrainingJobsCommand(request)),
      ),
    );
  }

  async stopTrainingJob(request: StopTrainingJobRequest): Promise<void> {
    checkInput('StopTrainingJob', request);
    await this.call('StopTrainingJob', () =>
      this.sagemaker.send(new StopTrainingJobCommand(request)),
    );
    this.poller.changed();
  }

  // ------------------------------------------------------------------ tuning jobs

  async validateHyperParameterTuningJobRequest(
    request: CreateHyperParameterTuningJobRequest,
  ): Promise<void> {
    checkCreate('CreateHyperParameterTuningJob', request);
    if (!request.WarmStartConfig) return;
    const parents = new Map<string, WarmStartParent | undefined>();
    const names = new Map<string, string>();
    for (const parent of request.WarmStartConfig.ParentHyperParameterTuningJobs ?? []) {
      const name = parent.HyperParameterTuningJobName ?? '';
      if (!names.has(name.toLowerCase())) names.set(name.toLowerCase(), name);
    }
    await Promise.all(
      [...names.values()].map(async (name) => {
        parents.set(name, await this.findTuningJob(name));
      }),
    );
    const violation = warmStartError(checkWarmStart(request, parents));
    if (violation) throw violation;
  }

  /** A warm-start parent as the rules need it; undefined when there is no such tuning job. */
  private async findTuningJob(name: string): Promise<WarmStartParent | undefined> {
    if (!name) return undefined;
    try {
      // The training job count defaults to the sum of TrainingJobStatusCounters.
      return {
        description: await this.describeHyperParameterTuningJob({
          HyperParameterTuningJobName: name,
        }),
      };
    } catch (err) {
      if (err instanceof SageMakerError && isNotFound(err)) return undefined;
      throw err;
    }
  }

  async createHyperParameterTuningJob(
    request: CreateHyperParameterTuningJobRequest,
  ): Promise<CreateHyperParameterTuningJobResponse> {
    await this.validateHyperParameterTuningJobRequest(request);
    const response = await this.call('CreateHyperParameterTuningJob', () =>
      this.sagemaker.send(new CreateHyperParameterTuningJobCommand(request)),
    );
    this.poller.changed();
    return withoutMetadata(response);
  }

  async describeHyperParameterTuningJob(
    request: DescribeHyperParameterTuningJobRequest,
  ): Promise<DescribeHyperParameterTuningJobResponse> {
    checkInput('DescribeHyperParameterTuningJob', request);
    return withoutMetadata(
      await this.call('DescribeHyperParameterTuningJob', () =>
        this.sagemaker.send(new DescribeHyperParameterTuningJobCommand(request)),
      ),
    );
  }

  async listHyperParameterTuningJobs(
    request: ListHyperParameterTuningJobsRequest = {},
  ): Promise<ListHyperParameterTuningJobsResponse> {
    checkInput('ListHyperParameterTuningJobs', request);
    return withoutMetadata(
      await this.call('ListHyperParameterTuningJobs', () =>
        this.sagemaker.send(new ListHyperParameterTuningJobsCommand(request)),
      ),
    );
  }

  async listTrainingJobsForHyperParameterTuningJob(
    request: ListTrainingJobsForHyperParameterTuningJobRequest,
  ): Promise<ListTrainingJobsForHyperParameterTuningJobResponse> {
    checkInput('ListTrainingJobsForHyperParameterTuningJob', request);
    return withoutMetadata(
      await this.call('ListTrainingJobsForHyperParameterTuningJob', () =>
        this.sagemaker.send(new ListTrainingJobsForHyperParameterTuningJobCommand(request)),
      ),
    );
  }

  async stopHyperParameterTuningJob(request: StopHyperParameterTuningJobRequest): Promise<void> {
    checkInput('StopHyperParameterTuningJob', request);
    await this.call('StopHyperParameterTuningJob', () =>
      this.sagemaker.send(new StopHyperParameterTuningJobCommand(request)),
    );
    this.poller.changed();
  }

  // ------------------------------------------------------------------ metrics and logs

  /**
   * The job's metric points, parsed from its CloudWatch log with its MetricDefinitions by the
   * same parser the local engine uses. Read incrementally: each call reads only new events.
   */
  async getTrainingJobMetrics(name: string): Promise<MetricPoint[]> {
    checkInput('DescribeTrainingJob', { TrainingJobName: name });
    const pending = this.metricReads.get(name);
    if (pending) return pending.then((points) => [...points]);
    const read = this.readMetrics(name).finally(() => this.metricReads.delete(name));
    this.metricReads.set(name, read);
    return [...(await read)];
  }

  private async readMetrics(name: string): Promise<MetricPoint[]> {
    let series = this.metricSeries.get(name);
    if (!series) {
      const job = await this.describeTrainingJob({ TrainingJobName: name });
      series = {
        metrics: compileEach(job.AlgorithmSpecification?.MetricDefinitions),
        cursor: START,
        points: [],
      };
      remember(this.metricSeries, name, series);
    }
    if (series.metrics.length === 0) return series.points;
    for (;;) {
      const { events, cursor } = await this.call('FilterLogEvents', () =>
        readLogEvents(this.logs, name, series.cursor, LOG_READ_MAX_EVENTS),
      );
      for (const event of events) {
        const timestamp = new Date(event.timestamp).toISOString();
        for (const line of event.message.split(/\r?\n/)) {
          if (line) series.points.push(...matchMetrics(series.metrics, line, timestamp));
        }
      }
      series.cursor = cursor;
      if (events.length < LOG_READ_MAX_EVENTS) return series.points;
    }
  }

  /**
   * The job's log from position `from` (a count of log events, as `next` returned it). Reads
   * continue where the same position was left; any other position is found by reading from
   * the start again.
   */
  async readTrainingJobLog(name: string, from: number): Promise<LogChunk> {
    checkInput('DescribeTrainingJob', { TrainingJobName: name });
    if (!Number.isInteger(from) || from < 0) {
      throw validationError(`A log position is a count of events (0 or more), got ${from}.`);
    }
    let cursors = this.logCursors.get(name);
    if (!cursors) {
      // The first read of a job: fail as DescribeTrainingJob does if there is no such job.
      await this.describeTrainingJob({ TrainingJobName: name });
      cursors = new Map();
      remember(this.logCursors, name, cursors);
    }
    let cursor = cursors.get(from) ?? START;
    let skip = from - cursor.count;
    let read: { events: LogEvent[]; cursor: LogCursor };
    for (;;) {
      const at = cursor;
      read = await this.call('FilterLogEvents', () =>
        readLogEvents(this.logs, name, at, LOG_READ_MAX_EVENTS),
      );
      if (skip <= 0 || read.events.length === 0) break;
      if (read.events.length > skip) {
        read = { events: read.events.slice(skip), cursor: read.cursor };
        break;
      }
      skip -= read.events.length;
      cursor = read.cursor;
    }
    if (skip > 0 && read.events.length === 0) {
      // The position is past the end of the log (it was not ours): nothing new from there.
      return { text: '', next: from };
    }
    const next = read.cursor.count;
    if (next !== from) {
      cursors.set(next, read.cursor);
      while (cursors.size > CURSORS_PER_JOB) cursors.delete(cursors.keys().next().value!);
    }
    return { text: eventsText(read.events), next };
  }

  async getTrainingJobWarnings(): Promise<string[]> {
    return [];
  }

  /**
   * Calls back when a recent training or tuning job changed (status, last modified time,
   * counters): polled every 5 s while jobs run, slower when nothing does; stops on dispose.
   */
  watchChanges(listener: () => void): { dispose(): void } {
    return this.poller.subscribe(listener);
  }

  /** What watchChanges compares: the 100 most recent training jobs and tuning jobs. */
  private async snapshot(): Promise<{ fingerprint: string; active: boolean }> {
    const [training, tuning] = await Promise.all([
      this.listTrainingJobs({ SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 100 }),
      this.listHyperParameterTuningJobs({
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 100,
      }),
    ]);
    const statuses: string[] = [];
    const rows = [
      ...(training.TrainingJobSummaries ?? []).map((s) => {
        statuses.push(s.TrainingJobStatus ?? '');
        return ['t', s.TrainingJobName, s.TrainingJobStatus, time(s.LastModifiedTime)];
      }),
      ...(tuning.HyperParameterTuningJobSummaries ?? []).map((s) => {
        statuses.push(s.HyperParameterTuningJobStatus ?? '');
        return [
          'h',
          s.HyperParameterTuningJobName,
          s.HyperParameterTuningJobStatus,
          time(s.LastModifiedTime),
          JSON.stringify(s.TrainingJobStatusCounters ?? {}),
        ];
      }),
    ];
    return {
      fingerprint: JSON.stringify(rows),
      active: statuses.some((s) => s === 'InProgress' || s === 'Stopping'),
    };
  }

  // ------------------------------------------------------------------ plumbing

  /**
   * Sends one request, its errors mapped as every operation here maps them (for the models
   * and datasets code built on this backend's clients).
   */
  async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      throw mapAwsError(err, this.errorContext(operation));
    }
  }

  private errorContext(operation: string): ErrorContext {
    return {
      operation,
      profile: this.profile,
      profileExplicit: this.profileExplicit,
      ...(this.options.endpointUrl ? { endpointUrl: this.options.endpointUrl } : {}),
      ...(this.region ? { region: this.region } : {}),
      ...(this.options.env ? { env: this.options.env } : {}),
    };
  }
}

/** The SDK's answer without its `$metadata` (request id, attempts), as the AWS CLI prints it. */
function withoutMetadata<T extends object>(output: T & { $metadata?: unknown }): T {
  const { $metadata, ...rest } = output;
  void $metadata;
  return rest as T;
}

function time(value: Date | undefined): number | null {
  return value instanceof Date ? value.getTime() : null;
}

function isNotFound(err: SageMakerError): boolean {
  return (
    (err.name as string) === 'ResourceNotFound' ||
    (err.name === 'ValidationException' && /not (be )?found|could not find/i.test(err.message))
  );
}

/** Each definition compiled on its own, so one regex JavaScript cannot compile skips only itself. */
function compileEach(definitions: readonly MetricDefinition[] | undefined): CompiledMetric[] {
  const compiled: CompiledMetric[] = [];
  for (const definition of definitions ?? []) {
    try {
      compiled.push(...compileMetricDefinitions([definition]));
    } catch {
      // a Python-only regex: SageMaker parses it, this reader cannot
    }
  }
  return compiled;
}

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  cache.delete(key);
  cache.set(key, value);
  while (cache.size > CACHED_JOBS) cache.delete(cache.keys().next().value!);
}

function checkInput(operation: OperationName, request: unknown): void {
  const problems = validateShape(operation, 'input', request);
  if (problems.length)
    throw validationError(`Invalid ${operation} request: ${formatProblems(problems)}`);
}

/**
 * A create request: SageMaker's shapes, plus what only the local engine accepts (file:// URIs
 * where SageMaker reads S3, the local:process image), named here before SageMaker rejects it
 * less clearly.
 */
function checkCreate(operation: OperationName, request: unknown): void {
  const problems = validateShape(operation, 'input', request).map((p) =>
    p.path ? `${p.path} ${p.message}` : p.message,
  );
  walkStrings(request, '', (path, value) => {
    if (
      value.startsWith('file://') &&
      /(S3Uri|S3OutputPath|sagemaker_submit_directory)$/.test(path)
    ) {
      problems.push(
        path.endsWith('sagemaker_submit_directory')
          ? `${path} is a file:// URI, which only the local backend reads; SageMaker needs the s3:// URI of a sourcedir.tar.gz (a launch from the extension, or smw's create commands, pack and upload the folder)`
          : `${path} is a file:// URI, which only the local backend reads; SageMaker needs an s3:// URI (a launch from the extension, or smw's create commands, upload the folder first)`,
      );
    } else if (value === LOCAL_PROCESS_IMAGE && path.endsWith('TrainingImage')) {
      problems.push(
        `${path} ${LOCAL_PROCESS_IMAGE} runs only on the local backend; SageMaker needs a container image URI: for a script (sagemaker_program), a framework training image (PyTorch, TensorFlow, scikit-learn...) that runs it, else your own ECR image`,
      );
    }
  });
  if (problems.length)
    throw validationError(`Invalid ${operation} request: ${[...new Set(problems)].join('; ')}`);
}

function walkStrings(
  value: unknown,
  path: string,
  visit: (path: string, value: string) => void,
): void {
  if (typeof value === 'string') visit(path, value);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, `${path}[${i}]`, visit));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value))
      walkStrings(v, path ? `${path}.${key}` : key, visit);
  }
}
