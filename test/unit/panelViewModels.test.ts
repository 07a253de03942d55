// The panels' pure view-model code: counters, best so far, the estimate to completion,
// parallel-coordinate axes, the table's order, the chart options, and the CSV export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  DescribeHyperParameterTuningJobResponse,
  HyperParameterTrainingJobSummary,
} from '@aws-sdk/client-sagemaker';
import {
  bestSoFar,
  buildDashboardModel,
  estimateCompletion,
  objectiveCounters,
  parameterDimensions,
  statusCounters,
  toMs,
} from '../../src/ui/panels/viewModels/dashboard';
import {
  csvField,
  ipynb,
  notebookCell,
  resultsCsv,
  RESULT_COLUMNS,
} from '../../src/ui/panels/viewModels/export';
import {
  colorAt,
  objectiveChartOption,
  parallelChartOption,
  tableRows,
} from '../../src/webview/dashboard/options';
import { TEST_THEME } from '../../src/webview/shared/chartTheme';
import type { DashboardJob } from '../../src/ui/panels/protocol/dashboard';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

function summary(
  index: number,
  status: string,
  objective: number | undefined,
  hp: Record<string, string>,
  start = index * 10,
  duration = 30,
): HyperParameterTrainingJobSummary {
  return {
    TrainingJobName: `tune-${String(index).padStart(3, '0')}-abcdef01`,
    TrainingJobArn: `arn:aws:sagemaker:local:000000000000:training-job/tune-${index}`,
    TrainingJobStatus: status as HyperParameterTrainingJobSummary['TrainingJobStatus'],
    CreationTime: at(start),
    TrainingStartTime: at(start),
    ...(status === 'InProgress' ? {} : { TrainingEndTime: at(start + duration) }),
    TunedHyperParameters: hp,
    ...(objective !== undefined
      ? { FinalHyperParameterTuningJobObjectiveMetric: { MetricName: 'loss', Value: objective } }
      : {}),
    ObjectiveStatus:
      objective !== undefined ? 'Succeeded' : status === 'InProgress' ? 'Pending' : 'Failed',
  };
}

function description(
  overrides: Partial<DescribeHyperParameterTuningJobResponse> = {},
): DescribeHyperParameterTuningJobResponse {
  return {
    HyperParameterTuningJobName: 'tune',
    HyperParameterTuningJobArn:
      'arn:aws:sagemaker:local:000000000000:hyper-parameter-tuning-job/tune',
    HyperParameterTuningJobStatus: 'InProgress',
    CreationTime: at(0),
    HyperParameterTuningJobConfig: {
      Strategy: 'Bayesian',
      HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'loss' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 10, MaxParallelTrainingJobs: 2 },
      ParameterRanges: {
        ContinuousParameterRanges: [
          { Name: 'lr', MinValue: '0.001', MaxValue: '0.1', ScalingType: 'Logarithmic' },
        ],
        IntegerParameterRanges: [{ Name: 'layers', MinValue: '1', MaxValue: '4' }],
        CategoricalParameterRanges: [{ Name: 'opt', Values: ['sgd', 'adam'] }],
      },
      TuningJobCompletionCriteria: {
        TargetObjectiveMetricValue: 0.05,
        BestObjectiveNotImproving: { MaxNumberOfTrainingJobsNotImproving: 5 },
      },
    },
    TrainingJobStatusCounters: {
      Completed: 3,
      InProgress: 2,
      RetryableError: 0,
      NonRetryableError: 1,
      Stopped: 1,
    },
    ObjectiveStatusCounters: { Succeeded: 4, Pending: 2, Failed: 1 },
    TuningJobCompletionDetails: { NumberOfTrainingJobsObjectiveNotImproving: 2 },
    ConsumedResources: { RuntimeInSeconds: 95 },
    ...overrides,
  };
}

test('status and objective counters, missing counters as 0', () => {
  assert.deepEqual(statusCounters(description()), {
    completed: 3,
    inProgress: 2,
    retryableError: 0,
    nonRetryableError: 1,
    stopped: 1,
    total: 7,
  });
  assert.deepEqual(statusCounters({ TrainingJobStatusCounters: undefined }), {
    completed: 0,
    inProgress: 0,
    retryableError: 0,
    nonRetryableError: 0,
    stopped: 0,
    total: 0,
  });
  assert.deepEqual(objectiveCounters(description()), { succeeded: 4, pending: 2, failed: 1 });
});

