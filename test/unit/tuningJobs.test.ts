import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { newBackend } from './helpers';
import { multiDefinitionRequest, tuningRequest, waitForTuning } from './tuningHelpers';
import { shouldStopEarly, runningAverages } from '../../src/engine/tuning/earlyStopping';
import { continuesAtRung, hyperbandSettings } from '../../src/engine/tuning/hyperband';

test('a Random tuning job runs its trials as training jobs and reports SageMaker fields', async () => {
  const { backend, root } = newBackend();
  const request = tuningRequest(root, 'tune-random');
  const created = await backend.createHyperParameterTuningJob(request);
  assert.equal(
    created.HyperParameterTuningJobArn,
    'arn:aws:sagemaker:local:000000000000:hyper-parameter-tuning-job/tune-random',
  );
  const job = await waitForTuning(backend, 'tune-random');
  assert.equal(job.HyperParameterTuningJobStatus, 'Completed');
  assert.deepEqual(job.TrainingJobStatusCounters, {
    Completed: 4,
    InProgress: 0,
    RetryableError: 0,
    NonRetryableError: 0,
    Stopped: 0,
  });
  assert.deepEqual(job.ObjectiveStatusCounters, { Succeeded: 4, Pending: 0, Failed: 0 });
  assert.ok(job.HyperParameterTuningEndTime);
  assert.ok(job.ConsumedResources!.RuntimeInSeconds! >= 0);

  const listed = await backend.listTrainingJobsForHyperParameterTuningJob({
    HyperParameterTuningJobName: 'tune-random',
    SortBy: 'FinalObjectiveMetricValue',
  });
  const values = listed.TrainingJobSummaries!.map(
    (s) => s.FinalHyperParameterTuningJobObjectiveMetric!.Value!,
  );
  assert.deepEqual(
    values,
    [...values].sort((a, b) => a - b),
    'sorted by objective, ascending',
  );
  const best = job.BestTrainingJob!;
  assert.equal(
    best.TrainingJobName,
    listed.TrainingJobSummaries![0].TrainingJobName,
    'BestTrainingJob has the lowest val_loss',
  );
  // The objective is the metric's last value: (x - 0.3)^2 (+0.1 for sgd) at the last epoch.
  const x = Number(best.TunedHyperParameters!.x);
  const expected = (x - 0.3) ** 2 + (best.TunedHyperParameters!.optimizer === 'sgd' ? 0.1 : 0);
  assert.ok(Math.abs(best.FinalHyperParameterTuningJobObjectiveMetric!.Value! - expected) < 1e-5);

  for (const summary of listed.TrainingJobSummaries!) {
    assert.match(summary.TrainingJobName!, /^tune-random-00[1-4]-[0-9a-f]{8}$/);
    const trial = await backend.describeTrainingJob({ TrainingJobName: summary.TrainingJobName });
    assert.equal(trial.TuningJobArn, created.HyperParameterTuningJobArn);
    assert.equal(trial.HyperParameters!.x, summary.TunedHyperParameters!.x);
  }
  const summaries = await backend.listHyperParameterTuningJobs({});
  assert.deepEqual(
    summaries.HyperParameterTuningJobSummaries!.map((s) => [
      s.HyperParameterTuningJobName,
      s.Strategy,
    ]),
    [['tune-random', 'Random']],
  );

  // The same seed suggests the same configurations.
  const again = tuningRequest(root, 'tune-random-again');
  await backend.createHyperParameterTuningJob(again);
  await waitForTuning(backend, 'tune-random-again');
  const replay = await backend.listTrainingJobsForHyperParameterTuningJob({
    HyperParameterTuningJobName: 'tune-random-again',
  });
  const first = await backend.listTrainingJobsForHyperParameterTuningJob({
    HyperParameterTuningJobName: 'tune-random',
  });
  assert.deepEqual(
    replay.TrainingJobSummaries!.map((s) => s.TunedHyperParameters),
    first.TrainingJobSummaries!.map((s) => s.TunedHyperParameters),
  );
});

