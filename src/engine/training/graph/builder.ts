// A small ONNX graph builder: inputs, initializers, nodes and outputs with tracked dtypes and
// static shapes (symbolic dims allowed), readable scoped names, and a tape of differentiable
// ops that autodiff.ts walks backwards to emit gradient nodes.
import type { onnx } from 'onnx-proto';
import {
  attributeProto,
  encodeModel,
  tensorProto,
  typedArray,
  valueInfoProto,
  type AttributeValue,
  type DType,
  type Shape,
  type TypedData,
} from './onnx';

/** ORT 1.30 implements opset 17 completely on CPU (LayerNormalization, ScatterND add, ...). */
export const DEFAULT_OPSET = 17;
/** onnx-proto's schema is IR 8, which opset 17..21 models load with in ORT 1.30. */
const IR_VERSION = 8;

/** A tensor in the graph being built. */
export class Value {
  constructor(
    readonly graph: GraphBuilder,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}: ${this.dtype}[${this.shape.join(', ')}]`;
  }
}

/** What a differentiable op's backward function sees. */
export interface BackwardContext {
  readonly graph: GraphBuilder;
  /** The op's i-th forward input, as saved for the backward pass (row-gathered when sifting). */
  input(index: number): Value;
  /** The op's i-th forward output, as saved for the backward pass. */
  output(index: number): Value;
  /** The shape input(index) has in the backward pass, without emitting any node. */
  inputShape(index: number): Shape;
  /** Whether input(index) needs a gradient (skip the work otherwise). */
  needsGradient(index: number): boolean;
}

/**
 * Vector-Jacobian product: gradients of the op's inputs given those of its outputs
 * (undefined where an output got no gradient, or where an input needs none).
 */
export type BackwardFn = (
  outputGradients: readonly (Value | undefined)[],
  context: BackwardContext,
) => readonly (Value | undefined)[];

export interface TapeRecord {
  readonly opName: string;
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  readonly backward: BackwardFn;
}

export interface NodeOutputSpec {
  readonly dtype: DType;
  readonly shape: Shape;
  /** Name hint; made unique within the current scope. */
  readonly name?: string;
}

export interface NodeOptions {
  readonly attributes?: Readonly<Record<string, AttributeValue | undefined>>;
  readonly domain?: string;
  /** Name hint for the node (defaults to the op type). */
  readonly name?: string;
}

export class GraphBuilder {
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly usedNames = new Set<string>();
  /** Node names are a namespace of their own in ONNX: values keep the plain names. */
  private readonly usedNodeNames = new Set<string>();
  private readonly scopes: string[] = [];
  private readonly constants = new Map<string, Value>();
  /** Every value by name (inputs, initializers, node outputs), for graph surgery (two-stage sifting). */
  private readonly values = new Map<string, Value>();
  private symbolCount = 0;
  /** Differentiable ops in the order they were built. */
  readonly tape: TapeRecord[] = [];

  constructor(
    readonly name: string,
    readonly opset: number = DEFAULT_OPSET,
  ) {}

  /** A unique name: `scope/hint`, then `scope/hint_1`, ... */
  uniqueName(hint: string, used: Set<string> = this.usedNames): string {
    const base = [...this.scopes, hint].join('/');
    let name = base;
    for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  }

  /** Runs `build` with names prefixed by `scope/` (nests). */
  scope<T>(scope: string, build: () => T): T {
    this.scopes.push(scope);
    try {
      return build();
    } finally {
      this.scopes.pop();
    }
  }

  /** A fresh symbolic dimension for sizes known only at run time. */
  symbol(hint = 'd'): string {
    return `${hint}${this.symbolCount++}`;
  }

  /** A graph input. Its name is taken as given (callers feed by it), so it must be unused. */
  input(name: string, dtype: DType, shape: Shape): Value {
    this.claim(name);
    this.inputs.push(valueInfoProto(name, dtype, shape));
    return this.register(new Value(this, name, dtype, shape));
  }

  /** A named weight baked into the model. */
  initializer(name: string, dtype: DType, shape: readonly number[], data: TypedData): Value {
    this.claim(name);
    this.initializers.push(tensorProto(name, dtype, shape, data));
    return this.register(new Value(this, name, dtype, shape));
  }

  /** A constant tensor, deduplicated by value (small constants: scalars, axes, shapes). */
  constant(dtype: DType, shape: readonly number[], values: ArrayLike<number>): Value {
    const key = `${dtype}[${shape.join(',')}]${Array.from(values).join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const hint =
      values.length === 1 ? `${formatConstant(values[0])}` : `${dtype}_${shape.join('x')}`;
    const name = this.uniqueNameUnscoped(`const/${hint}`);
    this.initializers.push(tensorProto(name, dtype, shape, typedArray(dtype, values)));
    const value = this.register(new Value(this, name, dtype, shape));
    this.constants.set(key, value);
    return value;
  }