test('dates from the SDK (Date), JSON (ISO strings) and the wire (epoch seconds)', () => {
  assert.equal(toMs(at(5)), T0 + 5000);
  assert.equal(toMs(at(5).toISOString()), T0 + 5000);
  assert.equal(toMs((T0 + 5000) / 1000), T0 + 5000);
  assert.equal(toMs('not a date'), undefined);
  assert.equal(toMs(undefined), undefined);
});

test('best so far: one step per improvement in end-time order, for either direction', () => {
  const jobs = [
    { objective: 5, endedAt: 30 },
    { objective: 3, endedAt: 10 },
    { objective: 4, endedAt: 20 },
    { objective: 1, endedAt: 40 },
    { endedAt: 50 },
    { objective: 0.5 },
  ];
  assert.deepEqual(bestSoFar(jobs, 'Minimize'), [
    [10, 3],
    [40, 1],
  ]);
  assert.deepEqual(bestSoFar(jobs, 'Maximize'), [
    [10, 3],
    [20, 4],
    [30, 5],
  ]);
  assert.deepEqual(bestSoFar([], 'Minimize'), []);
});

test('estimate to completion: average of finished jobs, scheduled on the parallel slots', () => {
  const base = {
    terminal: false,
    maxTrainingJobs: 10,
    maxParallelTrainingJobs: 2,
    launched: 4,
    runningElapsedSeconds: [10, 50],
    finishedDurationsSeconds: [60, 60],
    elapsedSeconds: 200,
  };
  // Running jobs need 50 s and 10 s more; 6 jobs of 60 s on 2 slots: 10+60*3=190 and 50+60*3=230.
  const eta = estimateCompletion(base);
  assert.equal(eta.seconds, 230);
  assert.match(
    eta.basis,
    /2 finished jobs took 1m 00s on average; 6 to launch, 2 running, 2 in parallel/,
  );
  assert.equal(
    estimateCompletion({ ...base, maxParallelTrainingJobs: 1, runningElapsedSeconds: [] }).seconds,
    360,
  );
  // A running job past the average is expected to end now, not in negative time.
  assert.equal(
    estimateCompletion({ ...base, launched: 10, runningElapsedSeconds: [500, 70] }).seconds,
    0,
  );
  assert.deepEqual(estimateCompletion({ ...base, maxRuntimeSeconds: 300 }), {
    seconds: 100,
    basis: `${eta.basis}; capped by MaxRuntimeInSeconds`,
  });
  assert.deepEqual(estimateCompletion({ ...base, terminal: true }), {
    basis: 'the tuning job has ended',
  });
  assert.equal(estimateCompletion({ ...base, finishedDurationsSeconds: [] }).seconds, undefined);
  assert.equal(
    estimateCompletion({ ...base, finishedDurationsSeconds: [], maxRuntimeSeconds: 600 }).seconds,
    400,
  );
  assert.equal(estimateCompletion({ ...base, maxTrainingJobs: undefined }).seconds, undefined);
});

test('parallel-coordinate axes: declared ranges in order, then what jobs report beyond them', () => {
  const dims = parameterDimensions(description().HyperParameterTuningJobConfig!.ParameterRanges, [
    { hyperParameters: { lr: '0.01', layers: '2', opt: 'sgd', momentum: '0.9' } },
    { hyperParameters: { lr: '0.02', layers: '3', opt: 'adam', momentum: '0.5', act: 'relu' } },
    { hyperParameters: { epochs: '3', act: 'tanh' } },
    { hyperParameters: { epochs: '5' } },
  ]);
  assert.deepEqual(dims, [
    { name: 'layers', kind: 'Integer', min: 1, max: 4, scaling: 'Auto' },
    { name: 'lr', kind: 'Continuous', min: 0.001, max: 0.1, scaling: 'Logarithmic' },
    { name: 'opt', kind: 'Categorical', values: ['sgd', 'adam'] },
    { name: 'momentum', kind: 'Continuous', min: 0.5, max: 0.9, scaling: 'Linear' },
    { name: 'act', kind: 'Categorical', values: ['relu', 'tanh'] },
    { name: 'epochs', kind: 'Integer', min: 3, max: 5, scaling: 'Linear' },
  ]);
  assert.deepEqual(parameterDimensions(undefined, []), []);
});

