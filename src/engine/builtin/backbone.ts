/**
 * A frozen backbone at run time: its ONNX graph cut at the feature tensor, an ORT session
 * over it, and feature extraction in batches. Features of a dataset are computed once and
 * cached on disk (keyed by the backbone's and the data's fingerprints), so every epoch - and
 * every trial of a tuning job on the same data - trains the top on cached activations.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { validationError } from '../../model/errors';
import { decodeModel, encodeModel } from '../training/graph/onnx';
import type { Backbone, ImageInputSpec } from './catalog';

/** ImageNet's statistics: what torchvision / timm backbones expect. */
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

export interface PreparedBackbone {
  backbone: Backbone;
  /** The backbone graph ending at the feature tensor (the only output). */
  model: onnx.ModelProto;
  bytes: Uint8Array;
  inputName: string;
  featureName: string;
  input?: ImageInputSpec;
  /** For text models: the input's sequence length, when fixed. */
  sequenceLength?: number;
  opset: number;
}

function dimsOf(info: onnx.IValueInfoProto | undefined): (number | string)[] | undefined {
  const dims = info?.type?.tensorType?.shape?.dim;
  if (!dims) return undefined;
  return dims.map((d) =>
    d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0
      ? Number(d.dimValue)
      : (d.dimParam ?? '?'),
  );
}

/**
 * Loads the backbone and cuts it at the feature tensor. Without a feature name (a user's own
 * model), the feature is the input of the classifier at the end of the graph (the last Gemm
 * or MatMul before the output, past Softmax/Flatten/Reshape), or the output itself.
 */
export function prepareBackbone(backbone: Backbone): PreparedBackbone {
  let model: onnx.ModelProto;
  try {
    model = decodeModel(readFileSync(backbone.path));
  } catch (err) {
    throw validationError(
      `backbone ${backbone.path} is not a readable ONNX model: ${(err as Error).message}`,
    );
  }
  if (!model.graph) throw validationError(`backbone ${backbone.path} has no graph.`);
  const graph = model.graph as unknown as Graph;
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const realInputs = graph.input.filter((i) => !initializers.has(i.name));
  const inputName = backbone.inputName || (realInputs.length === 1 ? realInputs[0].name : '');
  if (!inputName || !realInputs.some((i) => i.name === inputName)) {
    throw validationError(
      `backbone ${backbone.name}: cannot tell which input takes the data (inputs: ${realInputs.map((i) => i.name).join(', ')}).`,
    );
  }
  const featureName = backbone.featureName || findFeatureTensor(graph);
  const cut = cutAt(model, featureName, backbone.name);
  const opset = Number(model.opsetImport.find((o) => !o.domain)?.version ?? 17);

  let input = backbone.input;
  let sequenceLength: number | undefined;
  const dims = dimsOf(realInputs.find((i) => i.name === inputName));
  if (backbone.kind === 'image' && !input) {
    if (
      !dims ||
      dims.length !== 4 ||
      typeof dims[1] !== 'number' ||
      typeof dims[2] !== 'number' ||
      typeof dims[3] !== 'number'
    ) {
      throw validationError(
        `backbone ${backbone.name}: its input ${inputName} has shape [${(dims ?? []).join(', ')}]; an image backbone needs [batch, channels, height, width] with fixed channels, height and width.`,
      );
    }
    const channels = dims[1];
    if (channels !== 1 && channels !== 3) {
      throw validationError(
        `backbone ${backbone.name}: ${channels} input channels; 1 or 3 are supported.`,
      );
    }
    input = {
      layout: 'NCHW',
      channels,
      height: dims[2],
      width: dims[3],
      mean: channels === 3 ? IMAGENET.mean : [0.5],
      std: channels === 3 ? IMAGENET.std : [0.5],
    };
  }
  if (backbone.kind === 'text' && dims && typeof dims[1] === 'number') sequenceLength = dims[1];
  return {
    backbone,
    model: cut,
    bytes: encodeModel(cut),
    inputName,
    featureName,
    input,
    sequenceLength,
    opset,
  };
}

/** A decoded graph: protobufjs fills repeated fields with arrays, whatever the I* types say. */
type Named<T> = Omit<T, 'name'> & { name: string };
export type GraphNode = Omit<onnx.INodeProto, 'input' | 'output' | 'attribute'> & {
  input: string[];
  output: string[];
  attribute: onnx.IAttributeProto[];
};
export type Graph = Omit<
  onnx.IGraphProto,
  'node' | 'input' | 'output' | 'valueInfo' | 'initializer'
> & {
  node: GraphNode[];
  input: Named<onnx.IValueInfoProto>[];
  output: Named<onnx.IValueInfoProto>[];
  valueInfo: Named<onnx.IValueInfoProto>[];
  initializer: Named<onnx.ITensorProto>[];
};

const PASS_THROUGH_OPS = new Set([
  'Softmax',
  'LogSoftmax',
  'Flatten',
  'Reshape',
  'Identity',
  'Squeeze',
  'Sigmoid',
]);

