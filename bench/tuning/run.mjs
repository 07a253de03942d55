// Benchmark of the tuning strategies (not a test): simple regret on known functions for our
// Bayesian and Random strategies and, side by side, Optuna's TPESampler and GPSampler, plus
// the Bayesian strategy's suggestion latency. Needs `npm run build` first (imports out/);
// `npm run bench:tuning` does both.
//
//   node bench/tuning/run.mjs [--seeds 20] [--budgets 16,32,64,128] [--functions a,b]
//        [--strategies bayesian,random,tpe,gp] [--no-peers] [--cached-peers] [--no-latency]
//        [--latency-sizes 50,200,500] [--out bench/results/tuning.json]
//
// Peers run in a Python venv under ~/.cache/sagemaker-workbench-bench (created on first use
// from the configured pip index); their runs are cached there by sampler, function, seed,
// budget and Optuna version, since GPSampler takes minutes per run (--cached-peers: report the
// cached runs only, start none). Each sequential run goes
// to the largest budget once; smaller budgets are its prefixes.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { FUNCTIONS } from './functions.mjs';
import { benchCacheDir, peerPython } from '../peers.mjs';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const require = (await import('node:module')).createRequire(import.meta.url);
const outDir = join(root, process.env.SMW_BUILD_OUT || 'out', 'src', 'engine');
if (!existsSync(join(outDir, 'tuning', 'strategies', 'bayesian', 'index.js'))) {
  console.error('out/ is missing the strategies: run `npm run build` first.');
  process.exit(2);
}
const { bayesianSearch } = require(join(outDir, 'tuning', 'strategies', 'bayesian', 'index.js'));
const { randomSearch } = require(join(outDir, 'tuning', 'strategies', 'randomSearch.js'));
const { Random } = require(join(outDir, 'util', 'random.js'));

// ---------------------------------------------------------------------------------- options
function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const flag = (name) => process.argv.includes(`--${name}`);
const seeds = Number(option('seeds', '20'));
const budgets = option('budgets', '16,32,64,128').split(',').map(Number);
const maxBudget = Math.max(...budgets);
const functionNames = option('functions', FUNCTIONS.map((f) => f.name).join(',')).split(',');
const strategyNames = option('strategies', 'bayesian,random,tpe,gp').split(',');
const latencySizes = flag('no-latency')
  ? []
  : option('latency-sizes', '50,200,500').split(',').map(Number);
const outFile = option('out', join(root, 'bench', 'results', 'tuning.json'));
const cacheDir = benchCacheDir;
const functions = functionNames.map((name) => {
  const f = FUNCTIONS.find((g) => g.name === name);
  if (!f) throw new Error(`unknown function ${name}`);
  return f;
});

const OURS = { bayesian: bayesianSearch, random: randomSearch };
const PEERS = { tpe: 'TPE', gp: 'GP' };

// ------------------------------------------------------------------------------ our runs
/** One sequential run: objective values in trial order and suggestion times (ms). */
function runOurs(strategy, fn, seed) {
  const space = { parameters: fn.space };
  const random = new Random(seed);
  const history = [];
  const values = [];
  const millis = [];
  for (let t = 0; t < maxBudget; t++) {
    const start = performance.now();
    const configuration = strategy.suggest(history, { space, random, budget: maxBudget });
    millis.push(performance.now() - start);
    const value = fn.evaluate(configuration);
    history.push({ id: `t${t}`, configuration, state: 'completed', objective: value });
    values.push(value);
  }
  return { values, millis };
}

// ---------------------------------------------------------------------------------- peers
const venvPython = () => peerPython();

function optunaVersion(python) {
  const result = spawnSync(python, ['-c', 'import optuna; print(optuna.__version__)']);
  return String(result.stdout).trim();
}

/** Checks that Python evaluates the functions as we do, at a few random points. */
function crossCheck(python) {
  const cases = [];
  const random = new Random(7);
  for (const fn of functions) {
    for (let k = 0; k < 3; k++) {
      const params = {};
      for (const p of fn.space) {
        if (p.kind === 'Categorical') params[p.name] = p.values[random.int(p.values.length)];
        else if (p.kind === 'Integer') params[p.name] = p.min + random.int(p.max - p.min + 1);
        else params[p.name] = p.min + random.next() * (p.max - p.min);
      }
      cases.push([fn, params]);
    }
  }
  const script = join(root, 'bench', 'tuning', 'optuna_peer.py');
  const payload = JSON.stringify(cases.map(([fn, params]) => [fn.name, params]));
  const result = spawnSync(python, [script, '--check', payload]);
  const theirs = JSON.parse(String(result.stdout));
  cases.forEach(([fn, params], i) => {
    const ours = fn.evaluate(params);
    if (Math.abs(ours - theirs[i]) > 1e-9 * Math.max(1, Math.abs(ours)))
      throw new Error(`${fn.name} differs in Python: ${ours} vs ${theirs[i]}`);
  });
}