  scalar(value: number, dtype: DType): Value {
    return this.constant(dtype, [], [value]);
  }

  /** An int64 vector constant (axes, shapes, perms). */
  ints(values: readonly number[]): Value {
    return this.constant('int64', [values.length], values);
  }

  /** Adds a node; returns its outputs (an empty name in `inputs` is an omitted optional input). */
  node(
    opType: string,
    inputs: readonly (Value | '')[],
    outputs: readonly NodeOutputSpec[],
    options: NodeOptions = {},
  ): Value[] {
    const nodeName = this.uniqueName(options.name ?? opType, this.usedNodeNames);
    const results = outputs.map((spec) =>
      this.register(
        new Value(
          this,
          this.uniqueName(spec.name ?? (outputs.length === 1 ? opType : 'out')),
          spec.dtype,
          spec.shape,
        ),
      ),
    );
    for (const input of inputs) {
      if (input !== '' && input.graph !== this) {
        throw new Error(`${opType}: input ${input.name} belongs to another graph`);
      }
    }
    const attribute = Object.entries(options.attributes ?? {})
      .filter((entry): entry is [string, AttributeValue] => entry[1] !== undefined)
      .map(([name, value]) => attributeProto(name, value));
    this.nodes.push({
      name: nodeName,
      opType,
      domain: options.domain ?? '',
      input: inputs.map((v) => (v === '' ? '' : v.name)),
      output: results.map((v) => v.name),
      attribute,
    });
    return results;
  }

  /** A single-output node. */
  node1(
    opType: string,
    inputs: readonly (Value | '')[],
    output: NodeOutputSpec,
    options: NodeOptions = {},
  ): Value {
    return this.node(opType, inputs, [output], options)[0];
  }

  /** Records a differentiable op for autodiff. */
  record(record: TapeRecord): void {
    this.tape.push(record);
  }

  /** Declares `value` a graph output named `name` (through an Identity when renaming). */
  output(value: Value, name: string = value.name): Value {
    let out = value;
    if (name === value.name && this.isInputOrInitializer(name)) {
      throw new Error(`output ${name}: an input or initializer needs an output name of its own`);
    }
    if (name !== value.name) {
      this.claim(name);
      this.nodes.push({
        name: this.uniqueName(`${name}/Identity`, this.usedNodeNames),
        opType: 'Identity',
        input: [value.name],
        output: [name],
      });
      out = this.register(new Value(this, name, value.dtype, value.shape));
    }
    this.outputs.push(valueInfoProto(out.name, out.dtype, out.shape));
    return out;
  }

  get inputNames(): string[] {
    return this.inputs.map((v) => v.name ?? '');
  }

  get outputNames(): string[] {
    return this.outputs.map((v) => v.name ?? '');
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  /** The value named `name` (an input, initializer or node output of this graph). */
  valueOf(name: string): Value | undefined {
    return this.values.get(name);
  }

  toModelProto(): onnx.IModelProto {
    return {
      irVersion: IR_VERSION,
      producerName: 'sagemaker-workbench',
      opsetImport: [{ domain: '', version: this.opset }],
      graph: {
        name: this.name,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
        node: this.nodes,
      },
    };
  }

  /** The serialized ModelProto, ready for InferenceSession.create. */
  toBytes(): Uint8Array {
    return encodeModel(this.toModelProto());
  }

  private register(value: Value): Value {
    this.values.set(value.name, value);
    return value;
  }

  private claim(name: string): void {
    if (this.usedNames.has(name)) throw new Error(`name ${name} is already used in ${this.name}`);
    this.usedNames.add(name);
  }

  private uniqueNameUnscoped(hint: string): string {
    let name = hint;
    for (let i = 1; this.usedNames.has(name); i++) name = `${hint}_${i}`;
    this.usedNames.add(name);
    return name;
  }

  private isInputOrInitializer(name: string): boolean {
    return (
      this.inputs.some((v) => v.name === name) || this.initializers.some((t) => t.name === name)
    );
  }
}

function formatConstant(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(6).replace(/0+$/, '');
}
