// Builds the two graphs a job runs from one model definition: the training step (forward,
// per-sample loss, optional sifting, backward, optimizer update) and the inference graph
// (forward only, weights baked in as initializers or fed as inputs).
import { gradients } from './autodiff';
import { GraphBuilder, type Value } from './builder';
import { l2Penalty, relativeProbabilisticRows, topKRows } from './nn';
import { prim, meanAll, add } from './ops';
import type { DType, Shape, TypedData } from './onnx';
import { applyOptimizer, stateSlots, type OptimizerConfig } from './optimizers';

/** The symbolic leading dim of every batch input. */
export const BATCH = 'batch';

export interface ParameterSpec {
  readonly name: string;
  readonly shape: readonly number[];
  /** Frozen parameters are inputs of the step but get no gradient, state or update. */
  readonly trainable?: boolean;
  /** Include in the L2 penalty (default: matrices, not biases or norms). */
  readonly regularize?: boolean;
}

export interface InputSpec {
  readonly name: string;
  readonly dtype: DType;
  /** Leading dim should be BATCH for per-sample inputs. */
  readonly shape: Shape;
}

export interface ForwardContext {
  readonly graph: GraphBuilder;
  readonly params: Readonly<Record<string, Value>>;
  readonly inputs: Readonly<Record<string, Value>>;
  /** True in the training step (dropout on), false in inference graphs. */
  readonly training: boolean;
}

export interface ModelDefinition {
  readonly name: string;
  readonly dtype?: 'float32' | 'float64';
  readonly parameters: readonly ParameterSpec[];
  /** Inputs of both graphs (features). */
  readonly inputs: readonly InputSpec[];
  /** Inputs only the training step has (labels, dropout masks). */
  readonly trainingInputs: readonly InputSpec[];
  /** The model's outputs by name (e.g. { logits }), built with `ops`/`nn`. */
  forward(context: ForwardContext): Record<string, Value>;
  /** Per-sample loss [batch] from the forward outputs and the training inputs. */
  loss(context: ForwardContext, outputs: Record<string, Value>): Value;
  /**
   * False when a sample's loss depends on the other samples of its batch (batch statistics):
   * such a model cannot be sifted. Default true.
   */
  readonly lossIsPerSample?: boolean;
}

export interface TrainingStepOptions {
  readonly optimizer: OptimizerConfig;
  /** Keras-style L2 penalty: l2 * sum of squares of the regularized parameters. */
  readonly l2?: number;
  /**
   * Backward on some rows of the batch only. `true` or 'top-k': the k largest per-sample losses
   * (k fed as SIFT_KEEP, int64 [1]). 'relative-probabilistic': smart sifting's rule in the graph
   * (relativeProbabilisticRows), fed SIFT_HISTORY (earlier losses), SIFT_UNIFORM ([batch] in
   * [0, 1)) and SIFT_BETA (scalar; 0 keeps every row). A step that keeps no row updates with a
   * zero gradient: GraphTrainer.siftedStep undoes it.
   */
  readonly sifting?: boolean | 'top-k' | 'relative-probabilistic';
}

/** Names the step's inputs and outputs go by. */
export const LEARNING_RATE = 'optimizer.learning_rate';
export const STEP = 'optimizer.step';
export const SIFT_KEEP = 'sift.keep';
export const SIFT_HISTORY = 'sift.loss_history';
export const SIFT_UNIFORM = 'sift.uniform';
export const SIFT_BETA = 'sift.beta';
export const LOSS = 'loss';
export const PER_SAMPLE_LOSS = 'per_sample_loss';
export const KEPT_ROWS = 'sift.kept_rows';
export const updatedName = (name: string) => `${name}.updated`;
export const stateName = (param: string, suffix: string) => `${param}.${suffix}`;