function peerCacheFile(version, sampler, fn, seed) {
  return join(cacheDir, 'peers', `optuna-${version}`, `${sampler}-${fn.name}-${seed}.json`);
}

function cachedPeer(version, sampler, fn, seed) {
  const file = peerCacheFile(version, sampler, fn, seed);
  if (!existsSync(file)) return undefined;
  const run = JSON.parse(readFileSync(file, 'utf8'));
  return run.values.length >= maxBudget ? run : undefined;
}

/** Runs the missing peer runs in one Python process (in the background of our runs). */
function startPeers(python, version, jobs) {
  if (jobs.length === 0) return Promise.resolve();
  const script = join(root, 'bench', 'tuning', 'optuna_peer.py');
  const payload = jobs.map(({ sampler, fn, seed }) => ({
    sampler,
    function: fn.name,
    seed,
    budget: maxBudget,
    space: fn.space,
  }));
  console.log(`Running ${jobs.length} Optuna runs in the background...`);
  const child = spawn(python, [script, JSON.stringify(payload)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONWARNINGS: 'ignore' },
  });
  let buffer = '';
  let done = 0;
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      const run = JSON.parse(line);
      const fn = functions.find((f) => f.name === run.function);
      const file = peerCacheFile(version, run.sampler, fn, run.seed);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(run));
      done++;
      if (done % 10 === 0) console.log(`  Optuna: ${done}/${jobs.length} runs done`);
    }
  });
  return new Promise((resolve, reject) =>
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`optuna_peer.py exited with ${code}`)),
    ),
  );
}

// ------------------------------------------------------------------------------ statistics
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  // Equal ends first: Infinity - Infinity would be NaN.
  return s[lo] === s[hi] ? s[lo] : s[lo] + (s[hi] - s[lo]) * (pos - lo);
};
const median = (xs) => quantile(xs, 0.5);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

function regretCurve(values, minimum) {
  const curve = [];
  let best = Infinity;
  for (const v of values) {
    best = Math.min(best, v);
    curve.push(Math.max(0, best - minimum));
  }
  return curve;
}

/** Evaluations until the regret is <= target (Infinity if never within the run). */
function evaluationsTo(curve, target) {
  const i = curve.findIndex((r) => r <= target);
  return i < 0 ? Infinity : i + 1;
}

// -------------------------------------------------------------------------------- latency
function latency(sizes) {
  const fns = ['hartmann6', 'mixedBranin'].map((name) => FUNCTIONS.find((f) => f.name === name));
  const rows = [];
  for (const fn of fns) {
    for (const n of sizes) {
      const space = { parameters: fn.space };
      const random = new Random(1000 + n);
      const history = [];
      for (let t = 0; t < n; t++) {
        const configuration = randomSearch.suggest(history, { space, random });
        history.push({
          id: `t${t}`,
          configuration,
          state: 'completed',
          objective: fn.evaluate(configuration),
        });
      }
      const repeats = n >= 500 ? 5 : 9;
      const times = [];
      for (let r = 0; r < repeats; r++) {
        const start = performance.now();
        bayesianSearch.suggest(history, { space, random: new Random(r) });
        times.push(performance.now() - start);
      }
      rows.push({ function: fn.name, observations: n, medianMs: median(times), times });
      console.log(`  latency ${fn.name} n=${n}: median ${median(times).toFixed(1)} ms`);
    }
  }
  return rows;
}

// ----------------------------------------------------------------------------------- main
const fmt = (x) =>
  !Number.isFinite(x) ? '    inf' : x === 0 ? '      0' : x.toExponential(1).padStart(7);

