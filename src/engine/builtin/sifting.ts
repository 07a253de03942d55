/**
 * Smart sifting for the built-in algorithms: SageMaker's RelativeProbabilisticSiftConfig
 * (Selective Backprop) on the local training graphs. Each sample's loss comes from the forward
 * pass; pct = the share of the last `sift_loss_history_length` losses strictly below it; the
 * sample is kept with probability pct^beta (expected kept fraction 1 / (1 + beta)); kept
 * samples accumulate into training batches; nothing is sifted during the first `sift_delay`
 * steps (again each epoch with `sift_repeat_delay_per_epoch`).
 *
 * No second forward pass: the forward pass that scores a sample also feeds the backward of the
 * kept ones, in one of two designs (docs/smart-sifting.md has the measurements):
 *  - 'in-graph': one step graph scores a batch of round(batch_size * (1 + beta)) samples,
 *    applies the rule in the graph (loss history and uniform numbers are inputs) and runs the
 *    backward and the update on the kept rows only (about batch_size of them).
 *  - 'two-stage': a forward graph returns the losses and the per-row activations the backward
 *    reads; kept rows are copied into a full batch of batch_size, then a backward + update graph
 *    runs on it (training/graph/twoStage.ts).
 *
 * Also here: the honest advice before a run (estimateSiftingSaving from a profile of one
 * forward and one backward step), the live statistics printed as `sift:` metrics, and the
 * state a checkpoint keeps (loss history, counters).
 */
import { BUILTIN_METRICS } from '../../model/builtinAlgorithms';
import * as ort from 'onnxruntime-node';
import { validationError } from '../../model/errors';
import { Random } from '../util/random';
import type { GraphTrainer } from '../training/graph/session';
import { KEPT_ROWS, PER_SAMPLE_LOSS } from '../training/graph/step';
import type { SavedTensor } from '../training/graph/twoStage';
import {
  defaultHyperParameters,
  SIFT_SETTINGS,
  type BuiltinAlgorithm,
  type BuiltinHyperParameters,
} from './hyperparameters';
import {
  DEFAULT_SIFTING_DESIGN,
  estimateSiftingSaving,
  expectedKeptFraction,
  scoringBatchSize,
  type SiftingConfig,
  type SiftingDesign,
  type SiftingEstimate,
  type SiftingPlan,
  type SiftingProfile,
} from './siftingAdvice';

// The configuration and the advice are plain arithmetic, in a module of their own that the
// extension and the panels load without ONNX Runtime.
export * from './siftingAdvice';

// ------------------------------------------------------------------------------ configuration

/**
 * What decides a sample's fate: smart sifting's rule, or (for benchmarks) a control that keeps
 * each sample with probability 1 / (1 + beta) whatever its loss.
 */
export type SiftingRule = 'relative-probabilistic' | 'uniform';

/** The sifting configuration of a job's hyperparameters; undefined when sifting is off. */
export function siftingConfigOf(hps: BuiltinHyperParameters): SiftingConfig | undefined {
  if (hps.sift_beta_value === undefined) return undefined;
  return {
    betaValue: hps.sift_beta_value,
    lossHistoryLength: hps.sift_loss_history_length,
    siftDelay: hps.sift_delay,
    repeatDelayPerEpoch: hps.sift_repeat_delay_per_epoch,
  };
}

/**
 * The sift_* settings a job gives other values than the defaults while sifting is off
 * (sift_beta_value unset): they do nothing, and the job says so. (Editors send every default,
 * so set-but-default is not worth a word.)
 */
export function ignoredSiftingSettings(
  hps: BuiltinHyperParameters,
  algorithm: BuiltinAlgorithm,
): string[] {
  if (hps.sift_beta_value !== undefined) return [];
  const defaults = defaultHyperParameters(algorithm);
  return SIFT_SETTINGS.filter((name) => hps[name] !== defaults[name]);
}

// ------------------------------------------------------------------------------ the rule

