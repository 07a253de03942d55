/**
 * The trainable top of a built-in classifier, over the frozen backbone's features: the last
 * block (the backbone's pretrained dense block, or a new one) and a new classification head,
 * with dropout between them as JumpStart's classifiers have it. `train_only_top_layer`
 * freezes the block, so only the head learns.
 */
import { readFileSync } from 'node:fs';
import { onnx } from 'onnx-proto';
import type { Random } from '../util/random';
import { validationError } from '../../model/errors';
import { decodeModel } from '../training/graph/onnx';
import { dense, dropout, relu, softmaxCrossEntropy } from '../training/graph/nn';
import { BATCH, type ModelDefinition } from '../training/graph/step';
import type { OptimizerConfig } from '../training/graph/optimizers';
import type { BuiltinHyperParameters } from './hyperparameters';
import type { LastBlockSpec } from './catalog';

export const FEATURES = 'features';
export const LABELS = 'labels';
export const LOGITS = 'logits';
export const DROPOUT_MASK = 'dropout.mask';

export const BLOCK_WEIGHT = 'block.weight';
export const BLOCK_BIAS = 'block.bias';
export const HEAD_WEIGHT = 'head.weight';
export const HEAD_BIAS = 'head.bias';
/** The extra hidden blocks of top_hidden_layers: hidden{i}.weight [in, width], hidden{i}.bias. */
export const hiddenWeight = (layer: number) => `hidden${layer}.weight`;
export const hiddenBias = (layer: number) => `hidden${layer}.bias`;

export interface TopShape {
  featureSize: number;
  hiddenSize: number;
  classes: number;
  /** Extra hidden blocks (ReLU) after the last block, before dropout and the head; new, always trained. */
  hiddenLayers?: number;
  /** Their width (top_hidden_units); default hiddenSize. */
  hiddenLayerSize?: number;
}

/** The width the head (and the dropout before it) sees. */
export function topOutputWidth(shape: TopShape): number {
  return (shape.hiddenLayers ?? 0) > 0
    ? (shape.hiddenLayerSize ?? shape.hiddenSize)
    : shape.hiddenSize;
}

export function classificationTop(
  shape: TopShape,
  options: { trainBlock: boolean; dropoutRate: number; labelSmoothing: number },
): ModelDefinition {
  const { featureSize, hiddenSize, classes } = shape;
  const hiddenLayers = shape.hiddenLayers ?? 0;
  const width = topOutputWidth(shape);
  const useDropout = options.dropoutRate > 0;
  return {
    name: 'classifier_top',
    dtype: 'float32',
    parameters: [
      { name: BLOCK_WEIGHT, shape: [featureSize, hiddenSize], trainable: options.trainBlock },
      { name: BLOCK_BIAS, shape: [hiddenSize], trainable: options.trainBlock },
      ...Array.from({ length: hiddenLayers }, (_, i) => [
        { name: hiddenWeight(i), shape: [i === 0 ? hiddenSize : width, width] },
        { name: hiddenBias(i), shape: [width] },
      ]).flat(),
      { name: HEAD_WEIGHT, shape: [width, classes] },
      { name: HEAD_BIAS, shape: [classes] },
    ],
    inputs: [{ name: FEATURES, dtype: 'float32', shape: [BATCH, featureSize] }],
    trainingInputs: [
      { name: LABELS, dtype: 'int64', shape: [BATCH] },
      ...(useDropout
        ? [{ name: DROPOUT_MASK, dtype: 'float32' as const, shape: [BATCH, width] }]
        : []),
    ],
    forward({ graph, params, inputs, training }) {
      let hidden = graph.scope('block', () =>
        relu(dense(inputs[FEATURES], params[BLOCK_WEIGHT], params[BLOCK_BIAS])),
      );
      for (let i = 0; i < hiddenLayers; i++) {
        const h = hidden;
        hidden = graph.scope(`hidden${i}`, () =>
          relu(dense(h, params[hiddenWeight(i)], params[hiddenBias(i)])),
        );
      }
      const dropped = training && useDropout ? dropout(hidden, inputs[DROPOUT_MASK]) : hidden;
      return {
        [LOGITS]: graph.scope('head', () => dense(dropped, params[HEAD_WEIGHT], params[HEAD_BIAS])),
      };
    },
    loss({ inputs }, outputs) {
      return softmaxCrossEntropy(outputs[LOGITS], inputs[LABELS], {
        labelSmoothing: options.labelSmoothing,
      }).perSample;
    },
  };
}

/** Glorot-uniform, as Keras initialises Dense kernels; zero biases. */
export function glorot(fanIn: number, fanOut: number, random: Random): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const data = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < data.length; i++) data[i] = (random.next() * 2 - 1) * limit;
  return data;
}

/** Reads a pretrained block's weights ([in, out] and [out]) from its ONNX file's initializers. */
export function readLastBlock(
  spec: LastBlockSpec & { path: string },
  featureSize: number,
): { weight: Float32Array; bias: Float32Array } {
  const model = decodeModel(readFileSync(spec.path));
  const find = (name: string) => {
    const tensor = model.graph?.initializer?.find((t) => t.name === name);
    if (!tensor) throw validationError(`${spec.path} has no initializer ${name}.`);
    return tensorToFloat32(tensor);
  };
  const weight = find(spec.weight);
  const bias = find(spec.bias);
  if (
    weight.data.length !== featureSize * spec.outputSize ||
    bias.data.length !== spec.outputSize
  ) {
    throw validationError(
      `${spec.path}: ${spec.weight} has shape [${weight.dims.join(', ')}], expected [${featureSize}, ${spec.outputSize}].`,
    );
  }
  return { weight: weight.data, bias: bias.data };
}

function tensorToFloat32(tensor: onnx.ITensorProto): { data: Float32Array; dims: number[] } {
  const dims = (tensor.dims ?? []).map(Number);
  if (tensor.dataType !== onnx.TensorProto.DataType.FLOAT) {
    throw validationError(`initializer ${tensor.name} is not float32.`);
  }
  if (tensor.rawData && tensor.rawData.length > 0) {
    const raw = tensor.rawData;
    const copy = new Uint8Array(raw.length);
    copy.set(raw);
    return { data: new Float32Array(copy.buffer), dims };
  }
  return { data: Float32Array.from(tensor.floatData ?? []), dims };
}

/** JumpStart's optimizer names and hyperparameters, as the in-graph optimizers take them (Keras rules). */
export function optimizerConfig(hps: BuiltinHyperParameters): OptimizerConfig {
  const convention = 'keras' as const;
  switch (hps.optimizer) {
    case 'adam':
      return {
        kind: 'adam',
        beta1: hps.beta_1,
        beta2: hps.beta_2,
        epsilon: hps.epsilon,
        convention,
      };
    case 'adamw':
      return {
        kind: 'adamw',
        beta1: hps.beta_1,
        beta2: hps.beta_2,
        epsilon: hps.epsilon,
        weightDecay: 0.004,
        convention,
      };
    case 'sgd':
      return { kind: 'sgd', momentum: hps.momentum, convention };
    case 'nesterov':
      return { kind: 'sgd', momentum: hps.momentum, nesterov: true, convention };
    case 'rmsprop':
      return {
        kind: 'rmsprop',
        rho: 0.9,
        momentum: hps.momentum,
        epsilon: hps.epsilon,
        convention,
      };
    case 'adagrad':
      return { kind: 'adagrad', epsilon: hps.epsilon, convention };
  }
}
