// The editor's profiled smart-sifting estimate: what the webview asks for (the chosen beta or a
// tuned range's ends), the protocol's checks both ways, the lines shown, and the extension's
// queue (one profile process at a time, stale answers dropped).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { validate } from '../../src/ui/panels/protocol/check';
import {
  editorInbound,
  siftingEstimateMessage,
  type EditorOutbound,
} from '../../src/ui/panels/protocol/editor';
import { siftingEstimateAsk, siftingEstimateLines } from '../../src/ui/panels/viewModels/sifting';
import { SiftingEstimates } from '../../src/ui/panels/siftingEstimates';
import type { SiftingEstimateResult } from '../../src/engine/builtin/siftingEstimateRequest';

const RUNNER_MAIN = join(__dirname, '..', '..', 'src', 'engine', 'training', 'runnerMain.js');
const defaults = { sift_loss_history_length: '500', sift_delay: '1000', batch_size: '32' };

test('the ask: the chosen beta or a tuned range ends, the static hyperparameters without sift_*', () => {
  const values = {
    sift_beta_value: ' 2 ',
    sift_delay: '10',
    top_hidden_layers: '2',
    batch_size: '',
    '': 'x',
  };
  assert.deepEqual(
    siftingEstimateAsk('image-classification', { values, defaults }, ['learning_rate']),
    {
      request: {
        algorithm: 'image-classification',
        hyperParameters: { top_hidden_layers: '2' },
        betas: [2],
      },
      tunedAtDefault: [],
    },
  );
  // Off, invalid: nothing to ask.
  assert.equal(siftingEstimateAsk('image-classification', { values: {}, defaults }), undefined);
  assert.equal(
    siftingEstimateAsk('image-classification', { values: { sift_beta_value: '0' }, defaults }),
    undefined,
  );
  // Tuned: the range's ends (a categorical list's smallest and largest).
  const tuned = siftingEstimateAsk(
    'text-classification',
    { values: { batch_size: '64' }, defaults, tuned: { min: '3', max: '0.5' } },
    ['sift_beta_value', 'top_hidden_units', 'batch_size'],
  );
  assert.deepEqual(tuned?.request.betas, [0.5, 3]);
  assert.deepEqual(tuned?.tunedAtDefault, ['batch_size', 'top_hidden_units']);
  assert.deepEqual(
    siftingEstimateAsk('text-classification', {
      values: {},
      defaults,
      tuned: { values: '1, 2, x, 4' },
    })?.request.betas,
    [1, 4],
  );
  assert.equal(
    siftingEstimateAsk('text-classification', {
      values: {},
      defaults,
      tuned: { min: '', max: '' },
    }),
    undefined,
  );
});

const estimated: SiftingEstimateResult = {
  ok: true,
  algorithm: 'image-classification',
  backbone: 'glyph-cnn',
  featureSize: 256,
  classes: 10,
  batchSize: 64,
  trainableWeights: 34186,
  augmentation: 'off',
  estimates: [
    {
      beta: 1,
      keptFraction: 0.5,
      savingFraction: 0.4321,
      backwardShare: 0.9,
      verdict: 'worthwhile',
      message: 'Smart sifting, beta 1: ...',
    },
    {
      beta: 0.1,
      keptFraction: 1 / 1.1,
      savingFraction: 0.05,
      backwardShare: 0.88,
      verdict: 'small',
      message: 'Smart sifting, beta 0.1: ...',
    },
  ],
  notes: ['A head of 10 classes (the data decides it in the job).'],
  seconds: 1.2,
};

