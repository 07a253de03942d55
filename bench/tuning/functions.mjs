// Benchmark objectives (minimised) with their search spaces and known minima. The Optuna peer
// (optuna_peer.py) evaluates the same functions; run.mjs cross-checks the two.

const branin = (x1, x2) => {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
};

const ALPHA = [1.0, 1.2, 3.0, 3.2];
const H3_A = [
  [3, 10, 30],
  [0.1, 10, 35],
  [3, 10, 30],
  [0.1, 10, 35],
];
const H3_P = [
  [3689, 1170, 2673],
  [4699, 4387, 7470],
  [1091, 8732, 5547],
  [381, 5743, 8828],
];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
];

function hartmann(x, a, p) {
  let total = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < x.length; j++) inner += a[i][j] * (x[j] - p[i][j] * 1e-4) ** 2;
    total -= ALPHA[i] * Math.exp(-inner);
  }
  return total;
}

const MIXED_SHIFT = { a: 0, b: 2.5, c: -1.5 };
const MIXED_OFFSET = { a: 0, b: 0.3, c: 1 };

const unitBox = (dims, lo = 0, hi = 1) =>
  Array.from({ length: dims }, (_, i) => ({
    kind: 'Continuous',
    name: `x${i}`,
    min: lo,
    max: hi,
    scaling: 'Linear',
  }));
const vector = (p, dims) => Array.from({ length: dims }, (_, i) => p[`x${i}`]);

/** Minimum over integer x2 of a 1-D minimisation in x1 (dense grid, then golden section). */
function mixedBraninMinimum() {
  let best = Infinity;
  for (const c of Object.keys(MIXED_SHIFT)) {
    for (let x2 = 0; x2 <= 15; x2++) {
      const f = (x1) => branin(x1 + MIXED_SHIFT[c], x2) + MIXED_OFFSET[c];
      let bx = -5;
      for (let i = 0; i <= 15000; i++) {
        const x1 = -5 + (15 * i) / 15000;
        if (f(x1) < f(bx)) bx = x1;
      }
      let lo = Math.max(-5, bx - 0.001);
      let hi = Math.min(10, bx + 0.001);
      for (let k = 0; k < 100; k++) {
        const m1 = lo + (hi - lo) / 3;
        const m2 = hi - (hi - lo) / 3;
        if (f(m1) < f(m2)) hi = m2;
        else lo = m1;
      }
      best = Math.min(best, f(bx), f((lo + hi) / 2));
    }
  }
  return best;
}

export const FUNCTIONS = [
  {
    name: 'branin',
    minimum: 0.397887357729738,
    space: [
      { kind: 'Continuous', name: 'x1', min: -5, max: 10, scaling: 'Linear' },
      { kind: 'Continuous', name: 'x2', min: 0, max: 15, scaling: 'Linear' },
    ],
    evaluate: (p) => branin(p.x1, p.x2),
  },
  {
    name: 'hartmann3',
    minimum: -3.86278214782076,
    space: unitBox(3),
    evaluate: (p) => hartmann(vector(p, 3), H3_A, H3_P),
  },
  {
    name: 'hartmann6',
    minimum: -3.32236801141551,
    space: unitBox(6),
    evaluate: (p) => hartmann(vector(p, 6), H6_A, H6_P),
  },
  {
    // Branin with an integer x2 and a categorical that shifts and offsets it.
    name: 'mixedBranin',
    minimum: mixedBraninMinimum(),
    space: [
      { kind: 'Continuous', name: 'x1', min: -5, max: 10, scaling: 'Linear' },
      { kind: 'Integer', name: 'x2', min: 0, max: 15, scaling: 'Linear' },
      { kind: 'Categorical', name: 'c', values: ['a', 'b', 'c'] },
    ],
    evaluate: (p) => branin(p.x1 + MIXED_SHIFT[p.c], p.x2) + MIXED_OFFSET[p.c],
  },
  {
    name: 'rosenbrock4',
    minimum: 0,
    space: unitBox(4, -5, 10),
    evaluate: (p) => {
      const x = vector(p, 4);
      let s = 0;
      for (let i = 0; i < 3; i++) s += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (x[i] - 1) ** 2;
      return s;
    },
  },
  {
    // Rugged and multimodal; the usual BO domain [-5, 10]^d keeps the optimum off-centre.
    name: 'ackley5',
    minimum: 0,
    space: unitBox(5, -5, 10),
    evaluate: (p) => {
      const x = vector(p, 5);
      const sq = x.reduce((a, v) => a + v * v, 0) / x.length;
      const cos = x.reduce((a, v) => a + Math.cos(2 * Math.PI * v), 0) / x.length;
      return -20 * Math.exp(-0.2 * Math.sqrt(sq)) - Math.exp(cos) + 20 + Math.E;
    },
  },
];
