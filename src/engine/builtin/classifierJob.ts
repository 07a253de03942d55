/**
 * A built-in classification job from start to end: read and check the data, resolve the
 * backbone, cache its features, build the trainable top, train epoch by epoch (metrics
 * printed as SageMaker's built-in algorithms print them), checkpoint every epoch, and write
 * the model folder (one ONNX inference graph, class map, hyperparameters, checkpoint).
 * Continues from a checkpoint (resume) or from an earlier model (incremental training).
 */
import { createHash } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { validationError } from '../../model/errors';
import { Random } from '../util/random';
import {
  CLASS_MAP_FILE,
  classLabelToPredictionIndex,
  imageBatch,
  loadImageClassification,
  loadTextClassification,
  shuffled,
  type ClassificationData,
  type ImageDataset,
  type TextDataset,
} from '../training/data';
import { fillDropoutMask } from '../training/graph/nn';
import {
  chooseTrainingProvider,
  createSession,
  GraphTrainer,
  timeTrainingStep,
  type ExecutionProvider,
} from '../training/graph/session';
import { buildInferenceGraph } from '../training/graph/step';
import { augmentBatch, normalization } from './augment';
import {
  extractFeatures,
  featureCacheKey,
  prepareBackbone,
  readCachedFeatures,
  writeCachedFeatures,
  type PreparedBackbone,
} from './backbone';
import { resolveBackbone, type Backbone } from './catalog';
import {
  findLatestCheckpoint,
  readCheckpoint,
  saveCheckpoint,
  writeCheckpointFiles,
  type Checkpoint,
  type CheckpointMeta,
} from './checkpoint';
import { CHECKPOINT_DIR_IN_MODEL, MODEL_FILE, mergeBackboneAndTop } from './exportModel';
import type { BuiltinAlgorithm, BuiltinHyperParameters } from './hyperparameters';
import { openModelChannel } from './modelChannel';
import { loadTokenizer } from './textTokenizer';
import {
  BLOCK_BIAS,
  BLOCK_WEIGHT,
  classificationTop,
  DROPOUT_MASK,
  FEATURES,
  glorot,
  HEAD_BIAS,
  HEAD_WEIGHT,
  hiddenBias,
  hiddenWeight,
  LABELS,
  LOGITS,
  optimizerConfig,
  readLastBlock,
  topOutputWidth,
  type TopShape,
} from './topModel';
import {
  formatSiftingMetrics,
  ignoredSiftingSettings,
  SiftedTraining,
  siftingConfigOf,
  type SiftingDesign,
  type SiftingEstimate,
  type SiftingMetrics,
  type SiftingRule,
  type SiftingState,
} from './sifting';

/** The checkpoint tensor holding a sifted run's loss history. */
const SIFT_HISTORY_TENSOR = 'sift/loss_history';

export interface ClassifierJobOptions {
  algorithm: BuiltinAlgorithm;
  hyperParameters: BuiltinHyperParameters;
  /** Channel folders by name (training required; validation, model optional). */
  channels: Readonly<Record<string, string>>;
  modelDir: string;
  /** Scratch space inside the job folder (unpacked model channel). */
  workDir: string;
  /** Checkpoints are written here every epoch, and read from here to resume. */
  checkpointDir?: string;
  /** Feature cache shared by jobs (tuning trials on the same data reuse it). */
  featureCacheDir?: string;
  executionProvider?: ExecutionProvider | 'auto';
  log: (line: string) => void;
  /** Set when the job is asked to stop: training ends after the current batch. */
  shouldStop?: () => boolean;
  /** Smart sifting's design (default: sifting.ts DEFAULT_SIFTING_DESIGN); for benchmarks. */
  siftingDesign?: SiftingDesign;
  /** 'uniform': drop samples at random at the sifting rate, a benchmark's control. */
  siftingRule?: SiftingRule;
  /** ONNX Runtime's intra-op threads (default: its own choice); benchmarks on a busy machine use 1. */
  intraOpThreads?: number;
}

export interface EpochMetrics {
  epoch: number;
  'train:loss': number;
  'train:accuracy': number;
  'validation:loss': number;
  'validation:accuracy': number;
  samplesPerSecond: number;
  /** Wall-clock seconds of the epoch's training loop (batches prepared; validation excluded). */
  trainSeconds?: number;
  /** CPU seconds of this process during the epoch's training loop. */
  trainCpuSeconds?: number;
  /** Smart sifting's statistics (printed as sift: metrics), when sifting is on. */
  sift?: SiftingMetrics;
  /** Smart sifting's counters after this epoch (what a resumed job continues from). */
  siftCounters?: SiftingState['counters'];
}

