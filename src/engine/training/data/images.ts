/**
 * Image classification channels in SageMaker JumpStart's format: one sub-folder per class
 * holding .jpg/.jpeg/.png files; class indices are the folder names in sorted order.
 *
 * Memory: images are decoded one at a time, resized to the model's input and kept as 8-bit
 * planar pixels ([n, c, h, w] in one Uint8Array) - a quarter of float32. Batches are
 * normalised to float32 on demand (imageBatch). 10,000 28x28 grayscale images take 7.8 MB;
 * 3,000 224x224 RGB ones 450 MB (1.8 GB had they been float32).
 */
import { DecodedImage, decodeImage, ImageDecodeError, resizeToPlanar } from './imageDecode';
import { detectLayout, ImageClassFolder, listNames } from './layout';
import { DatasetProblem, failWith, ProblemList, throwIfErrors } from './problems';
import { DatasetSource, toSource } from './source';

export interface ImageReadOptions {
  /** The model's input size, [height, width]. Images are resized to it (aspect not kept). */
  size: [height: number, width: number];
  /** 1: grayscale (luma), 3: RGB. */
  channels: 1 | 3;
  /**
   * A file that is not an image, or a corrupt one: 'skip' (default) leaves it out with a
   * warning, 'fail' makes it an error. Either way the process never crashes on it.
   */
  onBadImage?: 'skip' | 'fail';
  /**
   * The training channel's class names, when reading a validation channel: its folders must
   * be the same classes, and get the same indices.
   */
  classNames?: readonly string[];
  /** Refuse datasets whose pixel store would exceed this (default 4 GiB). */
  maxPixelBytes?: number;
}

export interface ImageDataset {
  location: string;
  /** Class names by index: the class folders in sorted order. */
  classNames: string[];
  labels: Int32Array;
  /** Each example's path relative to the channel, for messages and predictions. */
  files: string[];
  height: number;
  width: number;
  channels: 1 | 3;
  /** [n, channels, height, width], 8-bit. */
  pixels: Uint8Array;
  warnings: DatasetProblem[];
}

const DEFAULT_MAX_PIXEL_BYTES = 4 * 1024 ** 3;

/**
 * Checks an image channel's folder structure (no decoding): class folders, empty classes,
 * stray and skipped files. Shared by readImageDataset and the dataset report.
 */
export function checkImageLayout(
  classes: readonly ImageClassFolder[],
  stray: readonly string[],
  source: DatasetSource,
  problems: ProblemList,
): void {
  if (stray.length > 0) {
    problems.warning(
      'stray-file',
      `${source.root}: ignored ${stray.length} file${stray.length === 1 ? '' : 's'} at the ` +
        `top level (${listNames(stray)}). Images must be inside a class folder ` +
        `(e.g. cat/image1.jpg); move these into one or out of the channel.`,
      { file: source.root },
    );
  }
  for (const folder of classes) {
    const skipped = [...folder.others, ...folder.nested];
    if (folder.images.length === 0) {
      problems.error(
        'empty-class',
        `The class folder ${source.location(folder.name)} has no .jpg, .jpeg or .png ` +
          `images${skipped.length > 0 ? ` (it holds ${listNames(skipped)})` : ''}. Add ` +
          `images to it or remove the folder.`,
        { file: source.location(folder.name) },
      );
      continue;
    }
    if (folder.others.length > 0) {
      problems.warning(
        'not-an-image',
        `${source.location(folder.name)}: skipped ${folder.others.length} file(s) that are not ` +
          `.jpg, .jpeg or .png (${listNames(folder.others)}).`,
        { file: source.location(folder.name) },
      );
    }
    if (folder.nested.length > 0) {
      problems.warning(
        'nested-file',
        `${source.location(folder.name)}: skipped ${folder.nested.length} file(s) in ` +
          `sub-folders (${listNames(folder.nested)}). Images must sit directly in their ` +
          `class folder.`,
        { file: source.location(folder.name) },
      );
    }
  }
  if (classes.length < 2) {
    problems.error(
      'too-few-classes',
      `${source.root} has ${classes.length === 0 ? 'no class folders' : `only one class folder (${classes[0].name})`}. ` +
        `Image classification needs at least 2 classes, one sub-folder each.`,
      { file: source.root },
    );
  }
}

/** Validation channel classes must be exactly the training classes. */
export function checkSameClasses(
  trainingClasses: readonly string[],
  validationClasses: readonly string[],
  validationLocation: string,
  problems: ProblemList,
): void {
  const missing = trainingClasses.filter((c) => !validationClasses.includes(c));
  const extra = validationClasses.filter((c) => !trainingClasses.includes(c));
  if (missing.length === 0 && extra.length === 0) return;
  const parts = [
    ...(missing.length > 0 ? [`missing ${listNames(missing)}`] : []),
    ...(extra.length > 0 ? [`has classes training does not: ${listNames(extra)}`] : []),
  ];
  problems.error(
    'validation-classes-differ',
    `The validation channel (${validationLocation}) has different classes from the training ` +
      `channel: it is ${parts.join('; it ')}. Both channels need the same classes, with ` +
      `examples of each.`,
    { file: validationLocation },
  );
}

