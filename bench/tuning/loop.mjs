// The real tuner loop in-process over benchmark functions (journal, strategy, completion
// criteria, warm start), shared by the convergence and warm-start benches. Reads out/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const { TuningJobStore } = require(
  join(root, process.env.SMW_BUILD_OUT || 'out', 'src/engine/store/tuningJobStore.js'),
);
const { recordTuningJob, runTuningJob } = require(
  join(root, process.env.SMW_BUILD_OUT || 'out', 'src/engine/tuning/tuner.js'),
);
const { functionTrialExecutor } = require(
  join(root, process.env.SMW_BUILD_OUT || 'out', 'src/engine/tuning/functionExecutor.js'),
);

/** A CreateHyperParameterTuningJob request over a benchmark function's space. */
export function tuningRequest(
  dir,
  name,
  fn,
  { seed, budget, strategy = 'Bayesian', criteria, warmStart },
) {
  const code = join(dir, 'code');
  mkdirSync(code, { recursive: true });
  writeFileSync(join(code, 'noop.sh'), '#!/bin/sh\n', { mode: 0o755 });
  const ranges = {
    ContinuousParameterRanges: [],
    IntegerParameterRanges: [],
    CategoricalParameterRanges: [],
  };
  for (const p of fn.space) {
    if (p.kind === 'Categorical')
      ranges.CategoricalParameterRanges.push({ Name: p.name, Values: p.values });
    else
      ranges[`${p.kind}ParameterRanges`].push({
        Name: p.name,
        MinValue: String(p.min),
        MaxValue: String(p.max),
        ScalingType: p.scaling,
      });
  }
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      Strategy: strategy,
      RandomSeed: seed,
      HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'objective' },
      ResourceLimits: { MaxNumberOfTrainingJobs: budget, MaxParallelTrainingJobs: 1 },
      ParameterRanges: ranges,
      ...(criteria ? { TuningJobCompletionCriteria: criteria } : {}),
    },
    ...(warmStart ? { WarmStartConfig: warmStart } : {}),
    TrainingJobDefinition: {
      StaticHyperParameters: { sagemaker_program: 'noop.sh', sagemaker_submit_directory: code },
      AlgorithmSpecification: {
        TrainingImage: 'local:process',
        TrainingInputMode: 'File',
        MetricDefinitions: [{ Name: 'objective', Regex: 'objective=(\\S+)' }],
      },
      RoleArn: 'arn:aws:iam::123456789012:role/Bench',
      OutputDataConfig: { S3OutputPath: `file://${join(dir, 'output')}` },
      StoppingCondition: { MaxRuntimeInSeconds: 60 },
    },
  };
}

const parse = (fn, hps) =>
  Object.fromEntries(
    fn.space.map((p) => [p.name, p.kind === 'Categorical' ? hps[p.name] : Number(hps[p.name])]),
  );

/** A store folder for a group of jobs (warm-start parents and children share one). */
export function scratchStore() {
  const dir = mkdtempSync(join(tmpdir(), 'smw-bench-'));
  return {
    dir,
    store: new TuningJobStore(join(dir, 'store')),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs one tuning job to its end; returns its trials' objectives in launch order and its state. */
export async function runJob(scratch, name, fn, options) {
  recordTuningJob(scratch.store, tuningRequest(scratch.dir, name, fn, options));
  const executor = functionTrialExecutor('objective', (hps) => fn.evaluate(parse(fn, hps)));
  await runTuningJob(scratch.store.root, name, executor, { handleSigterm: false });
  const state = scratch.store.read(name).state;
  return { state, objectives: state.trials.map((t) => t.ended?.objective ?? Infinity) };
}

export const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
