// Optimizer updates emitted inside the training graph. Each parameter's state tensors (momentum,
// moments, accumulators) are graph inputs and their updated values graph outputs, like the
// parameters themselves. The learning rate and the 1-based step count are scalar inputs so
// schedules and bias correction need no rebuild.
//
// `convention` picks whose update rules and defaults to follow where PyTorch and Keras differ:
// - 'pytorch': torch.optim (epsilon outside the sqrt, weight decay added to the gradient -
//   coupled L2 - except AdamW, SGD momentum buffer without the learning rate).
// - 'keras': keras.optimizers (Adam's epsilon on the uncorrected sqrt(v), RMSprop and Adagrad
//   with epsilon inside the sqrt, SGD velocity holding -lr * grad, decoupled weight decay for
//   all optimizers, Keras' default hyperparameters).
import type { Value } from './builder';
import { prim } from './ops';

export type Convention = 'pytorch' | 'keras';

export type OptimizerConfig =
  | {
      readonly kind: 'sgd';
      readonly momentum?: number;
      readonly nesterov?: boolean;
      /** PyTorch's dampening (0 by default; not in Keras). */
      readonly dampening?: number;
      readonly weightDecay?: number;
      readonly convention?: Convention;
    }
  | {
      readonly kind: 'adam' | 'adamw';
      readonly beta1?: number;
      readonly beta2?: number;
      readonly epsilon?: number;
      readonly weightDecay?: number;
      readonly convention?: Convention;
    }
  | {
      readonly kind: 'rmsprop';
      /** PyTorch's alpha, Keras' rho. */
      readonly rho?: number;
      readonly epsilon?: number;
      readonly momentum?: number;
      readonly centered?: boolean;
      readonly weightDecay?: number;
      readonly convention?: Convention;
    }
  | {
      readonly kind: 'adagrad';
      readonly epsilon?: number;
      readonly initialAccumulatorValue?: number;
      /** PyTorch's lr_decay: lr / (1 + (step - 1) lr_decay). */
      readonly learningRateDecay?: number;
      readonly weightDecay?: number;
      readonly convention?: Convention;
    };

export type OptimizerKind = OptimizerConfig['kind'];

/** One state tensor per parameter, shaped like it: its name suffix and initial value. */
export interface StateSlot {
  readonly suffix: string;
  readonly initialValue: number;
}

export function stateSlots(config: OptimizerConfig): StateSlot[] {
  switch (config.kind) {
    case 'sgd':
      return (config.momentum ?? 0) > 0 ? [{ suffix: 'momentum', initialValue: 0 }] : [];
    case 'adam':
    case 'adamw':
      return [
        { suffix: 'm', initialValue: 0 },
        { suffix: 'v', initialValue: 0 },
      ];
    case 'rmsprop':
      return [
        { suffix: 'square_avg', initialValue: 0 },
        ...((config.momentum ?? 0) > 0 ? [{ suffix: 'momentum', initialValue: 0 }] : []),
        ...(config.centered ? [{ suffix: 'grad_avg', initialValue: 0 }] : []),
      ];
    case 'adagrad':
      return [
        {
          suffix: 'sum',
          initialValue: config.initialAccumulatorValue ?? (config.convention === 'keras' ? 0.1 : 0),
        },
      ];
  }
}

export interface ParameterUpdate {
  readonly param: Value;
  readonly grad: Value;
  /** In stateSlots() order. */
  readonly state: readonly Value[];
}

export interface UpdatedParameter {
  readonly param: Value;
  readonly state: readonly Value[];
}

export interface OptimizerInputs {
  /** Scalar learning rate. */
  readonly learningRate: Value;
  /** Scalar 1-based step number (float), for bias correction and learning-rate decay. */
  readonly step: Value;
}

/** Emits the update of every parameter; returns new parameters and state, in input order. */
export function applyOptimizer(
  config: OptimizerConfig,
  hyper: OptimizerInputs,
  updates: readonly ParameterUpdate[],
): UpdatedParameter[] {
  if (updates.length === 0) return [];
  const graph = hyper.learningRate.graph;
  const keras = config.convention === 'keras';
  const decay = config.weightDecay ?? 0;
  const decoupled = keras || config.kind === 'adamw';
  return graph.scope('optimizer', () => {
    const dtype = updates[0].param.dtype;
    const c = (v: number) => graph.scalar(v, dtype);
    const lr = hyper.learningRate;
    const shared = sharedScalars(config, hyper, c);
    return updates.map(({ param, grad, state }) =>
      graph.scope(param.name, () => {
        let p = param;
        let g = grad;
        if (decay > 0 && decoupled) p = prim.sub(p, prim.mul(p, prim.scale(lr, decay)));
        if (decay > 0 && !decoupled) g = prim.add(g, prim.scale(param, decay));
        return updateRule(config, keras, { p, g, lr, state, c, shared });
      }),
    );
  });
}

interface RuleInputs {
  p: Value;
  g: Value;
  lr: Value;
  state: readonly Value[];
  c: (v: number) => Value;
  shared: Record<string, Value>;
}

