// Smart sifting's profiled estimate before a run (no data): the top a job would build, timed
// with random features; its request checks; `runner.js sifting-estimate` spawned end to end;
// `smw estimate-sifting`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  estimateSiftingForRequest,
  parseSiftingEstimateRequest,
  type SiftingEstimateResult,
} from '../../src/engine/builtin/siftingEstimate';
import { runSiftingEstimateProcess } from '../../src/engine/builtin/siftingEstimateProcess';
import { REPO_ROOT } from './helpers';

/** The transpiled runner entry of this build (dist/runner.js is the bundled one). */
const RUNNER_MAIN = join(__dirname, '..', '..', 'src', 'engine', 'training', 'runnerMain.js');

function ok(result: SiftingEstimateResult) {
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result;
}

test('a heavy top: the saving is close to 1 - kept fraction, worthwhile', async () => {
  const result = ok(
    await estimateSiftingForRequest({
      algorithm: 'image-classification',
      hyperParameters: { top_hidden_layers: '2', top_hidden_units: '1024', batch_size: '64' },
      betas: [3],
    }),
  );
  assert.equal(result.backbone, 'glyph-cnn');
  assert.equal(result.featureSize, 256);
  assert.equal(result.batchSize, 64);
  assert.equal(result.augmentation, 'off');
  // glyph-cnn's pretrained 256 -> 128 block, two new 1024 blocks, a head of 10 classes.
  assert.equal(
    result.trainableWeights,
    256 * 128 + 128 + 128 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 * 10 + 10,
  );
  const [estimate] = result.estimates;
  assert.equal(estimate.beta, 3);
  assert.equal(estimate.keptFraction, 0.25);
  assert.equal(estimate.verdict, 'worthwhile');
  assert.ok(
    Math.abs(estimate.savingFraction - 0.75) < 0.2,
    `saving ${estimate.savingFraction.toFixed(3)}, expected close to 0.75`,
  );
  assert.ok(estimate.backwardShare > 0.6, `backward share ${estimate.backwardShare}`);
  assert.match(estimate.message, /^Smart sifting, beta 3: keeps ~25% of the samples/);
  assert.ok(result.notes.some((n) => /head of 10 classes/.test(n)));
});

test('a light top at a small beta saves little: the verdict is not "worthwhile"', async () => {
  // In this engine a light top over cached features still saves (its steps are mostly
  // per-step update work, run 1 / (1 + beta) as often); what saves little is a beta that keeps
  // nearly everything: beta 0.1 keeps ~91%.
  const result = ok(
    await estimateSiftingForRequest({
      algorithm: 'image-classification',
      hyperParameters: { train_only_top_layer: 'True', batch_size: '64' },
      betas: [0.1],
      classes: 4,
    }),
  );
  assert.equal(result.trainableWeights, 128 * 4 + 4, 'only the head trains');
  const [estimate] = result.estimates;
  assert.ok(estimate.savingFraction < 0.15, `saving ${estimate.savingFraction}`);
  assert.ok(['small', 'negative'].includes(estimate.verdict), estimate.verdict);
  assert.match(estimate.message, /saves little|SLOWER/);
  assert.ok(!result.notes.some((n) => /head of/.test(n)), 'classes were given');
});

test('augmentation=True times the backbone forward pass as batch preparation', async () => {
  const result = ok(
    await estimateSiftingForRequest({
      algorithm: 'image-classification',
      hyperParameters: { augmentation: 'True', batch_size: '16', sift_beta_value: '1' },
    }),
  );
  assert.equal(result.augmentation, 'included');
  assert.deepEqual(
    result.estimates.map((e) => e.beta),
    [1],
  );
  assert.ok(result.notes.some((n) => /augmentation=True/.test(n)));
  // A catalog backbone that is not downloaded: its forward pass is left out, and said so.
  const leftOut = ok(
    await withModelCache(join(REPO_ROOT, 'no-such-cache'), () =>
      estimateSiftingForRequest({
        algorithm: 'image-classification',
        hyperParameters: { augmentation: 'True', backbone: 'resnet18-v1-7', batch_size: '8' },
        betas: [1],
      }),
    ),
  );
  assert.equal(leftOut.featureSize, 512);
  assert.equal(leftOut.augmentation, 'left-out');
  assert.ok(leftOut.notes.some((n) => /not downloaded yet/.test(n)));
});

async function withModelCache<T>(dir: string, run: () => Promise<T>): Promise<T> {
  const before = process.env.SMW_MODEL_CACHE;
  process.env.SMW_MODEL_CACHE = dir;
  try {
    return await run();
  } finally {
    if (before === undefined) delete process.env.SMW_MODEL_CACHE;
    else process.env.SMW_MODEL_CACHE = before;
  }
}

