/**
 * The tuner: one detached process per local tuning job. It asks the strategy for
 * configurations, launches each as an ordinary local training job, reads their objective
 * metric, applies early stopping and the completion criteria, and journals every decision.
 *
 * Crash safety: a trial is journaled (TrialPlanned, with a name derived from the seed and its
 * index) before its training job is created. A resumed tuner replays the journal; a planned
 * trial whose training job does not exist yet is created then, one that exists is adopted -
 * no trial is lost or run twice. Only one tuner runs per job (a lock file in its folder).
 *
 * Several training job definitions: each trial first picks a definition (definitionChoice.ts),
 * then the strategy suggests from that definition's own space and trials; the trial runs as
 * that definition's training job and is journaled with its DefinitionName.
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
  CONVERGENCE_IMPROVEMENT,
  CONVERGENCE_PATIENCE,
  CONVERGENCE_PROBABILITY,
  improvementProbability,
} from './convergence';
import { continuesAtRung } from './hyperband';
import {
  cardinality,
  configurationKey,
  toHyperParameters,
  type Configuration,
  type SearchSpace,
} from './searchSpace';
import type { Trial } from './strategy';
import { AVAILABLE_STRATEGIES, STRATEGIES } from './strategies';
import {
  MIN_RESULTS_FOR_FIT,
  chooseDefinition,
  resultImprovementProbability,
  spreadTrials,
  variance,
  type DefinitionStats,
} from './definitionChoice';
import {
  definitionTrainingRequest,
  validateTuningJobRequest,
  type ValidatedTuningJob,
} from './validateTuningRequest';

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

/** The choice of definition for trial `index` draws from a stream of its own, apart from the suggestion's. */
export function definitionRandom(seed: number, index: number): Random {
  return new Random((seed ^ Math.imul(index + 1, 0x2545f491) ^ 0x6d2b79f5) >>> 0);
}

/** The definition a trial runs: by its DefinitionName; trials without one run the first (only) one. */
export function definitionIndex(
  validated: ValidatedTuningJob,
  trial: Pick<TrialRecord, 'definitionName'>,
): number {
  if (trial.definitionName === undefined) return 0;
  const index = validated.definitions.findIndex((d) => d.name === trial.definitionName);
  return index < 0 ? 0 : index;
}