test('Grid search tries every combination once and completes', async () => {
  const { backend, root } = newBackend();
  const request = tuningRequest(root, 'tune-grid', {
    config: {
      Strategy: 'Grid',
      ResourceLimits: { MaxParallelTrainingJobs: 3 },
      ParameterRanges: {
        CategoricalParameterRanges: [
          { Name: 'x', Values: ['0.1', '0.3'] },
          { Name: 'optimizer', Values: ['adam', 'sgd'] },
        ],
      },
    },
  });
  await backend.createHyperParameterTuningJob(request);
  const job = await waitForTuning(backend, 'tune-grid');
  assert.equal(job.HyperParameterTuningJobStatus, 'Completed');
  const listed = await backend.listTrainingJobsForHyperParameterTuningJob({
    HyperParameterTuningJobName: 'tune-grid',
  });
  const combos = listed
    .TrainingJobSummaries!.map(
      (s) => `${s.TunedHyperParameters!.x}/${s.TunedHyperParameters!.optimizer}`,
    )
    .sort();
  assert.deepEqual(combos, ['0.1/adam', '0.1/sgd', '0.3/adam', '0.3/sgd']);
  assert.deepEqual(job.BestTrainingJob!.TunedHyperParameters, { x: '0.3', optimizer: 'adam' });
});

test('TargetObjectiveMetricValue and BestObjectiveNotImproving end the job early', async () => {
  const { backend, root } = newBackend();
  // Every trial scores 0.5: the first sets the best, the next ones cannot improve on it.
  const flat = '#!/bin/sh\necho "val_loss=0.5"\n';
  await backend.createHyperParameterTuningJob(
    tuningRequest(root, 'tune-flat', {
      script: flat,
      config: {
        ResourceLimits: { MaxNumberOfTrainingJobs: 20, MaxParallelTrainingJobs: 1 },
        TuningJobCompletionCriteria: {
          BestObjectiveNotImproving: { MaxNumberOfTrainingJobsNotImproving: 3 },
        },
      },
    }),
  );
  const flatJob = await waitForTuning(backend, 'tune-flat');
  assert.equal(flatJob.HyperParameterTuningJobStatus, 'Completed');
  assert.equal(flatJob.TrainingJobStatusCounters!.Completed, 4, '1 best + 3 not improving');
  assert.equal(flatJob.TuningJobCompletionDetails!.NumberOfTrainingJobsObjectiveNotImproving, 3);

  await backend.createHyperParameterTuningJob(
    tuningRequest(root, 'tune-target', {
      script: '#!/bin/sh\necho "val_loss=0.01"\n',
      config: {
        ResourceLimits: { MaxNumberOfTrainingJobs: 20, MaxParallelTrainingJobs: 1 },
        TuningJobCompletionCriteria: { TargetObjectiveMetricValue: 0.05 },
      },
    }),
  );
  const target = await waitForTuning(backend, 'tune-target');
  assert.equal(target.HyperParameterTuningJobStatus, 'Completed');
  assert.equal(
    target.TrainingJobStatusCounters!.Completed,
    1,
    'the first trial reached the target',
  );
});

test('a trial without a numeric objective counts as an objective failure', async () => {
  const { backend, root } = newBackend();
  await backend.createHyperParameterTuningJob(
    tuningRequest(root, 'tune-nan', {
      script: '#!/bin/sh\necho "val_loss=nan"\necho "val_loss=inf"\n',
      config: { ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 2 } },
    }),
  );
  const job = await waitForTuning(backend, 'tune-nan');
  assert.equal(job.HyperParameterTuningJobStatus, 'Completed');
  assert.deepEqual(job.ObjectiveStatusCounters, { Succeeded: 0, Pending: 0, Failed: 2 });
  assert.equal(job.BestTrainingJob, undefined);
  const listed = await backend.listTrainingJobsForHyperParameterTuningJob({
    HyperParameterTuningJobName: 'tune-nan',
    SortBy: 'FinalObjectiveMetricValue',
  });
  assert.deepEqual(
    listed.TrainingJobSummaries,
    [],
    'sorting by objective lists only jobs that reported one',
  );
});