function findFeatureTensor(graph: Graph): string {
  if (graph.output?.length !== 1) {
    throw validationError(
      `the backbone has ${graph.output?.length ?? 0} outputs; name the feature tensor (featureName) to use.`,
    );
  }
  const producer = new Map<string, onnx.INodeProto>();
  for (const node of graph.node ?? []) for (const out of node.output ?? []) producer.set(out, node);
  let name = graph.output[0].name!;
  for (let hops = 0; hops < 8; hops++) {
    const node = producer.get(name);
    if (!node) break;
    if (node.opType === 'Gemm' || node.opType === 'MatMul') return node.input![0];
    if (node.opType === 'Add') {
      const matmul = node.input!.map((i) => producer.get(i)).find((n) => n?.opType === 'MatMul');
      if (matmul) return matmul.input![0];
    }
    if (!PASS_THROUGH_OPS.has(node.opType ?? '')) break;
    name = node.input![0];
  }
  return graph.output[0].name!;
}

/** A copy of the model whose only output is `tensor`, with the nodes it does not need removed. */
function cutAt(model: onnx.ModelProto, tensor: string, label: string): onnx.ModelProto {
  const graph = model.graph as unknown as Graph;
  const producer = new Map<string, number>();
  graph.node.forEach((node, i) => node.output.forEach((out) => producer.set(out, i)));
  const isInput = graph.input.some((i) => i.name === tensor);
  if (!producer.has(tensor) && !isInput) {
    throw validationError(
      `backbone ${label}: no tensor named ${JSON.stringify(tensor)} in the graph.`,
    );
  }
  const needed = new Set<number>();
  const stack = [tensor];
  const seen = new Set<string>();
  while (stack.length) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const index = producer.get(name);
    if (index === undefined || needed.has(index)) continue;
    needed.add(index);
    const node = graph.node[index];
    stack.push(...node.input.filter(Boolean));
    // Subgraphs (If/Loop) read outer values too: keep everything they mention.
    for (const attr of node.attribute)
      if (attr.g) for (const n of attr.g.node ?? []) stack.push(...(n.input ?? []));
  }
  const used = new Set<string>();
  const nodes = graph.node.filter((_, i) => needed.has(i));
  for (const node of nodes) for (const name of node.input) used.add(name);
  used.add(tensor);
  const existing = [...graph.output, ...graph.valueInfo].find((v) => v.name === tensor);
  const output: onnx.IValueInfoProto = existing ?? {
    name: tensor,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } },
  };
  const copy = onnx.ModelProto.create({
    ...model,
    graph: onnx.GraphProto.create({
      ...graph,
      node: nodes,
      initializer: graph.initializer.filter((t) => used.has(t.name)),
      input: graph.input.filter((i) => used.has(i.name) || i.name === tensor),
      output: [output],
      valueInfo: graph.valueInfo.filter((v) => used.has(v.name) && v.name !== tensor),
    }),
  });
  return copy;
}

/** Runs the backbone over a dataset in batches; returns [n, featureSize] features. */
export async function extractFeatures(
  session: ort.InferenceSession,
  prepared: PreparedBackbone,
  count: number,
  makeBatch: (start: number, end: number) => ort.Tensor,
  options: { batchSize?: number; onProgress?: (done: number) => void } = {},
): Promise<{ features: Float32Array; featureSize: number }> {
  const batchSize = options.batchSize ?? 256;
  let features: Float32Array | undefined;
  let featureSize = 0;
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const out = (
      await session.run({ [prepared.inputName]: makeBatch(start, end) }, [prepared.featureName])
    )[prepared.featureName];
    const rows = end - start;
    if (!features) {
      featureSize = out.data.length / rows;
      if (!Number.isInteger(featureSize) || featureSize < 1) {
        throw validationError(
          `backbone ${prepared.backbone.name}: its feature tensor has shape [${out.dims.join(', ')}], not [batch, ...].`,
        );
      }
      features = new Float32Array(count * featureSize);
    }
    if (out.type !== 'float32')
      throw validationError(
        `backbone ${prepared.backbone.name}: features are ${out.type}, not float32.`,
      );
    features.set(out.data as Float32Array, start * featureSize);
    options.onProgress?.(end);
  }
  return { features: features ?? new Float32Array(0), featureSize };
}

/** Where a dataset's features are cached, keyed by what determines them. */
export function featureCacheKey(parts: readonly (string | number)[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

export function readCachedFeatures(
  dir: string,
  key: string,
  count: number,
): { features: Float32Array; featureSize: number } | undefined {
  const path = join(dir, `${key}.f32`);
  if (!existsSync(path)) return undefined;
  try {
    const bytes = readFileSync(path);
    const header = bytes.readUInt32LE(0);
    const featureSize = bytes.readUInt32LE(4);
    if (header !== count || bytes.length !== 8 + count * featureSize * 4) return undefined;
    const features = new Float32Array(count * featureSize);
    new Uint8Array(features.buffer).set(bytes.subarray(8));
    return { features, featureSize };
  } catch {
    return undefined;
  }
}

/** Written to a temp file, fsynced and renamed: a killed job never leaves a torn cache file. */
export function writeCachedFeatures(
  dir: string,
  key: string,
  features: Float32Array,
  featureSize: number,
): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${key}.f32`);
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
  const count = featureSize ? features.length / featureSize : 0;
  const header = Buffer.alloc(8);
  header.writeUInt32LE(count, 0);
  header.writeUInt32LE(featureSize, 4);
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, header);
    writeSync(fd, new Uint8Array(features.buffer, features.byteOffset, features.byteLength));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