/** A trial's training job: its definition's algorithm, statics, channels and resources, with the tuned values. */
export function trainingRequestFor(
  validated: ValidatedTuningJob,
  name: string,
  tuned: Record<string, string>,
  definitionName?: string,
): CreateTrainingJobRequest {
  const { definition } = validated.definitions[definitionIndex(validated, { definitionName })];
  return definitionTrainingRequest(definition, name, tuned);
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
  /**
   * The parents' results stay in the history for the whole job. Identical data and algorithm:
   * they are observations of the same function. Transfer learning: of a related one - the
   * strategy is told (relatedParents), and the Bayesian model gives them a noise of their own,
   * fitted with the rest, so the job's own results decide how far they are trusted.
   */
  const parentHistory = warmStartHistory(store, state, validated);
  const transfer = state.created.request.WarmStartConfig?.WarmStartType === 'TransferLearning';

  const several = validated.definitions.length > 1;
  const requestHasDefinitions = state.created.request.TrainingJobDefinitions !== undefined;
  /** Trials each definition gets in turn before the better ones are favoured (Grid: always in turn). */
  const spread =
    validated.strategy === 'Grid'
      ? Infinity
      : spreadTrials(validated.definitions.length, validated.maxTrainingJobs);
  /** The metric each definition's trials report their objective in. */
  const metricOf = (trial: Pick<TrialRecord, 'definitionName'>) =>
    validated.definitions[definitionIndex(validated, trial)].objective.MetricName;

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
        if (validated.strategy === 'Hyperband') await applyHyperband(running);
        // 4. Launch while there is room.
        let launched = state.trials.length;
        let inFlight = running.length;
        while (inFlight < validated.maxParallel && launched < validated.maxTrainingJobs) {
          const current = store.read(name).state;
          // Several definitions: pick one, then its strategy suggests from its own trials.
          const chosen = several ? chooseFor(current, launched) : 0;
          const configuration =
            chosen === undefined ? undefined : suggestFor(current, chosen, launched);
          if (!configuration || chosen === undefined) {
            if (inFlight === 0)
              complete('GridExhausted', 'Every configuration of the grid has been tried');
            break;
          }
          const target = validated.definitions[chosen];
          const trial: Extract<TuningJobEvent, { type: 'TrialPlanned' }> = {
            type: 'TrialPlanned',
            time: now(),
            index: launched,
            trainingJobName: trialName(
              state.created.request.HyperParameterTuningJobName!,
              validated.seed,
              launched,
            ),
            ...(target.name !== undefined && requestHasDefinitions
              ? { definitionName: target.name }
              : {}),
            configuration,
            tunedHyperParameters: toHyperParameters(target.space, configuration),
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

  /** The strategy's history for one definition: its own trials (and, single-definition, warm-start parents). */
  function historyOf(current: TuningJobState, index: number): Trial[] {
    const own = strategyHistory(current, objective.Type);
    if (!several) return [...parentHistory, ...own];
    return own.filter((_, i) => definitionIndex(validated, current.trials[i]) === index);
  }

  function suggestFor(
    current: TuningJobState,
    index: number,
    launched: number,
  ): Configuration | undefined {
    return strategy.suggest(historyOf(current, index), {
      space: validated.definitions[index].space,
      random: suggestionRandom(validated.seed, launched),
      budget: validated.maxTrainingJobs,
      ...(transfer ? { relatedParents: true } : {}),
    });
  }

  /** The definition the next trial runs (several definitions); undefined when every grid is done. */
  function chooseFor(current: TuningJobState, launched: number): number | undefined {
    const stats: DefinitionStats[] = validated.definitions.map((d, index) => {
      const history = historyOf(current, index);
      const tried = new Set(history.map((t) => configurationKey(d.space, t.configuration)));
      return {
        planned: history.length,
        objectives: history.flatMap((t) => (t.objective !== undefined ? [t.objective] : [])),
        failed: history.filter((t) => t.state === 'failed').length,
        exhausted: tried.size >= cardinality(d.space),
      };
    });
    const spreadDone = stats.every((d) => d.exhausted || d.planned >= spread);
    if (convergenceEnabled && spreadDone) {
      const settling = convergenceChoice(current);
      if (settling !== undefined && !stats[settling].exhausted) return settling;
    }
    return chooseDefinition(stats, definitionRandom(validated.seed, launched), {
      spread,
      allowRepeats: validated.strategy !== 'Grid',
    });
  }

  /**
   * The chance that some configuration beats the job's best by more than 1%. One definition:
   * the detector's Gaussian process over the completed trials. Several: the largest of the
   * definitions' chances (definitionChances); no verdict while one cannot be judged.
   */
  function convergenceProbability(
    current: TuningJobState,
    own: Trial[],
    completed: number,
  ): number | undefined {
    if (!several)
      return improvementProbability(validated.space, own, (validated.seed + completed) >>> 0);
    const chances = definitionChances(current, own, completed);
    if (!chances || chances.probabilities.some((p) => p === undefined)) return undefined;
    return Math.max(...(chances.probabilities as number[]));
  }

  /**
   * Several definitions: for each, the chance that one of its configurations beats the job's
   * best by more than 1%, judged on its own trials - by its own Gaussian process once it has
   * enough results, else by the chance that its next trial does, from its results (at least
   * MIN_RESULTS_FOR_FIT; see definitionChoice.ts); undefined where neither can judge it. The
   * definition holding the best is only judged by its model. Undefined before any result.
   */
  function definitionChances(
    current: TuningJobState,
    own: Trial[],
    completed: number,
  ): { leader: number; probabilities: (number | undefined)[] } | undefined {
    const done = own.filter((t) => t.objective !== undefined);
    if (done.length === 0) return undefined;
    const best = Math.min(...done.map((t) => t.objective!));
    const threshold = best - CONVERGENCE_IMPROVEMENT * Math.abs(best);
    const groups = validated.definitions.map((_, index) =>
      own.filter((_, i) => definitionIndex(validated, current.trials[i]) === index),
    );
    const results = groups.map((g) =>
      g.flatMap((t) => (t.objective !== undefined ? [t.objective] : [])),
    );
    const variances = results.filter((r) => r.length >= 2).map(variance);
    const pooled = variances.length ? variances.reduce((a, b) => a + b, 0) / variances.length : 0;
    const leader = results.findIndex((r) => r.includes(best));
    const probabilities = groups.map((group, index) => {
      const fromModel = improvementProbability(
        validated.definitions[index].space,
        group,
        (validated.seed + completed + Math.imul(index, 7919)) >>> 0,
        best,
      );
      if (fromModel !== undefined || index === leader) return fromModel;
      const mine = results[index];
      if (mine.length >= MIN_RESULTS_FOR_FIT)
        return resultImprovementProbability(mine, pooled, threshold);
      // Every trial of it ended without a result: it offers nothing to improve with.
      if (mine.length === 0 && group.length > 0 && group.every((t) => t.state !== 'running'))
        return 0;
      return undefined;
    });
    return { leader, probabilities };
  }

  /**
   * With CompleteOnConvergence, once the leading definition is judged unlikely to improve, the
   * trials go to the definitions that still keep the job from converging (the least judged
   * first, then the most likely to improve): the trial either finds the improvement they
   * promise or settles the verdict. Undefined when no such definition is waiting.
   */
  function convergenceChoice(current: TuningJobState): number | undefined {
    const own = strategyHistory(current, objective.Type);
    const completed = own.filter((t) => t.objective !== undefined).length;
    const chances = definitionChances(current, own, completed);
    if (!chances) return undefined;
    const { leader, probabilities } = chances;
    const leading = probabilities[leader];
    if (leading === undefined || leading >= CONVERGENCE_PROBABILITY) return undefined;
    let chosen: number | undefined;
    let key = -Infinity;
    probabilities.forEach((p, index) => {
      if (index === leader || (p !== undefined && p < CONVERGENCE_PROBABILITY)) return;
      const k = p === undefined ? 2 : p; // not judged yet: first
      if (k > key) {
        chosen = index;
        key = k;
      }
    });
    return chosen;
  }

  /** One convergence check per newly completed trial; CONVERGENCE_PATIENCE agreeing checks end the job. */
  function checkConvergence(): void {
    const own = strategyHistory(state, objective.Type);
    const completed = own.filter((t) => t.objective !== undefined).length;
    if (state.convergence && state.convergence.completed >= completed) return;
    const probability = convergenceProbability(state, own, completed);
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
    trial: Pick<TrialRecord, 'trainingJobName' | 'tunedHyperParameters' | 'definitionName'>,
  ): Promise<void> {
    try {
      await trials.create(
        trainingRequestFor(
          validated,
          trial.trainingJobName,
          trial.tunedHyperParameters,
          trial.definitionName,
        ),
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
    const metricName = metricOf(trial);
    const metric = job.FinalMetricDataList?.find((m) => m.MetricName === metricName);
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

  /**
   * Hyperband's rungs: each definition's own MinResource/MaxResource (MaxResource may come from
   * its static epochs); at a rung, a trial is compared with every trial that reached it, whatever
   * its definition - the objectives share one Type and the job keeps the best of them all.
   */
  async function applyHyperband(running: TrialRecord[]): Promise<void> {
    const all = await Promise.all(
      state.trials
        .filter((t) => trials.exists(t.trainingJobName))
        .map(async (t) => [t.trainingJobName, await objectiveSeries(t)] as const),
    );
    const seriesOf = new Map(all);
    for (const trial of running) {
      const settings = validated.definitions[definitionIndex(validated, trial)].hyperband;
      if (!settings) continue;
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

  /** The objective values a trial has reported so far (its definition's metric), minimised. */
  async function objectiveSeries(trial: TrialRecord): Promise<number[]> {
    const metricName = metricOf(trial);
    return (await trials.metrics(trial.trainingJobName))
      .filter((p) => p.name === metricName)
      .map((p) => sign * p.value);
  }

  /** The median rule, against every earlier completed trial (several definitions: all of them). */
  async function applyEarlyStopping(running: TrialRecord[]): Promise<void> {
    const finished = state.trials.filter((t) => t.ended?.status === 'Completed');
    const earlier = await Promise.all(finished.map((t) => objectiveSeries(t)));
    for (const trial of running) {
      if (!trials.exists(trial.trainingJobName)) continue;
      if (shouldStopEarly(await objectiveSeries(trial), earlier))
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
  // Warm start is for a single algorithm (refused before a job with several definitions runs).
  if (!warmStart || validated.definitions.length > 1) return [];
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