/**
 * The last `capacity` per-sample losses: a ring buffer (their order) and a sorted copy (counts
 * below a value by binary search). Values are float32, as the training graphs compute them.
 */
export class LossHistory {
  private readonly ring: Float32Array;
  private readonly sorted: Float32Array;
  private count = 0;
  private next = 0;

  constructor(readonly capacity: number) {
    this.ring = new Float32Array(capacity);
    this.sorted = new Float32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(value: number): void {
    const v = Math.fround(value);
    if (Number.isNaN(v)) return;
    if (this.count === this.capacity) {
      const old = this.ring[this.next];
      const at = lowerBound(this.sorted, this.count, old);
      this.sorted.copyWithin(at, at + 1, this.count);
      this.count--;
    }
    this.ring[this.next] = v;
    this.next = (this.next + 1) % this.capacity;
    const at = lowerBound(this.sorted, this.count, v);
    this.sorted.copyWithin(at + 1, at, this.count);
    this.sorted[at] = v;
    this.count++;
  }

  pushAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.push(values[i]);
  }

  /** How many stored losses are strictly below `value`. */
  countBelow(value: number): number {
    return lowerBound(this.sorted, this.count, Math.fround(value));
  }

  /** The stored losses, ascending (a view: copy to keep). */
  ascending(): Float32Array {
    return this.sorted.subarray(0, this.count);
  }

  /** The stored losses, oldest first (a copy; for checkpoints). */
  inOrder(): Float32Array {
    const out = new Float32Array(this.count);
    const start = this.count === this.capacity ? this.next : 0;
    for (let i = 0; i < this.count; i++) out[i] = this.ring[(start + i) % this.capacity];
    return out;
  }

  quantile(q: number): number {
    if (this.count === 0) return NaN;
    return this.sorted[Math.min(this.count - 1, Math.floor(q * this.count))];
  }
}

