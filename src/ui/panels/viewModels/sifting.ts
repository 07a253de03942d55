/**
 * The smart-sifting options of the built-in algorithms as a form: the four `sift_*`
 * hyperparameters checked as typed, the expected kept fraction 1 / (1 + beta) and the advice
 * that can be given before a run. Pure and browser-safe: the editor's webview runs it on every
 * keystroke, the extension runs it again before saving or launching, and the fine-tune
 * command's input box uses its summary.
 *
 * The saving in time needs a profile of the top: the job profiles its own before its first
 * epoch; the editor asks the extension for one on random features (siftingEstimateAsk, shown
 * by siftingEstimateLines).
 */
import { expectedKeptFraction, SMALL_SAVING } from '../../../engine/builtin/siftingAdvice';
import type {
  SiftingBetaEstimate,
  SiftingEstimateAlgorithm,
  SiftingEstimateResult,
} from '../../../engine/builtin/siftingEstimateRequest';

export const SIFT_HYPERPARAMETERS = [
  'sift_beta_value',
  'sift_loss_history_length',
  'sift_delay',
  'sift_repeat_delay_per_epoch',
] as const;
export type SiftHyperParameter = (typeof SIFT_HYPERPARAMETERS)[number];

/** The engine's own bounds (src/engine/builtin/hyperparameters.ts). */
const MAX_HISTORY = 1_000_000;
const MAX_DELAY = 2 ** 31 - 1;

export interface SiftingProblem {
  name: SiftHyperParameter;
  message: string;
}

export interface SiftingView {
  state: 'off' | 'on' | 'tuned' | 'invalid';
  beta?: number;
  /** 1 / (1 + beta). */
  keptFraction?: number;
  /** Kept fractions at the ends of a tuned beta's range (highest beta first). */
  keptRange?: [number, number];
  /** Expected share of backward passes skipped: 1 - kept fraction. */
  backwardPassesSaved?: number;
  /** One line: what sifting will do (or why it is off). */
  summary: string;
  /** The advice before a run, one sentence a line. */
  advice: string[];
  problems: SiftingProblem[];
}

const pct = (fraction: number) => `${Math.round(fraction * 100)}%`;

function wholeNumber(text: string, min: number, max: number): number | undefined {
  const n = Number(text.trim());
  return text.trim() !== '' && Number.isInteger(n) && n >= min && n <= max ? n : undefined;
}

/** The problems of the sift_* values as typed (names absent or empty: their defaults). */
export function checkSiftingValues(
  values: Readonly<Partial<Record<string, string>>>,
): SiftingProblem[] {
  const problems: SiftingProblem[] = [];
  const beta = values.sift_beta_value?.trim() ?? '';
  if (beta !== '') {
    const n = Number(beta);
    if (!Number.isFinite(n))
      problems.push({
        name: 'sift_beta_value',
        message: `sift_beta_value must be a number > 0, not ${JSON.stringify(beta)} (empty: no sifting).`,
      });
    else if (n <= 0)
      problems.push({
        name: 'sift_beta_value',
        message: `sift_beta_value must be > 0, not ${beta} (1 keeps ~50%, 2 ~33%; empty: no sifting).`,
      });
  }
  const history = values.sift_loss_history_length?.trim() ?? '';
  if (history !== '' && wholeNumber(history, 1, MAX_HISTORY) === undefined)
    problems.push({
      name: 'sift_loss_history_length',
      message: `sift_loss_history_length must be a whole number >= 1 (at most ${MAX_HISTORY.toLocaleString('en-US')}), not ${JSON.stringify(history)}.`,
    });
  const delay = values.sift_delay?.trim() ?? '';
  if (delay !== '' && wholeNumber(delay, 0, MAX_DELAY) === undefined)
    problems.push({
      name: 'sift_delay',
      message: `sift_delay must be a whole number >= 0 (training steps before sifting starts), not ${JSON.stringify(delay)}.`,
    });
  const repeat = values.sift_repeat_delay_per_epoch?.trim().toLowerCase() ?? '';
  if (repeat !== '' && !['true', 'false', '1', '0'].includes(repeat))
    problems.push({
      name: 'sift_repeat_delay_per_epoch',
      message: `sift_repeat_delay_per_epoch must be True or False, not ${JSON.stringify(values.sift_repeat_delay_per_epoch)}.`,
    });
  return problems;
}

