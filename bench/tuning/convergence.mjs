// `npm run bench:convergence`: what CompleteOnConvergence saves and what it gives up. Runs the
// real tuner loop (journal, strategy, completion criteria) in-process over functions with
// known minima, with and without ConvergenceDetected, same seeds: trials run, and simple
// regret at the stop versus after the whole budget. Needs `npm run build` (reads out/).
//   node bench/tuning/convergence.mjs [--seeds 10] [--budget 64] [--functions branin,hartmann3]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { FUNCTIONS } from './functions.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const { TuningJobStore } = require(join(root, 'out/src/engine/store/tuningJobStore.js'));
const { recordTuningJob, runTuningJob } = require(join(root, 'out/src/engine/tuning/tuner.js'));
const { functionTrialExecutor } = require(join(root, 'out/src/engine/tuning/functionExecutor.js'));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const seeds = Number(arg('seeds', 10));
const budget = Number(arg('budget', 64));
const names = arg('functions', 'branin,hartmann3,hartmann6').split(',');
const out = arg('out', join(root, 'bench', 'results', 'convergence.json'));

function request(dir, name, fn, seed, converge) {
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
      Strategy: 'Bayesian',
      RandomSeed: seed,
      HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'objective' },
      ResourceLimits: { MaxNumberOfTrainingJobs: budget, MaxParallelTrainingJobs: 1 },
      ParameterRanges: ranges,
      ...(converge
        ? {
            TuningJobCompletionCriteria: {
              ConvergenceDetected: { CompleteOnConvergence: 'Enabled' },
            },
          }
        : {}),
    },
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

async function run(fn, seed, converge) {
  const dir = mkdtempSync(join(tmpdir(), 'smw-conv-'));
  try {
    const store = new TuningJobStore(join(dir, 'store'));
    const name = `c${seed}`;
    recordTuningJob(store, request(dir, name, fn, seed, converge));
    const started = Date.now();
    const executor = functionTrialExecutor('objective', (hps) => fn.evaluate(parse(fn, hps)));
    await runTuningJob(store.root, name, executor, { handleSigterm: false });
    const state = store.read(name).state;
    const best = Math.min(...state.trials.map((t) => t.ended?.objective ?? Infinity));
    return {
      trials: state.trials.length,
      regret: best - fn.minimum,
      seconds: (Date.now() - started) / 1000,
      converged: Boolean(state.description.TuningJobCompletionDetails?.ConvergenceDetectedTime),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = [];
for (const fnName of names) {
  const fn = FUNCTIONS.find((f) => f.name === fnName);
  for (let seed = 0; seed < seeds; seed++) {
    const full = await run(fn, seed, false);
    const early = await run(fn, seed, true);
    results.push({ function: fnName, seed, full, early });
    process.stderr.write(
      `${fnName} seed ${seed}: full ${full.trials} trials regret ${full.regret.toExponential(2)}; convergence ${early.trials} trials regret ${early.regret.toExponential(2)}${early.converged ? '' : ' (not detected)'}\n`,
    );
  }
}

const rows = names.map((fnName) => {
  const rs = results.filter((r) => r.function === fnName);
  return {
    function: fnName,
    seeds: rs.length,
    detected: rs.filter((r) => r.early.converged).length,
    medianTrials: median(rs.map((r) => r.early.trials)),
    trialsSaved:
      1 - rs.reduce((a, r) => a + r.early.trials, 0) / rs.reduce((a, r) => a + r.full.trials, 0),
    medianRegretFull: median(rs.map((r) => r.full.regret)),
    medianRegretAtStop: median(rs.map((r) => r.early.regret)),
    within1pct: rs.filter((r) => r.early.regret <= 0.01 * Math.abs(fn_min(fnName)) + r.full.regret)
      .length,
  };
});
function fn_min(name) {
  return FUNCTIONS.find((f) => f.name === name).minimum;
}
console.log(`\nCompleteOnConvergence, Bayesian, budget ${budget}, ${seeds} seeds`);
console.log(
  'function     detected  median trials  trials saved  regret@budget  regret@stop  stop within 1% of full-budget best',
);
for (const r of rows) {
  console.log(
    `${r.function.padEnd(12)} ${`${r.detected}/${r.seeds}`.padEnd(9)} ${String(r.medianTrials).padEnd(14)} ${`${(100 * r.trialsSaved).toFixed(0)}%`.padEnd(13)} ${r.medianRegretFull.toExponential(2).padEnd(14)} ${r.medianRegretAtStop.toExponential(2).padEnd(12)} ${r.within1pct}/${r.seeds}`,
  );
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ budget, seeds, rows, results }, null, 2)}\n`);
console.log(`\nWrote ${out}`);
