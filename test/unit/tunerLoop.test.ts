/**
 * The tuner loop in-process, over a function instead of training jobs: completion criteria,
 * journal and strategy wiring without process start-up costs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TuningJobStore } from '../../src/engine/store/tuningJobStore';
import { functionTrialExecutor } from '../../src/engine/tuning/functionExecutor';
import { recordTuningJob, runTuningJob } from '../../src/engine/tuning/tuner';
import {
  CONVERGENCE_PROBABILITY,
  improvementProbability,
} from '../../src/engine/tuning/convergence';
import { tempDir } from './helpers';
import { tuningRequest } from './tuningHelpers';

const quadratic = (hps: Record<string, string>) =>
  (Number(hps.x) - 0.3) ** 2 + (hps.optimizer === 'sgd' ? 0.1 : 0);

async function tune(
  name: string,
  config: NonNullable<Parameters<typeof tuningRequest>[2]>['config'],
  fn = quadratic,
) {
  const root = tempDir('smw-tuner-');
  const store = new TuningJobStore(join(root, 'store'));
  recordTuningJob(store, tuningRequest(root, name, { config }));
  const executor = functionTrialExecutor('val_loss', fn);
  await runTuningJob(store.root, name, executor, { handleSigterm: false });
  return { state: store.read(name).state, executor };
}

test('the tuner runs MaxNumberOfTrainingJobs trials and finds the best', async () => {
  const { state, executor } = await tune('loop-random', {
    ResourceLimits: { MaxNumberOfTrainingJobs: 30, MaxParallelTrainingJobs: 3 },
  });
  assert.equal(executor.evaluations, 30);
  assert.equal(state.description.HyperParameterTuningJobStatus, 'Completed');
  assert.equal(state.trials.length, 30);
  const best = state.description.BestTrainingJob!;
  const values = state.trials.map((t) => t.ended!.objective!);
  assert.equal(best.FinalHyperParameterTuningJobObjectiveMetric!.Value, Math.min(...values));
  assert.ok(Math.min(...values) < 0.01, 'random search gets near the optimum in 30 tries');
});

test('Maximize objectives pick the largest value', async () => {
  const root = tempDir('smw-tuner-');
  const store = new TuningJobStore(join(root, 'store'));
  const request = tuningRequest(root, 'loop-max', {
    config: { ResourceLimits: { MaxNumberOfTrainingJobs: 10, MaxParallelTrainingJobs: 1 } },
  });
  request.HyperParameterTuningJobConfig!.HyperParameterTuningJobObjective = {
    Type: 'Maximize',
    MetricName: 'val_loss',
  };
  recordTuningJob(store, request);
  await runTuningJob(store.root, 'loop-max', functionTrialExecutor('val_loss', quadratic), {
    handleSigterm: false,
  });
  const state = store.read('loop-max').state;
  const values = state.trials.map((t) => t.ended!.objective!);
  assert.equal(
    state.description.BestTrainingJob!.FinalHyperParameterTuningJobObjectiveMetric!.Value,
    Math.max(...values),
  );
});

test('the not-improving counter follows the 1% rule', async () => {
  // Objectives 1, 0.995 (not > 1% better), 0.5 (better), 0.499, 0.498: counts 0, 1, 0, 1, 2.
  const sequence = [1, 0.995, 0.5, 0.499, 0.498];
  let i = 0;
  const { state } = await tune(
    'loop-1pct',
    { ResourceLimits: { MaxNumberOfTrainingJobs: 5, MaxParallelTrainingJobs: 1 } },
    () => sequence[i++],
  );
  assert.equal(
    state.description.TuningJobCompletionDetails!.NumberOfTrainingJobsObjectiveNotImproving,
    2,
  );
  assert.equal(
    state.description.BestTrainingJob!.FinalHyperParameterTuningJobObjectiveMetric!.Value,
    0.498,
  );
});

test('warm start: a Bayesian child starts from its parents results', async () => {
  const root = tempDir('smw-tuner-');
  const store = new TuningJobStore(join(root, 'store'));
  recordTuningJob(
    store,
    tuningRequest(root, 'ws-parent', {
      config: { ResourceLimits: { MaxNumberOfTrainingJobs: 12, MaxParallelTrainingJobs: 1 } },
    }),
  );
  await runTuningJob(store.root, 'ws-parent', functionTrialExecutor('val_loss', quadratic), {
    handleSigterm: false,
  });
  const parentBest =
    store.read('ws-parent').state.description.BestTrainingJob!
      .FinalHyperParameterTuningJobObjectiveMetric!.Value!;

  const child = tuningRequest(root, 'ws-child', {
    config: {
      Strategy: 'Bayesian',
      ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 },
    },
  });
  child.WarmStartConfig = {
    WarmStartType: 'IdenticalDataAndAlgorithm',
    ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: 'ws-parent' }],
  };
  recordTuningJob(store, child);
  await runTuningJob(store.root, 'ws-child', functionTrialExecutor('val_loss', quadratic), {
    handleSigterm: false,
  });
  const first = store.read('ws-child').state.trials[0];
  // With 12 observations already, the first suggestion is model-based, not a design point:
  // it lands where the parents found the optimum (x = 0.3 with adam), at least as well as their best.
  assert.equal(first.configuration.optimizer, 'adam');
  assert.ok(
    first.ended!.objective! <= Math.max(parentBest, 1e-3),
    `first child trial ${first.ended!.objective} vs parent best ${parentBest}`,
  );
});

test('convergence: improvement unlikely near a found optimum, likely early on', () => {
  const space = {
    parameters: [
      { kind: 'Continuous' as const, name: 'x', min: 0, max: 1, scaling: 'Linear' as const },
    ],
  };
  const trial = (x: number, i: number) => ({
    id: `t${i}`,
    configuration: { x },
    state: 'completed' as const,
    objective: 1 + (x - 0.3) ** 2,
  });
  const dense = Array.from({ length: 25 }, (_, i) => trial(i / 24, i));
  const near = [...dense, trial(0.3, 25), trial(0.301, 26), trial(0.299, 27)];
  assert.equal(
    improvementProbability(space, dense.slice(0, 5), 1),
    undefined,
    'too few trials to judge',
  );
  const early = improvementProbability(
    space,
    [0.9, 0.95, 0.8, 0.85, 1, 0.7, 0.75, 0.92, 0.88, 0.97].map(trial),
    1,
  )!;
  const late = improvementProbability(space, near, 1)!;
  assert.ok(early > 0.05, `far from the optimum an improvement is likely (p = ${early})`);
  assert.ok(
    late < CONVERGENCE_PROBABILITY,
    `at the optimum a >1% improvement is unlikely (p = ${late})`,
  );
});

test('CompleteOnConvergence ends a Bayesian job early, with ConvergenceDetectedTime', async () => {
  const { state, executor } = await tune(
    'loop-converge',
    {
      Strategy: 'Bayesian',
      ResourceLimits: { MaxNumberOfTrainingJobs: 80, MaxParallelTrainingJobs: 1 },
      TuningJobCompletionCriteria: { ConvergenceDetected: { CompleteOnConvergence: 'Enabled' } },
    },
    (hps) => 1 + quadratic(hps),
  );
  assert.equal(state.description.HyperParameterTuningJobStatus, 'Completed');
  assert.ok(
    state.description.TuningJobCompletionDetails!.ConvergenceDetectedTime,
    'convergence was detected',
  );
  assert.ok(executor.evaluations < 80, `stopped early (${executor.evaluations} of 80 trials)`);
  const best =
    state.description.BestTrainingJob!.FinalHyperParameterTuningJobObjectiveMetric!.Value!;
  assert.ok(best < 1.01, `converged within 1% of the optimum 1 (best ${best})`);
});
