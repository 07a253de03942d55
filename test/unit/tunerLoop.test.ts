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
import { multiDefinitionRequest, shifted, tuningRequest } from './tuningHelpers';
import { foldTuningJob, type TuningJobState } from '../../src/engine/tuning/events';

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

/** Several definitions in-process: "quad" reports val_loss, "shifted" reports loss (see tuningHelpers). */
const byDefinition = (hps: Record<string, string>) =>
  hps.sagemaker_program === 'shifted.sh' ? shifted(hps) : quadratic(hps);
const metricByDefinition = (hps: Record<string, string>) =>
  hps.sagemaker_program === 'shifted.sh' ? 'loss' : 'val_loss';

async function tuneDefinitions(
  name: string,
  config: NonNullable<Parameters<typeof multiDefinitionRequest>[2]>['config'],
  fn = byDefinition,
) {
  const root = tempDir('smw-tuner-');
  const store = new TuningJobStore(join(root, 'store'));
  recordTuningJob(store, multiDefinitionRequest(root, name, { config }));
  const executor = functionTrialExecutor(metricByDefinition, fn);
  await runTuningJob(store.root, name, executor, { handleSigterm: false });
  return { state: store.read(name).state, executor };
}

/** Each trial's definition and tuned values, in order. */
const runOf = (state: TuningJobState) =>
  state.trials.map((t) => [t.definitionName, t.tunedHyperParameters]);

for (const strategy of ['Random', 'Bayesian'] as const) {
  test(`several definitions (${strategy}): both run, the better is favoured and holds the best; the seed replays the run`, async () => {
    const config = {
      Strategy: strategy,
      RandomSeed: 5,
      ResourceLimits: { MaxNumberOfTrainingJobs: 24, MaxParallelTrainingJobs: 2 },
    };
    const { state } = await tuneDefinitions(`multi-${strategy.toLowerCase()}`, config);
    assert.equal(state.description.HyperParameterTuningJobStatus, 'Completed');
    assert.equal(state.trials.length, 24);
    const counts = { quad: 0, shifted: 0 };
    for (const trial of state.trials) {
      const name = trial.definitionName as keyof typeof counts;
      counts[name]++;
      // Only the definition's own parameters, by their own names.
      assert.deepEqual(
        Object.keys(trial.tunedHyperParameters).sort(),
        name === 'quad' ? ['optimizer', 'x'] : ['layers', 'y'],
      );
    }
    assert.ok(
      counts.shifted >= 2,
      `the worse definition was tried too (${JSON.stringify(counts)})`,
    );
    assert.ok(
      counts.quad > counts.shifted,
      `the better one got more trials (${JSON.stringify(counts)})`,
    );
    const best = state.description.BestTrainingJob!;
    assert.equal(best.TrainingJobDefinitionName, 'quad');
    assert.equal(best.FinalHyperParameterTuningJobObjectiveMetric!.MetricName, 'val_loss');
    assert.equal(best.FinalHyperParameterTuningJobObjectiveMetric!.Type, 'Minimize');
    assert.ok(best.FinalHyperParameterTuningJobObjectiveMetric!.Value! < 0.05);

    const again = await tuneDefinitions(`multi-${strategy.toLowerCase()}`, config);
    assert.deepEqual(runOf(again.state), runOf(state), 'the same RandomSeed, the same run');
    const other = await tuneDefinitions(`multi-${strategy.toLowerCase()}`, {
      ...config,
      RandomSeed: 6,
    });
    assert.notDeepEqual(runOf(other.state), runOf(state), 'another seed, another run');
  });
}