async function main() {
  const runs = {}; // runs[strategy][function] = [{values, millis}]
  let peerPromise = Promise.resolve();
  let peerVersion;
  const wantedPeers = strategyNames.filter((s) => s in PEERS);
  if (wantedPeers.length > 0 && !flag('no-peers')) {
    const python = venvPython();
    if (!python) {
      console.log('NOTICE: no Python venv with optuna/torch could be set up: peers skipped.');
    } else {
      peerVersion = optunaVersion(python);
      crossCheck(python);
      const jobs = [];
      for (const s of wantedPeers)
        for (const fn of functions)
          for (let seed = 0; seed < seeds; seed++)
            if (!cachedPeer(peerVersion, PEERS[s], fn, seed))
              jobs.push({ sampler: PEERS[s], fn, seed });
      if (flag('cached-peers')) {
        if (jobs.length > 0) console.log(`NOTICE: ${jobs.length} peer runs not cached: left out.`);
      } else peerPromise = startPeers(python, peerVersion, jobs);
    }
  }

  for (const name of strategyNames.filter((s) => s in OURS)) {
    runs[name] = {};
    for (const fn of functions) {
      const started = performance.now();
      runs[name][fn.name] = [];
      for (let seed = 0; seed < seeds; seed++)
        runs[name][fn.name].push(runOurs(OURS[name], fn, seed));
      const secs = (performance.now() - started) / 1000;
      const curves = runs[name][fn.name].map((r) => regretCurve(r.values, fn.minimum));
      const medians = budgets.map((b) => `@${b} ${fmt(median(curves.map((c) => c[b - 1])))}`);
      console.log(
        `${name} ${fn.name}: ${seeds} runs in ${secs.toFixed(1)} s; median regret ${medians.join(' ')}`,
      );
    }
  }
  const latencyRows = strategyNames.includes('bayesian') ? latency(latencySizes) : [];

  await peerPromise;
  if (peerVersion) {
    for (const s of wantedPeers) {
      runs[s] = {};
      for (const fn of functions) {
        runs[s][fn.name] = [];
        for (let seed = 0; seed < seeds; seed++) {
          const run = cachedPeer(peerVersion, PEERS[s], fn, seed);
          if (run)
            runs[s][fn.name].push({
              values: run.values.slice(0, maxBudget),
              millis: run.seconds.map((x) => x * 1000),
            });
        }
      }
    }
  }

  // Summaries.
  const summary = [];
  for (const fn of functions) {
    const randomCurves = (runs.random?.[fn.name] ?? []).map((r) =>
      regretCurve(r.values, fn.minimum),
    );
    const randomTarget = randomCurves.length
      ? median(randomCurves.map((c) => c[maxBudget - 1]))
      : undefined;
    for (const s of Object.keys(runs)) {
      const list = runs[s][fn.name];
      if (!list || list.length === 0) continue;
      const curves = list.map((r) => regretCurve(r.values, fn.minimum));
      const row = { function: fn.name, strategy: s, seeds: list.length, budgets: {} };
      for (const b of budgets) {
        const at = curves.map((c) => c[b - 1]);
        row.budgets[b] = {
          median: median(at),
          mean: mean(at),
          q25: quantile(at, 0.25),
          q75: quantile(at, 0.75),
        };
      }
      row.evaluationsTo = {};
      for (const target of [1e-1, 1e-2, 1e-3])
        row.evaluationsTo[target] = median(curves.map((c) => evaluationsTo(c, target)));
      if (randomTarget !== undefined) {
        row.randomFinalRegret = randomTarget;
        row.evaluationsToRandomFinal = median(curves.map((c) => evaluationsTo(c, randomTarget)));
      }
      row.medianSuggestMs = median(list.flatMap((r) => r.millis));
      summary.push(row);
    }
  }

  // Table.
  const budgetHeads = budgets.map((b) => `med@${b}`.padStart(8)).join(' ');
  console.log(
    `\n${'function'.padEnd(12)} ${'strategy'.padEnd(9)} ${budgetHeads}  ${'mean@' + maxBudget}  evals->1e-3  evals->rand@${maxBudget}  ms/sugg`,
  );
  for (const row of summary) {
    const cells = budgets.map((b) => fmt(row.budgets[b].median).padStart(8)).join(' ');
    console.log(
      `${row.function.padEnd(12)} ${row.strategy.padEnd(9)} ${cells}  ${fmt(row.budgets[maxBudget].mean)}  ${String(row.evaluationsTo[1e-3]).padStart(11)}  ${String(row.evaluationsToRandomFinal ?? '-').padStart(14)}  ${row.medianSuggestMs.toFixed(1).padStart(7)}`,
    );
  }
  if (latencyRows.length) {
    console.log('\nBayesian suggestion latency (random history, median ms):');
    for (const r of latencyRows)
      console.log(
        `  ${r.function.padEnd(12)} n=${String(r.observations).padEnd(4)} ${r.medianMs.toFixed(1)} ms`,
      );
  }

  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(
    outFile,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        optuna: peerVersion ?? null,
        seeds,
        budgets,
        functions: functions.map((f) => ({ name: f.name, minimum: f.minimum, space: f.space })),
        summary,
        latency: latencyRows,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nWrote ${outFile}`);
}

await main();
