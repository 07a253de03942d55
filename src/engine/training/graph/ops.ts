// Differentiable tensor ops: each emits its forward node(s) and records a backward function
// (vector-Jacobian product) on the tape. `prim` holds the plain, unrecorded node emitters the
// backward functions are written with (no higher-order gradients are needed).
import type { GraphBuilder, Value } from './builder';
import { tensorProto, typedArray, type Dim, type DType, type Shape } from './onnx';

// ---------------------------------------------------------------------------------------------
// Shapes

/** Numpy broadcasting of two static shapes (a symbol broadcast with 1 stays the symbol). */
export function broadcastShape(a: Shape, b: Shape): Dim[] {
  const rank = Math.max(a.length, b.length);
  const result: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da === 1) result.push(db);
    else if (db === 1 || da === db) result.push(da);
    else if (typeof da === 'string' || typeof db === 'string')
      result.push(typeof da === 'string' ? db : da);
    else throw new Error(`cannot broadcast [${a.join(', ')}] with [${b.join(', ')}]`);
  }
  return result;
}

function isStatic(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number');
}

function normalizeAxes(axes: readonly number[], rank: number): number[] {
  return axes.map((a) => (a < 0 ? a + rank : a)).sort((x, y) => x - y);
}

function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): Dim[] {
  const out: Dim[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Plain node emitters (not recorded on the tape)

function same(x: Value, name?: string) {
  return { dtype: x.dtype, shape: x.shape, name };
}

function binary(op: string, a: Value, b: Value): Value {
  return a.graph.node1(op, [a, b], { dtype: a.dtype, shape: broadcastShape(a.shape, b.shape) });
}

export const prim = {
  add: (a: Value, b: Value) => binary('Add', a, b),
  sub: (a: Value, b: Value) => binary('Sub', a, b),
  mul: (a: Value, b: Value) => binary('Mul', a, b),
  div: (a: Value, b: Value) => binary('Div', a, b),
  unary: (op: string, x: Value) => x.graph.node1(op, [x], same(x)),
  /** x * c for a constant c (no node when c is 1). */
  scale: (x: Value, c: number) => (c === 1 ? x : binary('Mul', x, x.graph.scalar(c, x.dtype))),
  transpose(x: Value, perm: readonly number[]): Value {
    return x.graph.node1(
      'Transpose',
      [x],
      { dtype: x.dtype, shape: perm.map((p) => x.shape[p]) },
      { attributes: { perm } },
    );
  },
  /** Swaps the last two axes. */
  transposeLast2(x: Value): Value {
    const perm = x.shape.map((_, i) => i);
    [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
    return prim.transpose(x, perm);
  },
  reshape(x: Value, shape: readonly number[], resultShape: Shape = shape): Value {
    return x.graph.node1('Reshape', [x, x.graph.ints(shape)], {
      dtype: x.dtype,
      shape: resultShape,
    });
  },
  reshapeLike(x: Value, shapeTensor: Value, resultShape: Shape): Value {
    return x.graph.node1('Reshape', [x, shapeTensor], { dtype: x.dtype, shape: resultShape });
  },
  reduce(
    op: 'ReduceSum' | 'ReduceMean' | 'ReduceMax',
    x: Value,
    axes: readonly number[],
    keepDims: boolean,
  ): Value {
    const graph = x.graph;
    const normalized = normalizeAxes(axes, x.rank);
    const shape = reducedShape(x.shape, normalized, keepDims);
    // ReduceSum takes axes as an input from opset 13, the others from opset 18.
    const axesAsInput = op === 'ReduceSum' || graph.opset >= 18;
    return graph.node1(
      op,
      axesAsInput ? [x, graph.ints(normalized)] : [x],
      { dtype: x.dtype, shape },
      { attributes: { keepdims: keepDims ? 1 : 0, axes: axesAsInput ? undefined : normalized } },
    );
  },
  /** The shape of `x` as an int64 tensor: a constant when static. */
  shapeOf(x: Value, shape: Shape = x.shape): Value {
    if (isStatic(shape)) return x.graph.ints(shape);
    return x.graph.node1('Shape', [x], { dtype: 'int64', shape: [shape.length] });
  },
  expand(x: Value, shapeTensor: Value, resultShape: Shape): Value {
    return x.graph.node1('Expand', [x, shapeTensor], { dtype: x.dtype, shape: resultShape });
  },
  cast(x: Value, dtype: DType): Value {
    if (x.dtype === dtype) return x;
    const to = { float32: 1, float64: 11, int64: 7, int32: 6, bool: 9, uint8: 2 }[dtype];
    return x.graph.node1('Cast', [x], { dtype, shape: x.shape }, { attributes: { to } });
  },
  zerosOfShape(graph: GraphBuilder, shapeTensor: Value, dtype: DType, shape: Shape): Value {
    const value = tensorProto('value', dtype, [1], typedArray(dtype, [0]));
    return graph.node1(
      'ConstantOfShape',
      [shapeTensor],
      { dtype, shape },
      { attributes: { value: { tensor: value } } },
    );
  },
  unsqueeze(x: Value, axes: readonly number[]): Value {
    const shape: Dim[] = [...x.shape];
    for (const a of [...axes].sort((p, q) => p - q))
      shape.splice(a < 0 ? shape.length + 1 + a : a, 0, 1);
    return x.graph.node1('Unsqueeze', [x, x.graph.ints(axes)], { dtype: x.dtype, shape });
  },
  /** Where(condition, a, b) */
  where(condition: Value, a: Value, b: Value): Value {
    return a.graph.node1('Where', [condition, a, b], {
      dtype: a.dtype,
      shape: broadcastShape(condition.shape, broadcastShape(a.shape, b.shape)),
    });
  },
  greater(a: Value, b: Value): Value {
    return a.graph.node1('Greater', [a, b], {
      dtype: 'bool',
      shape: broadcastShape(a.shape, b.shape),
    });
  },
};

/**
 * Sums a broadcast gradient back to the shape of the operand it came from: over the leading
 * axes the operand lacked and over the axes where it had size 1.
 */
export function reduceToShape(grad: Value, target: Shape): Value {
  const lead = grad.rank - target.length;
  const onesAxes: number[] = [];
  target.forEach((d, i) => {
    if (d === 1 && grad.shape[i + lead] !== 1) onesAxes.push(i + lead);
  });
  let result = grad;
  if (onesAxes.length > 0) result = prim.reduce('ReduceSum', result, onesAxes, true);
  if (lead > 0) result = prim.reduce('ReduceSum', result, [...Array(lead).keys()], false);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Differentiable ops

/** Records a single-output op with its backward function. */
function recorded(
  opName: string,
  inputs: readonly Value[],
  output: Value,
  backward: Parameters<GraphBuilder['record']>[0]['backward'],
): Value {
  output.graph.record({ opName, inputs, outputs: [output], backward });
  return output;
}

export function add(a: Value, b: Value): Value {
  return recorded('Add', [a, b], prim.add(a, b), ([dy], ctx) => [
    dy && ctx.needsGradient(0) ? reduceToShape(dy, ctx.inputShape(0)) : undefined,
    dy && ctx.needsGradient(1) ? reduceToShape(dy, ctx.inputShape(1)) : undefined,
  ]);
}

export function sub(a: Value, b: Value): Value {
  return recorded('Sub', [a, b], prim.sub(a, b), ([dy], ctx) => [
    dy && ctx.needsGradient(0) ? reduceToShape(dy, ctx.inputShape(0)) : undefined,
    dy && ctx.needsGradient(1)
      ? reduceToShape(prim.unary('Neg', dy), ctx.inputShape(1))
      : undefined,
  ]);
}

export function mul(a: Value, b: Value): Value {
  return recorded('Mul', [a, b], prim.mul(a, b), ([dy], ctx) => [
    dy && ctx.needsGradient(0)
      ? reduceToShape(prim.mul(dy, ctx.input(1)), ctx.inputShape(0))
      : undefined,
    dy && ctx.needsGradient(1)
      ? reduceToShape(prim.mul(dy, ctx.input(0)), ctx.inputShape(1))
      : undefined,
  ]);
}

/** x * c for a constant c. */
export function scale(x: Value, c: number): Value {
  return recorded('Scale', [x], prim.scale(x, c), ([dy]) => [dy && prim.scale(dy, c)]);
}

/**
 * Matrix product: `a` of rank >= 2 times a 2-D `b` (dense layers), or two tensors of equal
 * rank with the same leading (batch) dims (attention).
 */
export function matmul(a: Value, b: Value): Value {
  const graph = a.graph;
  const m = a.shape[a.rank - 2];
  const n = b.shape[b.rank - 1];
  if (a.rank < 2 || b.rank < 2 || (b.rank !== 2 && b.rank !== a.rank)) {
    throw new Error(`matmul: unsupported ranks ${a} x ${b}`);
  }
  const y = graph.node1('MatMul', [a, b], {
    dtype: a.dtype,
    shape: [...a.shape.slice(0, -2), m, n],
  });
  return recorded('MatMul', [a, b], y, ([dy], ctx) => {
    if (!dy) return [undefined, undefined];
    const aSaved = ctx.needsGradient(1) ? ctx.input(0) : undefined;
    const bSaved = ctx.needsGradient(0) ? ctx.input(1) : undefined;
    let da: Value | undefined;
    let db: Value | undefined;
    if (b.rank === 2 && a.rank === 2) {
      // Gemm with transpose flags saves the explicit Transpose nodes.
      if (bSaved)
        da = graph.node1(
          'Gemm',
          [dy, bSaved],
          { dtype: a.dtype, shape: ctx.inputShape(0) },
          { attributes: { transB: 1 } },
        );
      if (aSaved)
        db = graph.node1(
          'Gemm',
          [aSaved, dy],
          { dtype: a.dtype, shape: b.shape },
          { attributes: { transA: 1 } },
        );
    } else if (b.rank === 2) {
      if (bSaved)
        da = graph.node1('MatMul', [dy, prim.transpose(bSaved, [1, 0])], {
          dtype: a.dtype,
          shape: ctx.inputShape(0),
        });
      if (aSaved) {
        // Fold the leading dims of a and dy into rows: dB = a2^T dy2.
        const k = b.shape[0];
        const a2 = prim.reshape(
          aSaved,
          [-1, typeof k === 'number' ? k : -1],
          [graph.symbol('rows'), k],
        );
        const dy2 = prim.reshape(dy, [-1, typeof n === 'number' ? n : -1], [a2.shape[0], n]);
        db = graph.node1(
          'Gemm',
          [a2, dy2],
          { dtype: a.dtype, shape: b.shape },
          { attributes: { transA: 1 } },
        );
      }
    } else {
      if (bSaved)
        da = graph.node1('MatMul', [dy, prim.transposeLast2(bSaved)], {
          dtype: a.dtype,
          shape: ctx.inputShape(0),
        });
      if (aSaved)
        db = graph.node1('MatMul', [prim.transposeLast2(aSaved), dy], {
          dtype: a.dtype,
          shape: ctx.inputShape(1),
        });
    }
    return [da, db];
  });
}

export function transpose(x: Value, perm: readonly number[]): Value {
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return recorded('Transpose', [x], prim.transpose(x, perm), ([dy]) => [
    dy && prim.transpose(dy, inverse),
  ]);
}

/** Reshape to `shape` (ONNX semantics: 0 copies a dim, -1 infers one). */
export function reshape(x: Value, shape: readonly number[], resultShape?: Shape): Value {
  const inferred =
    resultShape ?? shape.map((d, i) => (d === 0 ? x.shape[i] : d === -1 ? x.graph.symbol() : d));
  return recorded('Reshape', [x], prim.reshape(x, shape, inferred), ([dy], ctx) => {
    if (!dy) return [undefined];
    const target = ctx.inputShape(0);
    return [prim.reshapeLike(dy, prim.shapeOf(ctx.input(0), target), target)];
  });
}

export function reduceSum(x: Value, axes: readonly number[], keepDims = false): Value {
  return reduction('ReduceSum', x, axes, keepDims);
}

export function reduceMean(x: Value, axes: readonly number[], keepDims = false): Value {
  return reduction('ReduceMean', x, axes, keepDims);
}

/** Sum (or mean) of all elements, as a scalar. */
export function sumAll(x: Value): Value {
  return reduceSum(x, [...x.shape.keys()], false);
}

export function meanAll(x: Value): Value {
  return reduceMean(x, [...x.shape.keys()], false);
}

function reduction(
  op: 'ReduceSum' | 'ReduceMean',
  x: Value,
  axes: readonly number[],
  keepDims: boolean,
): Value {
  const normalized = normalizeAxes(axes, x.rank);
  const y = prim.reduce(op, x, normalized, keepDims);
  return recorded(op, [x], y, ([dy], ctx) => {
    if (!dy) return [undefined];
    const shape = ctx.inputShape(0);
    const kept = keepDims ? dy : prim.unsqueeze(dy, normalized);
    const needsShape = !isStatic(shape);
    const shapeTensor = prim.shapeOf(needsShape ? ctx.input(0) : x, shape);
    let dx = prim.expand(kept, shapeTensor, shape);
    if (op === 'ReduceMean') {
      const reduced = normalized.map((a) => shape[a]);
      if (isStatic(reduced)) {
        dx = prim.scale(dx, 1 / (reduced as number[]).reduce((p, q) => p * q, 1));
      } else {
        // count = size(x) / size(y), computed at run time.
        const graph = x.graph;
        const sizeX = prim.cast(graph.node1('Size', [dx], { dtype: 'int64', shape: [] }), x.dtype);
        const sizeY = prim.cast(graph.node1('Size', [dy], { dtype: 'int64', shape: [] }), x.dtype);
        dx = prim.mul(dx, prim.div(sizeY, sizeX));
      }
    }
    return [dx];
  });
}

/**
 * Rows (axis 0) of `x` by `indices` (embedding lookup, sample selection). The gradient scatters
 * back with ScatterND's add reduction, so repeated indices accumulate.
 */
export function gather(x: Value, indices: Value): Value {
  const graph = x.graph;
  const y = graph.node1(
    'Gather',
    [x, indices],
    { dtype: x.dtype, shape: [...indices.shape, ...x.shape.slice(1)] },
    { attributes: { axis: 0 } },
  );
  return recorded('Gather', [x, indices], y, ([dy], ctx) => {
    if (!dy || !ctx.needsGradient(0)) return [undefined, undefined];
    const shape = ctx.inputShape(0);
    const zeros = prim.zerosOfShape(graph, prim.shapeOf(ctx.input(0), shape), x.dtype, shape);
    const where = prim.unsqueeze(ctx.input(1), [-1]);
    const dx = graph.node1(
      'ScatterND',
      [zeros, where, dy],
      { dtype: x.dtype, shape },
      { attributes: { reduction: 'add' } },
    );
    return [dx, undefined];
  });
}
