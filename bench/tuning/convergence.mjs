// `npm run bench:convergence`: what CompleteOnConvergence saves and what it gives up. The real
// tuner loop in-process (bench/tuning/loop.mjs), Bayesian, with and without
// ConvergenceDetected, same seeds: trials run, and simple regret at the stop versus after the
// whole budget. Needs `npm run build` (reads out/).
//   node bench/tuning/convergence.mjs [--seeds 10] [--budget 64] [--functions branin,hartmann3]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FUNCTIONS } from './functions.mjs';
import { arg, median, root, runJob, scratchStore } from './loop.mjs';

const seeds = Number(arg('seeds', 10));
const budget = Number(arg('budget', 64));
const names = arg('functions', 'branin,hartmann3,hartmann6').split(',');
const out = arg('out', join(root, 'bench', 'results', 'convergence.json'));
const CONVERGE = { ConvergenceDetected: { CompleteOnConvergence: 'Enabled' } };

async function run(fn, seed, converge) {
  const scratch = scratchStore();
  try {
    const { state, objectives } = await runJob(scratch, `c${seed}`, fn, {
      seed,
      budget,
      criteria: converge ? CONVERGE : undefined,
    });
    return {
      trials: objectives.length,
      regret: Math.min(...objectives) - fn.minimum,
      converged: Boolean(state.description.TuningJobCompletionDetails?.ConvergenceDetectedTime),
    };
  } finally {
    scratch.remove();
  }
}

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
