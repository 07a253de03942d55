// The training step cut in two at the end of the forward pass, for smart sifting without a
// second forward pass: the forward graph scores a batch (per-sample losses) and also returns
// every per-row activation the backward pass reads; the backward graph takes those
// activations for any set of rows - kept rows gathered from several forward batches into one
// full training batch - with the weights and optimizer state, and returns the updated ones.
//
// Both graphs are cut out of the ordinary fused step (buildTrainingStepGraph, no sifting), so
// the backward graph is exactly the fused step's backward and update: a value the backward
// reads from the forward pass becomes an input when it is per row (leading dim BATCH), and is
// recomputed inside the backward graph otherwise (it then depends on weights only).
import type { onnx } from 'onnx-proto';
import { encodeModel, valueInfoProto, type DType, type Dim } from './onnx';
import {
  BATCH,
  buildTrainingStepGraph,
  LOSS,
  PER_SAMPLE_LOSS,
  type CarriedTensor,
  type InputSpec,
  type ModelDefinition,
  type TrainingStepOptions,
} from './step';

/** A per-row tensor the backward graph needs: an input of the step, or a forward activation. */
export interface SavedTensor {
  readonly name: string;
  readonly dtype: DType;
  /** The dims after the batch dim (static). */
  readonly rowShape: readonly number[];
  /** A batch input of the step (fed, so the caller has it) rather than a forward output. */
  readonly fromInput: boolean;
}

export interface TwoStageStepGraphs {
  readonly dtype: 'float32' | 'float64';
  /** Forward: parameters and batch inputs -> LOSS, PER_SAMPLE_LOSS, model outputs, activations. */
  readonly forward: Uint8Array;
  readonly forwardOutputs: readonly string[];
  /** Backward + update: saved tensors of a training batch, weights, state -> updated ones. */
  readonly backward: Uint8Array;
  readonly backwardOutputs: readonly string[];
  /** What the backward graph reads per row, in a stable order. */
  readonly saved: readonly SavedTensor[];
  readonly carried: readonly CarriedTensor[];
  readonly frozen: readonly string[];
  readonly batchInputs: readonly InputSpec[];
  /** Node counts of the two graphs (the forward's share says how heavy the backward is). */
  readonly forwardNodes: number;
  readonly backwardNodes: number;
}