test('invalid requests come back as clear errors; a user .onnx backbone is skipped', async () => {
  const error = async (request: unknown) => {
    const result = await estimateSiftingForRequest(request);
    assert.equal(result.ok, false);
    return result as Extract<SiftingEstimateResult, { ok: false }>;
  };
  assert.match(
    (await error({ algorithm: 'xgboost', hyperParameters: {}, betas: [1] })).error,
    /algorithm must be "image-classification" or "text-classification", not "xgboost"/,
  );
  assert.match(
    (await error({ algorithm: 'image-classification', hyperParameters: {} })).error,
    /give sift_beta_value in hyperParameters, or betas/,
  );
  assert.match(
    (await error({ algorithm: 'image-classification', hyperParameters: {}, betas: [0] })).error,
    /beta 0 is not a number > 0/,
  );
  assert.match(
    (
      await error({
        algorithm: 'image-classification',
        hyperParameters: { sift_beta_value: 'two' },
      })
    ).error,
    /sift_beta_value "two" is not a number > 0/,
  );
  assert.match(
    (
      await error({
        algorithm: 'image-classification',
        hyperParameters: { batch_size: 'x' },
        betas: [1],
      })
    ).error,
    /batch_size="x" is not a number/,
  );
  assert.match(
    (
      await error({
        algorithm: 'text-classification',
        hyperParameters: { backbone: 'glyph-cnn' },
        betas: [1],
      })
    ).error,
    /glyph-cnn" is a image model; local:text-classification needs a text model/,
  );
  assert.match(
    (await error({ algorithm: 'image-classification', hyperParameters: {}, betas: [1], x: 1 }))
      .error,
    /unexpected member "x"/,
  );
  const own = await error({
    algorithm: 'image-classification',
    hyperParameters: { backbone: '/models/mine.onnx' },
    betas: [1],
  });
  assert.equal(own.skipped, true);
  assert.match(own.error, /No estimate before the run for your own backbone/);
  const huge = await error({
    algorithm: 'image-classification',
    hyperParameters: { top_hidden_layers: '4', top_hidden_units: '8192' },
    betas: [1],
  });
  assert.equal(huge.skipped, true);
  assert.match(huge.error, /too many to profile quickly here/);
  // The request's own parse: numbers and booleans are taken as a request spells them.
  assert.deepEqual(
    parseSiftingEstimateRequest({
      algorithm: 'text-classification',
      hyperParameters: { batch_size: 8, augmentation: false, sift_beta_value: '2' },
    }),
    {
      algorithm: 'text-classification',
      hyperParameters: { batch_size: '8', augmentation: 'False', sift_beta_value: '2' },
      betas: [2],
      classes: 10,
    },
  );
});

test('runner.js sifting-estimate: the request on stdin or as an argument, one JSON line out', async () => {
  const request = {
    algorithm: 'text-classification' as const,
    hyperParameters: { batch_size: '32', top_hidden_units: '256' },
    betas: [1, 3],
  };
  const result = ok(await runSiftingEstimateProcess(request, { runnerPath: RUNNER_MAIN }));
  assert.equal(result.backbone, 'wordvec-en');
  assert.deepEqual(
    result.estimates.map((e) => e.beta),
    [1, 3],
  );
  for (const e of result.estimates) assert.ok(Number.isFinite(e.savingFraction));

  const bad = spawnSync(
    process.execPath,
    [RUNNER_MAIN, 'sifting-estimate', JSON.stringify({ ...request, betas: [-1] })],
    { encoding: 'utf8' },
  );
  assert.equal(bad.status, 1);
  const lines = bad.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const parsed = JSON.parse(lines[0]) as SiftingEstimateResult;
  assert.equal(parsed.ok, false);
  assert.match(parsed.ok ? '' : parsed.error, /beta -1 is not a number > 0/);
  const notJson = spawnSync(process.execPath, [RUNNER_MAIN, 'sifting-estimate', '{'], {
    encoding: 'utf8',
  });
  assert.match(notJson.stdout, /"ok":false,"error":"The request is not JSON/);
});

test('the process is killed at its timeout and when aborted', async () => {
  const request = {
    algorithm: 'image-classification' as const,
    hyperParameters: {},
    betas: [1],
  };
  const late = await runSiftingEstimateProcess(request, {
    runnerPath: RUNNER_MAIN,
    timeoutMs: 50,
  });
  assert.deepEqual(late, {
    ok: false,
    error: 'The profile took longer than 0.05 s and was stopped.',
  });
  const controller = new AbortController();
  const pending = runSiftingEstimateProcess(request, {
    runnerPath: RUNNER_MAIN,
    signal: controller.signal,
  });
  controller.abort();
  assert.deepEqual(await pending, { ok: false, error: 'Cancelled.' });
  const missing = await runSiftingEstimateProcess(request, {
    runnerPath: join(REPO_ROOT, 'no-such-runner.js'),
  });
  assert.equal(missing.ok, false);
  assert.match(missing.ok ? '' : missing.error, /without an answer: .*Cannot find module/);
});

test('smw estimate-sifting prints the result as JSON and the advice on stderr', () => {
  const smw = join(REPO_ROOT, 'bin', 'smw');
  const run = spawnSync(
    process.execPath,
    [
      smw,
      'estimate-sifting',
      '--algorithm',
      'image-classification',
      '--hyperparameters',
      '{"batch_size": 32, "top_hidden_layers": "1"}',
      '--beta',
      '2',
      '--classes',
      '3',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout) as SiftingEstimateResult;
  assert.ok(result.ok);
  assert.equal(result.classes, 3);
  assert.match(run.stderr, /^Smart sifting, beta 2: keeps ~33% of the samples/);
  const bad = spawnSync(
    process.execPath,
    [smw, 'estimate-sifting', '--algorithm', 'image-classification', '--beta', 'x'],
    { encoding: 'utf8' },
  );
  assert.equal(bad.status, 252);
  assert.match(bad.stderr, /--beta must be numbers separated by commas/);
});