test('StopHyperParameterTuningJob stops the running trials; the job ends Stopped', async () => {
  const { backend, root } = newBackend(1);
  await backend.createHyperParameterTuningJob(
    tuningRequest(root, 'tune-stop', { statics: { epochs: '100', delay: '0.2' } }),
  );
  await waitForTuning(
    backend,
    'tune-stop',
    (j) => (j.TrainingJobStatusCounters?.InProgress ?? 0) === 2,
  );
  await backend.stopHyperParameterTuningJob({ HyperParameterTuningJobName: 'tune-stop' });
  const stopping = await backend.describeHyperParameterTuningJob({
    HyperParameterTuningJobName: 'tune-stop',
  });
  assert.ok(['Stopping', 'Stopped'].includes(stopping.HyperParameterTuningJobStatus!));
  const job = await waitForTuning(backend, 'tune-stop');
  assert.equal(job.HyperParameterTuningJobStatus, 'Stopped');
  assert.equal(job.TrainingJobStatusCounters!.Stopped, 2);
  assert.equal(job.TrainingJobStatusCounters!.InProgress, 0);
  await assert.rejects(
    backend.stopHyperParameterTuningJob({ HyperParameterTuningJobName: 'tune-stop' }),
    /already Stopped/,
  );
});

test('kill -9 of the tuner: the next read resumes it; no trial is lost or run twice', async () => {
  const { backend, root } = newBackend();
  await backend.createHyperParameterTuningJob(
    tuningRequest(root, 'tune-crash', {
      statics: { epochs: '3', delay: '0.3' },
      config: { ResourceLimits: { MaxNumberOfTrainingJobs: 5, MaxParallelTrainingJobs: 2 } },
    }),
  );
  await waitForTuning(
    backend,
    'tune-crash',
    (j) => (j.TrainingJobStatusCounters?.InProgress ?? 0) >= 1,
  );
  const { state } = backend.tuningStore.read('tune-crash');
  process.kill(state.runnerPid!, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 300));
  const job = await waitForTuning(backend, 'tune-crash');
  assert.equal(job.HyperParameterTuningJobStatus, 'Completed');
  assert.equal(job.TrainingJobStatusCounters!.Completed, 5);
  const names = readdirSync(backend.store.jobsDir).filter((n) => n.startsWith('tune-crash-'));
  assert.equal(names.length, 5, 'exactly five training jobs exist');
  assert.equal(new Set(names).size, 5);
  const runners = backend.tuningStore
    .read('tune-crash')
    .events.filter((e) => e.type === 'RunnerStarted');
  assert.ok(runners.length >= 2, 'a second tuner resumed the job');
});