/** Scalars every parameter's update shares (bias corrections, decayed rate), emitted once. */
function sharedScalars(
  config: OptimizerConfig,
  hyper: OptimizerInputs,
  c: (v: number) => Value,
): Record<string, Value> {
  const { learningRate: lr, step } = hyper;
  const one = c(1);
  const pow = (base: number) =>
    lr.graph.node1('Pow', [c(base), step], { dtype: lr.dtype, shape: [] });
  switch (config.kind) {
    case 'adam':
    case 'adamw': {
      const { beta1, beta2 } = adamBetas(config);
      const correction1 = prim.sub(one, pow(beta1));
      const correction2 = prim.sub(one, pow(beta2));
      return { correction1, sqrtCorrection2: prim.unary('Sqrt', correction2) };
    }
    case 'adagrad': {
      const decay = config.learningRateDecay ?? 0;
      if (decay === 0) return { lr };
      // lr / (1 + (step - 1) * decay)
      return { lr: prim.div(lr, prim.add(one, prim.scale(prim.sub(step, one), decay))) };
    }
    case 'sgd': {
      const dampening = config.dampening ?? 0;
      if (dampening === 0) return {};
      // PyTorch starts the buffer at g itself: no dampening on step 1. min(step - 1, 1) is 0
      // on the first step and 1 after.
      const after1 = lr.graph.node1('Min', [prim.sub(step, one), one], {
        dtype: lr.dtype,
        shape: [],
      });
      return { gradientScale: prim.sub(one, prim.scale(after1, dampening)) };
    }
    default:
      return {};
  }
}

function adamBetas(config: { beta1?: number; beta2?: number }) {
  return { beta1: config.beta1 ?? 0.9, beta2: config.beta2 ?? 0.999 };
}

function updateRule(config: OptimizerConfig, keras: boolean, inputs: RuleInputs): UpdatedParameter {
  const { p, g, lr, state, c, shared } = inputs;
  const blend = (old: Value, fresh: Value, keep: number) =>
    // keep * old + (1 - keep) * fresh
    prim.add(prim.scale(old, keep), prim.scale(fresh, 1 - keep));
  switch (config.kind) {
    case 'sgd': {
      const momentum = config.momentum ?? 0;
      if (momentum === 0) return { param: prim.sub(p, prim.mul(lr, g)), state: [] };
      const nesterov = config.nesterov ?? false;
      if (keras) {
        // v = momentum v - lr g; p += v (nesterov: p += momentum v - lr g)
        const lrG = prim.mul(lr, g);
        const v = prim.sub(prim.scale(state[0], momentum), lrG);
        const step = nesterov ? prim.sub(prim.scale(v, momentum), lrG) : v;
        return { param: prim.add(p, step), state: [v] };
      }
      // buf = momentum buf + (1 - dampening) g, from a zero buffer.
      const dampened = shared.gradientScale ? prim.mul(g, shared.gradientScale) : g;
      const buf = prim.add(prim.scale(state[0], momentum), dampened);
      const direction = nesterov ? prim.add(g, prim.scale(buf, momentum)) : buf;
      return { param: prim.sub(p, prim.mul(lr, direction)), state: [buf] };
    }
    case 'adam':
    case 'adamw': {
      const { beta1, beta2 } = adamBetas(config);
      const m = blend(state[0], g, beta1);
      const v = blend(state[1], prim.mul(g, g), beta2);
      const epsilon = c(config.epsilon ?? (keras ? 1e-7 : 1e-8));
      const sqrtV = prim.unary('Sqrt', v);
      // PyTorch: lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps); Keras: eps on the raw sqrt(v).
      const stepSize = prim.div(lr, shared.correction1);
      const denominator = keras
        ? prim.div(prim.add(sqrtV, epsilon), shared.sqrtCorrection2)
        : prim.add(prim.div(sqrtV, shared.sqrtCorrection2), epsilon);
      return { param: prim.sub(p, prim.mul(stepSize, prim.div(m, denominator))), state: [m, v] };
    }
    case 'rmsprop': {
      const rho = config.rho ?? (keras ? 0.9 : 0.99);
      const epsilon = c(config.epsilon ?? (keras ? 1e-7 : 1e-8));
      const momentum = config.momentum ?? 0;
      const squareAvg = blend(state[0], prim.mul(g, g), rho);
      const next: Value[] = [squareAvg];
      let variance = squareAvg;
      let gradAvg: Value | undefined;
      if (config.centered) {
        gradAvg = blend(state[momentum > 0 ? 2 : 1], g, rho);
        variance = prim.sub(squareAvg, prim.mul(gradAvg, gradAvg));
      }
      const denominator = keras
        ? prim.unary('Sqrt', prim.add(variance, epsilon))
        : prim.add(prim.unary('Sqrt', variance), epsilon);
      let param: Value;
      if (momentum > 0) {
        // PyTorch: buf = momentum buf + g / denom, p -= lr buf; Keras keeps lr inside buf.
        const scaled = prim.div(g, denominator);
        const buf = keras
          ? prim.add(prim.scale(state[1], momentum), prim.mul(lr, scaled))
          : prim.add(prim.scale(state[1], momentum), scaled);
        param = prim.sub(p, keras ? buf : prim.mul(lr, buf));
        next.push(buf);
      } else {
        param = prim.sub(p, prim.mul(lr, prim.div(g, denominator)));
      }
      if (gradAvg) next.push(gradAvg);
      return { param, state: next };
    }
    case 'adagrad': {
      const epsilon = c(config.epsilon ?? (keras ? 1e-7 : 1e-10));
      const sum = prim.add(state[0], prim.mul(g, g));
      const denominator = keras
        ? prim.unary('Sqrt', prim.add(sum, epsilon))
        : prim.add(prim.unary('Sqrt', sum), epsilon);
      return { param: prim.sub(p, prim.mul(shared.lr, prim.div(g, denominator))), state: [sum] };
    }
  }
}
