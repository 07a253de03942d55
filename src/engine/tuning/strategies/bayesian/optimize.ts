/**
 * A compact box-constrained quasi-Newton minimiser (projected L-BFGS): the two-loop recursion
 * over the variables not held at a bound, a projected Armijo backtracking line search, and a
 * restart on steepest descent when the quasi-Newton direction is not a descent direction.
 * Simpler than L-BFGS-B's Cauchy point machinery, and ample for the smooth, low-dimensional
 * problems here (kernel hyperparameters, the acquisition function).
 */

export interface MinimizeOptions {
  maxIterations: number;
  /** Stop when the projected gradient's largest entry falls below this. */
  gradientTolerance?: number;
  /** Stop when an iteration improves the value by less than this (relative). */
  valueTolerance?: number;
  /** Pairs kept in the L-BFGS memory. */
  memory?: number;
}

export interface MinimizeResult {
  x: Float64Array;
  value: number;
  iterations: number;
  evaluations: number;
}

/** `objective(x, grad)` returns f(x) and writes the gradient into grad. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export function minimizeBox(
  objective: Objective,
  start: Float64Array,
  lower: Float64Array,
  upper: Float64Array,
  options: MinimizeOptions,
): MinimizeResult {
  const n = start.length;
  const gradTol = options.gradientTolerance ?? 1e-6;
  const valueTol = options.valueTolerance ?? 1e-10;
  const memory = options.memory ?? 8;
  let x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = clamp(start[i], lower[i], upper[i]);
  let g = new Float64Array(n);
  let value = objective(x, g);
  let evaluations = 1;
  if (!Number.isFinite(value)) return { x, value, iterations: 0, evaluations };

  const sHistory: Float64Array[] = [];
  const yHistory: Float64Array[] = [];
  const rhoHistory: number[] = [];
  const direction = new Float64Array(n);
  const alphas = new Float64Array(memory);
  const free = new Uint8Array(n);
  let trial = new Float64Array(n);
  let trialGrad = new Float64Array(n);
  let iterations = 0;

  for (; iterations < options.maxIterations; iterations++) {
    // Variables at a bound whose gradient pushes outwards stay fixed this iteration.
    let projectedGradNorm = 0;
    for (let i = 0; i < n; i++) {
      const atLower = x[i] <= lower[i] && g[i] > 0;
      const atUpper = x[i] >= upper[i] && g[i] < 0;
      free[i] = atLower || atUpper ? 0 : 1;
      if (free[i]) projectedGradNorm = Math.max(projectedGradNorm, Math.abs(g[i]));
    }
    if (projectedGradNorm < gradTol) break;

    // Two-loop recursion on the free variables.
    for (let i = 0; i < n; i++) direction[i] = free[i] ? -g[i] : 0;
    const m = sHistory.length;
    for (let k = m - 1; k >= 0; k--) {
      const a = rhoHistory[k] * maskedDot(sHistory[k], direction, free);
      alphas[k] = a;
      const yk = yHistory[k];
      for (let i = 0; i < n; i++) if (free[i]) direction[i] -= a * yk[i];
    }
    if (m > 0) {
      const yLast = yHistory[m - 1];
      const gamma = 1 / (rhoHistory[m - 1] * maskedDot(yLast, yLast, free) || 1);
      for (let i = 0; i < n; i++) direction[i] *= Number.isFinite(gamma) && gamma > 0 ? gamma : 1;
    }
    for (let k = 0; k < m; k++) {
      const b = rhoHistory[k] * maskedDot(yHistory[k], direction, free);
      const sk = sHistory[k];
      for (let i = 0; i < n; i++) if (free[i]) direction[i] += (alphas[k] - b) * sk[i];
    }
    let slope = 0;
    for (let i = 0; i < n; i++) slope += direction[i] * g[i];
    if (!(slope < 0)) {
      sHistory.length = 0;
      yHistory.length = 0;
      rhoHistory.length = 0;
      for (let i = 0; i < n; i++) direction[i] = free[i] ? -g[i] : 0;
    }
    // The first step of a steepest-descent direction is scaled to move about 1 unit at most.
    let step = 1;
    if (sHistory.length === 0) {
      let norm = 0;
      for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(direction[i]));
      step = norm > 1 ? 1 / norm : 1;
    }

    let accepted = false;
    let trialValue = value;
    for (let backtrack = 0; backtrack < 30; backtrack++) {
      let decrease = 0;
      for (let i = 0; i < n; i++) {
        trial[i] = clamp(x[i] + step * direction[i], lower[i], upper[i]);
        decrease += g[i] * (trial[i] - x[i]);
      }
      trialValue = objective(trial, trialGrad);
      evaluations++;
      if (Number.isFinite(trialValue) && trialValue <= value + 1e-4 * decrease) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;

    const s = new Float64Array(n);
    const y = new Float64Array(n);
    let sy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = trial[i] - x[i];
      y[i] = trialGrad[i] - g[i];
      sy += s[i] * y[i];
    }
    if (sy > 1e-12) {
      if (sHistory.length === memory) {
        sHistory.shift();
        yHistory.shift();
        rhoHistory.shift();
      }
      sHistory.push(s);
      yHistory.push(y);
      rhoHistory.push(1 / sy);
    }
    const improvement = value - trialValue;
    [x, trial] = [trial, x];
    [g, trialGrad] = [trialGrad, g];
    value = trialValue;
    if (improvement <= valueTol * Math.max(1, Math.abs(value))) {
      iterations++;
      break;
    }
  }
  return { x, value, iterations, evaluations };
}

function maskedDot(a: Float64Array, b: Float64Array, mask: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) if (mask[i]) s += a[i] * b[i];
  return s;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
