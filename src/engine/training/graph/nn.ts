// Neural-network layers and losses on top of ops.ts, each with a hand-written VJP: dense
// layers, activations, softmax, layer norm, cross-entropy with label smoothing, dropout, L2.
import type { Random } from '../../util/random';
import type { BackwardFn, Value } from './builder';
import { add, broadcastShape, matmul, mul, prim, reduceToShape, scale, sumAll } from './ops';
import type { Dim } from './onnx';

function recordOp(opName: string, inputs: Value[], outputs: Value[], backward: BackwardFn): void {
  outputs[0].graph.record({ opName, inputs, outputs, backward });
}

/**
 * Dense layer y = x W (+ b) with W laid out [in, out] (Keras' layout; PyTorch's Linear stores
 * the transpose). A 2-D x runs as one Gemm, forward and backward.
 */
export function dense(x: Value, weight: Value, bias?: Value): Value {
  const graph = x.graph;
  const [inDim, outDim] = weight.shape;
  if (x.shape[x.rank - 1] !== inDim && typeof inDim === 'number') {
    throw new Error(`dense: ${x} does not fit ${weight}`);
  }
  const shape: Dim[] = [...x.shape.slice(0, -1), outDim];
  if (x.rank !== 2) {
    // Sequences ([batch, time, features]) go through matmul() + add(), whose gradients fold
    // the leading dims.
    return bias ? add(matmul(x, weight), bias) : matmul(x, weight);
  }
  const inputs = bias ? [x, weight, bias] : [x, weight];
  const y = graph.node1('Gemm', inputs, { dtype: x.dtype, shape });
  recordOp('Dense', inputs, [y], ([dy], ctx) => {
    if (!dy) return inputs.map(() => undefined);
    const dx = ctx.needsGradient(0)
      ? graph.node1(
          'Gemm',
          [dy, ctx.input(1)],
          { dtype: x.dtype, shape: ctx.inputShape(0) },
          { attributes: { transB: 1 } },
        )
      : undefined;
    const dw = ctx.needsGradient(1)
      ? graph.node1(
          'Gemm',
          [ctx.input(0), dy],
          { dtype: x.dtype, shape: weight.shape },
          { attributes: { transA: 1 } },
        )
      : undefined;
    const db = bias && ctx.needsGradient(2) ? reduceToShape(dy, bias.shape) : undefined;
    return bias ? [dx, dw, db] : [dx, dw];
  });
  return y;
}

export function relu(x: Value): Value {
  const y = prim.unary('Relu', x);
  recordOp('Relu', [x], [y], ([dy], ctx) => {
    if (!dy) return [undefined];
    const zero = x.graph.scalar(0, x.dtype);
    return [prim.where(prim.greater(ctx.output(0), zero), dy, zero)];
  });
  return y;
}

export function tanh(x: Value): Value {
  const y = prim.unary('Tanh', x);
  recordOp('Tanh', [x], [y], ([dy], ctx) => {
    if (!dy) return [undefined];
    const t = ctx.output(0);
    return [prim.mul(dy, prim.sub(x.graph.scalar(1, x.dtype), prim.mul(t, t)))];
  });
  return y;
}

