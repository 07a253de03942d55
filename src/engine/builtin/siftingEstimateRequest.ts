/**
 * The request and answer of a profiled sifting estimate before a run (siftingEstimate.ts runs
 * it; `runner.js sifting-estimate` and `smw estimate-sifting` take it). Plain data and checks,
 * no ONNX Runtime and no Node modules: the extension, the CLI and the panels' browser code
 * import it.
 */
import type { SiftingEstimate } from './siftingAdvice';

export type SiftingEstimateAlgorithm = 'image-classification' | 'text-classification';

export interface SiftingEstimateRequest {
  algorithm: SiftingEstimateAlgorithm;
  /** The job's hyperparameters as a request spells them (strings; numbers and booleans are taken too). */
  hyperParameters: Record<string, string>;
  /** The betas to estimate at; default: sift_beta_value of the hyperparameters. */
  betas?: number[];
  /** Classes of the head; the data decides them in a job (default 10: the head is a small part). */
  classes?: number;
}

/** The estimate at one beta. */
export interface SiftingBetaEstimate {
  beta: number;
  keptFraction: number;
  /** Share of training time saved per epoch once sifting runs (negative: slower). */
  savingFraction: number;
  /** Share of a plain step that is backward + update. */
  backwardShare: number;
  verdict: SiftingEstimate['verdict'];
  /** The line the job would log. */
  message: string;
}

export type SiftingEstimateResult =
  | {
      ok: true;
      algorithm: SiftingEstimateAlgorithm;
      backbone: string;
      featureSize: number;
      classes: number;
      batchSize: number;
      /** Weights the top trains. */
      trainableWeights: number;
      /** With augmentation=True: whether the backbone's forward pass per batch was timed. */
      augmentation: 'off' | 'included' | 'left-out';
      estimates: SiftingBetaEstimate[];
      /** What the estimate assumes or leaves out, one sentence each. */
      notes: string[];
      /** Wall-clock seconds the profile took. */
      seconds: number;
    }
  | {
      ok: false;
      error: string;
      /** The estimate cannot be made before a run (not a mistake in the request). */
      skipped?: boolean;
    };

export const DEFAULT_ESTIMATE_CLASSES = 10;
const MAX_BETAS = 8;

/** Checks a request as JSON gives it; throws an Error naming what is wrong. */
export function parseSiftingEstimateRequest(value: unknown): SiftingEstimateRequest {
  const fail = (message: string): never => {
    throw new Error(`Invalid sifting estimate request: ${message}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('expected a JSON object {"algorithm", "hyperParameters", "betas"?, "classes"?}.');
  const request = value as Record<string, unknown>;
  for (const key of Object.keys(request)) {
    if (!['algorithm', 'hyperParameters', 'betas', 'classes'].includes(key))
      fail(`unexpected member ${JSON.stringify(key)}.`);
  }
  const algorithm = request.algorithm;
  if (algorithm !== 'image-classification' && algorithm !== 'text-classification')
    fail(
      `algorithm must be "image-classification" or "text-classification", not ${JSON.stringify(algorithm)}.`,
    );
  const raw = request.hyperParameters ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail('hyperParameters must be an object of name -> value.');
  const hyperParameters: Record<string, string> = {};
  for (const [name, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v === 'string') hyperParameters[name] = v;
    else if (typeof v === 'number' && Number.isFinite(v)) hyperParameters[name] = String(v);
    else if (typeof v === 'boolean') hyperParameters[name] = v ? 'True' : 'False';
    else fail(`hyperParameters.${name} must be a string, a number or true/false.`);
  }
  let betas: number[] | undefined;
  if (request.betas !== undefined) {
    if (!Array.isArray(request.betas) || request.betas.length === 0)
      fail('betas must be a non-empty array of numbers > 0.');
    betas = request.betas as number[];
  } else if (hyperParameters.sift_beta_value !== undefined) {
    const text = hyperParameters.sift_beta_value.trim();
    const beta = Number(text || Number.NaN);
    if (!Number.isFinite(beta) || beta <= 0)
      fail(`sift_beta_value ${JSON.stringify(text)} is not a number > 0 (1 keeps ~50%, 2 ~33%).`);
    betas = [beta];
  } else {
    fail('give sift_beta_value in hyperParameters, or betas.');
  }
  if (betas!.length > MAX_BETAS) fail(`at most ${MAX_BETAS} betas.`);
  for (const beta of betas!) {
    if (typeof beta !== 'number' || !Number.isFinite(beta) || beta <= 0 || beta > 1e6)
      fail(`beta ${JSON.stringify(beta)} is not a number > 0 (1 keeps ~50%, 2 ~33%).`);
  }
  const classes = request.classes ?? DEFAULT_ESTIMATE_CLASSES;
  if (typeof classes !== 'number' || !Number.isInteger(classes) || classes < 2 || classes > 100_000)
    fail(`classes must be a whole number from 2 to 100000, not ${JSON.stringify(classes)}.`);
  return {
    algorithm: algorithm as SiftingEstimateAlgorithm,
    hyperParameters,
    betas: [...new Set(betas!)],
    classes: classes as number,
  };
}
