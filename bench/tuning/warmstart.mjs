// `npm run bench:warmstart`: warm start versus cold. For each function and seed, a cold child
// (Bayesian, 50 trials) runs beside warm children with the same seed and budget, one per warm
// start type, through the real tuner loop in-process:
//   IdenticalDataAndAlgorithm - the parent (20 trials) tuned the same function;
//   TransferLearning          - the parent (20 trials) tuned a related function: the same one
//                               with its inputs shifted by 5% of each range, so its optimum sits
//                               elsewhere (the parent's results are a prior that must not hurt
//                               late in the search).
// Reports the children's own best regret after 10 and after 50 of their trials, with paired
// signed-rank tests (warm better at 10, warm worse at 50). Needs
// `npm run build` (reads out/).
//   node bench/tuning/warmstart.mjs [--seeds 20] [--functions branin,hartmann3,hartmann6]
//     [--types IdenticalDataAndAlgorithm,TransferLearning] [--first-seed 0] [--out FILE]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FUNCTIONS } from './functions.mjs';
import { arg, median, root, runJob, scratchStore } from './loop.mjs';

// The paired Wilcoxon signed-rank test (exact below 50 pairs).
const wilcoxon = createRequire(import.meta.url)('@stdlib/stats-wilcoxon');
/** p of the one-sided signed-rank test that warm is `alternative` ('less': better) than cold. */
const signedRankP = (rs, k, alternative) =>
  wilcoxon(
    rs.map((r) => r[`warm@${k}`]),
    rs.map((r) => r[`cold@${k}`]),
    { alternative },
  ).pValue;

const seeds = Number(arg('seeds', 20));
const firstSeed = Number(arg('first-seed', 0));
const names = arg('functions', 'branin,hartmann3,hartmann6').split(',');
const types = arg('types', 'IdenticalDataAndAlgorithm,TransferLearning').split(',');
const out = arg('out', join(root, 'bench', 'results', 'warmstart.json'));
const PARENT_TRIALS = 20;
const CHILD_TRIALS = 50;
const CHECKPOINTS = [10, 50];
/** The related function a TransferLearning parent tunes: inputs shifted by this share of each range. */
const TRANSFER_SHIFT = 0.05;

const bestAfter = (objectives, k, minimum) => Math.min(...objectives.slice(0, k)) - minimum;

/** The function with its inputs shifted (clamped into the range): its optimum moves by the shift. */
function related(fn) {
  return {
    ...fn,
    evaluate: (x) =>
      fn.evaluate(
        Object.fromEntries(
          fn.space.map((p) => {
            const shifted = x[p.name] - TRANSFER_SHIFT * (p.max - p.min);
            return [p.name, Math.min(p.max, Math.max(p.min, shifted))];
          }),
        ),
      ),
  };
}

const results = [];
for (const fnName of names) {
  const fn = FUNCTIONS.find((f) => f.name === fnName);
  if (fn.space.some((p) => p.kind === 'Categorical'))
    throw new Error(`${fnName}: the warm-start bench shifts continuous inputs only.`);
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    const scratch = scratchStore();
    try {
      const childSeed = seed + 1000;
      const cold = await runJob(scratch, 'cold', fn, { seed: childSeed, budget: CHILD_TRIALS });
      for (const type of types) {
        const parent = `parent-${type}`;
        const parentFn = type === 'TransferLearning' ? related(fn) : fn;
        await runJob(scratch, parent, parentFn, { seed, budget: PARENT_TRIALS });
        const warm = await runJob(scratch, `warm-${type}`, fn, {
          seed: childSeed,
          budget: CHILD_TRIALS,
          warmStart: {
            WarmStartType: type,
            ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: parent }],
          },
        });
        const row = { function: fnName, type, seed };
        for (const k of CHECKPOINTS) {
          row[`cold@${k}`] = bestAfter(cold.objectives, k, fn.minimum);
          row[`warm@${k}`] = bestAfter(warm.objectives, k, fn.minimum);
        }
        results.push(row);
        process.stderr.write(
          `${fnName} ${type} seed ${seed}: ${CHECKPOINTS.map((k) => `@${k} cold ${row[`cold@${k}`].toExponential(2)} warm ${row[`warm@${k}`].toExponential(2)}`).join('; ')}\n`,
        );
      }
    } finally {
      scratch.remove();
    }
  }
}

// Partial runs (other seeds, run side by side) join the summary: --merge a.json,b.json.
for (const file of arg('merge', '').split(',').filter(Boolean))
  results.push(...JSON.parse(readFileSync(file, 'utf8')).results);

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
console.log(
  `\nWarm start (parent ${PARENT_TRIALS} trials) vs cold, Bayesian, the children's own best regret`,
);
console.log(
  'function     type                       seeds  cold@10   warm@10   better@10  p better@10  cold@50   warm@50   not worse@50  p worse@50  mean cold@50  mean warm@50',
);
const rows = names.flatMap((fnName) =>
  types.map((type) => {
    const rs = results.filter((r) => r.function === fnName && r.type === type);
    const row = { function: fnName, type, seeds: rs.length };
    for (const k of CHECKPOINTS) {
      row[`cold@${k}`] = median(rs.map((r) => r[`cold@${k}`]));
      row[`warm@${k}`] = median(rs.map((r) => r[`warm@${k}`]));
    }
    row['meanCold@50'] = mean(rs.map((r) => r['cold@50']));
    row['meanWarm@50'] = mean(rs.map((r) => r['warm@50']));
    // Run by run: warm ahead at 10; at 50 within 10% of the cold child or better.
    row.warmBetterAt10 = rs.filter((r) => r['warm@10'] < r['cold@10']).length;
    row.warmNotWorseAt50 = rs.filter((r) => r['warm@50'] <= r['cold@50'] * 1.1 + 1e-12).length;
    // Paired signed-rank tests: p that warm is better at 10, and that it is worse at 50.
    row.pWarmBetterAt10 = signedRankP(rs, 10, 'less');
    row.pWarmWorseAt50 = signedRankP(rs, 50, 'greater');
    const e = (v) => v.toExponential(2).padEnd(9);
    console.log(
      `${fnName.padEnd(12)} ${type.padEnd(26)} ${String(rs.length).padEnd(6)} ${e(row['cold@10'])} ${e(row['warm@10'])} ${`${row.warmBetterAt10}/${rs.length}`.padEnd(10)} ${row.pWarmBetterAt10.toFixed(4).padEnd(12)} ${e(row['cold@50'])} ${e(row['warm@50'])} ${`${row.warmNotWorseAt50}/${rs.length}`.padEnd(13)} ${row.pWarmWorseAt50.toFixed(3).padEnd(11)} ${e(row['meanCold@50'])}     ${e(row['meanWarm@50'])}`,
    );
    return row;
  }),
);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ parentTrials: PARENT_TRIALS, childTrials: CHILD_TRIALS, transferShift: TRANSFER_SHIFT, rows, results }, null, 2)}\n`,
);
console.log(`\nWrote ${out}`);