/** A parameter or optimizer-state tensor carried from one step to the next. */
export interface CarriedTensor {
  /** Input name; the step's output is updatedName(name). */
  readonly name: string;
  readonly shape: readonly number[];
  readonly initialValue?: number;
  /** The parameter it belongs to (state) or is (weights). */
  readonly param: string;
}

export interface TrainingStepGraph {
  readonly model: Uint8Array;
  readonly dtype: 'float32' | 'float64';
  /** Parameters then optimizer state, all carried across steps. */
  readonly carried: readonly CarriedTensor[];
  /** Frozen parameters: fed every step, never updated. */
  readonly frozen: readonly string[];
  readonly batchInputs: readonly InputSpec[];
  readonly outputNames: readonly string[];
  readonly nodeCount: number;
}

function isRegularized(spec: ParameterSpec): boolean {
  return spec.regularize ?? spec.shape.length >= 2;
}

/** A training step while it is being built: the builder and where its backward starts. */
export interface TrainingStepBuild {
  readonly graph: GraphBuilder;
  readonly dtype: 'float32' | 'float64';
  readonly carried: readonly CarriedTensor[];
  readonly frozen: readonly string[];
  readonly batchInputs: readonly InputSpec[];
  /** Nodes before this index are the forward pass and the loss; from it on, backward and update. */
  readonly backwardStart: number;
  /** Names of the model's outputs (e.g. logits). */
  readonly modelOutputs: readonly string[];
}

export function buildTrainingStep(
  definition: ModelDefinition,
  options: TrainingStepOptions,
): TrainingStepGraph {
  const built = buildTrainingStepGraph(definition, options);
  return {
    model: built.graph.toBytes(),
    dtype: built.dtype,
    carried: built.carried,
    frozen: built.frozen,
    batchInputs: built.batchInputs,
    outputNames: built.graph.outputNames,
    nodeCount: built.graph.nodeCount,
  };
}