function model() {
  const summaries = [
    summary(1, 'Completed', 0.4, { lr: '0.01', layers: '2', opt: 'sgd' }),
    summary(2, 'Completed', 0.2, { lr: '0.05', layers: '3', opt: 'adam' }),
    summary(3, 'Failed', undefined, { lr: '0.09', layers: '1', opt: 'sgd' }),
    summary(4, 'Stopped', 0.3, { lr: '0.002', layers: '4', opt: 'adam' }),
    summary(5, 'Completed', 0.25, { lr: '0.03', layers: '2', opt: 'adam' }),
    summary(6, 'InProgress', undefined, { lr: '0.02', layers: '2', opt: 'sgd' }),
  ];
  const best = summaries[1];
  return buildDashboardModel({
    description: description({
      BestTrainingJob: { ...best, TrainingJobStatus: 'Completed' } as never,
    }),
    summaries,
    backend: 'local',
    bestArtifactUri: 'file:///out/tune-002/output/model.tar.gz',
    capabilities: { trainIncrementally: false, stop: true, revealArtifact: true },
    now: T0 + 100_000,
  });
}

test('the dashboard model from a describe and the training job summaries', () => {
  const m = model();
  assert.equal(m.name, 'tune');
  assert.equal(m.status, 'InProgress');
  assert.deepEqual(m.objective, { metricName: 'loss', type: 'Minimize' });
  assert.equal(m.targetObjective, 0.05);
  assert.deepEqual(m.convergence, {
    notImproving: 2,
    maxNotImproving: 5,
    completeOnConvergence: false,
  });
  assert.equal(m.consumedRuntimeSeconds, 95);
  assert.equal(m.best?.name, 'tune-002-abcdef01');
  assert.equal(m.best?.artifactUri, 'file:///out/tune-002/output/model.tar.gz');
  assert.deepEqual(
    m.jobs.filter((j) => j.best).map((j) => j.name),
    ['tune-002-abcdef01'],
  );
  assert.deepEqual(m.bestSoFar, [
    [T0 + 40_000, 0.4],
    [T0 + 50_000, 0.2],
  ]);
  assert.equal(m.jobs[0].durationSeconds, 30);
  assert.equal(m.jobs[5].endedAt, undefined);
  // 5 finished at 30 s each; the running one started at 60 s, so at 100 s it needs 0 s more;
  // 10 - 7 launched = 3 to go on 2 slots: 60 s.
  assert.equal(m.eta.seconds, 60);
  assert.deepEqual(
    m.dimensions.map((d) => d.name),
    ['layers', 'lr', 'opt'],
  );
});

test('chart options: a series per status, best-so-far to now, the target line, log axes', () => {
  const m = model();
  const option = objectiveChartOption(m, TEST_THEME) as {
    series: { name: string; data: unknown[]; markLine?: { data: { yAxis: number }[] } }[];
  };
  const byName = Object.fromEntries(option.series.map((s) => [s.name, s]));
  assert.equal(byName.Completed.data.length, 3);
  assert.equal(byName.Stopped.data.length, 1);
  assert.equal(byName.Failed.data.length, 0);
  assert.deepEqual(byName['Best so far'].data, [
    [T0 + 40_000, 0.4],
    [T0 + 50_000, 0.2],
    [T0 + 100_000, 0.2],
  ]);
  assert.equal(byName['Best so far'].markLine?.data[0].yAxis, 0.05);

  const parallel = parallelChartOption(m, TEST_THEME) as {
    parallelAxis: { name: string; type: string; data?: string[] }[];
    series: { data: { value: unknown[]; lineStyle: { color: string } }[] }[];
  };
  assert.deepEqual(
    parallel.parallelAxis.map((a) => `${a.name}:${a.type}`),
    ['layers:value', 'lr:log', 'opt:category', 'loss:value'],
  );
  const lines = parallel.series[0].data;
  assert.equal(lines.length, 4);
  assert.deepEqual(lines[0].value, [2, 0.01, 'sgd', 0.4]);
  // Minimize: the lowest loss is green, the highest red.
  const color = (loss: number) => lines.find((l) => l.value[3] === loss)!.lineStyle.color;
  assert.equal(color(0.2), TEST_THEME.green);
  assert.equal(color(0.4), TEST_THEME.red);
});

