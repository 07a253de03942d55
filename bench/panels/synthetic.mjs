// A tuning job of N training jobs as the backend answers it (DescribeHyperParameterTuningJob and
// the summaries of ListTrainingJobsForHyperParameterTuningJob), deterministic for a seed: four
// tuned hyperparameters, an objective with noise, a mix of statuses, two hours of history.
export function syntheticTuningJob(count, seed = 1) {
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const start = Date.parse('2025-03-01T08:00:00Z');
  const summaries = [];
  let best;
  for (let i = 0; i < count; i++) {
    const lr = 10 ** (-4 + 3 * random());
    const layers = 1 + Math.floor(random() * 6);
    const batch = ['32', '64', '128', '256'][Math.floor(random() * 4)];
    const dropout = 0.5 * random();
    const created = start + i * 14_000;
    const duration = 40_000 + random() * 20_000;
    const roll = random();
    const status =
      i >= count - 8
        ? 'InProgress'
        : roll < 0.02
          ? 'Failed'
          : roll < 0.04
            ? 'Stopped'
            : 'Completed';
    const objective =
      0.6 +
      0.3 * Math.exp(-((Math.log10(lr) + 2.2) ** 2)) -
      0.01 * Math.abs(layers - 3) -
      0.1 * dropout +
      0.02 * random();
    const name = `bench-tune-${String(i + 1).padStart(3, '0')}-${(0x10000000 + i * 7919).toString(16)}`;
    const summary = {
      TrainingJobName: name,
      TrainingJobArn: `arn:aws:sagemaker:local:000000000000:training-job/${name}`,
      TrainingJobStatus: status,
      CreationTime: new Date(created),
      TrainingStartTime: new Date(created + 2000),
      ...(status === 'InProgress' ? {} : { TrainingEndTime: new Date(created + 2000 + duration) }),
      TunedHyperParameters: {
        learning_rate: lr.toPrecision(6),
        layers: String(layers),
        batch_size: batch,
        dropout: dropout.toPrecision(4),
      },
      ObjectiveStatus:
        status === 'Completed' || status === 'Stopped'
          ? 'Succeeded'
          : status === 'InProgress'
            ? 'Pending'
            : 'Failed',
      ...(status === 'Completed' || status === 'Stopped'
        ? {
            FinalHyperParameterTuningJobObjectiveMetric: {
              MetricName: 'validation:accuracy',
              Value: objective,
            },
          }
        : {}),
    };
    summaries.push(summary);
    if (
      summary.FinalHyperParameterTuningJobObjectiveMetric &&
      (!best || objective > best.FinalHyperParameterTuningJobObjectiveMetric.Value)
    )
      best = summary;
  }
  const count_ = (s) => summaries.filter((x) => x.TrainingJobStatus === s).length;
  const description = {
    HyperParameterTuningJobName: 'bench-tune',
    HyperParameterTuningJobArn:
      'arn:aws:sagemaker:local:000000000000:hyper-parameter-tuning-job/bench-tune',
    HyperParameterTuningJobStatus: 'InProgress',
    CreationTime: new Date(start),
    HyperParameterTuningJobConfig: {
      Strategy: 'Bayesian',
      HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:accuracy' },
      ResourceLimits: { MaxNumberOfTrainingJobs: count + 20, MaxParallelTrainingJobs: 8 },
      ParameterRanges: {
        ContinuousParameterRanges: [
          {
            Name: 'learning_rate',
            MinValue: '0.0001',
            MaxValue: '0.1',
            ScalingType: 'Logarithmic',
          },
          { Name: 'dropout', MinValue: '0', MaxValue: '0.5', ScalingType: 'Linear' },
        ],
        IntegerParameterRanges: [{ Name: 'layers', MinValue: '1', MaxValue: '6' }],
        CategoricalParameterRanges: [{ Name: 'batch_size', Values: ['32', '64', '128', '256'] }],
      },
      TuningJobCompletionCriteria: {
        TargetObjectiveMetricValue: 0.95,
        BestObjectiveNotImproving: { MaxNumberOfTrainingJobsNotImproving: 100 },
      },
    },
    TrainingJobStatusCounters: {
      Completed: count_('Completed'),
      InProgress: count_('InProgress'),
      RetryableError: 0,
      NonRetryableError: count_('Failed'),
      Stopped: count_('Stopped'),
    },
    ObjectiveStatusCounters: {
      Succeeded: count_('Completed') + count_('Stopped'),
      Pending: count_('InProgress'),
      Failed: count_('Failed'),
    },
    BestTrainingJob: best,
    TuningJobCompletionDetails: { NumberOfTrainingJobsObjectiveNotImproving: 12 },
    ConsumedResources: { RuntimeInSeconds: Math.round((count * 50_000) / 1000) },
  };
  return { description, summaries, now: start + count * 14_000 + 30_000 };
}
