// An MLP classifier head as a ModelDefinition: the shape a fine-tuning top takes over cached
// backbone features (dense layers, activation, dropout with fed masks, label smoothing).
import type { Random } from '../../util/random';
import { dense, dropout, gelu, relu, softmaxCrossEntropy, tanh } from './nn';
import { BATCH, type InputSpec, type ModelDefinition, type ParameterSpec } from './step';

export interface MlpOptions {
  readonly name?: string;
  readonly inputSize: number;
  readonly hidden: readonly number[];
  readonly classes: number;
  readonly activation?: 'relu' | 'tanh' | 'gelu';
  /** Dropout after each hidden layer, masks fed as `dropout.<i>` (see fillDropoutMask). */
  readonly dropout?: number;
  readonly labelSmoothing?: number;
  readonly dtype?: 'float32' | 'float64';
}

export const FEATURES = 'features';
export const LABELS = 'labels';
export const LOGITS = 'logits';
export const dropoutMaskName = (layer: number) => `dropout.${layer}`;

export function mlpClassifier(options: MlpOptions): ModelDefinition {
  const sizes = [options.inputSize, ...options.hidden, options.classes];
  const parameters: ParameterSpec[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    parameters.push({ name: `dense${i}.weight`, shape: [sizes[i], sizes[i + 1]] });
    parameters.push({ name: `dense${i}.bias`, shape: [sizes[i + 1]] });
  }
  const dtype = options.dtype ?? 'float32';
  const rate = options.dropout ?? 0;
  const masks: InputSpec[] =
    rate > 0
      ? options.hidden.map((size, i) => ({ name: dropoutMaskName(i), dtype, shape: [BATCH, size] }))
      : [];
  const activate = { relu, tanh, gelu: (x: Parameters<typeof gelu>[0]) => gelu(x) }[
    options.activation ?? 'relu'
  ];
  return {
    name: options.name ?? 'mlp',
    dtype,
    parameters,
    inputs: [{ name: FEATURES, dtype, shape: [BATCH, options.inputSize] }],
    trainingInputs: [{ name: LABELS, dtype: 'int64', shape: [BATCH] }, ...masks],
    forward({ graph, params, inputs, training }) {
      let h = inputs[FEATURES];
      for (let i = 0; i + 1 < sizes.length; i++) {
        const last = i + 2 === sizes.length;
        h = graph.scope(`dense${i}`, () => {
          const y = dense(h, params[`dense${i}.weight`], params[`dense${i}.bias`]);
          if (last) return y;
          const a = activate(y);
          return training && rate > 0 ? dropout(a, inputs[dropoutMaskName(i)]) : a;
        });
      }
      return { [LOGITS]: h };
    },
    loss({ inputs }, outputs) {
      return softmaxCrossEntropy(outputs[LOGITS], inputs[LABELS], {
        labelSmoothing: options.labelSmoothing ?? 0,
      }).perSample;
    },
  };
}

/** Glorot-uniform weights and zero biases, from a seeded generator. */
export function initializeWeights(
  definition: ModelDefinition,
  random: Random,
): Record<string, Float32Array | Float64Array> {
  const weights: Record<string, Float32Array | Float64Array> = {};
  for (const spec of definition.parameters) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const data = definition.dtype === 'float64' ? new Float64Array(count) : new Float32Array(count);
    if (spec.shape.length >= 2) {
      const limit = Math.sqrt(6 / (spec.shape[0] + spec.shape[spec.shape.length - 1]));
      for (let i = 0; i < count; i++) data[i] = (random.next() * 2 - 1) * limit;
    }
    weights[spec.name] = data;
  }
  return weights;
}