function lowerBound(sorted: Float32Array, count: number, value: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The relative probabilistic rule. A batch's samples are judged against the history as it was
 * before the batch; then the batch's losses join the history.
 */
export class RelativeProbabilisticSifter {
  readonly history: LossHistory;

  constructor(
    readonly beta: number,
    historyLength: number,
    readonly rule: SiftingRule = 'relative-probabilistic',
  ) {
    this.history = new LossHistory(historyLength);
  }

  /** pct^beta, pct = share of the history strictly below `loss` (1 with no history yet). */
  keepProbability(loss: number): number {
    if (this.rule === 'uniform') return expectedKeptFraction(this.beta);
    if (this.history.size === 0) return 1;
    const pct = this.history.countBelow(loss) / this.history.size;
    return pct ** this.beta;
  }

  /** Indices of the kept samples (uniform[i] < keepProbability(loss[i])); records the losses. */
  select(losses: ArrayLike<number>, uniform: ArrayLike<number>): number[] {
    const kept: number[] = [];
    for (let i = 0; i < losses.length; i++) {
      if (uniform[i] < this.keepProbability(losses[i])) kept.push(i);
    }
    this.history.pushAll(losses);
    return kept;
  }
}

// ------------------------------------------------------------------------------ the profile

/** Builds the feeds of a training batch from `rows` example indices (what the job's loop feeds). */
export type BatchMaker = (rows: number) => Promise<Record<string, ort.Tensor>>;

/**
 * Times the actual top: a plain step and a forward pass on batchSize rows, and the design's own
 * pieces (a sifted step on a scoring batch; a backward + update from saved activations), after
 * warm-up: the median CPU time of `repeats` runs with one intra-op thread, else the fastest
 * wall-clock run. Weights and optimizer state are put back.
 */
export async function profileSifting(
  trainer: GraphTrainer,
  design: SiftingDesign,
  makeBatch: BatchMaker,
  batchSize: number,
  beta: number,
  repeats = 7,
): Promise<SiftingProfile> {
  const snapshot = trainer.snapshot();
  try {
    // With one intra-op thread the process's CPU time is the work itself, and a busy machine
    // hardly inflates it: that clock then, the median of a few runs after warm-up. Otherwise
    // wall-clock, the fastest run (on a busy machine the others waited for a core).
    const cpuClock = trainer.sessionOptions.intraOpThreads === 1;
    const now = () => {
      if (!cpuClock) return performance.now() / 1000;
      const used = process.cpuUsage();
      return (used.user + used.system) / 1e6;
    };
    const time = async (run: () => Promise<unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < repeats + 2; i++) {
        const started = now();
        await run();
        if (i >= 2) times.push(now() - started);
      }
      return cpuClock ? median(times) : Math.min(...times);
    };
    const prepareSeconds = await time(() => makeBatch(batchSize));
    const batch = await makeBatch(batchSize);
    const stepSeconds = await time(async () => {
      await trainer.step(batch, { learningRate: 0 });
      trainer.restore(snapshot);
    });
    if (design === 'two-stage') {
      const graphs = await trainer.enableTwoStage();
      const forwardSeconds = await time(() => trainer.forward(batch));
      const forward = await trainer.forward(batch);
      const saved = savedTensorsOf(graphs.saved, batch, forward.outputs);
      const backwardSeconds = await time(async () => {
        await trainer.backwardStep(saved, { learningRate: 0 });
        trainer.restore(snapshot);
      });
      return { batchSize, stepSeconds, forwardSeconds, backwardSeconds, prepareSeconds };
    }
    const inputsOf = (feeds: Record<string, ort.Tensor>) =>
      Object.fromEntries(trainer.definition.inputs.map((i) => [i.name, feeds[i.name]]));
    const forwardSeconds = await time(() => trainer.predict(inputsOf(batch)));
    // The actual sifted step on a scoring batch, against a history of this batch's own losses
    // (so about 1 / (1 + beta) of its rows are kept, as in training).
    await trainer.enableRelativeSifting();
    const s = scoringBatchSize(batchSize, beta);
    const scoringPrepareSeconds = await time(() => makeBatch(s));
    const scoring = await makeBatch(s);
    const scored = await trainer.step(scoring, { learningRate: 0 });
    trainer.restore(snapshot);
    const history = Float32Array.from(scored.outputs[PER_SAMPLE_LOSS].data as Float32Array);
    const random = new Random(17);
    const siftedStepSeconds = await time(async () => {
      const uniform = Float32Array.from({ length: s }, () => random.next());
      await trainer.siftedStep(scoring, { learningRate: 0, history, uniform, beta });
      trainer.restore(snapshot);
    });
    return {
      batchSize,
      stepSeconds,
      forwardSeconds,
      prepareSeconds,
      scoringBatchSize: s,
      scoringPrepareSeconds,
      siftedStepSeconds,
    };
  } finally {
    trainer.restore(snapshot);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function savedTensorsOf(
  specs: readonly SavedTensor[],
  batch: Readonly<Record<string, ort.Tensor>>,
  outputs: Readonly<Record<string, ort.Tensor>>,
): Record<string, ort.Tensor> {
  const saved: Record<string, ort.Tensor> = {};
  for (const spec of specs) {
    saved[spec.name] = spec.fromInput ? batch[spec.name] : outputs[spec.name];
  }
  return saved;
}

/**
 * Sifting needs a loss per sample: each row's loss must not depend on the other rows of its
 * batch. Declared by the model (lossIsPerSample) and checked on a real batch: the losses of
 * its first half, scored alone, must be those scored within the whole batch.
 */
export async function checkPerSampleLoss(
  trainer: GraphTrainer,
  makeBatch: BatchMaker,
  batchSize: number,
): Promise<void> {
  const notPerSample = (why: string) =>
    validationError(
      `Smart sifting needs a per-sample loss (each sample's loss independent of the other samples in its batch), ${why}. Unset sift_beta_value.`,
    );
  if (trainer.definition.lossIsPerSample === false) {
    throw notPerSample(`and the loss of ${trainer.definition.name} is not one`);
  }
  const rows = Math.max(2, batchSize);
  const half = rows >> 1;
  const batch = await makeBatch(rows);
  const snapshot = trainer.snapshot();
  try {
    const whole = await trainer.step(batch, { learningRate: 0 });
    trainer.restore(snapshot);
    const part = await trainer.step(sliceRows(batch, rows, half), { learningRate: 0 });
    const a = whole.outputs[PER_SAMPLE_LOSS].data as Float32Array;
    const b = part.outputs[PER_SAMPLE_LOSS].data as Float32Array;
    for (let i = 0; i < half; i++) {
      if (Math.abs(a[i] - b[i]) > 1e-4 * Math.max(1, Math.abs(a[i]))) {
        throw notPerSample(
          `but sample ${i}'s loss is ${a[i]} in a batch of ${rows} and ${b[i]} in a batch of ${half}`,
        );
      }
    }
  } finally {
    trainer.restore(snapshot);
  }
}

/** The first `count` rows of every tensor whose leading dim is `rows`. */
export function sliceRows(
  batch: Readonly<Record<string, ort.Tensor>>,
  rows: number,
  count: number,
): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, tensor] of Object.entries(batch)) {
    if (tensor.dims[0] !== rows) {
      out[name] = tensor;
      continue;
    }
    const rowSize = tensor.dims.slice(1).reduce((p, q) => p * q, 1);
    const data = tensor.data as Float32Array | Float64Array | BigInt64Array;
    out[name] = new ort.Tensor(tensor.type as 'float32', data.subarray(0, count * rowSize), [
      count,
      ...tensor.dims.slice(1),
    ]);
  }
  return out;
}

