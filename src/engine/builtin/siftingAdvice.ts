/**
 * Smart sifting's configuration and the advice before a run, as plain arithmetic: the expected
 * kept fraction 1 / (1 + beta) and the saving estimated from a profile of the actual top. No
 * ONNX Runtime and no Node modules, so the extension, the CLI and the panels' browser code can
 * use it; sifting.ts (the rule, the profile, the training loop) re-exports all of it.
 */

/** SageMaker's RelativeProbabilisticSiftConfig, as the `sift_*` hyperparameters give it. */
export interface SiftingConfig {
  /** beta_value: > 0; kept fraction 1 / (1 + beta). */
  readonly betaValue: number;
  /** loss_history_length: >= 1. */
  readonly lossHistoryLength: number;
  /** SiftingBaseConfig.sift_delay: training steps (batches) before sifting starts. */
  readonly siftDelay: number;
  /** SiftingBaseConfig.repeat_delay_per_epoch: the delay again at the start of every epoch. */
  readonly repeatDelayPerEpoch: boolean;
}

export type SiftingDesign = 'in-graph' | 'two-stage';

/** The design jobs use (the faster one measured: docs/smart-sifting.md). */
export const DEFAULT_SIFTING_DESIGN: SiftingDesign = 'in-graph';

/** The kept fraction the rule gives when losses are continuous and stationary: 1 / (1 + beta). */
export function expectedKeptFraction(beta: number): number {
  return 1 / (1 + beta);
}

// ------------------------------------------------------------------------------ the advice

/** A quick profile of the actual trainable top (profileSifting), in seconds. */
export interface SiftingProfile {
  readonly batchSize: number;
  /** One plain training step (forward, backward, update) on batchSize rows. */
  readonly stepSeconds: number;
  /** One forward pass on batchSize rows. */
  readonly forwardSeconds: number;
  /** Two-stage design: one backward + update on batchSize rows from saved activations. */
  readonly backwardSeconds?: number;
  /** Preparing one batch of batchSize rows (features, labels, masks): paid with or without sifting. */
  readonly prepareSeconds: number;
  /** In-graph design: its scoring batch (round(batchSize (1 + beta)))... */
  readonly scoringBatchSize?: number;
  /** ...preparing it... */
  readonly scoringPrepareSeconds?: number;
  /** ...and one sifted step on it: the forward of every row, the backward and update of the kept. */
  readonly siftedStepSeconds?: number;
}

export interface SiftingEstimate {
  readonly keptFraction: number;
  /** Share of training time saved per epoch once sifting runs (negative: slower). */
  readonly savingFraction: number;
  /** The same over the whole job, delay steps included (when the plan is known). */
  readonly jobSavingFraction?: number;
  /** Share of a plain step that is backward + update. */
  readonly backwardShare: number;
  readonly verdict: 'worthwhile' | 'small' | 'negative';
  /** One line for the job log, the CLI or the panel. */
  readonly message: string;
}

export interface SiftingPlan {
  readonly epochs: number;
  readonly samplesPerEpoch: number;
}

/** Below this estimated saving, the advice calls sifting not worth it. */
export const SMALL_SAVING = 0.15;

/**
 * The saving to expect from sifting, from a profile of the actual top (its forward and backward
 * passes). Per sample, plain training pays (prepare + step) / B. Two-stage: prepare + forward of
 * every sample + the backward and update of the kept ones, (prepare + forward + beta-kept share
 * of backward) / B. In-graph: a sifted step on the scoring batch S = B (1 + beta), which scores
 * S samples and runs the backward and update of about B, (prepare(S) + sifted step) / S - or,
 * without that measurement, forward(S) + the backward and update of B from a plain step.
 * Pure: the panel can call it with a profile it has.
 */
