/**
 * The tuner: one detached process per local tuning job. It asks the strategy for
 * configurations, launches each as an ordinary local training job, reads their objective
 * metric, applies early stopping and the completion criteria, and journals every decision.
 *
 * Crash safety: a trial is journaled (TrialPlanned, with a name derived from the seed and its
 * index) before its training job is created. A resumed tuner replays the journal; a planned
 * trial whose training job does not exist yet is created then, one that exists is adopted -
 * no trial is lost or run twice. Only one tuner runs per job (a lock file in its folder).
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CreateHyperParameterTuningJobRequest } from '@aws-sdk/client-sagemaker';
import type { CreateTrainingJobRequest } from '../../model/types';
import { isTerminalStatus } from '../../model/types';
import { processStartToken, isProcessAlive } from '../util/processes';
import { Random } from '../util/random';
import { TuningJobStore } from '../store/tuningJobStore';
import type { TrialExecutor } from './trialExecutor';
import type { CompletionReason, TrialRecord, TuningJobEvent, TuningJobState } from './events';
import { isBetter } from './events';
import { shouldStopEarly } from './earlyStopping';
import {
  CONVERGENCE_PATIENCE,
  CONVERGENCE_PROBABILITY,
  improvementProbability,
} from './convergence';
import { continuesAtRung, type HyperbandSettings } from './hyperband';
import { toHyperParameters, type Configuration, type SearchSpace } from './searchSpace';
import type { Trial } from './strategy';
import { AVAILABLE_STRATEGIES, STRATEGIES } from './strategies';
import { validateTuningJobRequest, type ValidatedTuningJob } from './validateTuningRequest';

const now = () => new Date().toISOString();
/** Re-check at least this often even when no file event arrives (fallback and clocks). */
const TICK_MS = 2000;

/** SageMaker's trial names: <tuning-job>-<3-digit index>-<8 hex>. Deterministic, so a resume finds them again. */
export function trialName(tuningJobName: string, seed: number, index: number): string {
  const hex = new Random(seed ^ Math.imul(index + 1, 0x9e3779b1))
    .uint32()
    .toString(16)
    .padStart(8, '0');
  return `${tuningJobName}-${String(index + 1).padStart(3, '0')}-${hex}`;
}

/** The suggestion for trial `index` draws from its own stream: replays do not depend on earlier draws. */
export function suggestionRandom(seed: number, index: number): Random {
  return new Random((seed + Math.imul(index + 1, 7919)) >>> 0);
}

export function trainingRequestFor(
  validated: ValidatedTuningJob,
  name: string,
  tuned: Record<string, string>,
): CreateTrainingJobRequest {
  const d = validated.definition;
  const tuningResources = d.HyperParameterTuningResourceConfig;
  return {
    TrainingJobName: name,
    AlgorithmSpecification: d.AlgorithmSpecification,
    RoleArn: d.RoleArn,
    HyperParameters: { ...d.StaticHyperParameters, ...tuned },
    ...(d.InputDataConfig ? { InputDataConfig: d.InputDataConfig } : {}),
    OutputDataConfig: d.OutputDataConfig,
    ...(d.ResourceConfig
      ? { ResourceConfig: d.ResourceConfig }
      : tuningResources?.InstanceType
        ? {
            ResourceConfig: {
              InstanceType: tuningResources.InstanceType,
              InstanceCount: tuningResources.InstanceCount ?? 1,
              VolumeSizeInGB: tuningResources.VolumeSizeInGB ?? 10,
            },
          }
        : {}),
    StoppingCondition: d.StoppingCondition,
    ...(d.Environment ? { Environment: d.Environment } : {}),
  };
}