// ------------------------------------------------------------------------------ training

type RowBuffer = Float32Array | Float64Array | BigInt64Array;

/** Kept rows of saved activations, gathered into one training batch (two-stage design). */
class KeptRows {
  readonly buffers: Record<string, RowBuffer> = {};
  private readonly rowSizes: Record<string, number> = {};
  count = 0;

  constructor(
    private readonly specs: readonly SavedTensor[],
    readonly capacity: number,
  ) {
    for (const spec of specs) {
      const rowSize = spec.rowShape.reduce((p, q) => p * q, 1);
      this.rowSizes[spec.name] = rowSize;
      const length = rowSize * capacity;
      this.buffers[spec.name] =
        spec.dtype === 'int64'
          ? new BigInt64Array(length)
          : spec.dtype === 'float64'
            ? new Float64Array(length)
            : new Float32Array(length);
    }
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  add(sources: Readonly<Record<string, ort.Tensor>>, row: number): void {
    for (const spec of this.specs) {
      const size = this.rowSizes[spec.name];
      const source = sources[spec.name].data as RowBuffer;
      (this.buffers[spec.name] as Float32Array).set(
        (source as Float32Array).subarray(row * size, (row + 1) * size),
        this.count * size,
      );
    }
    this.count++;
  }

  tensors(): Record<string, ort.Tensor> {
    const out: Record<string, ort.Tensor> = {};
    for (const spec of this.specs) {
      const size = this.rowSizes[spec.name];
      out[spec.name] = new ort.Tensor(
        spec.dtype as 'float32',
        (this.buffers[spec.name] as Float32Array).subarray(0, this.count * size),
        [this.count, ...spec.rowShape],
      );
    }
    return out;
  }
}

/** What a sifted step gives the job's loop (as GraphTrainer.step does). */
export interface SiftedStepResult {
  /** Mean loss of the batch's forward pass (all its samples). */
  readonly loss: number;
  readonly outputs: Readonly<Record<string, ort.Tensor>>;
}

/** Cumulative counters and this epoch's statistics, printed as `sift:` metrics. */
export interface SiftingMetrics {
  'sift:expected_kept_fraction': number;
  /** Kept share of the samples scored while sifting was on, this epoch (nan: all in the delay). */
  'sift:kept_fraction': number;
  'sift:samples_seen': number;
  'sift:samples_trained': number;
  /** Per-sample backward passes skipped: samples_seen - samples_trained. */
  'sift:backward_passes_saved': number;
  /** Measured: sifted samples x a plain step's time per sample, minus the time sifting took. */
  'sift:time_saved_seconds': number;
  /** Estimated before the run: sifted samples x a plain step's time per sample x the advice's saving. */
  'sift:time_saved_estimated_seconds': number;
  /** Time of this epoch's training steps (forward, selection, backward, update). */
  'sift:epoch_seconds': number;
  /** This epoch's per-sample losses (forward passes of every scored sample). */
  'sift:loss_p10': number;
  'sift:loss_p50': number;
  'sift:loss_p90': number;
  /** Median loss of the samples trained on while sifting was on. */
  'sift:kept_loss_p50': number;
}

/** The sift: names of model/builtinAlgorithms.ts's metric list (one list for both). */
export const SIFTING_METRIC_NAMES = BUILTIN_METRICS.filter((name) =>
  name.startsWith('sift:'),
) as readonly (keyof SiftingMetrics)[];

/** What a checkpoint keeps of a sifted run (with the metrics history). */
export interface SiftingState {
  /** Loss history, oldest first. */
  readonly history: Float32Array;
  /** Forward batches so far (for the delay), samples seen and trained, seconds saved. */
  readonly counters: {
    steps: number;
    seen: number;
    trained: number;
    savedSeconds: number;
    estimatedSeconds: number;
  };
}

export interface SiftedTrainingOptions {
  readonly trainer: GraphTrainer;
  readonly config: SiftingConfig;
  readonly batchSize: number;
  readonly design?: SiftingDesign;
  readonly rule?: SiftingRule;
  /** Job seed: the keep decisions' random numbers come from (seed, epoch). */
  readonly seed: number;
  readonly resume?: SiftingState;
}

/** Reservoir of up to `size` values (seeded), for quantiles of an epoch's losses. */
class Reservoir {
  private readonly values: Float32Array;
  private seen = 0;
  constructor(
    size: number,
    private readonly random: Random,
  ) {
    this.values = new Float32Array(size);
  }
  add(value: number): void {
    if (this.seen < this.values.length) this.values[this.seen] = value;
    else {
      const j = Math.floor(this.random.next() * (this.seen + 1));
      if (j < this.values.length) this.values[j] = value;
    }
    this.seen++;
  }
  quantile(q: number): number {
    const n = Math.min(this.seen, this.values.length);
    if (n === 0) return NaN;
    const sorted = this.values.slice(0, n).sort();
    return sorted[Math.min(n - 1, Math.floor(q * n))];
  }
}

/**
 * Drives a sifted training run for the job's loop: step(batch) scores the batch, keeps samples
 * by the rule and trains on them (or, during the delay, trains on all of it with the plain step),
 * endEpoch() trains on kept samples left over and reports the epoch's statistics.
 */
export class SiftedTraining {
  readonly design: SiftingDesign;
  readonly rule: SiftingRule;
  readonly sifter: RelativeProbabilisticSifter;
  /** Set by advise(): the estimate the `time_saved_estimated` metric uses. */
  estimate: SiftingEstimate | undefined;
  private profile: SiftingProfile | undefined;
  private kept: KeptRows | undefined;
  private savedSpecs: readonly SavedTensor[] = [];
  private random = new Random(0);
  private stepsThisEpoch = 0;
  private counters = { steps: 0, seen: 0, trained: 0, savedSeconds: 0, estimatedSeconds: 0 };
  private epoch = {
    seconds: 0,
    activeSeen: 0,
    activeTrained: 0,
    activeSeconds: 0,
    plainSeconds: [] as number[],
    losses: new Reservoir(8192, new Random(1)),
    keptLosses: new Reservoir(8192, new Random(2)),
  };
  private plainRowSeconds: number | undefined;
  private uniform = new Float32Array(0);
  private historyBuffer = new Float32Array(0);