export interface ClassifierJobResult {
  epochsRun: number;
  history: EpochMetrics[];
  executionProvider: ExecutionProvider;
  exportedValidationAccuracy: number;
  stoppedEarly: boolean;
  stopped: boolean;
  /** Smart sifting's advice, as logged before training (when sifting is on). */
  siftingEstimate?: SiftingEstimate;
}

interface Features {
  /** Rows by example index of the channel's dataset. */
  training: Float32Array | undefined;
  validation: Float32Array;
  featureSize: number;
}

const EVAL_BATCH = 1024;

export async function runClassifierJob(
  options: ClassifierJobOptions,
): Promise<ClassifierJobResult> {
  const hps = options.hyperParameters;
  const { log } = options;
  const training = options.channels.training;
  if (!training) {
    throw validationError(
      `local:${options.algorithm} needs a channel named "training" (${options.algorithm === 'image-classification' ? 'one folder per class of .jpg/.jpeg/.png' : 'a data.csv of label,text'}).`,
    );
  }

  // The starting point: a checkpoint to resume, or an earlier model to continue from.
  const resumeFrom = options.checkpointDir
    ? findLatestCheckpoint(options.checkpointDir)
    : undefined;
  let start: Checkpoint | undefined;
  let startKind: 'resume' | 'incremental' | undefined;
  if (resumeFrom) {
    start = readCheckpoint(resumeFrom);
    startKind = 'resume';
    log(`Resuming from the checkpoint ${resumeFrom} (epoch ${start.meta.epoch} done).`);
  } else if (options.channels.model) {
    const modelFolder = await openModelChannel(
      options.channels.model,
      join(options.workDir, 'model-channel'),
    );
    start = readCheckpoint(join(modelFolder, CHECKPOINT_DIR_IN_MODEL));
    startKind = 'incremental';
    log(
      `Incremental training from the model in channel "model" (${start.meta.epoch} epochs of earlier training).`,
    );
  }
  if (start && start.meta.algorithm !== options.algorithm) {
    throw validationError(
      `The ${startKind === 'resume' ? 'checkpoint' : 'model channel'} holds a local:${start.meta.algorithm} model; this job is local:${options.algorithm}.`,
    );
  }

  const backbone = await resolveBackbone({
    algorithm: options.algorithm,
    backbone: hps.backbone || start?.meta.backbone.name || '',
    log,
  });
  const prepared = prepareBackbone(backbone);
  const {
    session: backboneSession,
    executionProvider,
    failures,
  } = await createSession(prepared.bytes, {
    executionProvider: options.executionProvider ?? 'auto',
    ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}),
  });
  for (const failure of failures) {
    log(
      `Execution provider ${failure.provider} is not usable here (${failure.reason}); trying the next one.`,
    );
  }
  if (executionProvider === 'cpu' && failures.length > 0) {
    log('Running on the CPU: no GPU execution provider could start (see above).');
  }
  log(
    `Backbone ${backbone.name} (${backbone.source}), feature tensor ${prepared.featureName}; ` +
      `features extracted on ONNX Runtime's ${executionProvider} provider.`,
  );
  if (
    start &&
    start.meta.backbone.sha256 &&
    backbone.sha256 &&
    start.meta.backbone.sha256 !== backbone.sha256
  ) {
    throw validationError(
      `The ${startKind === 'resume' ? 'checkpoint' : 'model channel'} was trained on backbone ${start.meta.backbone.name} ` +
        `(sha256 ${start.meta.backbone.sha256.slice(0, 12)}), not this one (${backbone.sha256.slice(0, 12)}): set backbone to the same model.`,
    );
  }

  const data =
    options.algorithm === 'image-classification'
      ? await loadImageClassification({
          training,
          validation: options.channels.validation,
          validationSplitRatio: hps.validation_split_ratio,
          seed: hps.seed,
          size: [prepared.input!.height, prepared.input!.width],
          channels: prepared.input!.channels,
        })
      : await loadTextClassification({
          training,
          validation: options.channels.validation,
          validationSplitRatio: hps.validation_split_ratio,
          seed: hps.seed,
        });
  for (const warning of data.warnings) log(`Warning: ${warning.message}`);
  const classNames = data.classNames;
  log(
    `Data: ${data.trainingIndices.length} training and ${data.validationIndices.length} validation examples ` +
      `(${data.validationFrom === 'split' ? `split ${hps.validation_split_ratio} of the training channel` : 'validation channel'}), ` +
      `${classNames.length} classes.`,
  );
  if (start) checkSameClasses(start.meta.classNames, classNames, startKind!);

  // Features, from the cache when this backbone has seen this data before.
  const augment = options.algorithm === 'image-classification' && hps.augmentation;
  const features = await computeFeatures(options, prepared, backboneSession, data, augment);
  const featureSize = features.featureSize;

  // The trainable top: pretrained block when the backbone has one, else a new block.
  const random = new Random(hps.seed);
  const hiddenSize = backbone.lastBlock?.outputSize ?? hps.top_hidden_units;
  const shape: TopShape = {
    featureSize,
    hiddenSize,
    classes: classNames.length,
    ...(hps.top_hidden_layers > 0
      ? { hiddenLayers: hps.top_hidden_layers, hiddenLayerSize: hps.top_hidden_units }
      : {}),
  };
  // The width of the last hidden block: the dropout mask's and the head's input.
  const dropoutWidth = topOutputWidth(shape);
  const definition = classificationTop(shape, {
    // train_only_top_layer freezes what was pretrained: the backbone's last block. A new
    // block (a backbone without one) is part of the new top, and trains either way.
    trainBlock: !hps.train_only_top_layer || !backbone.lastBlock,
    dropoutRate: hps.dropout_rate,
    labelSmoothing: hps.label_smoothing,
  });
  const weights = initialTopWeights(shape, backbone, random, start, hps);
  if (start) {
    const t = start.meta.top;
    // Checkpoints from before top_hidden_layers have no hiddenLayers: none.
    const layers = (top: object) => (top as TopShape).hiddenLayers ?? 0;
    const width = (top: object) => topOutputWidth({ ...t, ...(top as Partial<TopShape>) });
    if (
      t.featureSize !== featureSize ||
      t.hiddenSize !== hiddenSize ||
      layers(t) !== layers(shape) ||
      width(t) !== width(shape)
    ) {
      throw validationError(
        `The ${startKind} model's top is [${t.featureSize} -> ${t.hiddenSize}] with ${layers(t)} extra hidden layers of ${width(t)}, this job's [${featureSize} -> ${hiddenSize}] with ${layers(shape)} of ${width(shape)}; use the same backbone, top_hidden_units and top_hidden_layers.`,
      );
    }
  }
  const optimizer = optimizerConfig(hps);
  const stepOptions = { optimizer, l2: hps.regularizers_l2 };
  const threads = options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {};
  // 'auto' with a GPU provider loaded: train where a step measures faster (see
  // chooseTrainingProvider); an explicitly asked provider is used as asked.
  const choice =
    (options.executionProvider ?? 'auto') === 'auto'
      ? await chooseTrainingProvider(executionProvider, (provider) =>
          timeTrainingStep(definition, stepOptions, weights, provider, hps.batch_size, threads),
        )
      : { provider: executionProvider, measured: {} };
  const measured = Object.entries(choice.measured);
  if (measured.length > 0) {
    log(
      `Training step measured at batch ${hps.batch_size}: ` +
        measured.map(([provider, ms]) => `${provider} ${ms.toFixed(1)} ms`).join(', ') +
        `; training on ${choice.provider}.`,
    );
  }
  const trainer = await GraphTrainer.create(definition, stepOptions, weights, {
    executionProvider: choice.provider,
    ...threads,
  });
  log(`ONNX Runtime execution provider: ${trainer.executionProvider}.`);
  const resumeState = startKind === 'resume' ? start : undefined;
  if (resumeState) restoreOptimizerState(trainer, resumeState, hps.optimizer);

  const history: EpochMetrics[] = resumeState
    ? (resumeState.meta.history as unknown as EpochMetrics[])
    : [];
  let best = resumeState?.meta.earlyStopping.best ?? Infinity;
  let sinceImprovement = resumeState?.meta.earlyStopping.epochsWithoutImprovement ?? 0;
  const firstEpoch = (resumeState?.meta.epoch ?? 0) + 1;
  let stoppedEarly = false;
  let stopped = false;
  const batchSize = hps.batch_size;
  // Smart sifting: the design's graphs, and what a resumed job had (loss history, counters).
  const siftConfig = siftingConfigOf(hps);
  const ignoredSift = ignoredSiftingSettings(hps, options.algorithm);
  if (ignoredSift.length > 0) {
    log(
      `Warning: ${ignoredSift.join(', ')} ${ignoredSift.length > 1 ? 'are' : 'is'} set, but smart sifting is off (sift_beta_value unset): ignored.`,
    );
  }
  const lastHistory = history.at(-1);
  const sifting = siftConfig
    ? await SiftedTraining.create({
        trainer,
        config: siftConfig,
        batchSize,
        design: options.siftingDesign,
        rule: options.siftingRule,
        seed: hps.seed,
        resume:
          resumeState && lastHistory?.siftCounters
            ? {
                history: resumeState.tensors[SIFT_HISTORY_TENSOR] ?? new Float32Array(0),
                counters: lastHistory.siftCounters,
              }
            : undefined,
      })
    : undefined;
  const maxBatch = sifting?.maxBatchSize ?? batchSize;
  const featureBatch = new Float32Array(maxBatch * featureSize);
  const labelBatch = new BigInt64Array(maxBatch);
  const mask = new Float32Array(maxBatch * dropoutWidth);
  const imageShape =
    options.algorithm === 'image-classification' ? (data.training as ImageDataset) : undefined;
  const imageSize = imageShape ? imageShape.channels * imageShape.height * imageShape.width : 0;
  const imageBatchBuffer = augment ? new Float32Array(maxBatch * imageSize) : undefined;
  const norm = prepared.input
    ? normalization(prepared.input.mean, prepared.input.std, prepared.input.channels)
    : undefined;

  /** The feeds of one training batch: features (cached, or augmented images through the backbone), labels, dropout mask. */
  const prepareBatch = async (
    rows: Int32Array,
    epochRandom: Random,
  ): Promise<Record<string, ort.Tensor>> => {
    const b = rows.length;
    const x = featureBatch.subarray(0, b * featureSize);
    if (augment) {
      const pixels = imageBatchBuffer!.subarray(0, b * imageSize);
      augmentBatch(
        imageShape!.pixels,
        rows,
        imageShape!,
        {
          rotation: hps.augmentation_random_rotation,
          zoom: hps.augmentation_random_zoom,
          translation: hps.augmentation_random_translation,
        },
        norm!,
        epochRandom,
        pixels,
      );
      const out = await backboneSession.run(
        {
          [prepared.inputName]: new ort.Tensor('float32', pixels, [
            b,
            imageShape!.channels,
            imageShape!.height,
            imageShape!.width,
          ]),
        },
        [prepared.featureName],
      );
      x.set(out[prepared.featureName].data as Float32Array);
    } else {
      for (let i = 0; i < b; i++)
        x.set(
          features.training!.subarray(rows[i] * featureSize, (rows[i] + 1) * featureSize),
          i * featureSize,
        );
    }
    const trainingLabels = data.training.labels;
    for (let i = 0; i < b; i++) labelBatch[i] = BigInt(trainingLabels[rows[i]]);
    const feeds: Record<string, ort.Tensor> = {
      [FEATURES]: new ort.Tensor('float32', x, [b, featureSize]),
      [LABELS]: new ort.Tensor('int64', labelBatch.subarray(0, b), [b]),
    };
    if (hps.dropout_rate > 0) {
      const m = mask.subarray(0, b * dropoutWidth);
      fillDropoutMask(m, hps.dropout_rate, epochRandom);
      feeds[DROPOUT_MASK] = new ort.Tensor('float32', m, [b, dropoutWidth]);
    }
    return feeds;
  };

  if (sifting) {
    // Before training: the loss must be per sample; a quick profile of the top gives the advice.
    const profileRandom = new Random(hps.seed ^ 0x9e3779b9);
    const pool = data.trainingIndices;
    await sifting.advise(
      (count) =>
        prepareBatch(
          // Spread over the data (a class-sorted dataset would give one class otherwise).
          Int32Array.from({ length: count }, (_, i) => pool[Math.floor((i * pool.length) / count)]),
          profileRandom,
        ),
      { epochs: hps.epochs, samplesPerEpoch: pool.length },
      log,
    );
  }

  const checkpointMeta = (epoch: number): Omit<CheckpointMeta, 'tensors' | 'format'> => ({
    algorithm: options.algorithm,
    epoch,
    stepCount: trainer.stepCount,
    classNames,
    backbone: { name: backbone.name, ...(backbone.sha256 ? { sha256: backbone.sha256 } : {}) },
    top: shape,
    optimizer: hps.optimizer,
    earlyStopping: { best, epochsWithoutImprovement: sinceImprovement },
    history: history as unknown as Record<string, number>[],
  });

  let epoch = firstEpoch;
  for (; epoch <= hps.epochs; epoch++) {
    // Each epoch's order and dropout masks come from (seed, epoch): a resumed job draws what
    // the uninterrupted one would have.
    const epochRandom = new Random(hps.seed * 1_000_003 + epoch);
    const order = shuffled(data.trainingIndices, epochRandom);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let stepSeconds = 0;
    const epochStarted = performance.now();
    const epochCpu = process.cpuUsage();
    sifting?.beginEpoch(epoch);
    for (let from = 0; from < order.length;) {
      if (options.shouldStop?.()) {
        stopped = true;
        break;
      }
      const size = sifting ? sifting.nextBatchSize() : batchSize;
      const rows = order.subarray(from, Math.min(order.length, from + size));
      from += rows.length;
      const b = rows.length;
      const feeds = await prepareBatch(rows, epochRandom);
      const started = performance.now();
      const result = sifting
        ? await sifting.step(feeds, b, hps.learning_rate)
        : await trainer.step(feeds, { learningRate: hps.learning_rate });
      stepSeconds += (performance.now() - started) / 1000;
      if (!Number.isFinite(result.loss)) {
        throw new Error(
          `the training loss became ${result.loss} at epoch ${epoch}; lower learning_rate (now ${hps.learning_rate}).`,
        );
      }
      lossSum += result.loss * b;
      correct += countCorrect(
        result.outputs[LOGITS].data as Float32Array,
        data.training.labels,
        rows,
        classNames.length,
      );
      seen += b;
    }
    const siftMetrics = sifting && !stopped ? await sifting.endEpoch(hps.learning_rate) : undefined;
    const trainSeconds = (performance.now() - epochStarted) / 1000;
    const cpuUsed = process.cpuUsage(epochCpu);
    if (stopped) break;
    const evaluation = await evaluate(
      trainer,
      features.validation,
      featureSize,
      data.validation.labels,
      data.validationIndices,
      classNames.length,
      hps.label_smoothing,
    );
    const metrics: EpochMetrics = {
      epoch,
      'train:loss': lossSum / Math.max(1, seen),
      'train:accuracy': correct / Math.max(1, seen),
      'validation:loss': evaluation.loss,
      'validation:accuracy': evaluation.accuracy,
      samplesPerSecond: seen / Math.max(1e-9, stepSeconds),
      trainSeconds,
      trainCpuSeconds: (cpuUsed.user + cpuUsed.system) / 1e6,
      ...(siftMetrics && sifting
        ? { sift: siftMetrics, siftCounters: sifting.state().counters }
        : {}),
    };
    history.push(metrics);
    log(
      `Epoch ${epoch}/${hps.epochs}: train:loss=${fmt(metrics['train:loss'])} train:accuracy=${fmt(metrics['train:accuracy'])} ` +
        `validation:loss=${fmt(metrics['validation:loss'])} validation:accuracy=${fmt(metrics['validation:accuracy'])} ` +
        `${siftMetrics ? `${formatSiftingMetrics(siftMetrics)} ` : ''}` +
        `(${Math.round(metrics.samplesPerSecond)} training samples/s)`,
    );
    if (metrics['validation:loss'] < best - hps.early_stopping_min_delta) {
      best = metrics['validation:loss'];
      sinceImprovement = 0;
    } else {
      sinceImprovement++;
    }
    if (options.checkpointDir)
      saveCheckpoint(
        options.checkpointDir,
        checkpointMeta(epoch),
        checkpointTensors(trainer, definition.parameters, sifting?.state()),
      );
    if (hps.early_stopping && sinceImprovement >= hps.early_stopping_patience) {
      log(
        `Early stopping: validation:loss has not improved by more than ${hps.early_stopping_min_delta} for ${sinceImprovement} epochs.`,
      );
      stoppedEarly = true;
      epoch++;
      break;
    }
  }
  const epochsDone = epoch - 1;

  // The model folder: one ONNX graph, the class map, the hyperparameters, the checkpoint -
  // written into a staging folder, then each entry renamed into model/: a job killed while
  // writing (a stop past its grace period) never packs a half-written file.
  const staging = join(options.workDir, `model-staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const merged = mergeBackboneAndTop(
    prepared.model,
    buildInferenceGraph(definition, copyWeights(trainer)),
  );
  writeFileSync(join(staging, MODEL_FILE), merged);
  writeFileSync(
    join(staging, CLASS_MAP_FILE),
    `${JSON.stringify(classLabelToPredictionIndex(classNames), null, 2)}\n`,
  );
  writeFileSync(
    join(staging, 'hyperparameters.json'),
    `${JSON.stringify({ ...hps, algorithm: `local:${options.algorithm}`, backbone: backbone.name }, null, 2)}\n`,
  );
  if (options.algorithm === 'text-classification' && backbone.tokenizer) {
    cpSync(backbone.tokenizer, join(staging, 'tokenizer.json'));
    cpSync(join(dirname(backbone.tokenizer), 'vocab.txt'), join(staging, 'vocab.txt'));
  }
  writeFileSync(
    join(staging, 'preprocessing.json'),
    `${JSON.stringify(preprocessingOf(prepared), null, 2)}\n`,
  );
  writeCheckpointFiles(
    join(staging, CHECKPOINT_DIR_IN_MODEL),
    checkpointMeta(epochsDone),
    checkpointTensors(trainer, definition.parameters, sifting?.state()),
  );
  mkdirSync(options.modelDir, { recursive: true });
  for (const entry of readdirSync(staging)) {
    rmSync(join(options.modelDir, entry), { recursive: true, force: true });
    renameSync(join(staging, entry), join(options.modelDir, entry));
  }
  rmSync(staging, { recursive: true, force: true });

  // The exported graph on its own must give what training measured.
  const exportedValidationAccuracy = await evaluateExported(
    merged,
    prepared,
    data,
    trainer.executionProvider,
  );
  log(
    `Exported model ${MODEL_FILE}, run on its own: validation accuracy ${fmt(exportedValidationAccuracy)}.`,
  );
  await trainer.release();
  await backboneSession.release();
  return {
    epochsRun: epochsDone - firstEpoch + 1,
    history,
    executionProvider: trainer.executionProvider,
    exportedValidationAccuracy,
    stoppedEarly,
    stopped,
    ...(sifting?.estimate ? { siftingEstimate: sifting.estimate } : {}),
  };
}

function fmt(value: number): string {
  return Number.isFinite(value) ? value.toFixed(6) : String(value);
}

function checkSameClasses(
  expected: readonly string[],
  actual: readonly string[],
  kind: string,
): void {
  const same = expected.length === actual.length && expected.every((c, i) => c === actual[i]);
  if (!same) {
    throw validationError(
      `The ${kind === 'resume' ? 'checkpoint' : 'model channel'}'s classes (${expected.join(', ')}) differ from this dataset's ` +
        `(${actual.join(', ')}); incremental training needs the same class set. Train a new model instead (drop the model channel).`,
    );
  }
}

function countCorrect(
  logits: Float32Array,
  labels: Int32Array,
  rows: ArrayLike<number>,
  classes: number,
): number {
  let correct = 0;
  for (let i = 0; i < rows.length; i++) {
    let arg = 0;
    for (let c = 1; c < classes; c++)
      if (logits[i * classes + c] > logits[i * classes + arg]) arg = c;
    if (arg === labels[rows[i]]) correct++;
  }
  return correct;
}

/** Cross-entropy (with the training's label smoothing, as Keras reports val_loss) and accuracy. */
async function evaluate(
  trainer: GraphTrainer,
  features: Float32Array,
  featureSize: number,
  labels: Int32Array,
  indices: Int32Array,
  classes: number,
  labelSmoothing: number,
): Promise<{ loss: number; accuracy: number }> {
  let lossSum = 0;
  let correct = 0;
  const buffer = new Float32Array(EVAL_BATCH * featureSize);
  for (let from = 0; from < indices.length; from += EVAL_BATCH) {
    const rows = indices.subarray(from, Math.min(indices.length, from + EVAL_BATCH));
    const x = buffer.subarray(0, rows.length * featureSize);
    for (let i = 0; i < rows.length; i++)
      x.set(features.subarray(rows[i] * featureSize, (rows[i] + 1) * featureSize), i * featureSize);
    const out = await trainer.predict({
      [FEATURES]: new ort.Tensor('float32', x, [rows.length, featureSize]),
    });
    const logits = out[LOGITS].data as Float32Array;
    correct += countCorrect(logits, labels, rows, classes);
    lossSum += crossEntropySum(logits, labels, rows, classes, labelSmoothing);
  }
  return {
    loss: lossSum / Math.max(1, indices.length),
    accuracy: correct / Math.max(1, indices.length),
  };
}

function crossEntropySum(
  logits: Float32Array,
  labels: Int32Array,
  rows: ArrayLike<number>,
  classes: number,
  smoothing: number,
): number {
  let total = 0;
  for (let i = 0; i < rows.length; i++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[i * classes + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[i * classes + c] - max);
    const logSum = Math.log(sum) + max;
    let meanLogP = 0;
    for (let c = 0; c < classes; c++) meanLogP += logits[i * classes + c] - logSum;
    meanLogP /= classes;
    const target = logits[i * classes + labels[rows[i]]] - logSum;
    total -= (1 - smoothing) * target + smoothing * meanLogP;
  }
  return total;
}

async function computeFeatures(
  options: ClassifierJobOptions,
  prepared: PreparedBackbone,
  session: ort.InferenceSession,
  data: ClassificationData<ImageDataset> | ClassificationData<TextDataset>,
  augment: boolean,
): Promise<Features> {
  const { log } = options;
  const inputsOf = (dataset: ImageDataset | TextDataset) => {
    if ('pixels' in dataset) {
      const spec = prepared.input!;
      const size = spec.channels * spec.height * spec.width;
      return {
        count: dataset.labels.length,
        fingerprint: createHash('sha256').update(dataset.pixels).digest('hex'),
        batch: (s: number, e: number) => {
          const idx = Int32Array.from({ length: e - s }, (_, i) => s + i);
          return new ort.Tensor('float32', imageBatch(dataset, idx, spec), [
            e - s,
            spec.channels,
            spec.height,
            spec.width,
          ]);
        },
        size,
      };
    }
    const tokenizer = loadTokenizer(dirname(prepared.backbone.tokenizer!));
    const { data: ids, dims } = tokenizer.encodeBatch(dataset.texts);
    const width = dims[1];
    return {
      count: dataset.labels.length,
      fingerprint: createHash('sha256')
        .update(new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength))
        .digest('hex'),
      batch: (s: number, e: number) =>
        new ort.Tensor('int64', ids.subarray(s * width, e * width), [e - s, width]),
      size: width,
    };
  };
  const backboneId = prepared.backbone.sha256 ?? fileIdentity(prepared.backbone.path);
  const featuresOf = async (dataset: ImageDataset | TextDataset, label: string) => {
    const inputs = inputsOf(dataset);
    const key = featureCacheKey([
      backboneId,
      prepared.featureName,
      JSON.stringify(prepared.input ?? {}),
      inputs.fingerprint,
      inputs.count,
    ]);
    const cached = options.featureCacheDir
      ? readCachedFeatures(options.featureCacheDir, key, inputs.count)
      : undefined;
    if (cached) {
      log(
        `Backbone features of the ${label} data: from the cache (${inputs.count} x ${cached.featureSize}).`,
      );
      return cached;
    }
    const started = performance.now();
    const result = await extractFeatures(session, prepared, inputs.count, inputs.batch);
    log(
      `Backbone features of the ${label} data: ${inputs.count} x ${result.featureSize} computed in ${((performance.now() - started) / 1000).toFixed(1)} s` +
        (options.featureCacheDir ? ', cached for later jobs.' : '.'),
    );
    if (options.featureCacheDir)
      writeCachedFeatures(options.featureCacheDir, key, result.features, result.featureSize);
    return result;
  };
  if (data.validationFrom === 'split') {
    if (augment) {
      // Only the validation rows need features; training images go through the backbone per batch.
      const all = await featuresOf(data.validation, 'validation');
      return { training: undefined, validation: all.features, featureSize: all.featureSize };
    }
    const all = await featuresOf(data.training, 'training');
    return { training: all.features, validation: all.features, featureSize: all.featureSize };
  }
  const validation = await featuresOf(data.validation, 'validation');
  const training = augment ? undefined : await featuresOf(data.training, 'training');
  if (training && training.featureSize !== validation.featureSize)
    throw new Error('feature sizes differ between channels');
  return {
    training: training?.features,
    validation: validation.features,
    featureSize: validation.featureSize,
  };
}

function fileIdentity(path: string): string {
  const stat = statSync(path);
  return `${path}:${stat.size}:${stat.mtimeMs}`;
}

function initialTopWeights(
  shape: TopShape,
  backbone: Backbone,
  random: Random,
  start: Checkpoint | undefined,
  hps: BuiltinHyperParameters,
): Record<string, Float32Array> {
  const { featureSize, hiddenSize, classes } = shape;
  const width = topOutputWidth(shape);
  const fresh: Record<string, Float32Array> = {
    [BLOCK_WEIGHT]: glorot(featureSize, hiddenSize, random),
    [BLOCK_BIAS]: new Float32Array(hiddenSize),
    [HEAD_WEIGHT]: glorot(width, classes, random),
    [HEAD_BIAS]: new Float32Array(classes),
  };
  // top_hidden_layers: drawn after the others, so a top without them starts as before.
  const hiddenNames: string[] = [];
  for (let i = 0; i < (shape.hiddenLayers ?? 0); i++) {
    fresh[hiddenWeight(i)] = glorot(i === 0 ? hiddenSize : width, width, random);
    fresh[hiddenBias(i)] = new Float32Array(width);
    hiddenNames.push(hiddenWeight(i), hiddenBias(i));
  }
  if (start) {
    const t = start.tensors;
    // "Auto" keeps the earlier head (same classes, checked); True starts a new one.
    const newHead = hps.reinitialize_top_layer === true;
    return {
      [BLOCK_WEIGHT]: t[BLOCK_WEIGHT] ?? fresh[BLOCK_WEIGHT],
      [BLOCK_BIAS]: t[BLOCK_BIAS] ?? fresh[BLOCK_BIAS],
      ...Object.fromEntries(hiddenNames.map((n) => [n, t[n] ?? fresh[n]])),
      [HEAD_WEIGHT]: newHead ? fresh[HEAD_WEIGHT] : t[HEAD_WEIGHT],
      [HEAD_BIAS]: newHead ? fresh[HEAD_BIAS] : t[HEAD_BIAS],
    };
  }
  if (backbone.lastBlock) {
    const block = readLastBlock(backbone.lastBlock, featureSize);
    return { ...fresh, [BLOCK_WEIGHT]: block.weight, [BLOCK_BIAS]: block.bias };
  }
  return fresh;
}

function checkpointTensors(
  trainer: GraphTrainer,
  parameters: readonly { name: string; shape: readonly number[] }[],
  sifting?: SiftingState,
): Record<string, { data: Float32Array; shape: readonly number[] }> {
  const tensors: Record<string, { data: Float32Array; shape: readonly number[] }> = {};
  if (sifting)
    tensors[SIFT_HISTORY_TENSOR] = { data: sifting.history, shape: [sifting.history.length] };
  const weights = trainer.weights();
  for (const p of parameters)
    tensors[p.name] = { data: weights[p.name] as Float32Array, shape: p.shape };
  const shapes = new Map(trainer.graph.carried.map((c) => [c.name, c.shape]));
  for (const [name, data] of Object.entries(trainer.optimizerState()))
    tensors[`optimizer/${name}`] = {
      data: data as Float32Array,
      shape: shapes.get(name) ?? [data.length],
    };
  return tensors;
}

function copyWeights(trainer: GraphTrainer): Record<string, Float32Array> {
  return Object.fromEntries(
    Object.entries(trainer.weights()).map(([n, d]) => [n, Float32Array.from(d)]),
  );
}

function restoreOptimizerState(
  trainer: GraphTrainer,
  checkpoint: Checkpoint,
  optimizer: string,
): void {
  if (checkpoint.meta.optimizer !== optimizer) {
    throw validationError(
      `The checkpoint was trained with optimizer ${checkpoint.meta.optimizer}; resuming needs the same optimizer (this job: ${optimizer}).`,
    );
  }
  const state = trainer.optimizerState();
  for (const [name, data] of Object.entries(state)) {
    const saved = checkpoint.tensors[`optimizer/${name}`];
    // A block frozen then (train_only_top_layer) but trained now starts its state fresh.
    if (saved && saved.length === data.length) data.set(saved);
  }
  trainer.stepCount = checkpoint.meta.stepCount;
}

function preprocessingOf(prepared: PreparedBackbone): Record<string, unknown> {
  return prepared.input
    ? {
        input: prepared.inputName,
        kind: 'image',
        ...prepared.input,
        value: '(pixel / 255 - mean) / std',
      }
    : {
        input: prepared.inputName,
        kind: 'text',
        tokenizer: 'tokenizer.json',
        vocabulary: 'vocab.txt',
      };
}

/** Runs the exported model alone over the validation examples; returns its accuracy. */
async function evaluateExported(
  model: Uint8Array,
  prepared: PreparedBackbone,
  data: ClassificationData<ImageDataset> | ClassificationData<TextDataset>,
  executionProvider: ExecutionProvider,
): Promise<number> {
  const { session } = await createSession(model, { executionProvider });
  const dataset = data.validation;
  const indices = data.validationIndices;
  let correct = 0;
  const classes = data.classNames.length;
  const tokenizer =
    'texts' in dataset ? loadTokenizer(dirname(prepared.backbone.tokenizer!)) : undefined;
  for (let from = 0; from < indices.length; from += EVAL_BATCH) {
    const rows = indices.subarray(from, Math.min(indices.length, from + EVAL_BATCH));
    let input: ort.Tensor;
    if ('pixels' in dataset) {
      const spec = prepared.input!;
      input = new ort.Tensor('float32', imageBatch(dataset, rows, spec), [
        rows.length,
        spec.channels,
        spec.height,
        spec.width,
      ]);
    } else {
      const { data: ids, dims } = tokenizer!.encodeBatch(Array.from(rows, (r) => dataset.texts[r]));
      input = new ort.Tensor('int64', ids, dims);
    }
    const out = await session.run({ [prepared.inputName]: input }, [LOGITS]);
    correct += countCorrect(out[LOGITS].data as Float32Array, dataset.labels, rows, classes);
  }
  await session.release();
  return correct / Math.max(1, indices.length);
}
