// `npm run bench:s3`: the Datasets view's S3 operations on a bucket of 100,000 objects served
// by moto (the AWS emulator) on loopback, through the project's own S3Datasets (reads out/, or
// $SMW_BUILD_OUT). Measures the first page of a prefix (goal <= 1 s), a prefix search over the
// whole bucket (goal <= 2 s), "Load more" through a folder, and the heap while paging through
// every object (goal: flat). Prints a table and writes bench/results/s3.json.
//   node --expose-gc bench/s3/run.mjs [--objects 100000] [--classes 100] [--repeat 5]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const outDir = process.env.SMW_BUILD_OUT || 'out';
const { S3Datasets } = require(join(root, outDir, 'src/backends/aws/s3/s3Datasets.js'));

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const OBJECTS = Number(arg('objects', 100_000));
const CLASSES = Number(arg('classes', 100));
const REPEAT = Number(arg('repeat', 5));
const OUT = arg('out', join(root, 'bench', 'results', 's3.json'));
const BUCKET = 'bench-datasets';
const GOALS = { firstPageMs: 1000, searchMs: 2000, heapGrowthMB: 10 };

// Dummy credentials only; nothing read from the user's ~/.aws.
const home = mkdtempSync(join(tmpdir(), 'smw-bench-s3-'));
for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_CONFIG_FILE: join(home, 'config'),
  AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** moto with the bucket filled in-process (bench/s3/moto_bulk.py); resolves once serving. */
async function startMoto(port) {
  const started = Date.now();
  const child = spawn(
    'python3',
    [
      join(root, 'bench', 's3', 'moto_bulk.py'),
      String(port),
      BUCKET,
      String(OBJECTS),
      String(CLASSES),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'], detached: true },
  );
  let stderr = '';
  child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
  await new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (c) => {
      stdout += c;
      if (stdout.includes('READY')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`moto_bulk.py exited with ${code}: ${stderr}`)));
    setTimeout(
      () => reject(new Error(`moto_bulk.py not ready after 10 minutes: ${stderr}`)),
      600_000,
    ).unref();
  });
  return {
    url: `http://127.0.0.1:${port}`,
    fillMs: Date.now() - started,
    stop() {
      child.stdin.end();
      setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }, 3000).unref();
    },
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** First (cold) and median of `REPEAT` warm runs, in ms. */
async function timed(name, goalMs, run) {
  const times = [];
  let detail;
  for (let i = 0; i <= REPEAT; i++) {
    const t = performance.now();
    detail = await run();
    times.push(performance.now() - t);
  }
  const row = {
    name,
    firstMs: Math.round(times[0]),
    medianMs: Math.round(median(times.slice(1))),
    maxMs: Math.round(Math.max(...times)),
    detail,
    goalMs,
  };
  row.meetsGoal = goalMs === undefined ? undefined : row.medianMs <= goalMs;
  process.stderr.write(`${name}: ${row.medianMs} ms (first ${row.firstMs} ms) - ${detail}\n`);
  return row;
}

async function searchAll(datasets, uri, text, maxItems) {
  let matched = 0;
  let truncated = false;
  for await (const batch of datasets.search(uri, text, { maxItems })) {
    matched = batch.matched;
    truncated = batch.truncated;
  }
  return `${matched}${truncated ? '+' : ''} matches`;
}

const heapMB = () => {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / (1024 * 1024);
};

const loadAtStart = Number(loadavg()[0].toFixed(2));
const python = spawnSync('python3', ['-c', 'import moto; print(moto.__version__)'], {
  encoding: 'utf8',
});
if (python.status !== 0) {
  process.stderr.write(
    `bench:s3 needs moto_server (pip install "moto[server]"): ${python.stderr}\n`,
  );
  process.exit(2);
}
const motoVersion = python.stdout.trim();