  private constructor(private readonly options: SiftedTrainingOptions) {
    this.design = options.design ?? DEFAULT_SIFTING_DESIGN;
    this.rule = options.rule ?? 'relative-probabilistic';
    this.sifter = new RelativeProbabilisticSifter(
      options.config.betaValue,
      options.config.lossHistoryLength,
      this.rule,
    );
    if (options.resume) {
      this.sifter.history.pushAll(options.resume.history);
      this.counters = { ...options.resume.counters };
    }
  }

  /** Checks the configuration and the model, and builds the design's graphs. */
  static async create(options: SiftedTrainingOptions): Promise<SiftedTraining> {
    checkSiftingConfig(options.config);
    if (options.trainer.definition.lossIsPerSample === false) {
      throw validationError(
        `Smart sifting needs a per-sample loss, and the loss of ${options.trainer.definition.name} is not one. Unset sift_beta_value.`,
      );
    }
    const training = new SiftedTraining(options);
    if (training.design === 'two-stage') {
      const graphs = await options.trainer.enableTwoStage();
      training.savedSpecs = graphs.saved;
      training.kept = new KeptRows(graphs.saved, options.batchSize);
    } else {
      await options.trainer.enableRelativeSifting();
    }
    return training;
  }

  get config(): SiftingConfig {
    return this.options.config;
  }

