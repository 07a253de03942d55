// Reverse-mode autodiff over the builder's tape: walks the differentiable ops from the loss
// back to the requested values and emits their vector-Jacobian products as graph nodes.
import type { BackwardContext, GraphBuilder, TapeRecord, Value } from './builder';
import type { Shape } from './onnx';

/**
 * Backward on a subset of the batch rows ("smart sifting"): every saved forward value whose
 * leading dim is `batchDim` is Gathered by `indices` before a backward function reads it, so
 * the backward pass costs only the kept rows. Exact when ops treat rows independently (dense
 * layers, activations, per-row losses, per-sample attention), not for batch statistics.
 */
export interface RowSelection {
  readonly indices: Value;
  readonly batchDim: string;
}

export interface GradientOptions {
  readonly rows?: RowSelection;
}

/**
 * Gradients of the seeds with respect to `wrt`. Each seed is a forward value and the gradient
 * flowing into it (e.g. a scalar loss and 1, or a per-sample loss and 1/k on the kept rows).
 * Values that no seed depends on get no gradient: an error, since it is always a wiring bug.
 */
export function gradients(
  graph: GraphBuilder,
  seeds: readonly (readonly [Value, Value])[],
  wrt: readonly Value[],
  options: GradientOptions = {},
): Value[] {
  // Values that depend on any of `wrt`: only they need gradients.
  const dependsOnWrt = new Set(wrt.map((v) => v.name));
  for (const record of graph.tape) {
    if (record.inputs.some((v) => dependsOnWrt.has(v.name))) {
      for (const out of record.outputs) dependsOnWrt.add(out.name);
    }
  }
  const grads = new Map<string, Value>();
  const accumulate = (target: Value, grad: Value): void => {
    const known = grads.get(target.name);
    grads.set(
      target.name,
      known
        ? graph.node1('Add', [known, grad], {
            dtype: grad.dtype,
            shape: grad.shape,
            name: 'grad_sum',
          })
        : grad,
    );
  };
  for (const [value, grad] of seeds) accumulate(value, grad);

  const saved = new Map<string, Value>();
  const savedValue = (value: Value): Value => {
    const rows = options.rows;
    if (!rows || value.shape[0] !== rows.batchDim) return value;
    let gathered = saved.get(value.name);
    if (!gathered) {
      gathered = graph.node1(
        'Gather',
        [value, rows.indices],
        { dtype: value.dtype, shape: keptShape(value.shape, rows), name: 'kept' },
        { attributes: { axis: 0 } },
      );
      saved.set(value.name, gathered);
    }
    return gathered;
  };

  graph.scope('grad', () => {
    for (let r = graph.tape.length - 1; r >= 0; r--) {
      const record = graph.tape[r];
      const outputGrads = record.outputs.map((v) => grads.get(v.name));
      if (outputGrads.every((g) => g === undefined)) continue;
      const needs = record.inputs.map((v) => dependsOnWrt.has(v.name));
      if (!needs.some(Boolean)) continue;
      const context: BackwardContext = {
        graph,
        input: (i) => savedValue(record.inputs[i]),
        output: (i) => savedValue(record.outputs[i]),
        inputShape: (i) =>
          options.rows ? keptShape(record.inputs[i].shape, options.rows) : record.inputs[i].shape,
        needsGradient: (i) => needs[i],
      };
      const inputGrads = graph.scope(record.opName, () => record.backward(outputGrads, context));
      checkGradients(record, inputGrads, needs);
      record.inputs.forEach((input, i) => {
        const grad = inputGrads[i];
        if (needs[i] && grad) accumulate(input, grad);
      });
    }
  });

  return wrt.map((v) => {
    const grad = grads.get(v.name);
    if (!grad) throw new Error(`no gradient reaches ${v.name} from the seeds`);
    return grad;
  });
}

function keptShape(shape: Shape, rows: RowSelection): Shape {
  return shape[0] === rows.batchDim ? [rows.indices.shape[0], ...shape.slice(1)] : shape;
}

function checkGradients(
  record: TapeRecord,
  grads: readonly (Value | undefined)[],
  needs: readonly boolean[],
): void {
  if (grads.length !== record.inputs.length) {
    throw new Error(`${record.opName}: backward returned ${grads.length} gradients`);
  }
  grads.forEach((grad, i) => {
    if (needs[i] && grad && grad.dtype !== record.inputs[i].dtype) {
      throw new Error(`${record.opName}: gradient ${grad} for input ${record.inputs[i]}`);
    }
  });
}
