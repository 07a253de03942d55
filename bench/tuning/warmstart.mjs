// `npm run bench:warmstart`: warm start versus cold. For each function and seed, a parent
// tuning job (Bayesian, 20 trials) runs first; then two children with the same seed and budget -
// one cold, one warm-started from the parent (IdenticalDataAndAlgorithm) - through the real
// tuner loop in-process. Reports the children's own best regret after 10 and after 50 of their
// trials. Needs `npm run build` (reads out/).
//   node bench/tuning/warmstart.mjs [--seeds 10] [--functions branin,hartmann3,hartmann6]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FUNCTIONS } from './functions.mjs';
import { arg, median, root, runJob, scratchStore } from './loop.mjs';

const seeds = Number(arg('seeds', 10));
const names = arg('functions', 'branin,hartmann3,hartmann6').split(',');
const out = arg('out', join(root, 'bench', 'results', 'warmstart.json'));
const PARENT_TRIALS = 20;
const CHILD_TRIALS = 50;
const CHECKPOINTS = [10, 50];

const bestAfter = (objectives, k, minimum) => Math.min(...objectives.slice(0, k)) - minimum;

const results = [];
for (const fnName of names) {
  const fn = FUNCTIONS.find((f) => f.name === fnName);
  for (let seed = 0; seed < seeds; seed++) {
    const scratch = scratchStore();
    try {
      await runJob(scratch, 'parent', fn, { seed, budget: PARENT_TRIALS });
      const childSeed = seed + 1000;
      const cold = await runJob(scratch, 'cold', fn, { seed: childSeed, budget: CHILD_TRIALS });
      const warm = await runJob(scratch, 'warm', fn, {
        seed: childSeed,
        budget: CHILD_TRIALS,
        warmStart: {
          WarmStartType: 'IdenticalDataAndAlgorithm',
          ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: 'parent' }],
        },
      });
      const row = { function: fnName, seed };
      for (const k of CHECKPOINTS) {
        row[`cold@${k}`] = bestAfter(cold.objectives, k, fn.minimum);
        row[`warm@${k}`] = bestAfter(warm.objectives, k, fn.minimum);
      }
      results.push(row);
      process.stderr.write(
        `${fnName} seed ${seed}: ${CHECKPOINTS.map((k) => `@${k} cold ${row[`cold@${k}`].toExponential(2)} warm ${row[`warm@${k}`].toExponential(2)}`).join('; ')}\n`,
      );
    } finally {
      scratch.remove();
    }
  }
}

console.log(
  `\nWarm start (IdenticalDataAndAlgorithm, parent ${PARENT_TRIALS} trials) vs cold, Bayesian, ${seeds} seeds`,
);
console.log(
  'function     median regret cold@10  warm@10   warm better@10  cold@50   warm@50   warm not worse@50',
);
const rows = names.map((fnName) => {
  const rs = results.filter((r) => r.function === fnName);
  const row = { function: fnName, seeds: rs.length };
  for (const k of CHECKPOINTS) {
    row[`cold@${k}`] = median(rs.map((r) => r[`cold@${k}`]));
    row[`warm@${k}`] = median(rs.map((r) => r[`warm@${k}`]));
  }
  row.warmBetterAt10 = rs.filter((r) => r['warm@10'] < r['cold@10']).length;
  row.warmNotWorseAt50 = rs.filter((r) => r['warm@50'] <= r['cold@50'] * 1.1 + 1e-12).length;
  const e = (v) => v.toExponential(2).padEnd(9);
  console.log(
    `${fnName.padEnd(12)} ${e(row['cold@10'])}              ${e(row['warm@10'])} ${`${row.warmBetterAt10}/${rs.length}`.padEnd(15)} ${e(row['cold@50'])} ${e(row['warm@50'])} ${row.warmNotWorseAt50}/${rs.length}`,
  );
  return row;
});
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ parentTrials: PARENT_TRIALS, childTrials: CHILD_TRIALS, rows, results }, null, 2)}\n`,
);
console.log(`\nWrote ${out}`);