test('bad tuning requests are refused with a clear error and nothing is created', async () => {
  const { backend, root } = newBackend();
  const base = tuningRequest(root, 'tune-bad');
  const withRanges = (ranges: object) => ({
    ...base,
    HyperParameterTuningJobConfig: {
      ...base.HyperParameterTuningJobConfig!,
      ParameterRanges: ranges,
    },
  });
  const cases: [string, object, RegExp][] = [
    [
      'min >= max',
      withRanges({ IntegerParameterRanges: [{ Name: 'n', MinValue: '5', MaxValue: '5' }] }),
      /IntegerParameterRanges\[0\] \(n\): MinValue 5 must be less than MaxValue 5/,
    ],
    [
      'log min <= 0',
      withRanges({
        ContinuousParameterRanges: [
          { Name: 'lr', MinValue: '0', MaxValue: '1', ScalingType: 'Logarithmic' },
        ],
      }),
      /Logarithmic scaling needs MinValue > 0/,
    ],
    [
      'reverse log',
      withRanges({
        ContinuousParameterRanges: [
          { Name: 'm', MinValue: '0.5', MaxValue: '1', ScalingType: 'ReverseLogarithmic' },
        ],
      }),
      /ReverseLogarithmic scaling needs 0 <= MinValue < MaxValue < 1/,
    ],
    [
      'not a number',
      withRanges({ ContinuousParameterRanges: [{ Name: 'lr', MinValue: 'abc', MaxValue: '1' }] }),
      /MinValue "abc" is not a number/,
    ],
    [
      'duplicate categorical',
      withRanges({ CategoricalParameterRanges: [{ Name: 'o', Values: ['a', 'b', 'a'] }] }),
      /the value "a" is listed twice/,
    ],
    [
      'empty categorical',
      withRanges({ CategoricalParameterRanges: [{ Name: 'o', Values: ['a', ''] }] }),
      /may not contain an empty value/,
    ],
    [
      'no values',
      withRanges({ CategoricalParameterRanges: [{ Name: 'o', Values: [] }] }),
      /Values must have at least 1 items/,
    ],
    [
      'too many parameters',
      withRanges({
        IntegerParameterRanges: Array.from({ length: 16 }, (_, i) => ({
          Name: `a${i}`,
          MinValue: '0',
          MaxValue: '9',
        })),
        ContinuousParameterRanges: Array.from({ length: 16 }, (_, i) => ({
          Name: `b${i}`,
          MinValue: '0',
          MaxValue: '1',
        })),
      }),
      /32 tunable hyperparameters; SageMaker allows at most 30/,
    ],
    [
      'static and tunable',
      withRanges({ CategoricalParameterRanges: [{ Name: 'sagemaker_program', Values: ['a.sh'] }] }),
      /"sagemaker_program" is both tunable and a static hyperparameter/,
    ],
    [
      'objective not defined',
      {
        ...base,
        HyperParameterTuningJobConfig: {
          ...base.HyperParameterTuningJobConfig!,
          HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'accuracy' },
        },
      },
      /The objective metric "accuracy" is not among the definition's AlgorithmSpecification.MetricDefinitions \(val_loss\)/,
    ],
    [
      'grid with continuous',
      {
        ...base,
        HyperParameterTuningJobConfig: { ...base.HyperParameterTuningJobConfig!, Strategy: 'Grid' },
      },
      /Grid search takes only CategoricalParameterRanges; x is not categorical/,
    ],
    [
      'hyperband without MaxResource',
      {
        ...base,
        HyperParameterTuningJobConfig: {
          ...base.HyperParameterTuningJobConfig!,
          Strategy: 'Hyperband',
        },
      },
      /Hyperband needs StrategyConfig.HyperbandStrategyConfig.MaxResource/,
    ],
    [
      'too many jobs',
      {
        ...base,
        HyperParameterTuningJobConfig: {
          ...base.HyperParameterTuningJobConfig!,
          ResourceLimits: { MaxNumberOfTrainingJobs: 501, MaxParallelTrainingJobs: 1 },
        },
      },
      /exceeds SageMaker's limit of 500/,
    ],
    [
      'long name',
      { ...base, HyperParameterTuningJobName: 'x'.repeat(33) },
      /at most 32 characters/,
    ],
    [
      'missing script',
      {
        ...base,
        TrainingJobDefinition: {
          ...base.TrainingJobDefinition!,
          StaticHyperParameters: { sagemaker_program: 'nope.sh', sagemaker_submit_directory: root },
        },
      },
      /TrainingJobDefinition: HyperParameters.sagemaker_program: "nope.sh" was not found/,
    ],
    [
      'warm start parent missing',
      {
        ...base,
        WarmStartConfig: {
          WarmStartType: 'TransferLearning',
          ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: 'no-such-parent' }],
        },
      },
      /no-such-parent/,
    ],
  ];
  for (const [label, request, message] of cases) {
    await assert.rejects(
      backend.createHyperParameterTuningJob(request as never),
      (err: Error) => {
        assert.equal(err.name, 'ValidationException', label);
        assert.match(err.message, message, label);
        return true;
      },
      label,
    );
  }
  assert.equal(
    existsSync(backend.tuningStore.jobsDir) ? readdirSync(backend.tuningStore.jobsDir).length : 0,
    0,
  );
  assert.equal(
    existsSync(backend.store.jobsDir) ? readdirSync(backend.store.jobsDir).length : 0,
    0,
  );
});

test('warm start: parents must be terminal; IdenticalDataAndAlgorithm reports OverallBestTrainingJob', async () => {
  const { backend, root } = newBackend();
  await backend.createHyperParameterTuningJob(tuningRequest(root, 'parent-1'));
  const child = {
    ...tuningRequest(root, 'child-1'),
    WarmStartConfig: {
      WarmStartType: 'IdenticalDataAndAlgorithm' as const,
      ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: 'parent-1' }],
    },
  };
  await assert.rejects(
    backend.createHyperParameterTuningJob(child),
    /parent-1.*(terminal|InProgress)/s,
  );
  const parent = await waitForTuning(backend, 'parent-1');
  await backend.createHyperParameterTuningJob(child);
  const job = await waitForTuning(backend, 'child-1');
  assert.equal(job.HyperParameterTuningJobStatus, 'Completed');
  const overall = job.OverallBestTrainingJob!.FinalHyperParameterTuningJobObjectiveMetric!.Value!;
  const own = job.BestTrainingJob!.FinalHyperParameterTuningJobObjectiveMetric!.Value!;
  const fromParent = parent.BestTrainingJob!.FinalHyperParameterTuningJobObjectiveMetric!.Value!;
  assert.equal(overall, Math.min(own, fromParent));
  assert.deepEqual(job.WarmStartConfig, child.WarmStartConfig);
});