export interface SiftingInput {
  /** The job's static hyperparameters (name -> value as typed). */
  values: Readonly<Record<string, string>>;
  /** The algorithm's defaults (the editor's BuiltinAlgorithmInfo.defaults). */
  defaults: Readonly<Record<string, string>>;
  /** sift_beta_value as a tuning range, when it is tuned. */
  tuned?: { min: string; max: string } | { values: string };
}

/** What the sifting options say for these hyperparameters. */
export function siftingView(input: SiftingInput): SiftingView {
  const { values, defaults } = input;
  const problems = checkSiftingValues(values);
  const value = (name: string) => (values[name] ?? '').trim() || (defaults[name] ?? '').trim();
  if (input.tuned) {
    const betas = (
      'values' in input.tuned ? input.tuned.values.split(',') : [input.tuned.min, input.tuned.max]
    )
      .map((v) => Number(v.trim()))
      .filter((b) => Number.isFinite(b) && b > 0);
    if (betas.length === 0)
      return {
        state: 'tuned',
        summary: 'sift_beta_value is tuned: its range decides the kept fraction.',
        advice: [],
        problems,
      };
    const low = expectedKeptFraction(Math.max(...betas));
    const high = expectedKeptFraction(Math.min(...betas));
    return {
      state: 'tuned',
      keptRange: [low, high],
      summary: `sift_beta_value is tuned: each training job keeps between ~${pct(low)} and ~${pct(high)} of the samples.`,
      advice: ruleOfThumb(values, defaults),
      problems,
    };
  }
  const betaText = (values.sift_beta_value ?? '').trim();
  if (betaText === '') {
    const ignored = SIFT_HYPERPARAMETERS.filter(
      (name) =>
        name !== 'sift_beta_value' &&
        (values[name] ?? '').trim() !== '' &&
        (values[name] ?? '').trim().toLowerCase() !== (defaults[name] ?? '').trim().toLowerCase(),
    );
    return {
      state: 'off',
      summary: 'Sifting is off: every sample trains. Set sift_beta_value (> 0) to turn it on.',
      advice: ignored.length
        ? [
            `${ignored.join(', ')} ${ignored.length === 1 ? 'does' : 'do'} nothing while sift_beta_value is empty.`,
          ]
        : [],
      problems,
    };
  }
  if (problems.some((p) => p.name === 'sift_beta_value'))
    return {
      state: 'invalid',
      summary: 'Sifting: fix sift_beta_value first.',
      advice: [],
      problems,
    };
  const beta = Number(betaText);
  const kept = expectedKeptFraction(beta);
  const advice = ruleOfThumb(values, defaults);
  const delay = wholeNumber(value('sift_delay'), 0, MAX_DELAY);
  const batch = wholeNumber(value('batch_size'), 1, MAX_DELAY);
  if (delay !== undefined && delay > 0) {
    const repeat = ['true', '1'].includes(value('sift_repeat_delay_per_epoch').toLowerCase());
    advice.push(
      `The first ${delay.toLocaleString('en-US')} training steps` +
        (batch
          ? ` (${(delay * batch).toLocaleString('en-US')} samples at batch_size ${batch})`
          : '') +
        ` train on every sample${repeat ? ', again at the start of every epoch' : ''}: a short job saves less.`,
    );
  }
  return {
    state: 'on',
    beta,
    keptFraction: kept,
    backwardPassesSaved: 1 - kept,
    summary: `Keeps ~${pct(kept)} of the samples (1 / (1 + ${beta})): ~${pct(1 - kept)} fewer backward passes once sifting runs.`,
    advice,
    problems,
  };
}

/** What can be said before the job has profiled its top (docs/smart-sifting.md). */
function ruleOfThumb(
  values: Readonly<Record<string, string>>,
  defaults: Readonly<Record<string, string>>,
): string[] {
  const value = (name: string) => (values[name] ?? '').trim() || (defaults[name] ?? '').trim();
  const lines = [
    'Sifting only pays where backward passes (and optimizer updates) dominate a training step: a heavy trainable top (top_hidden_layers, top_hidden_units) saves most; with a light top over cached features the steps are cheap and the time saved is small.',
  ];
  if (['true', '1'].includes(value('augmentation').toLowerCase()))
    lines.push(
      'augmentation=True sends every batch through the backbone: that forward work is paid for every sample scored, so sifting saves less.',
    );
  lines.push(
    'Before its first epoch the job profiles its top and logs the estimated saving; the sift: metrics then show what it kept and saved. Loss-based selection favours hard (and mislabelled) samples: watch the validation accuracy.',
  );
  return lines;
}