export function estimateSiftingSaving(
  profile: SiftingProfile,
  config: Pick<SiftingConfig, 'betaValue'> & Partial<SiftingConfig>,
  design: SiftingDesign = DEFAULT_SIFTING_DESIGN,
  plan?: SiftingPlan,
): SiftingEstimate {
  const b = profile.batchSize;
  const kept = expectedKeptFraction(config.betaValue);
  const prepareRow = profile.prepareSeconds / b;
  const plainRow = prepareRow + profile.stepSeconds / b;
  const backwardB = Math.max(
    0,
    profile.backwardSeconds ?? profile.stepSeconds - profile.forwardSeconds,
  );
  let siftedRow: number;
  if (design === 'two-stage') {
    siftedRow = prepareRow + profile.forwardSeconds / b + (kept * backwardB) / b;
  } else {
    const s = profile.scoringBatchSize ?? scoringBatchSize(b, config.betaValue);
    const prepareS = profile.scoringPrepareSeconds ?? prepareRow * s;
    const stepS =
      profile.siftedStepSeconds ?? (profile.forwardSeconds * s) / b + backwardB * ((kept * s) / b);
    siftedRow = (prepareS + stepS) / s;
  }
  const savingFraction = 1 - siftedRow / plainRow;
  const backwardShare = backwardB / Math.max(1e-12, profile.stepSeconds);
  let jobSavingFraction: number | undefined;
  if (plan && config.siftDelay !== undefined) {
    const stepsPerEpoch = Math.ceil(plan.samplesPerEpoch / b);
    const delayedSteps = config.repeatDelayPerEpoch
      ? Math.min(stepsPerEpoch, config.siftDelay) * plan.epochs
      : Math.min(stepsPerEpoch * plan.epochs, config.siftDelay);
    const delayedShare = Math.min(1, delayedSteps / Math.max(1, stepsPerEpoch * plan.epochs));
    jobSavingFraction = savingFraction * (1 - delayedShare);
  }
  const verdict: SiftingEstimate['verdict'] =
    savingFraction <= 0 ? 'negative' : savingFraction < SMALL_SAVING ? 'small' : 'worthwhile';
  const pct = (v: number) => `${(v * 100).toFixed(0)}%`;
  const sifted =
    design === 'in-graph' && profile.siftedStepSeconds !== undefined
      ? `, a sifted step of ${profile.scoringBatchSize} samples ${ms(profile.siftedStepSeconds)}`
      : design === 'two-stage' && profile.backwardSeconds !== undefined
        ? `, a backward + update of ${b} kept samples ${ms(profile.backwardSeconds)}`
        : '';
  const profileText =
    `one step of ${b} samples takes ${ms(profile.stepSeconds)}, its forward pass ${ms(profile.forwardSeconds)} ` +
    `(backward + update ${pct(backwardShare)} of the step)${sifted}; preparing a batch ${ms(profile.prepareSeconds)}`;
  const jobText =
    jobSavingFraction !== undefined && Math.abs(jobSavingFraction - savingFraction) > 0.005
      ? `; over this job, with the delay of ${config.siftDelay} steps: ${pct(jobSavingFraction)}`
      : '';
  const head = `Smart sifting, beta ${config.betaValue}: keeps ~${pct(kept)} of the samples; ${profileText}.`;
  const message =
    verdict === 'negative'
      ? `${head} Estimated saving ${pct(savingFraction)}: sifting would make this job SLOWER - the backward pass is too cheap here (a light top over cached features) for skipping it to pay for scoring every sample. Leave sift_beta_value unset, or use a heavier top.`
      : verdict === 'small'
        ? `${head} Estimated saving only ${pct(savingFraction)} of the training time per epoch${jobText}: the backward pass is a small part of this job (a light top over cached features), so sifting saves little and may cost accuracy.`
        : `${head} Estimated saving ${pct(savingFraction)} of the training time per epoch once sifting runs${jobText}.`;
  return { keptFraction: kept, savingFraction, jobSavingFraction, backwardShare, verdict, message };
}

function ms(seconds: number): string {
  return `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1)} ms`;
}

/** The in-graph design's scoring batch: about batchSize kept rows per step. */
export function scoringBatchSize(batchSize: number, beta: number): number {
  return Math.max(1, Math.round(batchSize * (1 + beta)));
}
