/**
 * The in-graph optimizers against plain JavaScript transcriptions of torch.optim's and Keras'
 * documented update rules: five steps in float64 with changing gradients and learning rate,
 * agreement to 1e-12. Plus anchors that need no reference (Adam's first step moves each weight
 * by about lr, RMSprop's by lr / sqrt(1 - alpha)).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import {
  applyOptimizer,
  GraphBuilder,
  stateSlots,
  type OptimizerConfig,
} from '../../src/engine/training/graph';

const SIZE = 4;
const STEPS = 5;
const INITIAL = [0.5, -1.2, 2.0, 0.03];
const grad = (step: number) => INITIAL.map((p, i) => Math.sin(3 * step + i) * (1 + i) + 0.1 * p);
const learningRate = (step: number) => 0.1 / step;

/** Runs the graph optimizer for STEPS steps; returns the parameter after each. */
async function runGraph(config: OptimizerConfig): Promise<number[][]> {
  const graph = new GraphBuilder('opt');
  const p = graph.input('p', 'float64', [SIZE]);
  const g = graph.input('g', 'float64', [SIZE]);
  const slots = stateSlots(config);
  const state = slots.map((s) => graph.input(`p.${s.suffix}`, 'float64', [SIZE]));
  const lr = graph.input('lr', 'float64', []);
  const step = graph.input('step', 'float64', []);
  const [updated] = applyOptimizer(config, { learningRate: lr, step }, [
    { param: p, grad: g, state },
  ]);
  graph.output(updated.param, 'p.updated');
  updated.state.forEach((v, i) => graph.output(v, `p.${slots[i].suffix}.updated`));
  const session = await ort.InferenceSession.create(graph.toBytes());
  const f64 = (values: number[], dims: number[] = [SIZE]) =>
    new ort.Tensor('float64', Float64Array.from(values), dims);
  let param = [...INITIAL];
  let stateValues = slots.map((s) => new Array<number>(SIZE).fill(s.initialValue));
  const history: number[][] = [];
  for (let t = 1; t <= STEPS; t++) {
    const feeds: Record<string, ort.Tensor> = {
      p: f64(param),
      g: f64(grad(t)),
      lr: f64([learningRate(t)], []),
      step: f64([t], []),
    };
    slots.forEach((s, i) => (feeds[`p.${s.suffix}`] = f64(stateValues[i])));
    const result = await session.run(feeds);
    param = Array.from(result['p.updated'].data as Float64Array);
    stateValues = slots.map((s) =>
      Array.from(result[`p.${s.suffix}.updated`].data as Float64Array),
    );
    history.push(param);
  }
  await session.release();
  return history;
}

type Rule = (p: number[], g: number[], lr: number, t: number) => void;

/** Runs a per-element reference rule (which mutates p) for STEPS steps. */
function runReference(rule: Rule): number[][] {
  const p = [...INITIAL];
  const history: number[][] = [];
  for (let t = 1; t <= STEPS; t++) {
    rule(p, grad(t), learningRate(t), t);
    history.push([...p]);
  }
  return history;
}

// torch.optim transcriptions (the algorithm boxes of the PyTorch docs).
function torchSgd(momentum: number, nesterov: boolean, dampening: number, wd: number): Rule {
  const buf: number[] = [];
  return (p, g, lr, t) => {
    for (let i = 0; i < SIZE; i++) {
      let gi = g[i] + wd * p[i];
      if (momentum !== 0) {
        buf[i] = t > 1 ? momentum * buf[i] + (1 - dampening) * gi : gi;
        gi = nesterov ? gi + momentum * buf[i] : buf[i];
      }
      p[i] -= lr * gi;
    }
  };
}