  /** The largest batch step() takes (the job sizes its buffers by it). */
  get maxBatchSize(): number {
    return this.design === 'in-graph'
      ? Math.max(
          this.options.batchSize,
          scoringBatchSize(this.options.batchSize, this.config.betaValue),
        )
      : this.options.batchSize;
  }

  /** Whether the next step is still within the delay (plain training). */
  get delaying(): boolean {
    const steps = this.config.repeatDelayPerEpoch ? this.stepsThisEpoch : this.counters.steps;
    return steps < this.config.siftDelay;
  }

  /** Rows the next step should get. */
  nextBatchSize(): number {
    if (this.delaying || this.design === 'two-stage') return this.options.batchSize;
    return scoringBatchSize(this.options.batchSize, this.config.betaValue);
  }

  /**
   * Before training: checks the loss is per sample, profiles the top and logs the advice
   * (estimateSiftingSaving). Weights and optimizer state are left as they were.
   */
  async advise(
    makeBatch: BatchMaker,
    plan: SiftingPlan,
    log: (line: string) => void,
  ): Promise<SiftingEstimate> {
    await checkPerSampleLoss(this.options.trainer, makeBatch, this.options.batchSize);
    this.profile = await profileSifting(
      this.options.trainer,
      this.design,
      makeBatch,
      this.options.batchSize,
      this.config.betaValue,
    );
    this.estimate = estimateSiftingSaving(this.profile, this.config, this.design, plan);
    const c = this.config;
    log(
      `Smart sifting on (${this.rule === 'uniform' ? 'control: uniform random drop at the same rate' : 'relative probabilistic'}): ` +
        `beta_value ${c.betaValue}, loss_history_length ${c.lossHistoryLength}, sift_delay ${c.siftDelay} steps` +
        `${c.repeatDelayPerEpoch ? ' every epoch' : ''}; expected kept fraction ${expectedKeptFraction(c.betaValue).toFixed(4)}; ` +
        `${this.design === 'in-graph' ? `in-graph selection, scoring batches of ${scoringBatchSize(this.options.batchSize, c.betaValue)}` : `two-stage step, training batches of ${this.options.batchSize} kept samples`}.`,
    );
    log(this.estimate.message);
    return this.estimate;
  }

  beginEpoch(epoch: number): void {
    this.random = new Random(((this.options.seed * 1_000_003 + epoch) ^ 0x51f7e) >>> 0);
    this.stepsThisEpoch = 0;
    this.epoch = {
      seconds: 0,
      activeSeen: 0,
      activeTrained: 0,
      activeSeconds: 0,
      plainSeconds: [],
      losses: new Reservoir(8192, new Random(epoch)),
      keptLosses: new Reservoir(8192, new Random(epoch + 1)),
    };
  }

