/**
 * Smart sifting's estimate before a run, without data: the trainable top a job would build
 * (backbone feature size, top_hidden_units, top_hidden_layers, train_only_top_layer,
 * dropout_rate, optimizer, batch_size), fed batches of random features of the right shape,
 * profiled as the job profiles it (profileSifting) and put through estimateSiftingSaving for
 * each beta. Loads ONNX Runtime: run it in a process of its own (`runner.js sifting-estimate`),
 * never in the extension host.
 */
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { validationError } from '../../model/errors';
import { Random } from '../util/random';
import { fillDropoutMask } from '../training/graph/nn';
import { createSession, GraphTrainer } from '../training/graph/session';
import { augmentBatch, normalization } from './augment';
import { prepareBackbone } from './backbone';
import {
  bundledBackboneNames,
  CATALOG,
  catalogBackbone,
  DEFAULT_BACKBONES,
  loadBundledBackbone,
  type Backbone,
} from './catalog';
import { parseHyperParameters } from './hyperparameters';
import { DEFAULT_SIFTING_DESIGN, estimateSiftingSaving, profileSifting } from './sifting';
import {
  parseSiftingEstimateRequest,
  type SiftingEstimateRequest,
  type SiftingEstimateResult,
} from './siftingEstimateRequest';
import {
  classificationTop,
  DROPOUT_MASK,
  FEATURES,
  glorot,
  LABELS,
  optimizerConfig,
  topOutputWidth,
  type TopShape,
} from './topModel';

export * from './siftingEstimateRequest';

/** Tops larger than this are not profiled here (memory and time); the job still profiles its own. */
export const MAX_PROFILED_WEIGHTS = 32_000_000;

/** Thrown when the estimate cannot be made before a run; the message says why. */
class SkippedError extends Error {}

/** Times of a plain step etc. are taken this many times after warm-up (the job takes 7). */
const REPEATS = 7;
/** Augmented batches run the backbone: fewer repeats keep large backbones' profiles short. */
const AUGMENTED_REPEATS = 3;
/** Steps of light tops take a millisecond or less: more repeats steady their median. */
const LIGHT_REPEATS = 31;
const LIGHT_WORK = 2e7;

/**
 * The profiled estimate for a request (checked by parseSiftingEstimateRequest). Never throws:
 * problems come back as { ok: false, error }.
 */