test('median stopping rule', () => {
  assert.deepEqual(runningAverages([4, 2, 0]), [4, 3, 2]);
  const earlier = [
    [1, 1, 1],
    [2, 2, 2],
    [3, 3, 3],
  ];
  assert.equal(shouldStopEarly([5], earlier), true, 'worse than the median (2) at step 1');
  assert.equal(shouldStopEarly([1.5], earlier), false);
  assert.equal(shouldStopEarly([5, 5, 5, 5], earlier), false, 'no peers reached step 4');
  assert.equal(shouldStopEarly([5], earlier.slice(0, 2)), false, 'too few peers to judge');
});

test('Hyperband settings and the successive-halving rule', () => {
  assert.deepEqual(hyperbandSettings({ MinResource: 1, MaxResource: 27 }, {}), {
    minResource: 1,
    maxResource: 27,
    rungs: [1, 3, 9],
  });
  assert.deepEqual(hyperbandSettings(undefined, { num_epochs: '10' }), {
    minResource: 1,
    maxResource: 10,
    rungs: [1, 3, 9],
  });
  assert.match(
    String(hyperbandSettings(undefined, {})),
    /needs StrategyConfig.HyperbandStrategyConfig.MaxResource/,
  );
  assert.match(
    String(hyperbandSettings({ MinResource: 5, MaxResource: 2 }, {})),
    /MinResource 5 must not exceed MaxResource 2/,
  );
  assert.equal(continuesAtRung(5, []), true, 'the first trial at a rung continues');
  assert.equal(continuesAtRung(5, [1, 2]), false, 'with 3 values only the best continues');
  assert.equal(continuesAtRung(1, [2, 3]), true);
  assert.equal(continuesAtRung(2, [1, 3, 4, 5, 6]), true, 'best 2 of 6 continue');
  assert.equal(continuesAtRung(3, [1, 2, 4, 5, 6]), false);
});

test('Hyperband stops poor trials at their rungs and every trial at MaxResource', async () => {
  const { backend, root } = newBackend(1);
  await backend.createHyperParameterTuningJob(
    tuningRequest(root, 'tune-hyperband', {
      statics: { epochs: '12', delay: '0.15' },
      config: {
        Strategy: 'Hyperband',
        StrategyConfig: { HyperbandStrategyConfig: { MinResource: 1, MaxResource: 9 } },
        ResourceLimits: { MaxNumberOfTrainingJobs: 6, MaxParallelTrainingJobs: 3 },
      },
    }),
  );
  const job = await waitForTuning(backend, 'tune-hyperband', undefined, 90_000);
  assert.equal(job.HyperParameterTuningJobStatus, 'Completed');
  const listed = await backend.listTrainingJobsForHyperParameterTuningJob({
    HyperParameterTuningJobName: 'tune-hyperband',
  });
  const epochs = await Promise.all(
    listed.TrainingJobSummaries!.map(
      async (s) => (await backend.getTrainingJobMetrics(s.TrainingJobName!)).length,
    ),
  );
  assert.ok(
    epochs.every((n) => n <= 11),
    `no trial ran far past MaxResource 9 (epochs ${epochs})`,
  );
  assert.ok(
    epochs.some((n) => n < 9),
    `some trial was stopped at a rung (epochs ${epochs})`,
  );
  assert.ok(
    listed.TrainingJobSummaries!.every((s) => s.TrainingJobStatus === 'Stopped'),
    'all were stopped: at a rung or at MaxResource',
  );
  assert.ok(job.BestTrainingJob, 'stopped trials still report their objective');
});

