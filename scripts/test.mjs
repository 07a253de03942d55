// `npm test`: installs the test dependencies (scripts/test-deps.sh), builds, then runs the tiers
//   unit  node's test runner over out/test/unit/**/*.test.js
//   host  mocha inside a real VS Code extension host (test/harness/hostTests.ts)
//   ui    node's test runner over out/test/ui/**/*.test.js (Playwright against code-server)
// Each tier streams its output; the counts come from machine-readable reports (TAP files, the
// host results JSON), never from scraping the console. Ends with one line per tier and then
// exactly one line "N passed, N failed" summing them; exits non-zero if anything failed or a
// tier could not run (a tier that crashes counts as failed).
//
// Environment:
//   SMW_TEST_TIERS=unit,host,ui   tiers to run (default: all, in that order); tier names given
//                                 as arguments win: `node scripts/test.mjs host ui`
//   SMW_TEST_SKIP_DEPS=1          do not run scripts/test-deps.sh
//   SMW_TEST_SKIP_BUILD=1         do not run npm run build
//   SMW_TEST_TIER_TIMEOUT_MS=N    per-tier limit (default 30 minutes)
//   SMW_BUILD_OUT=DIR             where the build transpiles tests (default out/), as for
//                                 scripts/build.mjs: parallel work runs its own build's tests
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const ALL_TIERS = ['unit', 'host', 'ui'];
const TIER_TIMEOUT_MS = Number(process.env.SMW_TEST_TIER_TIMEOUT_MS) || 30 * 60_000;
const outDir = process.env.SMW_BUILD_OUT || 'out';

const say = (line) => process.stdout.write(`${line}\n`);
const banner = (title) => say(`\n=== ${title} ${'='.repeat(Math.max(3, 70 - title.length))}`);

// Everything a run starts carries SMW_TEST_RUN_ID in its environment (code-server, the
// extension host, Chromium, jobs the extension spawns...), whatever process group or session it
// moved to; after each step, and when we are interrupted, whatever still carries it is stopped.
// Temporary files of the tiers go to one run folder (TMPDIR), removed at the end.
const runDir = mkdtempSync(join(tmpdir(), 'smw-run-'));
const runId = basename(runDir);
const tierTmp = join(runDir, 'tmp');
mkdirSync(tierTmp);
const childEnv = { ...process.env, SMW_TEST_RUN_ID: runId };
let cleanedUp = false;
function removeRunDir() {
  if (cleanedUp) return;
  cleanedUp = true;
  rmSync(runDir, { recursive: true, force: true });
}
process.on('exit', removeRunDir);

/** Pids of live processes whose environment holds our SMW_TEST_RUN_ID (Linux /proc). */
function markedProcesses() {
  if (!existsSync('/proc')) return [];
  const marker = `SMW_TEST_RUN_ID=${runId}`;
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(marker))
        found.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

function signalPid(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** SIGTERM every marked process, SIGKILL those left after graceMs. Returns how many there were. */
async function sweep(graceMs = 3000) {
  const first = markedProcesses();
  if (first.length === 0) return 0;
  for (const pid of first) signalPid(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && markedProcesses().length > 0) await sleep(100);
  for (const pid of markedProcesses()) signalPid(pid, 'SIGKILL');
  return first.length;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    process.stderr.write(`\nscripts/test.mjs: ${signal}: stopping the tests\n`);
    sweep(3000).finally(() => {
      removeRunDir();
      process.kill(process.pid, signal);
    });
  });
}

/**
 * Runs command with args (no shell), output streamed to ours; on timeout its process group and
 * every marked process are stopped. Resolves { code, signal, timedOut, error, ms }.
 */
function run(command, args, { timeoutMs = TIER_TIMEOUT_MS, env = childEnv } = {}) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    });
    let timedOut = false;
    let settled = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.stderr.write(
        `\n${command} ${args.join(' ')}: no end within ${timeoutMs / 1000}s, stopping it\n`,
      );
      void sweep(5000);
    }, timeoutMs);
    const finish = async (code, signal, error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Nothing of the step may outlive it (a browser left by a crashed test file, a job...).
      const left = await sweep(3000);
      if (left > 0)
        process.stderr.write(
          `warning: stopped ${left} process(es) left behind by ${command} ${args.join(' ')}\n`,
        );
      resolve({ code, signal, timedOut, error, ms: Date.now() - started });
    };
    child.once('error', (error) => void finish(null, null, error));
    child.once('exit', (code, signal) => void finish(code, signal));
  });
}

function describeExit(result) {
  if (result.error) return `could not start: ${result.error.message}`;
  if (result.timedOut) return `timed out after ${Math.round(result.ms / 1000)}s`;
  if (result.signal) return `killed by ${result.signal}`;
  return `exit code ${result.code}`;
}

function findFiles(dir, suffix) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findFiles(full, suffix));
    else if (entry.name.endsWith(suffix)) found.push(full);
  }
  return found.sort();
}

/** Reads the summary of a TAP stream written by node's test runner ("# pass N" ...). */
function parseTapSummary(file) {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  const counts = {};
  for (const match of text.matchAll(
    /^# (tests|suites|pass|fail|cancelled|skipped|todo) (\d+)\s*$/gm,
  )) {
    counts[match[1]] = Number(match[2]); // the last summary wins (there is one per run)
  }
  if (counts.tests === undefined || counts.pass === undefined || counts.fail === undefined)
    return undefined;
  return counts;
}