process.stderr.write(`filling a moto bucket with ${OBJECTS} objects...\n`);
const moto = await startMoto(await freePort());
const datasets = new S3Datasets({ region: 'us-east-1', endpointUrl: moto.url, maxAttempts: 2 });
const classUri = `s3://${BUCKET}/images/class-042/`;
const perClass = Math.ceil(OBJECTS / CLASSES);
const rows = [];
let heap;
try {
  rows.push(
    await timed('first page: bucket root', GOALS.firstPageMs, async () => {
      const page = await datasets.list(`s3://${BUCKET}/`);
      return `${page.entries.length} entries`;
    }),
    await timed(`first page: images/ (${CLASSES} prefixes)`, GOALS.firstPageMs, async () => {
      const page = await datasets.list(`s3://${BUCKET}/images/`);
      return `${page.entries.length} entries`;
    }),
    await timed('first page: one class, 200 keys (the view)', GOALS.firstPageMs, async () => {
      const page = await datasets.list(classUri, { pageSize: 200 });
      return `${page.entries.length} entries, more: ${Boolean(page.nextToken)}`;
    }),
    await timed('first page: one class, 1000 keys', GOALS.firstPageMs, async () => {
      const page = await datasets.list(classUri, { pageSize: 1000 });
      return `${page.entries.length} entries`;
    }),
    await timed(
      `Load more through one class (${perClass} keys, pages of 200)`,
      undefined,
      async () => {
        let token;
        let pages = 0;
        do {
          const page = await datasets.list(classUri, {
            pageSize: 200,
            ...(token ? { token } : {}),
          });
          token = page.nextToken;
          pages++;
        } while (token);
        return `${pages} pages`;
      },
    ),
    await timed('prefix search from the root: images/class-042/', GOALS.searchMs, () =>
      searchAll(datasets, `s3://${BUCKET}/`, 'images/class-042/', 1000),
    ),
    await timed('prefix search from the root: images/class-042/0004', GOALS.searchMs, () =>
      searchAll(datasets, `s3://${BUCKET}/`, 'images/class-042/0004', 1000),
    ),
    await timed('prefix search with no match', GOALS.searchMs, () =>
      searchAll(datasets, `s3://${BUCKET}/`, 'images/class-999/', 1000),
    ),
  );

  // Paging through every object, keeping nothing: the heap must stay flat.
  process.stderr.write(`paging through all ${OBJECTS} objects...\n`);
  const samples = [];
  const pageMs = [];
  const base = heapMB();
  let seen = 0;
  let last = performance.now();
  const started = last;
  for await (const batch of datasets.search(`s3://${BUCKET}/`, '', { maxItems: Infinity })) {
    seen += batch.entries.length;
    const now = performance.now();
    pageMs.push(now - last);
    last = now;
    samples.push(Number(heapMB().toFixed(2)));
    if (samples.length % 10 === 0)
      process.stderr.write(`  ${seen} objects, heap ${samples.at(-1)} MB\n`);
  }
  const firstTen = samples.slice(0, 10);
  const lastTen = samples.slice(-10);
  heap = {
    objects: seen,
    pages: samples.length,
    totalMs: Math.round(performance.now() - started),
    medianPageMs: Math.round(median(pageMs)),
    baseMB: Number(base.toFixed(2)),
    minMB: Math.min(...samples),
    maxMB: Math.max(...samples),
    growthMB: Number((median(lastTen) - median(firstTen)).toFixed(2)),
    samplesMB: samples,
    gcExposed: typeof globalThis.gc === 'function',
  };
  heap.meetsGoal = heap.growthMB <= GOALS.heapGrowthMB && seen === OBJECTS;
} finally {
  datasets.dispose();
  moto.stop();
}

const pad = (s, n) => String(s).padEnd(n);
const padLeft = (s, n) => String(s).padStart(n);
console.log(
  `\nS3 datasets on moto ${motoVersion}: ${OBJECTS} objects (${CLASSES} prefixes of ${perClass}); ` +
    `${cpus().length} CPUs, load average ${loadAtStart} at start, ${loadavg()[0].toFixed(2)} at the end`,
);
console.log(
  `${pad('operation', 58)}${padLeft('median ms', 10)}${padLeft('first ms', 10)}${padLeft('goal', 8)}  result`,
);
for (const r of rows) {
  const goal = r.goalMs === undefined ? '' : `<=${r.goalMs}`;
  const verdict = r.meetsGoal === undefined ? '' : r.meetsGoal ? 'ok' : 'MISSED';
  console.log(
    `${pad(r.name, 58)}${padLeft(r.medianMs, 10)}${padLeft(r.firstMs, 10)}${padLeft(goal, 8)}  ${verdict} ${r.detail}`,
  );
}
console.log(
  `\nPaging through all ${heap.objects} objects: ${heap.pages} pages in ${(heap.totalMs / 1000).toFixed(1)} s ` +
    `(median ${heap.medianPageMs} ms a page); heap ${heap.minMB}-${heap.maxMB} MB, growth first->last 10 pages ` +
    `${heap.growthMB} MB (goal <= ${GOALS.heapGrowthMB}): ${heap.meetsGoal ? 'flat' : 'NOT FLAT'}` +
    (heap.gcExposed ? '' : ' (run with --expose-gc for exact figures)'),
);

mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(
  OUT,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
      // Other work on the machine slows moto (single-threaded Python) directly.
      loadAverage1m: Number(loadavg()[0].toFixed(2)),
      loadAverageAtStart1m: loadAtStart,
      moto: motoVersion,
      objects: OBJECTS,
      classes: CLASSES,
      repeat: REPEAT,
      fillMs: moto.fillMs,
      goals: GOALS,
      operations: rows,
      paging: heap,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote ${OUT}`);