/** buildTrainingStep without serializing: the builder, for graph surgery (twoStage.ts). */
export function buildTrainingStepGraph(
  definition: ModelDefinition,
  options: TrainingStepOptions,
): TrainingStepBuild {
  const dtype = definition.dtype ?? 'float32';
  const graph = new GraphBuilder(`${definition.name}.train`);
  const params: Record<string, Value> = {};
  for (const spec of definition.parameters)
    params[spec.name] = graph.input(spec.name, dtype, spec.shape);
  const inputs: Record<string, Value> = {};
  for (const spec of [...definition.inputs, ...definition.trainingInputs]) {
    inputs[spec.name] = graph.input(spec.name, spec.dtype, spec.shape);
  }
  const trainable = definition.parameters.filter((p) => p.trainable ?? true);
  const slots = stateSlots(options.optimizer);
  const state: Record<string, Value[]> = {};
  for (const spec of trainable) {
    state[spec.name] = slots.map((slot) =>
      graph.input(stateName(spec.name, slot.suffix), dtype, spec.shape),
    );
  }
  const learningRate = graph.input(LEARNING_RATE, dtype, []);
  const step = graph.input(STEP, dtype, []);
  const sifting = options.sifting === true ? 'top-k' : options.sifting || undefined;
  const keep = sifting === 'top-k' ? graph.input(SIFT_KEEP, 'int64', [1]) : undefined;
  const relative =
    sifting === 'relative-probabilistic'
      ? {
          history: graph.input(SIFT_HISTORY, dtype, ['history']),
          uniform: graph.input(SIFT_UNIFORM, dtype, [BATCH]),
          beta: graph.input(SIFT_BETA, dtype, []),
        }
      : undefined;

  const context: ForwardContext = { graph, params, inputs, training: true };
  const outputs = graph.scope('forward', () => definition.forward(context));
  const perSample = graph.scope('loss', () => definition.loss(context, outputs));
  const meanLoss = graph.scope('loss', () => meanAll(perSample));

  const seeds: [Value, Value][] = [];
  let rows: { indices: Value; batchDim: string } | undefined;
  graph.scope('sift', () => {
    if (keep || relative) {
      const indices = keep
        ? topKRows(perSample, keep)
        : relativeProbabilisticRows(
            perSample,
            relative!.history,
            relative!.uniform,
            relative!.beta,
          );
      rows = { indices, batchDim: BATCH };
      // d(mean over kept rows)/d(loss_i) = 1/k for each kept row.
      const size = graph.node1('Size', [indices], { dtype: 'int64', shape: [] });
      const k = prim.cast(size, dtype);
      const fill = prim.div(graph.scalar(1, dtype), k);
      const shape = graph.node1('Shape', [indices], { dtype: 'int64', shape: [1] });
      seeds.push([perSample, prim.expand(fill, shape, indices.shape)]);
      graph.output(indices, KEPT_ROWS);
    } else {
      seeds.push([meanLoss, graph.scalar(1, dtype)]);
    }
  });
  const regularized = trainable.filter(isRegularized).map((p) => params[p.name]);
  if (options.l2 && regularized.length > 0) {
    const penalty = graph.scope('l2', () => l2Penalty(regularized, options.l2 ?? 0));
    seeds.push([penalty, graph.scalar(1, dtype)]);
    graph.output(add(meanLoss, penalty), 'total_loss');
  }

  const backwardStart = graph.nodeCount;
  const trainableValues = trainable.map((p) => params[p.name]);
  const grads = gradients(graph, seeds, trainableValues, { rows });
  const updated = applyOptimizer(
    options.optimizer,
    { learningRate, step },
    trainable.map((spec, i) => ({
      param: params[spec.name],
      grad: grads[i],
      state: state[spec.name],
    })),
  );
  const carried: CarriedTensor[] = [];
  trainable.forEach((spec, i) => {
    graph.output(updated[i].param, updatedName(spec.name));
    carried.push({ name: spec.name, shape: spec.shape, param: spec.name });
  });
  trainable.forEach((spec, i) => {
    slots.forEach((slot, s) => {
      const name = stateName(spec.name, slot.suffix);
      graph.output(updated[i].state[s], updatedName(name));
      carried.push({ name, shape: spec.shape, initialValue: slot.initialValue, param: spec.name });
    });
  });
  graph.output(meanLoss, LOSS);
  graph.output(perSample, PER_SAMPLE_LOSS);
  for (const [name, value] of Object.entries(outputs)) graph.output(value, name);

  return {
    graph,
    dtype,
    carried,
    frozen: definition.parameters.filter((p) => !(p.trainable ?? true)).map((p) => p.name),
    batchInputs: [...definition.inputs, ...definition.trainingInputs],
    backwardStart,
    modelOutputs: Object.keys(outputs),
  };
}

/**
 * The forward graph for predictions. With `weights`, parameters are baked in as initializers
 * (the exported model); without, they stay inputs (evaluation during training, fed the live
 * weight tensors).
 */
export function buildInferenceGraph(
  definition: ModelDefinition,
  weights?: Readonly<Record<string, TypedData>>,
): Uint8Array {
  const dtype = definition.dtype ?? 'float32';
  const graph = new GraphBuilder(`${definition.name}.infer`);
  const params: Record<string, Value> = {};
  for (const spec of definition.parameters) {
    const data = weights?.[spec.name];
    if (weights && !data) throw new Error(`no weights for ${spec.name}`);
    params[spec.name] = data
      ? graph.initializer(spec.name, dtype, spec.shape, data)
      : graph.input(spec.name, dtype, spec.shape);
  }
  const inputs: Record<string, Value> = {};
  for (const spec of definition.inputs)
    inputs[spec.name] = graph.input(spec.name, spec.dtype, spec.shape);
  const outputs = graph.scope('forward', () =>
    definition.forward({ graph, params, inputs, training: false }),
  );
  for (const [name, value] of Object.entries(outputs)) graph.output(value, name);
  return graph.toBytes();
}
