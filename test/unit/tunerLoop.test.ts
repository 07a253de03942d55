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