test("several training job definitions: trials from each, the better one's best is BestTrainingJob", async () => {
  const { backend, root } = newBackend();
  // One at a time: each choice of definition sees every earlier result, so the seed replays it exactly.
  const config = { ResourceLimits: { MaxNumberOfTrainingJobs: 6, MaxParallelTrainingJobs: 1 } };
  const request = multiDefinitionRequest(root, 'tune-multi', { config });
  await backend.createHyperParameterTuningJob(request);
  const job = await waitForTuning(backend, 'tune-multi');
  assert.equal(job.HyperParameterTuningJobStatus, 'Completed');
  assert.equal(job.TrainingJobStatusCounters!.Completed, 6);
  assert.deepEqual(job.TrainingJobDefinitions, request.TrainingJobDefinitions, 'echoed');
  assert.equal(job.TrainingJobDefinition, undefined);
  const best = job.BestTrainingJob!;
  assert.equal(best.TrainingJobDefinitionName, 'quad', 'the better script holds the best');
  assert.equal(best.FinalHyperParameterTuningJobObjectiveMetric!.MetricName, 'val_loss');

  const listed = await backend.listTrainingJobsForHyperParameterTuningJob({
    HyperParameterTuningJobName: 'tune-multi',
    SortBy: 'FinalObjectiveMetricValue',
  });
  const summaries = listed.TrainingJobSummaries!;
  assert.equal(summaries.length, 6);
  assert.equal(summaries[0].TrainingJobName, best.TrainingJobName, 'the lowest objective of both');
  const seen = new Set<string>();
  for (const summary of summaries) {
    const definition = summary.TrainingJobDefinitionName!;
    seen.add(definition);
    const trial = await backend.describeTrainingJob({ TrainingJobName: summary.TrainingJobName });
    const tuned = summary.TunedHyperParameters!;
    const metric = summary.FinalHyperParameterTuningJobObjectiveMetric!;
    if (definition === 'quad') {
      // Its own script, metric and ranges; nothing of the other definition.
      assert.deepEqual(Object.keys(tuned).sort(), ['optimizer', 'x']);
      assert.equal(trial.HyperParameters!.sagemaker_program, 'quad.sh');
      assert.equal(metric.MetricName, 'val_loss');
      assert.equal(trial.ResourceConfig!.InstanceType, 'ml.m5.large');
      const x = Number(tuned.x);
      assert.ok(
        Math.abs(metric.Value! - ((x - 0.3) ** 2 + (tuned.optimizer === 'sgd' ? 0.1 : 0))) < 1e-5,
      );
    } else {
      assert.equal(definition, 'shifted');
      assert.deepEqual(Object.keys(tuned).sort(), ['layers', 'y']);
      assert.equal(trial.HyperParameters!.sagemaker_program, 'shifted.sh');
      assert.equal(metric.MetricName, 'loss');
      assert.equal(trial.ResourceConfig!.InstanceType, 'ml.m5.xlarge');
      assert.ok(metric.Value! >= 0.2);
    }
    assert.equal(metric.Type, 'Minimize');
    assert.equal(
      trial.HyperParameters![definition === 'quad' ? 'x' : 'y'],
      tuned[definition === 'quad' ? 'x' : 'y'],
    );
  }
  assert.deepEqual([...seen].sort(), ['quad', 'shifted'], 'both definitions ran');

  // The same RandomSeed: the same definitions with the same values, trial by trial.
  await backend.createHyperParameterTuningJob(
    multiDefinitionRequest(root, 'tune-multi-again', { config }),
  );
  await waitForTuning(backend, 'tune-multi-again');
  const runOf = async (name: string) =>
    (
      await backend.listTrainingJobsForHyperParameterTuningJob({
        HyperParameterTuningJobName: name,
      })
    ).TrainingJobSummaries!.map((s) => [s.TrainingJobDefinitionName, s.TunedHyperParameters]);
  assert.deepEqual(await runOf('tune-multi-again'), await runOf('tune-multi'));
});