/** The strategy's view of the trials: objectives minimised, states from the training jobs. */
export function strategyHistory(state: TuningJobState, objectiveType: string): Trial[] {
  const sign = objectiveType === 'Maximize' ? -1 : 1;
  return state.trials.map((trial) => {
    const ended = trial.ended;
    const objective = ended?.objective;
    return {
      id: trial.trainingJobName,
      configuration: trial.configuration,
      state: !ended
        ? 'running'
        : objective !== undefined
          ? ended.status === 'Stopped'
            ? 'stopped'
            : 'completed'
          : ended.status === 'Stopped'
            ? 'stopped'
            : 'failed',
      ...(objective !== undefined ? { objective: sign * objective } : {}),
    };
  });
}

/** Transfer-learning warm start: parents' results guide the search until this many own results exist. */
export const TRANSFER_PRIOR_TRIALS = 20;

/** A trial "improves" the best objective only when it beats it by more than 1% (SageMaker's wording). */
export const IMPROVEMENT_THRESHOLD = 0.01;

/**
 * Validates a request and writes the tuning job's first event (atomically: the job exists
 * whole or not at all). Starting a tuner on it is the caller's business.
 */
export function recordTuningJob(
  store: TuningJobStore,
  request: CreateHyperParameterTuningJobRequest,
): { arn: string; validated: ValidatedTuningJob } {
  const validated = validateTuningJobRequest(request, AVAILABLE_STRATEGIES);
  const name = request.HyperParameterTuningJobName!;
  const arn = `arn:aws:sagemaker:local:000000000000:hyper-parameter-tuning-job/${name.toLowerCase()}`;
  store.create(name, {
    type: 'Created',
    time: new Date().toISOString(),
    arn,
    request,
    strategy: validated.strategy,
    seed: validated.seed,
    maxTrainingJobs: validated.maxTrainingJobs,
    improvementThreshold: IMPROVEMENT_THRESHOLD,
  });
  return { arn, validated };
}

/** Takes the job's runner lock; false when another live tuner holds it. */
function acquireLock(dir: string): boolean {
  const lock = join(dir, 'runner.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, pidStart: processStartToken(process.pid) }));
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        const holder = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number; pidStart?: string };
        if (isProcessAlive(holder.pid, holder.pidStart)) return false;
      } catch {
        /* unreadable lock: stale */
      }
      unlinkSync(lock);
    }
  }
  return false;
}