export async function estimateSiftingForRequest(
  input: SiftingEstimateRequest | unknown,
): Promise<SiftingEstimateResult> {
  const started = performance.now();
  try {
    const request = parseSiftingEstimateRequest(input);
    const hps = parseHyperParameters(request.algorithm, request.hyperParameters);
    const notes: string[] = [];
    const backbone = backboneForEstimate(request.algorithm, hps.backbone);
    const featureSize = backbone.featureSize;
    if (!featureSize)
      throw new SkippedError(
        `The feature size of backbone ${backbone.name} is known only once the job runs it: the job profiles its top and logs the estimate before its first epoch.`,
      );
    const classes = request.classes!;
    const shape: TopShape = {
      featureSize,
      hiddenSize: backbone.lastBlock?.outputSize ?? hps.top_hidden_units,
      classes,
      ...(hps.top_hidden_layers > 0
        ? { hiddenLayers: hps.top_hidden_layers, hiddenLayerSize: hps.top_hidden_units }
        : {}),
    };
    // As classifierJob builds it: train_only_top_layer freezes only a pretrained block.
    const trainBlock = !hps.train_only_top_layer || !backbone.lastBlock;
    const definition = classificationTop(shape, {
      trainBlock,
      dropoutRate: hps.dropout_rate,
      labelSmoothing: hps.label_smoothing,
    });
    const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
    const allWeights = definition.parameters.reduce((n, p) => n + size(p.shape), 0);
    const trainableWeights = definition.parameters
      .filter((p) => p.trainable !== false)
      .reduce((n, p) => n + size(p.shape), 0);
    if (allWeights > MAX_PROFILED_WEIGHTS)
      throw new SkippedError(
        `The top has ${allWeights.toLocaleString('en-US')} weights, too many to profile quickly here (at most ${MAX_PROFILED_WEIGHTS.toLocaleString('en-US')}); the job profiles its top and logs the estimate before its first epoch.`,
      );
    const random = new Random(hps.seed);
    const weights: Record<string, Float32Array> = {};
    for (const p of definition.parameters) {
      // Values do not change the time a step takes; shapes do.
      weights[p.name] =
        p.shape.length === 2
          ? glorot(p.shape[0], p.shape[1], random)
          : new Float32Array(size(p.shape));
    }
    // One intra-op thread: the profile then measures CPU time, which a busy machine hardly
    // inflates (profileSifting), and the estimate does not fight the editor for cores.
    const threads = 1;
    const trainer = await GraphTrainer.create(
      definition,
      { optimizer: optimizerConfig(hps), l2: hps.regularizers_l2 },
      weights,
      { executionProvider: 'cpu', intraOpThreads: threads },
    );

    const batchSize = hps.batch_size;
    const betas = request.betas!;
    const maxRows = Math.max(batchSize, ...betas.map((b) => Math.round(batchSize * (1 + b))));
    const width = topOutputWidth(shape);
    const features = new Float32Array(maxRows * featureSize);
    for (let i = 0; i < features.length; i++) features[i] = random.next();
    const labels = BigInt64Array.from({ length: maxRows }, () =>
      BigInt(Math.floor(random.next() * classes)),
    );
    const mask = new Float32Array(maxRows * width);
    const batchRandom = new Random(hps.seed ^ 0x9e3779b9);

    // augmentation=True: every batch is augmented and goes through the backbone, paid for
    // every sample scored. Timed when the backbone is on this machine.
    let augmentation: 'off' | 'included' | 'left-out' = 'off';
    let featurize: ((rows: number, out: Float32Array) => Promise<void>) | undefined;
    if (request.algorithm === 'image-classification' && hps.augmentation) {
      if (existsSync(backbone.path)) {
        featurize = await augmentedFeaturizer(backbone, hps, maxRows, batchRandom);
        augmentation = 'included';
        notes.push(
          `augmentation=True: each batch's augmentation and its forward pass through ${backbone.name} are timed as batch preparation, paid for every sample scored.`,
        );
      } else {
        augmentation = 'left-out';
        notes.push(
          `augmentation=True: ${backbone.name} is not downloaded yet, so its forward pass on every batch is left out; the actual saving is lower.`,
        );
      }
    }
    const makeBatch = async (rows: number): Promise<Record<string, ort.Tensor>> => {
      const x = features.subarray(0, rows * featureSize);
      if (featurize) await featurize(rows, x);
      const feeds: Record<string, ort.Tensor> = {
        [FEATURES]: new ort.Tensor('float32', x, [rows, featureSize]),
        [LABELS]: new ort.Tensor('int64', labels.subarray(0, rows), [rows]),
      };
      if (hps.dropout_rate > 0) {
        const m = mask.subarray(0, rows * width);
        fillDropoutMask(m, hps.dropout_rate, batchRandom);
        feeds[DROPOUT_MASK] = new ort.Tensor('float32', m, [rows, width]);
      }
      return feeds;
    };

    const estimates = [];
    for (const beta of betas) {
      const profile = await profileSifting(
        trainer,
        DEFAULT_SIFTING_DESIGN,
        makeBatch,
        batchSize,
        beta,
        featurize
          ? AUGMENTED_REPEATS
          : allWeights * batchSize < LIGHT_WORK
            ? LIGHT_REPEATS
            : REPEATS,
      );
      const estimate = estimateSiftingSaving(profile, { betaValue: beta }, DEFAULT_SIFTING_DESIGN);
      estimates.push({
        beta,
        keptFraction: estimate.keptFraction,
        savingFraction: estimate.savingFraction,
        backwardShare: estimate.backwardShare,
        verdict: estimate.verdict,
        message: estimate.message,
      });
    }
    const classesGiven = typeof input === 'object' && input !== null && 'classes' in input;
    if (!classesGiven) notes.push(`A head of ${classes} classes (the data decides it in the job).`);
    notes.push(
      'Profiled on this machine with random features, one CPU thread; the job profiles its own top on real batches before its first epoch.',
    );
    return {
      ok: true,
      algorithm: request.algorithm,
      backbone: backbone.name,
      featureSize,
      classes,
      batchSize,
      trainableWeights,
      augmentation,
      estimates,
      notes,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (err) {
    return {
      ok: false,
      error: err instanceof Error ? err.message : String(err),
      ...(err instanceof SkippedError ? { skipped: true } : {}),
    };
  }
}

/**
 * The backbone a job would use, without downloading anything: bundled models and catalog
 * entries know their feature size; a user's .onnx file is only known by running it.
 */
function backboneForEstimate(
  algorithm: SiftingEstimateRequest['algorithm'],
  name: string,
): Backbone {
  const wanted = name || DEFAULT_BACKBONES[algorithm];
  const kind = algorithm === 'image-classification' ? 'image' : 'text';
  let backbone: Backbone;
  if (bundledBackboneNames().includes(wanted)) backbone = loadBundledBackbone(wanted);
  else if (CATALOG.some((e) => e.name === wanted))
    backbone = catalogBackbone(CATALOG.find((e) => e.name === wanted)!);
  else if (wanted.endsWith('.onnx') || wanted.startsWith('file://'))
    throw new SkippedError(
      `No estimate before the run for your own backbone (${wanted}): its feature size is known only once the job runs it. The job profiles its top and logs the estimated saving before its first epoch.`,
    );
  else
    throw validationError(
      `backbone ${JSON.stringify(wanted)} is neither a known model (${[...bundledBackboneNames(), ...CATALOG.map((e) => e.name)].join(', ')}) nor a path to an .onnx file.`,
    );
  if (backbone.kind !== kind)
    throw validationError(
      `backbone ${JSON.stringify(backbone.name)} is a ${backbone.kind} model; local:${algorithm} needs a ${kind} model.`,
    );
  return backbone;
}

/** Random 8-bit images, augmented and run through the backbone into `out`, as the job's batches are. */
async function augmentedFeaturizer(
  backbone: Backbone,
  hps: ReturnType<typeof parseHyperParameters>,
  maxRows: number,
  random: Random,
): Promise<(rows: number, out: Float32Array) => Promise<void>> {
  const prepared = prepareBackbone(backbone);
  const input = prepared.input!;
  const { session } = await createSession(prepared.bytes, {
    executionProvider: 'cpu',
    intraOpThreads: 1,
  });
  const imageSize = input.channels * input.height * input.width;
  const store = Uint8Array.from({ length: maxRows * imageSize }, () =>
    Math.floor(random.next() * 256),
  );
  const pixels = new Float32Array(maxRows * imageSize);
  const norm = normalization(input.mean, input.std, input.channels);
  const indices = Int32Array.from({ length: maxRows }, (_, i) => i);
  return async (rows, out) => {
    const batch = pixels.subarray(0, rows * imageSize);
    augmentBatch(
      store,
      indices.subarray(0, rows),
      input,
      {
        rotation: hps.augmentation_random_rotation,
        zoom: hps.augmentation_random_zoom,
        translation: hps.augmentation_random_translation,
      },
      norm,
      random,
      batch,
    );
    const result = await session.run(
      {
        [prepared.inputName]: new ort.Tensor('float32', batch, [
          rows,
          input.channels,
          input.height,
          input.width,
        ]),
      },
      [prepared.featureName],
    );
    out.set(result[prepared.featureName].data as Float32Array);
  };
}

/**
 * `runner.js sifting-estimate [JSON]`: the request from the argument, else from stdin; one
 * JSON line (SiftingEstimateResult) on stdout. Exit code 0 when an estimate was made.
 */
export async function siftingEstimateMain(argument: string | undefined): Promise<number> {
  let text = argument;
  if (text === undefined) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  }
  let request: unknown;
  let result: SiftingEstimateResult;
  try {
    request = JSON.parse(text);
    result = await estimateSiftingForRequest(request);
  } catch (err) {
    result = { ok: false, error: `The request is not JSON: ${(err as Error).message}` };
  }
  // Flushed before the caller exits (a pipe may be written asynchronously).
  await new Promise<void>((resolve) =>
    process.stdout.write(`${JSON.stringify(result)}\n`, () => resolve()),
  );
  return result.ok ? 0 : 1;
}
