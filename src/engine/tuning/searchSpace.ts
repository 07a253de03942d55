/**
 * The search space of a tuning job: SageMaker's Integer, Continuous and Categorical ranges
 * with their scaling types, and the map between a parameter's value and the unit interval
 * that strategies search in.
 *
 * Scaling (as SageMaker documents it): Linear searches the range uniformly; Logarithmic
 * uniformly in log(x) (needs min > 0); ReverseLogarithmic uniformly in -log(1 - x) (for ranges
 * inside [0, 1), where the interesting values crowd near 1); Auto is Linear here.
 */

export type ScalingType = 'Auto' | 'Linear' | 'Logarithmic' | 'ReverseLogarithmic';

export type Parameter =
  | { kind: 'Integer'; name: string; min: number; max: number; scaling: ScalingType }
  | { kind: 'Continuous'; name: string; min: number; max: number; scaling: ScalingType }
  | { kind: 'Categorical'; name: string; values: readonly string[] };

export interface SearchSpace {
  readonly parameters: readonly Parameter[];
}

/** One point of the space: numbers for Integer/Continuous (integers are whole), strings for Categorical. */
export type Configuration = Record<string, number | string>;

function forward(scaling: ScalingType, x: number): number {
  if (scaling === 'Logarithmic') return Math.log(x);
  if (scaling === 'ReverseLogarithmic') return -Math.log(1 - x);
  return x;
}

function inverse(scaling: ScalingType, y: number): number {
  if (scaling === 'Logarithmic') return Math.exp(y);
  if (scaling === 'ReverseLogarithmic') return 1 - Math.exp(-y);
  return y;
}

/**
 * A numeric parameter's value in [0, 1]. Integers are searched as the continuous interval
 * [min - 0.5, max + 0.5] so every integer owns an equal share of the unit interval (Linear).
 */
export function toUnit(
  parameter: Exclude<Parameter, { kind: 'Categorical' }>,
  value: number,
): number {
  const [lo, hi] = numericBounds(parameter);
  const a = forward(parameter.scaling, lo);
  const b = forward(parameter.scaling, hi);
  if (b === a) return 0.5;
  return clamp01((forward(parameter.scaling, value) - a) / (b - a));
}

/** The value at u in [0, 1]; integers rounded and kept inside [min, max]. */
export function fromUnit(
  parameter: Exclude<Parameter, { kind: 'Categorical' }>,
  u: number,
): number {
  const [lo, hi] = numericBounds(parameter);
  const a = forward(parameter.scaling, lo);
  const b = forward(parameter.scaling, hi);
  const x = inverse(parameter.scaling, a + clamp01(u) * (b - a));
  if (parameter.kind === 'Integer')
    return Math.min(parameter.max, Math.max(parameter.min, Math.round(x)));
  return Math.min(parameter.max, Math.max(parameter.min, x));
}

function numericBounds(parameter: Exclude<Parameter, { kind: 'Categorical' }>): [number, number] {
  if (parameter.kind === 'Continuous') return [parameter.min, parameter.max];
  // Logarithmic integers cannot widen below min (log of <= 0): widen on the log scale instead.
  if (parameter.scaling === 'Logarithmic')
    return [Math.max(parameter.min - 0.5, parameter.min / Math.sqrt(2)), parameter.max + 0.5];
  if (parameter.scaling === 'ReverseLogarithmic') return [parameter.min, parameter.max];
  return [parameter.min - 0.5, parameter.max + 0.5];
}

function clamp01(u: number): number {
  return u < 0 ? 0 : u > 1 ? 1 : u;
}

/** A uniformly random configuration (uniform in each parameter's scaled unit interval). */
export function sampleConfiguration(space: SearchSpace, random: () => number): Configuration {
  const config: Configuration = {};
  for (const p of space.parameters) {
    config[p.name] =
      p.kind === 'Categorical'
        ? p.values[Math.floor(random() * p.values.length)]
        : fromUnit(p, random());
  }
  return config;
}

/** A canonical key of a configuration, to recognise repeats. */
export function configurationKey(space: SearchSpace, config: Configuration): string {
  return JSON.stringify(space.parameters.map((p) => config[p.name]));
}

/** The hyperparameter strings SageMaker passes to a training job. */
export function toHyperParameters(
  space: SearchSpace,
  config: Configuration,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of space.parameters) {
    const value = config[p.name];
    out[p.name] = typeof value === 'number' ? formatNumber(value, p.kind === 'Integer') : value;
  }
  return out;
}

export function formatNumber(value: number, integer: boolean): string {
  if (integer) return String(Math.round(value));
  // Enough digits to round-trip, no float noise like 0.30000000000000004.
  return String(Number(value.toPrecision(12)));
}

/** Number of distinct configurations, or Infinity with a continuous parameter. */
export function cardinality(space: SearchSpace): number {
  let n = 1;
  for (const p of space.parameters) {
    if (p.kind === 'Continuous') return Infinity;
    n *= p.kind === 'Categorical' ? p.values.length : p.max - p.min + 1;
  }
  return n;
}