export async function runTuningJob(
  storeRoot: string,
  name: string,
  trials: TrialExecutor,
  options: { handleSigterm?: boolean } = {},
): Promise<void> {
  const store = new TuningJobStore(storeRoot);
  if (!acquireLock(store.jobDir(name))) return; // another tuner is running this job
  const append = (event: TuningJobEvent) => store.append(name, event);
  let wake: () => void = () => undefined;
  // Installed before RunnerStarted is journaled: a stopper only signals a tuner it has seen start.
  const onSigterm = () => {
    if (!store.read(name).state.stopRequested) append({ type: 'StopRequested', time: now() });
    wake();
  };
  if (options.handleSigterm !== false) process.on('SIGTERM', onSigterm);
  append({
    type: 'RunnerStarted',
    time: now(),
    pid: process.pid,
    pidStart: processStartToken(process.pid),
  });

  let state = store.read(name).state;
  if (state.ended) return;
  let validated: ValidatedTuningJob;
  try {
    validated = validateTuningJobRequest(state.created.request, AVAILABLE_STRATEGIES);
  } catch (err) {
    append({
      type: 'Ended',
      time: now(),
      status: 'Failed',
      reason: 'Error',
      failureReason: `ClientError: ${(err as Error).message}`,
    });
    return;
  }
  validated.seed = state.created.seed;
  validated.maxTrainingJobs = state.created.maxTrainingJobs;
  const strategy = STRATEGIES[validated.strategy]!;
  const { objective } = validated;
  const config = state.created.request.HyperParameterTuningJobConfig!;
  const criteria = config.TuningJobCompletionCriteria;
  const earlyStopping = config.TrainingJobEarlyStoppingType === 'Auto';
  const convergenceEnabled = criteria?.ConvergenceDetected?.CompleteOnConvergence === 'Enabled';
  const maxRuntime = config.ResourceLimits?.MaxRuntimeInSeconds;
  const deadline =
    maxRuntime !== undefined ? Date.parse(state.created.time) + maxRuntime * 1000 : Infinity;
  const sign = objective.Type === 'Maximize' ? -1 : 1;
  const stoppedByTuner = new Set<string>();
  /** Hyperband decisions already taken (trial@rung): each is taken once, when the rung is reached. */
  const rungDecisions = new Set<string>();
  const parentHistory = warmStartHistory(store, state, validated);
  const transfer = state.created.request.WarmStartConfig?.WarmStartType === 'TransferLearning';
  /**
   * Identical data and algorithm: the parents' results are observations of the same function
   * and stay in the history. Transfer learning: they are a prior for a related function, used
   * only until this job has results of its own, so they cannot mislead the search late.
   */
  const parentsFor = (own: Trial[]): Trial[] =>
    transfer && own.filter((t) => t.objective !== undefined).length >= TRANSFER_PRIOR_TRIALS
      ? []
      : parentHistory;

  const watcher = trials.watch(() => wake());

  const complete = (reason: CompletionReason, message: string) => {
    if (!state.completing) append({ type: 'Completing', time: now(), reason, message });
  };

  try {
    for (;;) {
      state = store.read(name).state;
      if (state.ended) return;

      // 1. Settle trials: create planned ones that do not exist yet; record the ended ones.
      for (const trial of state.trials.filter((t) => !t.ended)) await settleTrial(trial);
      state = store.read(name).state;

      // 2. Completion criteria and stops.
      const best = state.best?.ended?.objective;
      if (state.stopRequested) complete('StopRequested', 'Stopped by request');
      else if (Date.now() >= deadline)
        complete(
          'MaxRuntimeInSeconds',
          `ResourceLimits.MaxRuntimeInSeconds (${maxRuntime}) reached`,
        );
      else if (
        criteria?.TargetObjectiveMetricValue !== undefined &&
        best !== undefined &&
        !isBetter(objective.Type, criteria.TargetObjectiveMetricValue, best)
      ) {
        complete(
          'TargetObjectiveMetricValue',
          `The objective reached TargetObjectiveMetricValue ${criteria.TargetObjectiveMetricValue}`,
        );
      } else if (
        criteria?.BestObjectiveNotImproving?.MaxNumberOfTrainingJobsNotImproving !== undefined &&
        state.notImproving >= criteria.BestObjectiveNotImproving.MaxNumberOfTrainingJobsNotImproving
      ) {
        complete(
          'BestObjectiveNotImproving',
          `${state.notImproving} training jobs in a row did not improve the best objective by more than 1%`,
        );
      }
      if (!state.completing && convergenceEnabled) checkConvergence();
      state = store.read(name).state;
      const running = state.trials.filter((t) => !t.ended);

      if (state.completing) {
        // Stop what still runs; end once nothing does.
        for (const trial of running) await stopTrial(trial.trainingJobName);
        if (running.length === 0) {
          const reason = state.completing.reason;
          const stopped = reason === 'StopRequested' || reason === 'MaxRuntimeInSeconds';
          append({ type: 'Ended', time: now(), status: stopped ? 'Stopped' : 'Completed', reason });
          return;
        }
      } else {
        // 3. Early stopping of running trials: the median rule, or Hyperband's rungs.
        if (earlyStopping) await applyEarlyStopping(running);
        if (validated.hyperband) await applyHyperband(running, validated.hyperband);
        // 4. Launch while there is room.
        let launched = state.trials.length;
        let inFlight = running.length;
        while (inFlight < validated.maxParallel && launched < validated.maxTrainingJobs) {
          const own = strategyHistory(store.read(name).state, objective.Type);
          const history = [...parentsFor(own), ...own];
          const configuration = strategy.suggest(history, {
            space: validated.space,
            random: suggestionRandom(validated.seed, launched),
            budget: validated.maxTrainingJobs,
          });
          if (!configuration) {
            if (inFlight === 0)
              complete('GridExhausted', 'Every configuration of the grid has been tried');
            break;
          }
          const trial: Extract<TuningJobEvent, { type: 'TrialPlanned' }> = {
            type: 'TrialPlanned',
            time: now(),
            index: launched,
            trainingJobName: trialName(
              state.created.request.HyperParameterTuningJobName!,
              validated.seed,
              launched,
            ),
            configuration,
            tunedHyperParameters: toHyperParameters(validated.space, configuration),
          };
          append(trial);
          await createTrial(trial);
          launched++;
          inFlight++;
        }
        if (launched >= validated.maxTrainingJobs && inFlight === 0) {
          complete(
            'MaxNumberOfTrainingJobs',
            `All ${validated.maxTrainingJobs} training jobs have ended`,
          );
          continue;
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(TICK_MS, Math.max(0, deadline - Date.now())));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    process.off('SIGTERM', onSigterm);
    watcher.dispose();
    try {
      unlinkSync(join(store.jobDir(name), 'runner.lock'));
    } catch {
      /* already gone */
    }
  }

  /** One convergence check per newly completed trial; CONVERGENCE_PATIENCE agreeing checks end the job. */
  function checkConvergence(): void {
    const own = strategyHistory(state, objective.Type);
    const completed = own.filter((t) => t.objective !== undefined).length;
    if (state.convergence && state.convergence.completed >= completed) return;
    const probability = improvementProbability(
      validated.space,
      own,
      (validated.seed + completed) >>> 0,
    );
    if (probability === undefined) return;
    append({ type: 'ConvergenceCheck', time: now(), completed, probability });
    state = store.read(name).state;
    if ((state.convergence?.unlikelyInARow ?? 0) >= CONVERGENCE_PATIENCE) {
      complete(
        'ConvergenceDetected',
        `Convergence detected: an improvement of more than 1% is unlikely (p < ${CONVERGENCE_PROBABILITY}) on ${CONVERGENCE_PATIENCE} checks in a row`,
      );
    }
  }

  async function createTrial(
    trial: Pick<TrialRecord, 'trainingJobName' | 'tunedHyperParameters'>,
  ): Promise<void> {
    try {
      await trials.create(
        trainingRequestFor(validated, trial.trainingJobName, trial.tunedHyperParameters),
        state.created.arn,
      );
    } catch (err) {
      append({
        type: 'TrialEnded',
        time: now(),
        trainingJobName: trial.trainingJobName,
        status: 'Failed',
        failureReason:
          `ClientError: the training job could not be created: ${(err as Error).message}`.slice(
            0,
            1024,
          ),
      });
    }
  }

  async function settleTrial(trial: TrialRecord): Promise<void> {
    if (!trials.exists(trial.trainingJobName)) {
      await createTrial(trial); // planned before a crash, never created: create it now
      return;
    }
    const job = await trials.describe(trial.trainingJobName);
    if (!isTerminalStatus(job.TrainingJobStatus)) return;
    const metric = job.FinalMetricDataList?.find((m) => m.MetricName === objective.MetricName);
    append({
      type: 'TrialEnded',
      time: now(),
      trainingJobName: trial.trainingJobName,
      status: job.TrainingJobStatus as 'Completed' | 'Failed' | 'Stopped',
      ...(metric?.Value !== undefined && job.TrainingJobStatus !== 'Failed'
        ? { objective: metric.Value }
        : {}),
      ...(job.FailureReason ? { failureReason: job.FailureReason } : {}),
      ...(job.CreationTime ? { creationTime: new Date(job.CreationTime).toISOString() } : {}),
      ...(job.TrainingStartTime
        ? { trainingStartTime: new Date(job.TrainingStartTime).toISOString() }
        : {}),
      ...(job.TrainingEndTime
        ? { trainingEndTime: new Date(job.TrainingEndTime).toISOString() }
        : {}),
      ...(stoppedByTuner.has(trial.trainingJobName) && !state.completing
        ? { earlyStopped: true }
        : {}),
    });
  }

  async function stopTrial(trainingJobName: string): Promise<void> {
    if (stoppedByTuner.has(trainingJobName) || !trials.exists(trainingJobName)) return;
    stoppedByTuner.add(trainingJobName);
    try {
      await trials.stop(trainingJobName);
    } catch {
      /* it ended meanwhile */
    }
  }

  async function applyHyperband(
    running: TrialRecord[],
    settings: HyperbandSettings,
  ): Promise<void> {
    const all = await Promise.all(
      state.trials
        .filter((t) => trials.exists(t.trainingJobName))
        .map(async (t) => [t.trainingJobName, await objectiveSeries(t.trainingJobName)] as const),
    );
    const seriesOf = new Map(all);
    for (const trial of running) {
      const series = seriesOf.get(trial.trainingJobName) ?? [];
      if (series.length >= settings.maxResource) {
        await stopTrial(trial.trainingJobName); // reached MaxResource
        continue;
      }
      for (const rung of settings.rungs) {
        const key = `${trial.trainingJobName}@${rung}`;
        if (series.length < rung || rungDecisions.has(key)) continue;
        rungDecisions.add(key);
        const others = all
          .filter(([n, s]) => n !== trial.trainingJobName && s.length >= rung)
          .map(([, s]) => s[rung - 1]);
        if (!continuesAtRung(series[rung - 1], others)) {
          await stopTrial(trial.trainingJobName);
          break;
        }
      }
    }
  }

  /** The objective values a trial has reported so far, minimised. */
  async function objectiveSeries(jobName: string): Promise<number[]> {
    return (await trials.metrics(jobName))
      .filter((p) => p.name === objective.MetricName)
      .map((p) => sign * p.value);
  }

  async function applyEarlyStopping(running: TrialRecord[]): Promise<void> {
    const finished = state.trials.filter((t) => t.ended?.status === 'Completed');
    const earlier = await Promise.all(finished.map((t) => objectiveSeries(t.trainingJobName)));
    for (const trial of running) {
      if (!trials.exists(trial.trainingJobName)) continue;
      if (shouldStopEarly(await objectiveSeries(trial.trainingJobName), earlier))
        await stopTrial(trial.trainingJobName);
    }
  }
}

/**
 * Warm start: the parents' finished trials, as observations the strategy sees before its own
 * (flagged fromParent). A parent trial enters only where its values fit the new search space;
 * hyperparameters that became static, or values outside a narrowed range, drop it. Not
 * recursive: only the listed parents are read.
 */
export function warmStartHistory(
  store: TuningJobStore,
  state: TuningJobState,
  validated: ValidatedTuningJob,
): Trial[] {
  const warmStart = state.created.request.WarmStartConfig;
  if (!warmStart) return [];
  const sign = validated.objective.Type === 'Maximize' ? -1 : 1;
  const history: Trial[] = [];
  for (const parent of warmStart.ParentHyperParameterTuningJobs ?? []) {
    const parentName = parent.HyperParameterTuningJobName!;
    if (!store.exists(parentName)) continue;
    for (const trial of store.read(parentName).state.trials) {
      const objective = trial.ended?.objective;
      if (objective === undefined) continue;
      const configuration = fitToSpace(validated.space, trial.tunedHyperParameters);
      if (!configuration) continue;
      history.push({
        id: trial.trainingJobName,
        configuration,
        state: 'completed',
        objective: sign * objective,
        fromParent: true,
      });
    }
  }
  return history;
}

function fitToSpace(space: SearchSpace, values: Record<string, string>): Configuration | undefined {
  const configuration: Configuration = {};
  for (const p of space.parameters) {
    const raw = values[p.name];
    if (raw === undefined) return undefined;
    if (p.kind === 'Categorical') {
      if (!p.values.includes(raw)) return undefined;
      configuration[p.name] = raw;
    } else {
      const value = Number(raw);
      if (!Number.isFinite(value) || value < p.min || value > p.max) return undefined;
      if (p.kind === 'Integer' && !Number.isInteger(value)) return undefined;
      configuration[p.name] = value;
    }
  }
  return configuration;
}
