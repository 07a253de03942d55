/**
 * The smart-sifting options of the built-in algorithms as a form: the four `sift_*`
 * hyperparameters checked as typed, the expected kept fraction 1 / (1 + beta) and the advice
 * that can be given before a run. Pure and browser-safe: the editor's webview runs it on every
 * keystroke, the extension runs it again before saving or launching, and the fine-tune
 * command's input box uses its summary.
 *
 * The saving in time needs a profile of the actual top (estimateSiftingSaving, which the job
 * runs before its first epoch and logs); before a run only the rule of thumb is honest.
 */
import { expectedKeptFraction } from '../../../engine/builtin/siftingAdvice';

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
