/**
 * Pretrained backbones: the models bundled with the extension (pretrained by the project's
 * scripts under scripts/pretrain/, described by models/<name>/model.json), catalog entries
 * downloaded on first use (cached, sha256-verified), and any ONNX file a user brings.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { validationError } from '../../model/errors';
import type { BuiltinAlgorithm } from './hyperparameters';

export type ModelKind = 'image' | 'text';

export interface ImageInputSpec {
  layout: 'NCHW';
  channels: 1 | 3;
  height: number;
  width: number;
  /** Per-channel mean and std of pixel/255. */
  mean: number[];
  std: number[];
}

export interface LastBlockSpec {
  /** An ONNX file whose initializers hold the pretrained block's weights. */
  file: string;
  weight: string;
  bias: string;
  activation: 'relu';
  outputSize: number;
}

/** What model.json says about a backbone, with paths resolved. */
export interface Backbone {
  name: string;
  kind: ModelKind;
  description: string;
  /** Absolute path of the frozen backbone's .onnx file. */
  path: string;
  inputName: string;
  /** The tensor whose value is the feature vector; the graph is cut there if it is not an output. */
  featureName: string;
  /** Feature size, when known before running the model. */
  featureSize?: number;
  input?: ImageInputSpec;
  /** Absolute path of tokenizer.json (text models). */
  tokenizer?: string;
  lastBlock?: LastBlockSpec & { path: string };
  /** sha256 of the backbone file, for cache keys and provenance. */
  sha256?: string;
  source: 'bundled' | 'catalog' | 'file';
}

export const DEFAULT_BACKBONES: Record<BuiltinAlgorithm, string> = {
  'image-classification': 'glyph-cnn',
  'text-classification': 'wordvec-en',
};

/**
 * Models that download on first use. Each names the exact file and its sha256, so a download
 * that does not match is refused.
 */
export interface CatalogEntry {
  name: string;
  kind: ModelKind;
  description: string;
  url: string;
  sha256: string;
  sizeBytes: number;
  inputName: string;
  featureName: string;
  featureSize: number;
  input: ImageInputSpec;
  license: string;
}

const IMAGENET_INPUT: ImageInputSpec = {
  layout: 'NCHW',
  channels: 3,
  height: 224,
  width: 224,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/** From the ONNX Model Zoo (github.com/onnx/models, validated/); sha256 and sizes as its hub manifest lists them. */
export const CATALOG: readonly CatalogEntry[] = [
  {
    name: 'resnet18-v1-7',
    kind: 'image',
    description: 'ResNet-18 v1 trained on ImageNet (ONNX Model Zoo), 512 features',
    url: 'https://github.com/onnx/models/raw/main/validated/vision/classification/resnet/model/resnet18-v1-7.onnx',
    sha256: '4e8f8653e7a2222b3904cc3fe8e304cd8b339ce1d05fd24688162f86fb6df52c',
    sizeBytes: 46_820_737,
    inputName: 'data',
    featureName: 'resnetv15_pool1_fwd',
    featureSize: 512,
    input: IMAGENET_INPUT,
    license: 'Apache-2.0',
  },
  {
    name: 'mobilenetv2-10',
    kind: 'image',
    description: 'MobileNet v2 1.0 trained on ImageNet (ONNX Model Zoo), 1280 features',
    url: 'https://github.com/onnx/models/raw/main/validated/vision/classification/mobilenet/model/mobilenetv2-10.onnx',
    sha256: '0e7c0aa4bc74650386fa1d2c84705753de7c2bdb21909ada5c59154bb429e092',
    sizeBytes: 13_963_115,
    inputName: 'input',
    featureName: '464',
    featureSize: 1280,
    input: IMAGENET_INPUT,
    license: 'Apache-2.0',
  },
];

/** The folder holding the bundled models (models/ at the extension's root). */
export function bundledModelsDir(): string {
  const fromEnv = process.env.SMW_MODELS_DIR;
  if (fromEnv) return fromEnv;
  // dist/runner.js, out/src/engine/builtin/catalog.js, src/engine/builtin/catalog.ts: walk up.
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const models = join(dir, 'models');
    if (BUNDLED_MODELS.some((name) => existsSync(join(models, name, 'model.json')))) return models;
    dir = dirname(dir);
  }
  return join(__dirname, '..', 'models');
}

export function modelCacheDir(): string {
  return (
    process.env.SMW_MODEL_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'sagemaker-workbench', 'models')
  );
}

interface ManifestJson {
  name: string;
  kind: ModelKind;
  description?: string;
  backbone: string;
  inputName: string;
  featureName: string;
  featureSize?: number;
  input?: ImageInputSpec;
  tokenizer?: string;
  lastBlock?: LastBlockSpec;
  files?: Record<string, string>;
}

