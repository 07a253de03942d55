/**
 * Between configurations and the points the model works on: one coordinate per parameter,
 * the unit value in scaled space for Integer/Continuous (toUnit), the value's index for
 * Categorical. Integers are "snapped" to the centre of their cell so that the model only
 * ever sees values that can actually be run.
 */
import {
  fromUnit,
  toUnit,
  type Configuration,
  type Parameter,
  type SearchSpace,
} from '../../searchSpace';

type NumericParameter = Exclude<Parameter, { kind: 'Categorical' }>;

export class Encoding {
  readonly dims: number;
  readonly parameters: readonly Parameter[];
  /** 1 where the coordinate is a categorical index. */
  readonly categorical: Uint8Array;
  /** 1 where the coordinate is an integer's unit value (snapped after every move). */
  readonly integer: Uint8Array;
  /** Number of values of each categorical parameter (0 for numeric ones). */
  readonly choices: Int32Array;

  constructor(space: SearchSpace) {
    this.parameters = space.parameters;
    this.dims = space.parameters.length;
    this.categorical = new Uint8Array(this.dims);
    this.integer = new Uint8Array(this.dims);
    this.choices = new Int32Array(this.dims);
    space.parameters.forEach((p, d) => {
      if (p.kind === 'Categorical') {
        this.categorical[d] = 1;
        this.choices[d] = p.values.length;
      } else if (p.kind === 'Integer') this.integer[d] = 1;
    });
  }

  /**
   * The point of a configuration, written at row `row` of `out`. A categorical value not in
   * the space (an edited space on resume) gets index -1, a category of its own.
   */
  encode(config: Configuration, out: Float64Array, row = 0): void {
    const o = row * this.dims;
    this.parameters.forEach((p, d) => {
      const value = config[p.name];
      if (p.kind === 'Categorical') out[o + d] = p.values.indexOf(String(value));
      else out[o + d] = typeof value === 'number' ? toUnit(p, value) : 0.5;
    });
  }

  decode(point: Float64Array, row = 0): Configuration {
    const o = row * this.dims;
    const config: Configuration = {};
    this.parameters.forEach((p, d) => {
      if (p.kind === 'Categorical') {
        const index = Math.min(p.values.length - 1, Math.max(0, Math.round(point[o + d])));
        config[p.name] = p.values[index];
      } else config[p.name] = fromUnit(p, point[o + d]);
    });
    return config;
  }

  /** Moves integer coordinates to their cell centres, categorical ones to a valid index. */
  snap(point: Float64Array, row = 0): void {
    const o = row * this.dims;
    for (let d = 0; d < this.dims; d++) {
      if (this.integer[d]) {
        const p = this.parameters[d] as NumericParameter;
        point[o + d] = toUnit(p, fromUnit(p, point[o + d]));
      } else if (this.categorical[d]) {
        point[o + d] = Math.min(this.choices[d] - 1, Math.max(0, Math.round(point[o + d])));
      } else {
        point[o + d] = Math.min(1, Math.max(0, point[o + d]));
      }
    }
  }

  /**
   * The snapped point of an integer one step up or down from the value at `point[d]`, or
   * undefined at the range's end.
   */
  integerNeighbour(point: Float64Array, d: number, step: 1 | -1): number | undefined {
    const p = this.parameters[d] as NumericParameter;
    const value = fromUnit(p, point[d]) + step;
    if (value < p.min || value > p.max) return undefined;
    return toUnit(p, value);
  }

  /** Fills row `row` of `out` from unit coordinates u in [0, 1) (categoricals: floor(u k)). */
  fromUnitCube(u: Float64Array, out: Float64Array, row = 0): void {
    const o = row * this.dims;
    for (let d = 0; d < this.dims; d++) {
      out[o + d] = this.categorical[d]
        ? Math.min(this.choices[d] - 1, Math.floor(u[d] * this.choices[d]))
        : u[d];
    }
    this.snap(out, row);
  }

  /** The unit-cube coordinates of an encoded point (inverse of fromUnitCube, cell centres). */
  toUnitCube(point: Float64Array, out: Float64Array, row = 0): void {
    const o = row * this.dims;
    for (let d = 0; d < this.dims; d++) {
      out[d] = this.categorical[d]
        ? (Math.max(0, point[o + d]) + 0.5) / this.choices[d]
        : point[o + d];
    }
  }
}