  /** One batch of `rows` samples (feeds as the plain step takes them). */
  async step(
    batch: Readonly<Record<string, ort.Tensor>>,
    rows: number,
    learningRate: number,
  ): Promise<SiftedStepResult> {
    const started = performance.now();
    const trainer = this.options.trainer;
    let result: SiftedStepResult;
    if (this.delaying) {
      const plain = await trainer.step(batch, { learningRate });
      const losses = plain.outputs[PER_SAMPLE_LOSS].data as Float32Array;
      this.sifter.history.pushAll(losses);
      for (let i = 0; i < rows; i++) this.epoch.losses.add(losses[i]);
      this.counters.trained += rows;
      const seconds = (performance.now() - started) / 1000;
      if (rows === this.options.batchSize) this.epoch.plainSeconds.push(seconds);
      result = plain;
    } else if (this.design === 'in-graph') {
      result = await this.inGraphStep(batch, rows, learningRate);
    } else {
      result = await this.twoStageStep(batch, rows, learningRate);
    }
    this.stepsThisEpoch++;
    this.counters.steps++;
    this.counters.seen += rows;
    const seconds = (performance.now() - started) / 1000;
    this.epoch.seconds += seconds;
    return result;
  }

  private drawUniform(rows: number): Float32Array {
    if (this.uniform.length < rows) this.uniform = new Float32Array(rows);
    const u = this.uniform.subarray(0, rows);
    for (let i = 0; i < rows; i++) u[i] = this.random.next();
    return u;
  }

  private async inGraphStep(
    batch: Readonly<Record<string, ort.Tensor>>,
    rows: number,
    learningRate: number,
  ): Promise<SiftedStepResult> {
    const started = performance.now();
    const uniform = this.drawUniform(rows);
    let history: Float32Array;
    if (this.rule === 'uniform') {
      // Empty history: pct = 1 for every row, so u / f < 1 keeps with probability f.
      const f = expectedKeptFraction(this.config.betaValue);
      for (let i = 0; i < rows; i++) uniform[i] = uniform[i] / f;
      history = new Float32Array(0);
    } else {
      const sorted = this.sifter.history.ascending();
      if (this.historyBuffer.length !== sorted.length)
        this.historyBuffer = new Float32Array(sorted.length);
      this.historyBuffer.set(sorted);
      history = this.historyBuffer;
    }
    const result = await this.options.trainer.siftedStep(batch, {
      learningRate,
      history,
      uniform,
      beta: this.config.betaValue,
    });
    const losses = result.outputs[PER_SAMPLE_LOSS].data as Float32Array;
    const kept = result.outputs[KEPT_ROWS].data as BigInt64Array;
    for (let i = 0; i < rows; i++) this.epoch.losses.add(losses[i]);
    for (let i = 0; i < kept.length; i++) this.epoch.keptLosses.add(losses[Number(kept[i])]);
    this.sifter.history.pushAll(losses);
    this.countActive(rows, kept.length, (performance.now() - started) / 1000);
    return result;
  }

  private async twoStageStep(
    batch: Readonly<Record<string, ort.Tensor>>,
    rows: number,
    learningRate: number,
  ): Promise<SiftedStepResult> {
    const started = performance.now();
    const trainer = this.options.trainer;
    const forward = await trainer.forward(batch);
    const losses = forward.perSampleLoss as Float32Array;
    const keep = this.sifter.select(losses.subarray(0, rows), this.drawUniform(rows));
    for (let i = 0; i < rows; i++) this.epoch.losses.add(losses[i]);
    const sources: Record<string, ort.Tensor> = {};
    for (const spec of this.savedSpecs)
      sources[spec.name] = spec.fromInput ? batch[spec.name] : forward.outputs[spec.name];
    const kept = this.kept!;
    for (const row of keep) {
      this.epoch.keptLosses.add(losses[row]);
      kept.add(sources, row);
      if (kept.full) await this.trainKept(learningRate);
    }
    this.countActive(rows, keep.length, (performance.now() - started) / 1000);
    return forward;
  }