/** Reads models/<name>/model.json. */
export function loadBundledBackbone(name: string, modelsDir = bundledModelsDir()): Backbone {
  const dir = join(modelsDir, name);
  const manifestPath = join(dir, 'model.json');
  if (!existsSync(manifestPath)) {
    throw validationError(
      `The bundled model ${JSON.stringify(name)} is missing (${manifestPath}); reinstall the extension, ` +
        'or rebuild it with the scripts in scripts/pretrain/ (see docs/pretrained-models.md).',
    );
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as ManifestJson;
  return {
    name: manifest.name,
    kind: manifest.kind,
    description: manifest.description ?? '',
    path: join(dir, manifest.backbone),
    inputName: manifest.inputName,
    featureName: manifest.featureName,
    featureSize: manifest.featureSize,
    input: manifest.input,
    tokenizer: manifest.tokenizer ? join(dir, manifest.tokenizer) : undefined,
    lastBlock: manifest.lastBlock
      ? { ...manifest.lastBlock, path: join(dir, manifest.lastBlock.file) }
      : undefined,
    sha256: manifest.files?.[manifest.backbone],
    source: 'bundled',
  };
}

/** The models the project pretrains and ships (scripts/pretrain/). */
export const BUNDLED_MODELS = ['glyph-cnn', 'wordvec-en'] as const;

export function bundledBackboneNames(modelsDir = bundledModelsDir()): string[] {
  return BUNDLED_MODELS.filter((name) => existsSync(join(modelsDir, name, 'model.json')));
}

export interface ResolveOptions {
  algorithm: BuiltinAlgorithm;
  /** The `backbone` hyperparameter: empty, a bundled or catalog name, or an .onnx path. */
  backbone: string;
  /** Where relative paths are resolved from. */
  cwd?: string;
  /** For catalog downloads; tests pass their own. */
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

/**
 * Finds the backbone a job asked for. A user's own .onnx file needs `input_name` and
 * `feature_name` hints only when its graph has several inputs or outputs; its image input
 * size comes from the graph's input shape.
 */
export async function resolveBackbone(options: ResolveOptions): Promise<Backbone> {
  const wanted = options.backbone || DEFAULT_BACKBONES[options.algorithm];
  const kind: ModelKind = options.algorithm === 'image-classification' ? 'image' : 'text';
  let backbone: Backbone;
  if (bundledBackboneNames().includes(wanted)) {
    backbone = loadBundledBackbone(wanted);
  } else if (CATALOG.some((e) => e.name === wanted)) {
    backbone = await downloadCatalogEntry(
      CATALOG.find((e) => e.name === wanted)!,
      options,
    );
  } else if (wanted.endsWith('.onnx') || wanted.startsWith('file://')) {
    const path = wanted.startsWith('file://')
      ? decodeURIComponent(new URL(wanted).pathname)
      : isAbsolute(wanted)
        ? wanted
        : resolve(options.cwd ?? process.cwd(), wanted);
    if (!existsSync(path)) {
      throw validationError(
        `backbone: ${path} does not exist. Give an absolute path to an .onnx file.`,
      );
    }
    backbone = {
      name: path,
      kind,
      description: 'user-supplied ONNX model',
      path,
      inputName: '',
      featureName: '',
      source: 'file',
    };
  } else {
    const known = [...bundledBackboneNames(), ...CATALOG.map((e) => e.name)];
    throw validationError(
      `backbone ${JSON.stringify(wanted)} is neither a known model (${known.join(', ')}) nor a path to an .onnx file.`,
    );
  }
  if (backbone.kind !== kind) {
    throw validationError(
      `backbone ${JSON.stringify(backbone.name)} is a ${backbone.kind} model; local:${options.algorithm} needs a ${kind} model.`,
    );
  }
  return backbone;
}

/** A catalog model as a Backbone, at its place in the cache (downloaded or not). */
export function catalogBackbone(entry: CatalogEntry, cacheDir = modelCacheDir()): Backbone {
  return {
    name: entry.name,
    kind: entry.kind,
    description: entry.description,
    path: join(cacheDir, entry.name, `${entry.sha256.slice(0, 16)}.onnx`),
    inputName: entry.inputName,
    featureName: entry.featureName,
    featureSize: entry.featureSize,
    input: entry.input,
    sha256: entry.sha256,
    source: 'catalog',
  };
}

/** Downloads a catalog model once into the cache, verifying its sha256 before it is used. */
export async function downloadCatalogEntry(
  entry: CatalogEntry,
  options: Pick<ResolveOptions, 'fetch' | 'log'> = {},
  cacheDir = modelCacheDir(),
): Promise<Backbone> {
  const backbone = catalogBackbone(entry, cacheDir);
  const path = backbone.path;
  if (existsSync(path) && (await sha256File(path)) === entry.sha256) return backbone;
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
  const doFetch = options.fetch ?? fetch;
  options.log?.(
    `Downloading ${entry.name} (${(entry.sizeBytes / 1e6).toFixed(1)} MB) from ${entry.url}`,
  );
  try {
    let response: Response;
    try {
      response = await doFetch(entry.url, { redirect: 'follow' });
    } catch (err) {
      throw validationError(
        `Could not download ${entry.name} from ${entry.url}: ${(err as Error).message}. ` +
          'Check the network, or use the bundled model (leave backbone empty) or a local .onnx file.',
      );
    }
    if (!response.ok || !response.body) {
      throw validationError(
        `Could not download ${entry.name}: ${entry.url} answered HTTP ${response.status}.`,
      );
    }
    const hash = createHash('sha256');
    const file = await open(temp, 'w');
    let size = 0;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > entry.sizeBytes * 1.01 + 1024) {
          throw validationError(
            `The download of ${entry.name} is larger than the catalog's ${entry.sizeBytes} bytes; refused.`,
          );
        }
        hash.update(chunk);
        await file.write(chunk);
      }
      await file.sync();
    } finally {
      await file.close();
    }
    const digest = hash.digest('hex');
    if (digest !== entry.sha256) {
      throw validationError(
        `The download of ${entry.name} has sha256 ${digest}, not the catalog's ${entry.sha256}; refused (nothing was kept).`,
      );
    }
    renameSync(temp, path);
  } finally {
    rmSync(temp, { force: true });
  }
  return backbone;
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}