/** A node --test tier over the *.test.js files under dir. */
async function nodeTestTier(name, dir, extraArgs = []) {
  const files = findFiles(dir, '.test.js');
  if (files.length === 0) {
    return {
      passed: 0,
      failed: 1,
      skipped: 0,
      note: `no *.test.js files under ${relative(root, dir)}/ (did the build run?)`,
    };
  }
  const tap = join(runDir, `${name}.tap`);
  const args = [
    '--test',
    ...extraArgs,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files.map((file) => relative(root, file)),
  ];
  const result = await run(process.execPath, args, { env: tierEnv });
  const counts = parseTapSummary(tap);
  if (!counts) {
    return {
      passed: 0,
      failed: 1,
      skipped: 0,
      ms: result.ms,
      note: `no test report (${describeExit(result)})`,
    };
  }
  const passed = counts.pass;
  let failed = counts.fail + (counts.cancelled ?? 0);
  const skipped = (counts.skipped ?? 0) + (counts.todo ?? 0);
  let note;
  if (result.code !== 0 && failed === 0) {
    failed = 1;
    note = `the runner failed (${describeExit(result)}) although no test did`;
  } else if (counts.tests === 0) {
    failed = Math.max(failed, 1);
    note = 'no tests ran';
  }
  return { passed, failed, skipped, ms: result.ms, note };
}

async function hostTier() {
  const entry = join(root, outDir, 'test', 'harness', 'hostTests.js');
  if (!existsSync(entry))
    return {
      passed: 0,
      failed: 1,
      skipped: 0,
      note: `${relative(root, entry)} missing (did the build run?)`,
    };
  const resultsFile = join(runDir, 'host.json');
  const result = await run(process.execPath, [entry, '--results', resultsFile], { env: tierEnv });
  if (!existsSync(resultsFile)) {
    return {
      passed: 0,
      failed: 1,
      skipped: 0,
      ms: result.ms,
      note: `no host results (${describeExit(result)})`,
    };
  }
  const host = JSON.parse(readFileSync(resultsFile, 'utf8'));
  let failed = host.failed;
  let note = host.harnessError;
  if (result.code !== 0 && failed === 0) {
    failed = 1;
    note = `the host run failed (${describeExit(result)}) although no test did`;
  } else if (host.passed + host.failed + host.pending === 0) {
    failed = 1;
    note = 'no tests ran';
  }
  return { passed: host.passed, failed, skipped: host.pending, ms: result.ms, note };
}

// The tiers' temporary files land in the run folder and go with it.
const tierEnv = { ...childEnv, TMPDIR: tierTmp };

const TIERS = {
  unit: () => nodeTestTier('unit', join(root, outDir, 'test', 'unit')),
  host: hostTier,
  // One file at a time: each UI test file starts its own code-server and Chromium.
  ui: () => nodeTestTier('ui', join(root, outDir, 'test', 'ui'), ['--test-concurrency=1']),
};

/** Tiers from the command line (`node scripts/test.mjs host ui`), else SMW_TEST_TIERS, else all. */
function selectedTiers() {
  const args = process.argv.slice(2);
  const raw = args.length > 0 ? args.join(',') : process.env.SMW_TEST_TIERS?.trim();
  if (!raw) return ALL_TIERS;
  const picked = raw
    .split(',')
    .map((tier) => tier.trim())
    .filter(Boolean);
  const unknown = picked.filter((tier) => !ALL_TIERS.includes(tier));
  if (unknown.length > 0) {
    process.stderr.write(
      `SMW_TEST_TIERS: unknown tier(s) ${unknown.join(', ')}; known: ${ALL_TIERS.join(', ')}\n`,
    );
    process.exit(2);
  }
  return ALL_TIERS.filter((tier) => picked.includes(tier));
}

const seconds = (ms) => `${((ms ?? 0) / 1000).toFixed(1)}s`;

async function main() {
  const tiers = selectedTiers();
  const results = new Map();
  const blocked = new Map(); // tier -> why it cannot run

  if (tiers.some((tier) => tier !== 'unit') && !process.env.SMW_TEST_SKIP_DEPS) {
    banner('test dependencies (scripts/test-deps.sh)');
    const deps = await run('bash', [join(root, 'scripts', 'test-deps.sh')], {
      timeoutMs: 20 * 60_000,
    });
    if (deps.code !== 0) {
      for (const tier of tiers)
        if (tier !== 'unit')
          blocked.set(tier, `scripts/test-deps.sh failed (${describeExit(deps)})`);
    }
  }
  if (!process.env.SMW_TEST_SKIP_BUILD) {
    banner('build (npm run build)');
    const build = await run('npm', ['run', 'build'], { timeoutMs: 10 * 60_000 });
    if (build.code !== 0)
      for (const tier of tiers) blocked.set(tier, `npm run build failed (${describeExit(build)})`);
  }

  for (const tier of tiers) {
    banner(`${tier} tests`);
    if (blocked.has(tier)) {
      say(`${tier}: not run: ${blocked.get(tier)}`);
      results.set(tier, {
        passed: 0,
        failed: 1,
        skipped: 0,
        ms: 0,
        note: `not run: ${blocked.get(tier)}`,
      });
      continue;
    }
    const started = Date.now();
    let result;
    try {
      result = await TIERS[tier]();
    } catch (error) {
      result = { passed: 0, failed: 1, skipped: 0, note: `crashed: ${error?.stack ?? error}` };
    }
    result.ms ??= Date.now() - started;
    results.set(tier, result);
  }

  say('');
  let passed = 0;
  let failed = 0;
  for (const [tier, result] of results) {
    passed += result.passed;
    failed += result.failed;
    const skipped = result.skipped ? `, ${result.skipped} skipped` : '';
    const note = result.note ? ` - ${result.note}` : '';
    say(
      `tier ${tier} ${result.passed} passed, ${result.failed} failed${skipped} in ${seconds(result.ms)}${note}`,
    );
  }
  say(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`scripts/test.mjs: ${error?.stack ?? error}\n`);
    say('0 passed, 1 failed');
    process.exitCode = 1;
  },
);