  private async trainKept(learningRate: number): Promise<void> {
    const kept = this.kept!;
    if (kept.count === 0) return;
    await this.options.trainer.backwardStep(kept.tensors(), { learningRate });
    kept.count = 0;
  }

  private countActive(rows: number, trained: number, seconds: number): void {
    this.epoch.activeSeen += rows;
    this.epoch.activeTrained += trained;
    this.epoch.activeSeconds += seconds;
    this.counters.trained += trained;
  }

  /** The end of an epoch: kept samples left over train as a last, smaller batch. */
  async endEpoch(learningRate: number): Promise<SiftingMetrics> {
    const started = performance.now();
    if (this.kept && this.kept.count > 0) await this.trainKept(learningRate);
    const flush = (performance.now() - started) / 1000;
    this.epoch.seconds += flush;
    this.epoch.activeSeconds += flush;
    // A plain step's time per sample: this epoch's delay steps when there were enough, else the profile.
    if (this.epoch.plainSeconds.length >= 10) {
      this.plainRowSeconds = median(this.epoch.plainSeconds) / this.options.batchSize;
    } else if (this.plainRowSeconds === undefined && this.profile) {
      this.plainRowSeconds =
        (this.profile.stepSeconds + this.profile.prepareSeconds) / this.profile.batchSize;
    }
    const plainRow = this.plainRowSeconds ?? NaN;
    if (this.epoch.activeSeen > 0 && Number.isFinite(plainRow)) {
      this.counters.savedSeconds += this.epoch.activeSeen * plainRow - this.epoch.activeSeconds;
      this.counters.estimatedSeconds +=
        this.epoch.activeSeen * plainRow * (this.estimate?.savingFraction ?? 0);
    }
    const c = this.counters;
    return {
      'sift:expected_kept_fraction': expectedKeptFraction(this.config.betaValue),
      'sift:kept_fraction':
        this.epoch.activeSeen > 0 ? this.epoch.activeTrained / this.epoch.activeSeen : NaN,
      'sift:samples_seen': c.seen,
      'sift:samples_trained': c.trained,
      'sift:backward_passes_saved': c.seen - c.trained,
      'sift:time_saved_seconds': c.savedSeconds,
      'sift:time_saved_estimated_seconds': c.estimatedSeconds,
      'sift:epoch_seconds': this.epoch.seconds,
      'sift:loss_p10': this.epoch.losses.quantile(0.1),
      'sift:loss_p50': this.epoch.losses.quantile(0.5),
      'sift:loss_p90': this.epoch.losses.quantile(0.9),
      'sift:kept_loss_p50': this.epoch.keptLosses.quantile(0.5),
    };
  }

  state(): SiftingState {
    return { history: this.sifter.history.inOrder(), counters: { ...this.counters } };
  }
}

/** The errors a bad configuration gets (parseHyperParameters catches them earlier for jobs). */
export function checkSiftingConfig(config: SiftingConfig): void {
  const problems: string[] = [];
  if (!(Number.isFinite(config.betaValue) && config.betaValue > 0))
    problems.push(`sift_beta_value=${config.betaValue} must be a number > 0`);
  if (!(Number.isInteger(config.lossHistoryLength) && config.lossHistoryLength >= 1))
    problems.push(`sift_loss_history_length=${config.lossHistoryLength} must be an integer >= 1`);
  if (!(Number.isInteger(config.siftDelay) && config.siftDelay >= 0))
    problems.push(`sift_delay=${config.siftDelay} must be an integer >= 0`);
  if (problems.length > 0) throw validationError(`Invalid smart sifting: ${problems.join('; ')}.`);
}

/** ` sift:name=value ...` for the epoch line (the regexes of builtinAlgorithms.ts read them). */
export function formatSiftingMetrics(metrics: SiftingMetrics): string {
  return SIFTING_METRIC_NAMES.map((name) => {
    const value = metrics[name];
    const text = Number.isFinite(value)
      ? Number.isInteger(value)
        ? String(value)
        : value.toFixed(6)
      : 'nan';
    return `${name}=${text}`;
  }).join(' ');
}