test("several definitions with Hyperband: each definition's own MaxResource, rungs across both", async () => {
  const { backend, root } = newBackend(1);
  await backend.createHyperParameterTuningJob(
    multiDefinitionRequest(root, 'tune-multi-hb', {
      quadStatics: { epochs: '6', delay: '0.15' },
      shiftedStatics: { epochs: '3', delay: '0.15' },
      config: {
        Strategy: 'Hyperband',
        StrategyConfig: { HyperbandStrategyConfig: { MinResource: 1 } },
        ResourceLimits: { MaxNumberOfTrainingJobs: 6, MaxParallelTrainingJobs: 3 },
      },
    }),
  );
  const job = await waitForTuning(backend, 'tune-multi-hb', undefined, 90_000);
  assert.equal(job.HyperParameterTuningJobStatus, 'Completed');
  const listed = await backend.listTrainingJobsForHyperParameterTuningJob({
    HyperParameterTuningJobName: 'tune-multi-hb',
  });
  const byDefinition = new Map<string, number[]>();
  for (const s of listed.TrainingJobSummaries!) {
    const epochs = (await backend.getTrainingJobMetrics(s.TrainingJobName!)).filter((m) =>
      ['val_loss', 'loss'].includes(m.name),
    ).length;
    byDefinition.set(s.TrainingJobDefinitionName!, [
      ...(byDefinition.get(s.TrainingJobDefinitionName!) ?? []),
      epochs,
    ]);
  }
  assert.deepEqual([...byDefinition.keys()].sort(), ['quad', 'shifted']);
  // MaxResource read from each definition's static epochs: 6 and 3 (a stop lands within an epoch or two).
  assert.ok(
    byDefinition.get('quad')!.every((n) => n <= 6),
    `quad epochs ${byDefinition.get('quad')}`,
  );
  assert.ok(
    byDefinition.get('shifted')!.every((n) => n <= 3),
    `shifted epochs ${byDefinition.get('shifted')}`,
  );
  assert.ok(
    [...byDefinition.values()].flat().some((n) => n < 3),
    `some trial was stopped at a rung (${JSON.stringify([...byDefinition])})`,
  );
  assert.equal(job.BestTrainingJob!.TrainingJobDefinitionName, 'quad');
});

test('several definitions: each rule its own message naming the field; nothing is created', async () => {
  const { backend, root } = newBackend();
  const base = multiDefinitionRequest(root, 'tune-multi-bad');
  const [quad, shiftedDef] = base.TrainingJobDefinitions!;
  const config = base.HyperParameterTuningJobConfig!;
  const withDefinitions = (definitions: object[], extra: object = {}) => ({
    ...base,
    TrainingJobDefinitions: definitions,
    ...extra,
  });
  const cases: [string, object, RegExp[]][] = [
    [
      'more than 10',
      withDefinitions(Array.from({ length: 11 }, (_, i) => ({ ...quad, DefinitionName: `d${i}` }))),
      [/TrainingJobDefinitions.*(at most 10|10 items)/],
    ],
    [
      'no name, duplicate name',
      withDefinitions([
        quad,
        { ...shiftedDef, DefinitionName: undefined },
        { ...shiftedDef, DefinitionName: 'quad' },
      ]),
      [
        /TrainingJobDefinitions\[1\]\.DefinitionName is required when there are several definitions/,
        /TrainingJobDefinitions\[2\]\.DefinitionName "quad" is already the name of TrainingJobDefinitions\[0\]/,
      ],
    ],
    [
      'objective and ranges on the config',
      withDefinitions([quad, shiftedDef], {
        HyperParameterTuningJobConfig: {
          ...config,
          HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'val_loss' },
          ParameterRanges: quad.HyperParameterRanges,
        },
      }),
      [
        /HyperParameterTuningJobConfig\.HyperParameterTuningJobObjective must be absent with several TrainingJobDefinitions/,
        /HyperParameterTuningJobConfig\.ParameterRanges must be absent with several TrainingJobDefinitions/,
      ],
    ],
    [
      'missing objective and ranges',
      withDefinitions([
        quad,
        { ...shiftedDef, TuningObjective: undefined, HyperParameterRanges: undefined },
      ]),
      [
        /TrainingJobDefinitions\[1\] \(shifted\)\.TuningObjective \(Type and MetricName\) is required/,
        /TrainingJobDefinitions\[1\] \(shifted\)\.HyperParameterRanges is required/,
      ],
    ],
    [
      'objective types differ; metric not defined',
      withDefinitions([
        quad,
        { ...shiftedDef, TuningObjective: { Type: 'Maximize', MetricName: 'accuracy' } },
      ]),
      [
        /TrainingJobDefinitions\[1\] \(shifted\)\.TuningObjective\.Type Maximize differs from TrainingJobDefinitions\[0\] \(quad\)'s Minimize/,
        /The objective metric "accuracy" is not among TrainingJobDefinitions\[1\] \(shifted\)'s AlgorithmSpecification\.MetricDefinitions \(loss\)/,
      ],
    ],
    [
      'a bad range names its definition',
      withDefinitions([
        quad,
        {
          ...shiftedDef,
          HyperParameterRanges: {
            IntegerParameterRanges: [{ Name: 'layers', MinValue: '3', MaxValue: '1' }],
          },
        },
      ]),
      [
        /TrainingJobDefinitions\[1\] \(shifted\): IntegerParameterRanges\[0\] \(layers\): MinValue 3 must be less than MaxValue 1/,
      ],
    ],
    [
      'grid with a continuous range names its definition',
      withDefinitions([quad, shiftedDef], {
        HyperParameterTuningJobConfig: { ...config, Strategy: 'Grid' },
      }),
      [
        /TrainingJobDefinitions\[0\] \(quad\): Grid search takes only CategoricalParameterRanges; x is not categorical/,
        /TrainingJobDefinitions\[1\] \(shifted\): Grid search takes only CategoricalParameterRanges; layers, y are not categorical/,
      ],
    ],
    [
      'each definition must be runnable',
      withDefinitions([
        quad,
        {
          ...shiftedDef,
          StaticHyperParameters: {
            ...shiftedDef.StaticHyperParameters,
            sagemaker_program: 'missing.sh',
          },
        },
      ]),
      [
        /TrainingJobDefinitions\[1\] \(shifted\): HyperParameters\.sagemaker_program: "missing\.sh" was not found/,
      ],
    ],
    [
      'both TrainingJobDefinition and TrainingJobDefinitions',
      withDefinitions([quad, shiftedDef], { TrainingJobDefinition: quad }),
      [/Give either TrainingJobDefinition or TrainingJobDefinitions, not both/],
    ],
    [
      'warm start',
      withDefinitions([quad, shiftedDef], {
        WarmStartConfig: {
          WarmStartType: 'TransferLearning',
          ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: 'some-parent' }],
        },
      }),
      [/2 training job definitions; warm start is available only when tuning a single algorithm/],
    ],
  ];
  for (const [label, request, messages] of cases) {
    await assert.rejects(
      backend.createHyperParameterTuningJob(request as never),
      (err: Error) => {
        assert.equal(err.name, 'ValidationException', label);
        for (const message of messages) assert.match(err.message, message, label);
        return true;
      },
      label,
    );
  }
  assert.equal(
    existsSync(backend.tuningStore.jobsDir) ? readdirSync(backend.tuningStore.jobsDir).length : 0,
    0,
  );
  assert.equal(
    existsSync(backend.store.jobsDir) ? readdirSync(backend.store.jobsDir).length : 0,
    0,
  );
});