/** Reads, checks, decodes and resizes one image classification channel. */
export async function readImageDataset(
  dirOrSource: string | DatasetSource,
  options: ImageReadOptions,
): Promise<ImageDataset> {
  const source = toSource(dirOrSource);
  const [height, width] = options.size;
  const { channels } = options;
  const problems = new ProblemList();
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
    throw new RangeError(`Image size must be two positive integers, got [${options.size}].`);
  }

  const layout = detectLayout(await source.listFiles());
  if (layout.kind !== 'images') {
    problems.error(
      'unknown-layout',
      layout.kind === 'unknown'
        ? `${source.root} is not an image classification channel. ${layout.reason}`
        : `${source.root} holds data.csv (a text classification layout), not one ` +
            `sub-folder of images per class.`,
      { file: source.root },
    );
    failWith(source.root, problems);
  }
  checkImageLayout(layout.classes, layout.stray, source, problems);
  const folderNames = layout.classes.map((c) => c.name);
  if (options.classNames) {
    checkSameClasses(options.classNames, folderNames, source.root, problems);
  }
  throwIfErrors(source.root, problems);

  const classNames = options.classNames ? [...options.classNames] : folderNames;
  const entries = layout.classes.flatMap((folder) =>
    folder.images.map((path) => ({ path, label: classNames.indexOf(folder.name) })),
  );
  const imageBytes = height * width * channels;
  const maxBytes = options.maxPixelBytes ?? DEFAULT_MAX_PIXEL_BYTES;
  if (entries.length * imageBytes > maxBytes) {
    problems.error(
      'too-large',
      `${source.root}: ${entries.length} images at ${height}x${width}x${channels} need ` +
        `${gib(entries.length * imageBytes)} GiB in memory, more than the ` +
        `${gib(maxBytes)} GiB allowed. Use fewer images or a smaller input size.`,
      { file: source.root },
    );
    failWith(source.root, problems);
  }

  const pixels = new Uint8Array(entries.length * imageBytes);
  const labels = new Int32Array(entries.length);
  const files: string[] = [];
  const badByClass = new Map<string, number>();
  // Read the next file while decoding this one; decoding is the slow part.
  let next = entries.length > 0 ? readSafely(source, entries[0].path) : undefined;
  for (let i = 0; i < entries.length; i++) {
    const { path, label } = entries[i];
    const bytes = await next;
    next = i + 1 < entries.length ? readSafely(source, entries[i + 1].path) : undefined;
    const decoded = bytes instanceof Error ? bytes : tryDecode(bytes as Uint8Array);
    if (decoded instanceof Error) {
      const where = source.location(path);
      const message = `${where}: ${decoded.message}.`;
      if (options.onBadImage === 'fail') {
        problems.error('corrupt-image', `${message} Fix or remove the file.`, { file: where });
      } else {
        problems.warning('corrupt-image', `${message} Skipped.`, { file: where });
      }
      const name = classNames[label];
      badByClass.set(name, (badByClass.get(name) ?? 0) + 1);
      continue;
    }
    resizeToPlanar(decoded, height, width, channels, pixels, files.length * imageBytes);
    labels[files.length] = label;
    files.push(path);
  }

  // A class whose every image was skipped is an empty class after all.
  const counts = countLabels(labels.subarray(0, files.length), classNames.length);
  classNames.forEach((name, index) => {
    if (counts[index] === 0 && (badByClass.get(name) ?? 0) > 0) {
      problems.error(
        'empty-class',
        `The class folder ${source.location(name)} has no readable images: all ` +
          `${badByClass.get(name)} are corrupt or not images. Replace them.`,
        { file: source.location(name) },
      );
    }
  });
  const warnings = throwIfErrors(source.root, problems);
  const n = files.length;
  return {
    location: source.root,
    classNames,
    labels: n === entries.length ? labels : labels.slice(0, n),
    files,
    height,
    width,
    channels,
    pixels: n === entries.length ? pixels : pixels.slice(0, n * imageBytes),
    warnings,
  };
}

const gib = (bytes: number) => (bytes / 1024 ** 3).toFixed(1);

async function readSafely(source: DatasetSource, path: string): Promise<Uint8Array | Error> {
  try {
    return await source.readFile(path);
  } catch (error) {
    return new Error(`cannot be read (${error instanceof Error ? error.message : error})`);
  }
}

function tryDecode(bytes: Uint8Array): DecodedImage | Error {
  try {
    return decodeImage(bytes);
  } catch (error) {
    if (error instanceof ImageDecodeError) return error;
    // Decoders throw all sorts (RangeError, TypeError) on hostile input: still just a bad file.
    return new Error(`cannot be decoded (${error instanceof Error ? error.message : error})`);
  }
}

export function countLabels(labels: Int32Array, classCount: number): Int32Array {
  const counts = new Int32Array(classCount);
  for (const label of labels) counts[label]++;
  return counts;
}

export interface Normalization {
  /** Per-channel mean and standard deviation of pixel/255 (e.g. ImageNet's). */
  mean?: readonly number[];
  std?: readonly number[];
}

/**
 * The examples at `indices` as one float32 tensor [indices.length, c, h, w], each value
 * (pixel / 255 - mean[c]) / std[c]; without mean and std, pixel / 255 in [0, 1].
 */
export function imageBatch(
  dataset: ImageDataset,
  indices: ArrayLike<number>,
  normalization: Normalization = {},
): Float32Array {
  const { channels, height, width, pixels } = dataset;
  const plane = height * width;
  const imageSize = channels * plane;
  const out = new Float32Array(indices.length * imageSize);
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const std = normalization.std?.[c] ?? 1;
    const mean = normalization.mean?.[c] ?? 0;
    scale[c] = 1 / (255 * std);
    shift[c] = -mean / std;
  }
  for (let b = 0; b < indices.length; b++) {
    const from = indices[b] * imageSize;
    const to = b * imageSize;
    for (let c = 0; c < channels; c++) {
      const s = scale[c];
      const t = shift[c];
      const base = c * plane;
      for (let p = 0; p < plane; p++) out[to + base + p] = pixels[from + base + p] * s + t;
    }
  }
  return out;
}