/** One line for the fine-tune command's input box when sift_beta_value is given. */
export function siftingInputMessage(
  values: Readonly<Record<string, string>>,
  defaults: Readonly<Record<string, string>> = {},
): string | undefined {
  if ((values.sift_beta_value ?? '').trim() === '') return undefined;
  const view = siftingView({ values, defaults });
  if (view.state !== 'on') return undefined;
  return `Smart sifting: ${view.summary} ${view.advice[0]}`;
}

// ------------------------------------------------------------------ the profiled estimate

/** The hyperparameters the profiled estimate depends on (the top's shape, its step, its batches). */
export const PROFILED_HYPERPARAMETERS = [
  'backbone',
  'batch_size',
  'top_hidden_units',
  'top_hidden_layers',
  'train_only_top_layer',
  'dropout_rate',
  'optimizer',
  'augmentation',
] as const;

export interface SiftingEstimateAsk {
  request: {
    algorithm: SiftingEstimateAlgorithm;
    hyperParameters: Record<string, string>;
    betas: number[];
  };
  /** Tuned hyperparameters the estimate takes at their static value or default instead. */
  tunedAtDefault: string[];
}

/**
 * What to ask the extension's profile for: the static hyperparameters (sift_* left out: the
 * saving per epoch does not depend on them) and the chosen beta, or a tuned range's ends.
 * Undefined when there is no valid beta.
 */
export function siftingEstimateAsk(
  algorithm: SiftingEstimateAlgorithm,
  input: SiftingInput,
  tunedNames: readonly string[] = [],
): SiftingEstimateAsk | undefined {
  const view = siftingView(input);
  let betas: number[];
  if (view.state === 'on' && view.beta !== undefined) betas = [view.beta];
  else if (view.state === 'tuned' && input.tuned) {
    const valid = (
      'values' in input.tuned ? input.tuned.values.split(',') : [input.tuned.min, input.tuned.max]
    )
      .map((v) => (v.trim() === '' ? Number.NaN : Number(v.trim())))
      .filter((b) => Number.isFinite(b) && b > 0);
    if (valid.length === 0) return undefined;
    betas = [...new Set([Math.min(...valid), Math.max(...valid)])];
  } else return undefined;
  const hyperParameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.values)) {
    const key = name.trim();
    if (!key || value.trim() === '' || key.startsWith('sift_')) continue;
    hyperParameters[key] = value;
  }
  const tuned = new Set(tunedNames.map((n) => n.trim()));
  return {
    request: { algorithm, hyperParameters, betas },
    tunedAtDefault: PROFILED_HYPERPARAMETERS.filter((n) => tuned.has(n)),
  };
}

export interface EstimateLine {
  text: string;
  tone: 'plain' | 'warning' | 'error' | 'muted';
}

/** The estimate as lines beside the sifting options: the saving per beta, the verdict, the notes. */
export function siftingEstimateLines(
  result: SiftingEstimateResult,
  tunedAtDefault: readonly string[] = [],
): EstimateLine[] {
  if (!result.ok)
    return [
      result.skipped
        ? { text: result.error, tone: 'muted' }
        : { text: `Could not estimate the saving: ${result.error}`, tone: 'error' },
    ];
  const lines: EstimateLine[] = [];
  for (const e of result.estimates) {
    lines.push({
      text: `Estimated saving per epoch at beta ${e.beta}: ${pct(e.savingFraction)} of training time (backward passes and updates are ${pct(e.backwardShare)} of a step on this machine).`,
      tone: e.verdict === 'worthwhile' ? 'plain' : 'warning',
    });
  }
  const worst = result.estimates.reduce<SiftingBetaEstimate | undefined>(
    (w, e) => (!w || e.savingFraction < w.savingFraction ? e : w),
    undefined,
  );
  if (worst?.verdict === 'negative')
    lines.push({
      text: `At beta ${worst.beta} sifting would make training SLOWER: scoring every sample costs more than the backward passes it skips. Leave sift_beta_value empty, or use a heavier top.`,
      tone: 'warning',
    });
  else if (worst?.verdict === 'small')
    lines.push({
      text: `At beta ${worst.beta} sifting saves little (below ${pct(SMALL_SAVING)}): the backward passes it skips are a small part of the time here, and loss-based selection may cost accuracy.`,
      tone: 'warning',
    });
  if (tunedAtDefault.length > 0)
    lines.push({
      text: `${tunedAtDefault.join(', ')} ${tunedAtDefault.length === 1 ? 'is' : 'are'} tuned: estimated at the static value or default.`,
      tone: 'muted',
    });
  for (const note of result.notes) lines.push({ text: note, tone: 'muted' });
  return lines;
}