test('the protocol: estimateSifting in, siftingEstimate out, each checked', () => {
  const ask = {
    type: 'estimateSifting',
    seq: 3,
    request: { algorithm: 'image-classification', hyperParameters: { a: '1' }, betas: [1, 3] },
  };
  assert.equal(validate(editorInbound, ask).ok, true);
  const bad = (value: unknown, pattern: RegExp) => {
    const result = validate(editorInbound, value);
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.problem, pattern);
  };
  bad({ ...ask, seq: -1 }, /seq should be at least 0/);
  bad({ ...ask, request: { ...ask.request, algorithm: 'xgboost' } }, /algorithm should be one of/);
  bad({ ...ask, request: { ...ask.request, hyperParameters: { a: 1 } } }, /hyperParameters\.a/);
  bad({ ...ask, request: { ...ask.request, betas: [1, 2, 3, 4, 5, 6, 7, 8, 9] } }, /more than 8/);
  bad({ ...ask, request: { ...ask.request, extra: true } }, /unexpected member "extra"/);

  const answer: EditorOutbound = { type: 'siftingEstimate', seq: 3, result: estimated };
  assert.equal(validate(siftingEstimateMessage, answer).ok, true);
  const failed = { type: 'siftingEstimate', seq: 4, result: { ok: false, error: 'x' } };
  assert.equal(validate(siftingEstimateMessage, failed).ok, true);
  assert.equal(
    validate(siftingEstimateMessage, {
      ...failed,
      result: { ok: false, error: 'x', skipped: true },
    }).ok,
    true,
  );
  const wrong = (value: unknown, pattern: RegExp) => {
    const result = validate(siftingEstimateMessage, value);
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.problem, pattern);
  };
  wrong({ ...failed, result: { ok: 'yes', error: 'x' } }, /result\.ok should be true or false/);
  wrong({ ...failed, result: { ok: false } }, /result\.error should be a string/);
  wrong(
    { ...answer, result: { ...estimated, estimates: [{ beta: 1 }] } },
    /estimates\[0\]\.keptFraction/,
  );
  wrong({ ...answer, result: { ...estimated, verdict: 'great' } }, /unexpected member "verdict"/);
  wrong({ ...answer, type: 'validation' }, /type should be one of "siftingEstimate"/);
});

test('the lines: the saving per beta, the verdict of the worst, tuned settings and notes', () => {
  const lines = siftingEstimateLines(estimated, ['batch_size']);
  assert.deepEqual(lines, [
    {
      text: 'Estimated saving per epoch at beta 1: 43% of training time (backward passes and updates are 90% of a step on this machine).',
      tone: 'plain',
    },
    {
      text: 'Estimated saving per epoch at beta 0.1: 5% of training time (backward passes and updates are 88% of a step on this machine).',
      tone: 'warning',
    },
    {
      text: 'At beta 0.1 sifting saves little (below 15%): the backward passes it skips are a small part of the time here, and loss-based selection may cost accuracy.',
      tone: 'warning',
    },
    { text: 'batch_size is tuned: estimated at the static value or default.', tone: 'muted' },
    { text: 'A head of 10 classes (the data decides it in the job).', tone: 'muted' },
  ]);
  const slower = siftingEstimateLines({
    ...estimated,
    estimates: [{ ...estimated.estimates[0], savingFraction: -0.2, verdict: 'negative' }],
    notes: [],
  });
  assert.match(slower[0].text, /at beta 1: -20% of training time/);
  assert.match(slower[1].text, /would make training SLOWER/);
  assert.deepEqual(siftingEstimateLines({ ok: false, error: 'boom' }), [
    { text: 'Could not estimate the saving: boom', tone: 'error' },
  ]);
  assert.deepEqual(siftingEstimateLines({ ok: false, error: 'own backbone', skipped: true }), [
    { text: 'own backbone', tone: 'muted' },
  ]);
});

test('the queue: one profile at a time, a newer ask replaces the running one', async () => {
  const posted: Extract<EditorOutbound, { type: 'siftingEstimate' }>[] = [];
  const estimates = new SiftingEstimates(RUNNER_MAIN, (m) => posted.push(m));
  const request = (betas: number[]) => ({
    algorithm: 'text-classification' as const,
    hyperParameters: { batch_size: '16' },
    betas,
  });
  estimates.request(1, request([1]));
  estimates.request(2, request([2]));
  await estimates.idle;
  assert.deepEqual(
    posted.map((m) => m.seq),
    [2],
  );
  const [answer] = posted;
  assert.ok(answer.result.ok);
  assert.deepEqual(answer.result.ok && answer.result.estimates.map((e) => e.beta), [2]);
  assert.equal(validate(siftingEstimateMessage, answer).ok, true);
  // After dispose nothing is posted.
  estimates.dispose();
  estimates.request(3, request([1]));
  await estimates.idle;
  assert.equal(posted.length, 1);
});