test('colours along a scale: interpolated between hex stops, nearest stop otherwise', () => {
  assert.equal(colorAt(['#000000', '#ffffff'], 0), '#000000');
  assert.equal(colorAt(['#000000', '#ffffff'], 1), '#ffffff');
  assert.equal(colorAt(['#000000', '#ffffff'], 0.5), '#808080');
  assert.equal(colorAt(['#f00', '#0f0', '#00f'], 0.75), '#008080');
  assert.equal(colorAt(['red', 'green'], 0.4), 'red');
  assert.equal(colorAt(['red', 'green'], Number.NaN), 'red');
});

test('table rows: filter by status and words, sort numerically with blanks last', () => {
  const jobs = model().jobs;
  const names = (rows: DashboardJob[]) => rows.map((j) => j.name.slice(5, 8));
  const view = { filter: '', status: 'all' as const, column: 'objective', descending: false };
  assert.deepEqual(names(tableRows(jobs, view)), ['002', '005', '004', '001', '003', '006']);
  assert.deepEqual(names(tableRows(jobs, { ...view, descending: true })), [
    '001',
    '004',
    '005',
    '002',
    '003',
    '006',
  ]);
  assert.deepEqual(names(tableRows(jobs, { ...view, status: 'completed' })), ['002', '005', '001']);
  assert.deepEqual(names(tableRows(jobs, { ...view, filter: 'opt=adam layers=2' })), ['005']);
  assert.deepEqual(names(tableRows(jobs, { ...view, column: 'hp:lr' })), [
    '004',
    '001',
    '006',
    '005',
    '002',
    '003',
  ]);
  assert.deepEqual(names(tableRows(jobs, { ...view, status: 'running' })), ['006']);
});

test('CSV export: tuned hyperparameters then the SDK analytics columns, RFC 4180 quoting', () => {
  const m = model();
  const csv = resultsCsv(m.jobs, m.dimensions);
  const lines = csv.trimEnd().split('\n');
  assert.equal(lines.length, 7);
  assert.equal(lines[0], ['layers', 'lr', 'opt', ...RESULT_COLUMNS].join(','));
  assert.equal(
    lines[2],
    '3,0.05,adam,tune-002-abcdef01,Completed,Succeeded,0.2,2025-01-01T00:00:20.000Z,2025-01-01T00:00:50.000Z,30',
  );
  assert.equal(
    lines[6],
    '2,0.02,sgd,tune-006-abcdef01,InProgress,Pending,,2025-01-01T00:01:00.000Z,,',
  );
  assert.ok(csv.endsWith('\n'));
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField(' padded'), '" padded"');
  assert.equal(csvField(undefined), '');
  assert.equal(csvField(1.5), '1.5');
});

test('notebook cells: pandas over the CSV for local jobs, the SageMaker SDK for aws jobs', () => {
  const local = notebookCell({
    tuningJobName: 'tune',
    backend: 'local',
    csvPath: '/ws/tuning-results/tune "1".csv',
    objectiveType: 'Minimize',
  });
  assert.match(local, /^import pandas as pd$/m);
  assert.match(
    local,
    /^df = pd\.read_csv\("\/ws\/tuning-results\/tune \\"1\\"\.csv", parse_dates=\["TrainingStartTime", "TrainingEndTime"\]\)$/m,
  );
  assert.match(local, /ascending=True\)$/);
  const aws = notebookCell({
    tuningJobName: 'prod-tune',
    backend: 'aws',
    objectiveType: 'Maximize',
  });
  assert.match(aws, /^import sagemaker$/m);
  assert.match(
    aws,
    /^df = sagemaker\.HyperparameterTuningJobAnalytics\("prod-tune"\)\.dataframe\(\)$/m,
  );
  assert.match(aws, /ascending=False\)$/);
  assert.throws(() => notebookCell({ tuningJobName: 't', backend: 'local' }), /exported CSV/);
  const notebook = JSON.parse(ipynb('a\nb')) as { nbformat: number; cells: { source: string[] }[] };
  assert.equal(notebook.nbformat, 4);
  assert.deepEqual(notebook.cells[0].source, ['a\n', 'b']);
});