export function buildTwoStageStep(
  definition: ModelDefinition,
  options: TrainingStepOptions,
): TwoStageStepGraphs {
  const built = buildTrainingStepGraph(definition, { ...options, sifting: false });
  const proto = built.graph.toModelProto();
  const graph = proto.graph!;
  const nodes = graph.node ?? [];
  const producer = new Map<string, number>();
  nodes.forEach((node, i) => (node.output ?? []).forEach((name) => producer.set(name, i)));
  const inputs = new Map((graph.input ?? []).map((v) => [v.name ?? '', v]));
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const infoOf = (name: string): { dtype: DType; shape: readonly Dim[] } => {
    const value = built.graph.valueOf(name);
    if (!value) throw new Error(`two-stage step: no shape for ${name}`);
    return value;
  };
  const perRow = (name: string) => infoOf(name).shape[0] === BATCH;

  // Backward graph: everything the updated weights and state need, cut at per-row forward values.
  const backwardNodes = new Set<number>();
  const backwardInputs = new Set<string>();
  const backwardInitializers = new Set<string>();
  const saved = new Map<string, SavedTensor>();
  const save = (name: string, fromInput: boolean) => {
    if (saved.has(name)) return;
    const { dtype, shape } = infoOf(name);
    const rowShape = shape.slice(1);
    if (!rowShape.every((d): d is number => typeof d === 'number')) {
      throw new Error(`two-stage step: ${name} has a symbolic dim past the batch`);
    }
    saved.set(name, { name, dtype, rowShape, fromInput });
  };
  const needInBackward = (name: string): void => {
    if (name === '' || saved.has(name) || backwardInputs.has(name)) return;
    if (initializers.has(name)) {
      backwardInitializers.add(name);
      return;
    }
    if (inputs.has(name)) {
      if (perRow(name)) save(name, true);
      else backwardInputs.add(name);
      return;
    }
    const index = producer.get(name);
    if (index === undefined) throw new Error(`two-stage step: nothing produces ${name}`);
    if (index < built.backwardStart && perRow(name)) {
      save(name, false);
      return;
    }
    if (backwardNodes.has(index)) return;
    backwardNodes.add(index);
    for (const input of nodes[index].input ?? []) needInBackward(input);
  };
  const backwardOutputs = built.carried.map((c) => `${c.name}.updated`);
  for (const name of backwardOutputs) needInBackward(name);

  // Forward graph: the losses, the model's outputs and the saved activations.
  const savedList = [...saved.values()].sort((a, b) => a.name.localeCompare(b.name));
  const forwardOutputs = [
    LOSS,
    PER_SAMPLE_LOSS,
    ...built.modelOutputs,
    ...savedList.filter((s) => !s.fromInput).map((s) => s.name),
  ];
  const forwardNodes = new Set<number>();
  const forwardInputs = new Set<string>();
  const forwardInitializers = new Set<string>();
  const needInForward = (name: string): void => {
    if (name === '') return;
    if (initializers.has(name)) {
      forwardInitializers.add(name);
      return;
    }
    if (inputs.has(name)) {
      forwardInputs.add(name);
      return;
    }
    const index = producer.get(name)!;
    if (forwardNodes.has(index)) return;
    if (index >= built.backwardStart && !isOutputIdentity(nodes[index])) {
      throw new Error(`two-stage step: forward output ${name} depends on the backward pass`);
    }
    forwardNodes.add(index);
    for (const input of nodes[index].input ?? []) needInForward(input);
  };
  for (const name of forwardOutputs) needInForward(name);

  const subgraph = (
    name: string,
    nodeSet: Set<number>,
    inputNames: readonly string[],
    initializerNames: Set<string>,
    outputNames: readonly string[],
  ): Uint8Array => {
    const inputInfos = inputNames.map((n) => {
      const original = inputs.get(n);
      if (original) return original;
      const { dtype, shape } = infoOf(n);
      return valueInfoProto(n, dtype, shape);
    });
    const outputInfos = outputNames.map((n) => {
      const { dtype, shape } = infoOf(n);
      return valueInfoProto(n, dtype, shape);
    });
    const model: onnx.IModelProto = {
      ...proto,
      graph: {
        name,
        input: inputInfos,
        output: outputInfos,
        initializer: [...initializerNames].map((n) => initializers.get(n)!),
        node: [...nodeSet].sort((a, b) => a - b).map((i) => nodes[i]),
      },
    };
    return encodeModel(model);
  };
  const inOriginalOrder = (names: Set<string>) => [...inputs.keys()].filter((n) => names.has(n));
  const forwardModel = subgraph(
    `${definition.name}.forward`,
    forwardNodes,
    inOriginalOrder(forwardInputs),
    forwardInitializers,
    forwardOutputs,
  );
  const backwardModel = subgraph(
    `${definition.name}.backward`,
    backwardNodes,
    [...inOriginalOrder(backwardInputs), ...savedList.map((s) => s.name)],
    backwardInitializers,
    backwardOutputs,
  );
  return {
    dtype: built.dtype,
    forward: forwardModel,
    forwardOutputs,
    backward: backwardModel,
    backwardOutputs,
    saved: savedList,
    carried: built.carried,
    frozen: built.frozen,
    batchInputs: built.batchInputs,
    forwardNodes: forwardNodes.size,
    backwardNodes: backwardNodes.size,
  };
}

/** The Identity nodes GraphBuilder.output adds to rename a value into a graph output. */
function isOutputIdentity(node: onnx.INodeProto): boolean {
  return node.opType === 'Identity';
}