function torchAdam(b1: number, b2: number, eps: number, wd: number, decoupled: boolean): Rule {
  const m = new Array(SIZE).fill(0);
  const v = new Array(SIZE).fill(0);
  return (p, g, lr, t) => {
    for (let i = 0; i < SIZE; i++) {
      let gi = g[i];
      if (decoupled) p[i] *= 1 - lr * wd;
      else gi += wd * p[i];
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      const mHat = m[i] / (1 - b1 ** t);
      const vHat = v[i] / (1 - b2 ** t);
      p[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  };
}

function torchRmsprop(
  alpha: number,
  eps: number,
  momentum: number,
  centered: boolean,
  wd: number,
): Rule {
  const sq = new Array(SIZE).fill(0);
  const gAvg = new Array(SIZE).fill(0);
  const buf = new Array(SIZE).fill(0);
  return (p, g, lr) => {
    for (let i = 0; i < SIZE; i++) {
      const gi = g[i] + wd * p[i];
      sq[i] = alpha * sq[i] + (1 - alpha) * gi * gi;
      let avg: number;
      if (centered) {
        gAvg[i] = alpha * gAvg[i] + (1 - alpha) * gi;
        avg = Math.sqrt(sq[i] - gAvg[i] * gAvg[i]) + eps;
      } else avg = Math.sqrt(sq[i]) + eps;
      if (momentum > 0) {
        buf[i] = momentum * buf[i] + gi / avg;
        p[i] -= lr * buf[i];
      } else p[i] -= (lr * gi) / avg;
    }
  };
}

function torchAdagrad(eps: number, initial: number, lrDecay: number, wd: number): Rule {
  const sum = new Array(SIZE).fill(initial);
  return (p, g, lr, t) => {
    const clr = lr / (1 + (t - 1) * lrDecay);
    for (let i = 0; i < SIZE; i++) {
      const gi = g[i] + wd * p[i];
      sum[i] += gi * gi;
      p[i] -= (clr * gi) / (Math.sqrt(sum[i]) + eps);
    }
  };
}

// Keras 3 transcriptions (keras/src/optimizers/*.py update_step; weight decay is decoupled,
// applied before the update as p -= p * wd * lr).
function kerasSgd(momentum: number, nesterov: boolean): Rule {
  const m = new Array(SIZE).fill(0);
  return (p, g, lr) => {
    for (let i = 0; i < SIZE; i++) {
      m[i] = -g[i] * lr + m[i] * momentum;
      p[i] += nesterov ? -g[i] * lr + m[i] * momentum : m[i];
    }
  };
}

function kerasAdam(b1: number, b2: number, eps: number, wd: number): Rule {
  const m = new Array(SIZE).fill(0);
  const v = new Array(SIZE).fill(0);
  return (p, g, lr, t) => {
    const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    for (let i = 0; i < SIZE; i++) {
      p[i] -= p[i] * wd * lr;
      m[i] += (g[i] - m[i]) * (1 - b1);
      v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
      p[i] -= (m[i] * alpha) / (Math.sqrt(v[i]) + eps);
    }
  };
}

function kerasRmsprop(rho: number, eps: number, momentum: number, centered: boolean): Rule {
  const velocity = new Array(SIZE).fill(0);
  const avgGrad = new Array(SIZE).fill(0);
  const mom = new Array(SIZE).fill(0);
  return (p, g, lr) => {
    for (let i = 0; i < SIZE; i++) {
      velocity[i] = rho * velocity[i] + (1 - rho) * g[i] * g[i];
      let denominator = velocity[i] + eps;
      if (centered) {
        avgGrad[i] = rho * avgGrad[i] + (1 - rho) * g[i];
        denominator = velocity[i] - avgGrad[i] * avgGrad[i] + eps;
      }
      const increment = (lr * g[i]) / Math.sqrt(denominator);
      if (momentum > 0) {
        mom[i] = momentum * mom[i] + increment;
        p[i] -= mom[i];
      } else p[i] -= increment;
    }
  };
}

function kerasAdagrad(initial: number, eps: number): Rule {
  const acc = new Array(SIZE).fill(initial);
  return (p, g, lr) => {
    for (let i = 0; i < SIZE; i++) {
      acc[i] += g[i] * g[i];
      p[i] -= (lr * g[i]) / Math.sqrt(acc[i] + eps);
    }
  };
}

const CASES: [string, OptimizerConfig, Rule][] = [
  ['sgd', { kind: 'sgd' }, torchSgd(0, false, 0, 0)],
  ['sgd + L2 weight decay', { kind: 'sgd', weightDecay: 0.01 }, torchSgd(0, false, 0, 0.01)],
  ['momentum', { kind: 'sgd', momentum: 0.9 }, torchSgd(0.9, false, 0, 0)],
  [
    'momentum with dampening',
    { kind: 'sgd', momentum: 0.9, dampening: 0.1 },
    torchSgd(0.9, false, 0.1, 0),
  ],
  [
    'nesterov',
    { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 0.001 },
    torchSgd(0.9, true, 0, 0.001),
  ],
  ['adam', { kind: 'adam' }, torchAdam(0.9, 0.999, 1e-8, 0, false)],
  [
    'adam + L2',
    { kind: 'adam', beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.01 },
    torchAdam(0.8, 0.99, 1e-6, 0.01, false),
  ],
  ['adamw', { kind: 'adamw', weightDecay: 0.01 }, torchAdam(0.9, 0.999, 1e-8, 0.01, true)],
  ['rmsprop', { kind: 'rmsprop' }, torchRmsprop(0.99, 1e-8, 0, false, 0)],
  [
    'rmsprop centered momentum',
    { kind: 'rmsprop', rho: 0.9, momentum: 0.5, centered: true, weightDecay: 0.01 },
    torchRmsprop(0.9, 1e-8, 0.5, true, 0.01),
  ],
  ['adagrad', { kind: 'adagrad' }, torchAdagrad(1e-10, 0, 0, 0)],
  [
    'adagrad decay',
    { kind: 'adagrad', initialAccumulatorValue: 0.1, learningRateDecay: 0.05, weightDecay: 0.01 },
    torchAdagrad(1e-10, 0.1, 0.05, 0.01),
  ],
  ['keras sgd momentum', { kind: 'sgd', momentum: 0.9, convention: 'keras' }, kerasSgd(0.9, false)],
  [
    'keras sgd nesterov',
    { kind: 'sgd', momentum: 0.9, nesterov: true, convention: 'keras' },
    kerasSgd(0.9, true),
  ],
  ['keras adam', { kind: 'adam', convention: 'keras' }, kerasAdam(0.9, 0.999, 1e-7, 0)],
  [
    'keras adamw',
    { kind: 'adamw', weightDecay: 0.004, convention: 'keras' },
    kerasAdam(0.9, 0.999, 1e-7, 0.004),
  ],
  ['keras rmsprop', { kind: 'rmsprop', convention: 'keras' }, kerasRmsprop(0.9, 1e-7, 0, false)],
  [
    'keras rmsprop centered momentum',
    { kind: 'rmsprop', momentum: 0.3, centered: true, convention: 'keras' },
    kerasRmsprop(0.9, 1e-7, 0.3, true),
  ],
  ['keras adagrad', { kind: 'adagrad', convention: 'keras' }, kerasAdagrad(0.1, 1e-7)],
];

for (const [name, config, rule] of CASES) {
  test(`optimizer ${name} matches the reference update rule`, async () => {
    const actual = await runGraph(config);
    const expected = runReference(rule);
    actual.forEach((params, step) =>
      params.forEach((value, i) =>
        assert.ok(
          Math.abs(value - expected[step][i]) < 1e-12 * Math.max(1, Math.abs(expected[step][i])),
          `step ${step + 1} [${i}]: ${value} vs ${expected[step][i]}`,
        ),
      ),
    );
  });
}

test('first steps need no reference: Adam moves by lr, PyTorch RMSprop by lr / sqrt(1 - alpha)', async () => {
  const [adamFirst] = await runGraph({ kind: 'adam' });
  adamFirst.forEach((p, i) =>
    assert.ok(
      Math.abs(Math.abs(p - INITIAL[i]) - learningRate(1)) < 1e-6,
      `adam ${p - INITIAL[i]}`,
    ),
  );
  const [rmsFirst] = await runGraph({ kind: 'rmsprop', rho: 0.99 });
  rmsFirst.forEach((p, i) =>
    assert.ok(Math.abs(Math.abs(p - INITIAL[i]) - learningRate(1) / Math.sqrt(0.01)) < 1e-6),
  );
});