test("several definitions with Grid search run every definition's grid once", async () => {
  const root = tempDir('smw-tuner-');
  const store = new TuningJobStore(join(root, 'store'));
  const request = multiDefinitionRequest(root, 'multi-grid', {
    config: { Strategy: 'Grid', ResourceLimits: { MaxParallelTrainingJobs: 2 } },
  });
  request.TrainingJobDefinitions![0].HyperParameterRanges = {
    CategoricalParameterRanges: [
      { Name: 'x', Values: ['0.1', '0.3'] },
      { Name: 'optimizer', Values: ['adam', 'sgd'] },
    ],
  };
  request.TrainingJobDefinitions![1].HyperParameterRanges = {
    CategoricalParameterRanges: [
      { Name: 'y', Values: ['0.6', '0.9'] },
      { Name: 'layers', Values: ['1'] },
    ],
  };
  recordTuningJob(store, request);
  await runTuningJob(
    store.root,
    'multi-grid',
    functionTrialExecutor(metricByDefinition, byDefinition),
    { handleSigterm: false },
  );
  const state = store.read('multi-grid').state;
  assert.equal(state.description.HyperParameterTuningJobStatus, 'Completed');
  assert.equal(
    state.description.HyperParameterTuningJobConfig!.ResourceLimits!.MaxNumberOfTrainingJobs,
    6,
    'the grids add up: 4 + 2',
  );
  assert.deepEqual(
    state.trials
      .map((t) => `${t.definitionName}:${Object.values(t.tunedHyperParameters).join('/')}`)
      .sort(),
    [
      'quad:0.1/adam',
      'quad:0.1/sgd',
      'quad:0.3/adam',
      'quad:0.3/sgd',
      'shifted:0.6/1',
      'shifted:0.9/1',
    ],
  );
  assert.deepEqual(
    state.trials.slice(0, 4).map((t) => t.definitionName),
    ['quad', 'shifted', 'quad', 'shifted'],
    'the grids are interleaved, in turn',
  );
});

test('several definitions: CompleteOnConvergence ends a Bayesian job within 1% of the optimum', async () => {
  const { state, executor } = await tuneDefinitions(
    'multi-converge',
    {
      Strategy: 'Bayesian',
      ResourceLimits: { MaxNumberOfTrainingJobs: 80, MaxParallelTrainingJobs: 1 },
      TuningJobCompletionCriteria: { ConvergenceDetected: { CompleteOnConvergence: 'Enabled' } },
    },
    (hps) => 1 + byDefinition(hps),
  );
  assert.equal(state.description.HyperParameterTuningJobStatus, 'Completed');
  assert.ok(
    state.description.TuningJobCompletionDetails!.ConvergenceDetectedTime,
    'convergence was detected',
  );
  assert.ok(executor.evaluations < 80, `stopped early (${executor.evaluations} of 80 trials)`);
  const best = state.description.BestTrainingJob!;
  assert.equal(best.TrainingJobDefinitionName, 'quad');
});

test('journals written before several definitions (no definitionName) fold as single-definition jobs', () => {
  const request = tuningRequest(tempDir('smw-tuner-'), 'old-journal');
  const created = {
    type: 'Created' as const,
    time: '2024-01-01T00:00:00.000Z',
    arn: 'arn:aws:sagemaker:local:000000000000:hyper-parameter-tuning-job/old-journal',
    request,
    strategy: 'Random' as const,
    seed: 1,
    maxTrainingJobs: 4,
    improvementThreshold: 0.01,
  };
  const planned = {
    type: 'TrialPlanned' as const,
    time: '2024-01-01T00:00:01.000Z',
    index: 0,
    trainingJobName: 'old-journal-001-00000000',
    configuration: { x: 0.5, optimizer: 'adam' },
    tunedHyperParameters: { x: '0.5', optimizer: 'adam' },
  };
  const ended = {
    type: 'TrialEnded' as const,
    time: '2024-01-01T00:00:02.000Z',
    trainingJobName: 'old-journal-001-00000000',
    status: 'Completed' as const,
    objective: 0.04,
  };
  const single = foldTuningJob([created, planned, ended])!;
  assert.equal(single.trials[0].definitionName, undefined);
  const best = single.description.BestTrainingJob!;
  assert.equal(best.TrainingJobDefinitionName, undefined);
  assert.deepEqual(best.FinalHyperParameterTuningJobObjectiveMetric, {
    Type: 'Minimize',
    MetricName: 'val_loss',
    Value: 0.04,
  });

  // One named entry in TrainingJobDefinitions: its trials are that definition's.
  const definition = {
    ...request.TrainingJobDefinition!,
    DefinitionName: 'only',
    TuningObjective: request.HyperParameterTuningJobConfig!.HyperParameterTuningJobObjective,
  };
  const listed = {
    ...created,
    request: {
      ...request,
      TrainingJobDefinition: undefined,
      TrainingJobDefinitions: [definition],
      HyperParameterTuningJobConfig: {
        ...request.HyperParameterTuningJobConfig!,
        HyperParameterTuningJobObjective: undefined,
      },
    },
  };
  const named = foldTuningJob([listed, planned, ended])!.description.BestTrainingJob!;
  assert.equal(named.TrainingJobDefinitionName, 'only');
  assert.equal(named.FinalHyperParameterTuningJobObjectiveMetric!.MetricName, 'val_loss');
});
