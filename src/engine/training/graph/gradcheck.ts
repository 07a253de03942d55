// Central finite-difference check of the hand-written gradients: builds one graph that outputs
// f = sum(op(inputs) * r) for a fixed random cotangent r together with autodiff's df/dinput,
// then perturbs each input element by +-epsilon and compares.
import * as ort from 'onnxruntime-node';
import { Random } from '../../util/random';
import { gradients } from './autodiff';
import { GraphBuilder, type Value } from './builder';
import { encodeModel, isFloat, typedArray, valueInfoProto, type DType, type Shape } from './onnx';
import { prim } from './ops';

export interface GradCheckInput {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: readonly number[];
  /** Default: the check's dtype (float inputs are differentiated, others not). */
  readonly dtype?: DType;
  /** Shape declared in the graph (symbolic dims allowed); default `shape`. */
  readonly declaredShape?: Shape;
  /** Default true for float inputs. */
  readonly differentiable?: boolean;
}

export interface GradCheckOptions {
  readonly dtype?: 'float32' | 'float64';
  readonly epsilon?: number;
  readonly seed?: number;
}

export interface GradCheckResult {
  /** max |analytic - numeric| / max(1, |numeric|) over all checked elements. */
  readonly maxError: number;
  readonly analytic: Record<string, number[]>;
  readonly numeric: Record<string, number[]>;
}

export async function checkGradients(
  build: (inputs: Record<string, Value>) => Value,
  inputs: readonly GradCheckInput[],
  options: GradCheckOptions = {},
): Promise<GradCheckResult> {
  const dtype = options.dtype ?? 'float64';
  const epsilon = options.epsilon ?? (dtype === 'float64' ? 1e-6 : 1e-2);
  const graph = new GraphBuilder('gradcheck');
  const values: Record<string, Value> = {};
  for (const input of inputs) {
    values[input.name] = graph.input(
      input.name,
      input.dtype ?? dtype,
      input.declaredShape ?? input.shape,
    );
  }
  const y = build(values);
  const outputShape = await staticShapeOf(graph, y, inputs, dtype);
  const random = new Random(options.seed ?? 7);
  const count = outputShape.reduce((a, b) => a * b, 1);
  const cotangent = graph.constant(
    y.dtype,
    outputShape,
    Array.from({ length: count }, () => random.normal()),
  );
  const f = prim.reduce('ReduceSum', prim.mul(y, cotangent), [...outputShape.keys()], false);
  graph.output(f, 'f');
  const checked = inputs.filter((i) => i.differentiable ?? isFloat(i.dtype ?? dtype));
  const grads = gradients(
    graph,
    [[y, cotangent]],
    checked.map((i) => values[i.name]),
  );
  grads.forEach((g, i) => graph.output(g, `grad/${checked[i].name}`));

  const session = await ort.InferenceSession.create(graph.toBytes());
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of inputs) {
    feeds[input.name] = new ort.Tensor(
      input.dtype ?? dtype,
      typedArray(input.dtype ?? dtype, input.values),
      input.shape,
    );
  }
  const base = await session.run(feeds);
  const evaluate = async () => Number((await session.run(feeds, ['f'])).f.data[0]);
  const analytic: Record<string, number[]> = {};
  const numeric: Record<string, number[]> = {};
  let maxError = 0;
  for (const input of checked) {
    const data = feeds[input.name].data as Float32Array | Float64Array;
    analytic[input.name] = Array.from(
      base[`grad/${input.name}`].data as Float32Array | Float64Array,
    );
    numeric[input.name] = [];
    for (let i = 0; i < data.length; i++) {
      const original = data[i];
      data[i] = original + epsilon;
      const plus = await evaluate();
      data[i] = original - epsilon;
      const minus = await evaluate();
      data[i] = original;
      const estimate = (plus - minus) / (2 * epsilon);
      numeric[input.name].push(estimate);
      const error = Math.abs(analytic[input.name][i] - estimate) / Math.max(1, Math.abs(estimate));
      maxError = Math.max(maxError, error);
    }
  }
  await session.release();
  return { maxError, analytic, numeric };
}

/** The concrete output shape for these inputs: from the graph when static, else by running it. */
async function staticShapeOf(
  graph: GraphBuilder,
  y: Value,
  inputs: readonly GradCheckInput[],
  dtype: DType,
): Promise<number[]> {
  if (y.shape.every((d) => typeof d === 'number')) return y.shape as number[];
  // Run the forward graph as it is so far to learn the output's shape.
  const model = graph.toModelProto();
  const bytes = encodeModel({
    ...model,
    graph: { ...model.graph, output: [valueInfoProto(y.name, y.dtype, y.shape)] },
  });
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of inputs) {
    feeds[input.name] = new ort.Tensor(
      input.dtype ?? dtype,
      typedArray(input.dtype ?? dtype, input.values),
      input.shape,
    );
  }
  const result = await session.run(feeds);
  await session.release();
  return [...result[y.name].dims];
}