test("several definitions with the median rule: trials are stopped against every definition's results", async () => {
  const { backend, root } = newBackend(1);
  await backend.createHyperParameterTuningJob(
    multiDefinitionRequest(root, 'tune-multi-median', {
      quadStatics: { epochs: '4', delay: '0.15' },
      shiftedStatics: { epochs: '4', delay: '0.15' },
      config: {
        TrainingJobEarlyStoppingType: 'Auto',
        ResourceLimits: { MaxNumberOfTrainingJobs: 8, MaxParallelTrainingJobs: 1 },
      },
    }),
  );
  const job = await waitForTuning(backend, 'tune-multi-median', undefined, 90_000);
  assert.equal(job.HyperParameterTuningJobStatus, 'Completed');
  const listed = await backend.listTrainingJobsForHyperParameterTuningJob({
    HyperParameterTuningJobName: 'tune-multi-median',
  });
  const stopped = listed.TrainingJobSummaries!.filter((s) => s.TrainingJobStatus === 'Stopped');
  assert.ok(stopped.length >= 1, 'a trial worse than the median of earlier ones was stopped');
  const events = backend.tuningStore.read('tune-multi-median').events;
  assert.ok(events.some((e) => e.type === 'TrialEnded' && e.earlyStopped));
  for (const summary of stopped) {
    // Each is read with its own definition's metric: stopped after at least one value.
    const metric = summary.TrainingJobDefinitionName === 'quad' ? 'val_loss' : 'loss';
    const values = (await backend.getTrainingJobMetrics(summary.TrainingJobName!)).filter(
      (m) => m.name === metric,
    );
    assert.ok(
      values.length >= 1 && values.length < 4,
      `${summary.TrainingJobName}: ${values.length}`,
    );
  }
  assert.equal(job.BestTrainingJob!.TrainingJobDefinitionName, 'quad');
});