export function sigmoid(x: Value): Value {
  const y = prim.unary('Sigmoid', x);
  recordOp('Sigmoid', [x], [y], ([dy], ctx) => {
    if (!dy) return [undefined];
    const s = ctx.output(0);
    return [prim.mul(dy, prim.mul(s, prim.sub(x.graph.scalar(1, x.dtype), s)))];
  });
  return y;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;

/**
 * GELU. 'tanh' is the approximation GPT-2 and BERT-style tops use, built from Tanh so it also
 * runs in float64; 'erf' is the exact form (ORT has Erf for float32 only).
 */
export function gelu(x: Value, approximate: 'tanh' | 'erf' = 'tanh'): Value {
  const graph = x.graph;
  const half = graph.scalar(0.5, x.dtype);
  const one = graph.scalar(1, x.dtype);
  if (approximate === 'tanh') {
    const x2 = prim.mul(x, x);
    const inner = prim.scale(
      prim.mul(x, prim.add(one, prim.scale(x2, GELU_CUBIC))),
      SQRT_2_OVER_PI,
    );
    const t = prim.unary('Tanh', inner);
    const y = prim.mul(prim.mul(half, x), prim.add(one, t));
    recordOp('Gelu', [x], [y, t], ([dy], ctx) => {
      if (!dy) return [undefined];
      const xs = ctx.input(0);
      const ts = ctx.output(1);
      // d/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 a x^2)
      const sech2 = prim.sub(one, prim.mul(ts, ts));
      const dInner = prim.scale(
        prim.add(one, prim.scale(prim.mul(xs, xs), 3 * GELU_CUBIC)),
        SQRT_2_OVER_PI,
      );
      const slope = prim.add(
        prim.mul(half, prim.add(one, ts)),
        prim.mul(prim.mul(half, xs), prim.mul(sech2, dInner)),
      );
      return [prim.mul(dy, slope)];
    });
    return y;
  }
  const erf = prim.unary('Erf', prim.scale(x, Math.SQRT1_2));
  const y = prim.mul(prim.mul(half, x), prim.add(one, erf));
  recordOp('Gelu', [x], [y, erf], ([dy], ctx) => {
    if (!dy) return [undefined];
    const xs = ctx.input(0);
    // d/dx = Phi(x) + x phi(x)
    const phi = prim.scale(
      prim.unary('Exp', prim.scale(prim.mul(xs, xs), -0.5)),
      1 / Math.sqrt(2 * Math.PI),
    );
    const slope = prim.add(prim.mul(half, prim.add(one, ctx.output(1))), prim.mul(xs, phi));
    return [prim.mul(dy, slope)];
  });
  return y;
}

/** Softmax over the last axis. */
export function softmax(x: Value): Value {
  const y = x.graph.node1(
    'Softmax',
    [x],
    { dtype: x.dtype, shape: x.shape },
    { attributes: { axis: -1 } },
  );
  recordOp('Softmax', [x], [y], ([dy], ctx) => {
    if (!dy) return [undefined];
    const s = ctx.output(0);
    const dot = prim.reduce('ReduceSum', prim.mul(dy, s), [-1], true);
    return [prim.mul(s, prim.sub(dy, dot))];
  });
  return y;
}

/** Log-softmax over the last axis. */
export function logSoftmax(x: Value): Value {
  const y = x.graph.node1(
    'LogSoftmax',
    [x],
    { dtype: x.dtype, shape: x.shape },
    { attributes: { axis: -1 } },
  );
  recordOp('LogSoftmax', [x], [y], ([dy], ctx) => {
    if (!dy) return [undefined];
    const total = prim.reduce('ReduceSum', dy, [-1], true);
    return [prim.sub(dy, prim.mul(prim.unary('Exp', ctx.output(0)), total))];
  });
  return y;
}

/**
 * Layer normalization over the last axis (ONNX LayerNormalization, opset 17), with scale and
 * bias. The backward uses the op's saved mean and inverse standard deviation.
 */
export function layerNorm(x: Value, gamma: Value, beta: Value, epsilon = 1e-5): Value {
  const graph = x.graph;
  const statShape: Dim[] = [...x.shape.slice(0, -1), 1];
  const [y, mean, invStd] =
    x.dtype === 'float32'
      ? graph.node(
          'LayerNormalization',
          [x, gamma, beta],
          [
            { dtype: x.dtype, shape: x.shape },
            { dtype: x.dtype, shape: statShape, name: 'mean' },
            { dtype: x.dtype, shape: statShape, name: 'inv_std' },
          ],
          { attributes: { axis: -1, epsilon: { float: epsilon } } },
        )
      : layerNormComposite(x, gamma, beta, epsilon);
  recordOp('LayerNorm', [x, gamma, beta], [y, mean, invStd], ([dy], ctx) => {
    if (!dy) return [undefined, undefined, undefined];
    const rstd = ctx.output(2);
    const xHat = prim.mul(prim.sub(ctx.input(0), ctx.output(1)), rstd);
    const dxHat = prim.mul(dy, ctx.input(1));
    // dx = rstd (dxHat - mean(dxHat) - xHat mean(dxHat xHat))
    const dx = ctx.needsGradient(0)
      ? prim.mul(
          rstd,
          prim.sub(
            prim.sub(dxHat, prim.reduce('ReduceMean', dxHat, [-1], true)),
            prim.mul(xHat, prim.reduce('ReduceMean', prim.mul(dxHat, xHat), [-1], true)),
          ),
        )
      : undefined;
    const dGamma = ctx.needsGradient(1)
      ? reduceToShape(prim.mul(dy, xHat), gamma.shape)
      : undefined;
    const dBeta = ctx.needsGradient(2) ? reduceToShape(dy, beta.shape) : undefined;
    return [dx, dGamma, dBeta];
  });
  return y;
}

/** LayerNormalization from primitive ops (ORT's fused kernel is float32-only). */
function layerNormComposite(x: Value, gamma: Value, beta: Value, epsilon: number): Value[] {
  const mean = prim.reduce('ReduceMean', x, [-1], true);
  const centered = prim.sub(x, mean);
  const variance = prim.reduce('ReduceMean', prim.mul(centered, centered), [-1], true);
  const invStd = prim.unary(
    'Reciprocal',
    prim.unary('Sqrt', prim.add(variance, x.graph.scalar(epsilon, x.dtype))),
  );
  return [prim.add(prim.mul(prim.mul(centered, invStd), gamma), beta), mean, invStd];
}

export interface CrossEntropyResult {
  /** Loss of each sample, shape [batch]. */
  readonly perSample: Value;
  /** Log-probabilities, shape [batch, classes]. */
  readonly logProbs: Value;
}

/**
 * Softmax cross-entropy of logits [N, C] against int64 class labels [N], per sample, with
 * label smoothing as Keras and PyTorch define it: targets (1 - e) onehot + e / C. The gradient
 * is the fused (softmax - targets) form.
 */
export function softmaxCrossEntropy(
  logits: Value,
  labels: Value,
  options: { labelSmoothing?: number } = {},
): CrossEntropyResult {
  const graph = logits.graph;
  const classes = logits.shape[1];
  if (logits.rank !== 2 || typeof classes !== 'number') {
    throw new Error(
      `softmaxCrossEntropy: logits must be [batch, classes] with known classes: ${logits}`,
    );
  }
  const smoothing = options.labelSmoothing ?? 0;
  const targets = (labelValues: Value): Value => {
    const isLabel = graph.node1(
      'Equal',
      [prim.unsqueeze(labelValues, [1]), graph.ints([...Array(classes).keys()])],
      {
        dtype: 'bool',
        shape: [labelValues.shape[0], classes],
      },
    );
    return prim.where(
      isLabel,
      graph.scalar(1 - smoothing + smoothing / classes, logits.dtype),
      graph.scalar(smoothing / classes, logits.dtype),
    );
  };
  const logProbs = graph.node1(
    'LogSoftmax',
    [logits],
    { dtype: logits.dtype, shape: logits.shape, name: 'log_probs' },
    {
      attributes: { axis: -1 },
    },
  );
  // Without smoothing the value is computed apart from logProbs, to keep the digits of small
  // losses (smart sifting ranks them); the gradient below is the same either way.
  const perSample =
    smoothing === 0
      ? negativeLogLikelihood(logits, labels)
      : prim.unary(
          'Neg',
          prim.reduce('ReduceSum', prim.mul(targets(labels), logProbs), [1], false),
        );
  recordOp('CrossEntropy', [logits, labels], [perSample, logProbs], ([dLoss, dLogProbs], ctx) => {
    const logp = ctx.output(1);
    const probs = prim.unary('Exp', logp);
    let dLogits: Value | undefined;
    if (dLoss) {
      dLogits = prim.mul(prim.unsqueeze(dLoss, [1]), prim.sub(probs, targets(ctx.input(1))));
    }
    if (dLogProbs) {
      const viaLogp = prim.sub(
        dLogProbs,
        prim.mul(probs, prim.reduce('ReduceSum', dLogProbs, [-1], true)),
      );
      dLogits = dLogits ? prim.add(dLogits, viaLogp) : viaLogp;
    }
    return [dLogits, undefined];
  });
  return { perSample, logProbs };
}

/**
 * -log softmax(logits)[label] per row, accurate where it is tiny. LogSoftmax gives exactly 0
 * in float32 once the label's logit leads the others by about 17 (1 + e^-17 rounds to 1), so
 * every confident sample would tie at zero loss - and smart sifting's rule, which ranks a loss
 * by the share of earlier losses strictly below it, would never keep one of them. Here
 * log(sum exp(z - max)) is log1p(rest) when one logit is the maximum (rest: the sum over the
 * others), with log1p from Log by the classic correction log(u) * x / (u - 1), u = 1 + x.
 */
function negativeLogLikelihood(logits: Value, labels: Value): Value {
  const graph = logits.graph;
  const dtype = logits.dtype;
  const zero = graph.scalar(0, dtype);
  const one = graph.scalar(1, dtype);
  const equal = (a: Value, b: Value) =>
    graph.node1('Equal', [a, b], { dtype: 'bool', shape: broadcastShape(a.shape, b.shape) });
  const shifted = prim.sub(logits, prim.reduce('ReduceMax', logits, [1], true));
  const atMax = equal(shifted, zero);
  const rest = prim.reduce(
    'ReduceSum',
    prim.where(atMax, zero, prim.unary('Exp', shifted)),
    [1],
    false,
  );
  const maxima = prim.reduce('ReduceSum', prim.cast(atMax, dtype), [1], false);
  const u = prim.add(one, rest);
  const d = prim.sub(u, one);
  const log1pRest = prim.where(
    equal(d, zero),
    rest,
    prim.div(prim.mul(prim.unary('Log', u), rest), d),
  );
  const logSum = prim.where(
    equal(maxima, one),
    log1pRest,
    prim.unary('Log', prim.add(maxima, rest)),
  );
  const labelShifted = graph.node1(
    'GatherElements',
    [shifted, prim.unsqueeze(labels, [1])],
    { dtype, shape: [logits.shape[0], 1] },
    { attributes: { axis: 1 } },
  );
  return prim.sub(logSum, prim.reduce('ReduceSum', labelShifted, [1], false));
}

/**
 * Dropout with the mask fed as an input: `mask` holds 0 or 1 / (1 - rate) per element (see
 * fillDropoutMask). Deterministic and resumable: the mask comes from the job's seeded PRNG.
 */
export function dropout(x: Value, mask: Value): Value {
  return mul(x, mask);
}

/** Fills `mask` for dropout(): each element is kept with probability 1 - rate, scaled. */
export function fillDropoutMask(
  mask: Float32Array | Float64Array,
  rate: number,
  random: Random,
): void {
  const keep = 1 / (1 - rate);
  for (let i = 0; i < mask.length; i++) mask[i] = random.next() < rate ? 0 : keep;
}

/**
 * Dropout drawn inside the graph by ONNX Dropout (training mode) with a seed: no mask transfer,
 * deterministic for a given session and step count, but the stream restarts with the session
 * (so a resumed job draws different masks). Prefer dropout() with a fed mask for replayability.
 */
export function dropoutSeeded(x: Value, rate: number, seed: number): Value {
  const graph = x.graph;
  const [y, mask] = graph.node(
    'Dropout',
    [x, graph.scalar(rate, x.dtype), graph.constant('bool', [], [1])],
    [
      { dtype: x.dtype, shape: x.shape },
      { dtype: 'bool', shape: x.shape, name: 'mask' },
    ],
    { attributes: { seed } },
  );
  recordOp('Dropout', [x], [y, mask], ([dy], ctx) => {
    if (!dy) return [undefined];
    return [prim.scale(prim.mul(dy, prim.cast(ctx.output(1), x.dtype)), 1 / (1 - rate))];
  });
  return y;
}

/** Keras' L2 regularizer: lambda * sum of squares of the weights. */
export function l2Penalty(weights: readonly Value[], lambda: number): Value {
  const total = weights.map((w) => sumAll(mul(w, w))).reduce((a, b) => add(a, b));
  return scale(total, lambda);
}

/**
 * Indices of the k largest per-sample losses (smart sifting's "keep the hard samples"): k is an
 * int64 [1] value so the keep ratio can change without rebuilding the graph.
 */
export function topKRows(perSampleLoss: Value, k: Value, keptDim = 'kept'): Value {
  const [, indices] = perSampleLoss.graph.node(
    'TopK',
    [perSampleLoss, k],
    [
      { dtype: perSampleLoss.dtype, shape: [keptDim], name: 'top_losses' },
      { dtype: 'int64', shape: [keptDim], name: 'kept_rows' },
    ],
    { attributes: { axis: 0, largest: 1, sorted: 0 } },
  );
  return indices;
}

/**
 * Smart sifting's relative probabilistic rule (Selective Backprop; SageMaker's
 * RelativeProbabilisticSiftConfig) inside the graph: row i is kept when uniform[i] <
 * pct_i^beta, where pct_i is the share of `history` (earlier per-sample losses, any order)
 * strictly below loss i - 1 when the history is empty. Returns the kept rows' indices, int64
 * [keptDim], in increasing order. `beta` is a scalar input: 0 keeps every row (a delay step).
 */
export function relativeProbabilisticRows(
  perSampleLoss: Value,
  history: Value,
  uniform: Value,
  beta: Value,
  keptDim = 'kept',
): Value {
  const graph = perSampleLoss.graph;
  const dtype = perSampleLoss.dtype;
  const batch = perSampleLoss.shape[0];
  const below = graph.node1(
    'Less',
    [prim.unsqueeze(history, [0]), prim.unsqueeze(perSampleLoss, [1])],
    { dtype: 'bool', shape: [batch, history.shape[0]], name: 'history_below' },
  );
  const count = prim.reduce('ReduceSum', prim.cast(below, dtype), [1], false);
  const size = prim.cast(graph.node1('Size', [history], { dtype: 'int64', shape: [] }), dtype);
  const one = graph.scalar(1, dtype);
  const pct = prim.where(
    prim.greater(size, graph.scalar(0, dtype)),
    prim.div(count, graph.node1('Max', [size, one], { dtype, shape: [] })),
    one,
  );
  const probability = graph.node1('Pow', [pct, beta], {
    dtype,
    shape: [batch],
    name: 'keep_probability',
  });
  const keep = graph.node1('Less', [uniform, probability], {
    dtype: 'bool',
    shape: [batch],
    name: 'keep',
  });
  const nonZero = graph.node1('NonZero', [keep], { dtype: 'int64', shape: [1, keptDim] });
  return prim.reshape(nonZero, [-1], [keptDim]);
}
