// Runs a training-step graph with onnxruntime-node. Weights and optimizer state live in two
// sets of preallocated tensors: each step reads one set and ORT writes the updated values
// straight into the other (pre-allocated fetches), then the sets swap. No per-step allocation
// or copy of the carried tensors in JavaScript, and never the same buffer as input and output
// (ORT may write an updated weight before the last read of the old one).
import * as ort from 'onnxruntime-node';
import {
  buildInferenceGraph,
  buildTrainingStep,
  LEARNING_RATE,
  LOSS,
  SIFT_KEEP,
  STEP,
  updatedName,
  type ModelDefinition,
  type TrainingStepGraph,
  type TrainingStepOptions,
} from './step';
import type { TypedData } from './onnx';

export type ExecutionProvider = 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';

export interface SessionOptions {
  /** 'auto' picks cuda, then webgpu, when this onnxruntime build has them; default 'cpu'. */
  readonly executionProvider?: ExecutionProvider | 'auto';
  readonly intraOpThreads?: number;
}

type FloatArray = Float32Array | Float64Array;

/**
 * The providers this onnxruntime-node build knows, best first (cpu always). Knowing is not
 * having: cuda needs NVIDIA's libraries, webgpu an adapter; createSession tries each in turn.
 */
export function availableExecutionProviders(): ExecutionProvider[] {
  const names = new Set(ort.listSupportedBackends().map((b) => b.name));
  return (['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const).filter(
    (p) => p === 'cpu' || names.has(p),
  );
}

export interface ProviderFailure {
  provider: ExecutionProvider;
  reason: string;
}

/**
 * Creates a session on the asked provider, falling back to CPU when that provider cannot load
 * (no GPU, no driver, the CUDA package not installed). Reports the provider in use.
 */
export async function createSession(
  model: Uint8Array,
  options: SessionOptions = {},
): Promise<{
  session: ort.InferenceSession;
  executionProvider: ExecutionProvider;
  /** Providers tried first that could not load, with ORT's reason. */
  failures: ProviderFailure[];
}> {
  const asked = options.executionProvider ?? 'cpu';
  const available = availableExecutionProviders();
  const candidates: ExecutionProvider[] =
    asked === 'auto' ? available : available.includes(asked) ? [asked, 'cpu'] : ['cpu'];
  let lastError: unknown;
  const failures: ProviderFailure[] = [];
  for (const provider of [...new Set(candidates)]) {
    try {
      const session = await ort.InferenceSession.create(model, {
        executionProviders: provider === 'cpu' ? ['cpu'] : [provider, 'cpu'],
        graphOptimizationLevel: 'all',
        ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
      });
      return { session, executionProvider: provider, failures };
    } catch (error) {
      lastError = error;
      failures.push({ provider, reason: (error as Error).message.split('\n')[0].slice(0, 200) });
    }
  }
  throw lastError;
}

export interface StepOptions {
  readonly learningRate: number;
  /** Rows to keep when the step was built with sifting. */
  readonly keep?: number;
}

export interface StepResult {
  /** Mean per-sample loss over the whole batch (before L2). */
  readonly loss: number;
  /** Every other output of the step (per-sample loss, model outputs, kept rows). */
  readonly outputs: Readonly<Record<string, ort.Tensor>>;
}

export class GraphTrainer {
  /** Steps taken so far (the optimizer's 1-based step is this + 1 during a step). */
  stepCount = 0;
  private current: Record<string, ort.Tensor>;
  private spare: Record<string, ort.Tensor>;
  private readonly frozen: Record<string, ort.Tensor>;
  private evalSession: ort.InferenceSession | undefined;

  private constructor(
    readonly definition: ModelDefinition,
    readonly graph: TrainingStepGraph,
    private readonly session: ort.InferenceSession,
    readonly executionProvider: ExecutionProvider,
    private readonly sessionOptions: SessionOptions,
    initialWeights: Readonly<Record<string, TypedData>>,
  ) {
    const tensorType = graph.dtype;
    const make = (shape: readonly number[], fill: (data: FloatArray) => void) => {
      const count = shape.reduce((a, b) => a * b, 1);
      const data = tensorType === 'float64' ? new Float64Array(count) : new Float32Array(count);
      fill(data);
      return new ort.Tensor(tensorType, data, shape);
    };
    this.current = {};
    this.spare = {};
    for (const tensor of graph.carried) {
      const init = tensor.name === tensor.param ? initialWeights[tensor.name] : undefined;
      if (tensor.name === tensor.param && !init)
        throw new Error(`no initial weights for ${tensor.name}`);
      this.current[tensor.name] = make(tensor.shape, (data) =>
        init ? data.set(init as ArrayLike<number>) : data.fill(tensor.initialValue ?? 0),
      );
      this.spare[tensor.name] = make(tensor.shape, () => undefined);
    }
    this.frozen = {};
    for (const name of graph.frozen) {
      const spec = definition.parameters.find((p) => p.name === name);
      const init = initialWeights[name];
      if (!spec || !init) throw new Error(`no weights for frozen parameter ${name}`);
      this.frozen[name] = make(spec.shape, (data) => data.set(init as ArrayLike<number>));
    }
  }

  static async create(
    definition: ModelDefinition,
    options: TrainingStepOptions,
    initialWeights: Readonly<Record<string, TypedData>>,
    sessionOptions: SessionOptions = {},
  ): Promise<GraphTrainer> {
    const graph = buildTrainingStep(definition, options);
    const { session, executionProvider } = await createSession(graph.model, sessionOptions);
    return new GraphTrainer(
      definition,
      graph,
      session,
      executionProvider,
      sessionOptions,
      initialWeights,
    );
  }

  /** One optimizer step on a batch (tensors named as the model's inputs and training inputs). */
  async step(
    batch: Readonly<Record<string, ort.Tensor>>,
    options: StepOptions,
  ): Promise<StepResult> {
    const scalar = (value: number) =>
      new ort.Tensor(
        this.graph.dtype,
        this.graph.dtype === 'float64' ? Float64Array.of(value) : Float32Array.of(value),
        [],
      );
    const feeds: Record<string, ort.Tensor> = {
      ...batch,
      ...this.current,
      ...this.frozen,
      [LEARNING_RATE]: scalar(options.learningRate),
      [STEP]: scalar(this.stepCount + 1),
    };
    if (options.keep !== undefined)
      feeds[SIFT_KEEP] = new ort.Tensor('int64', BigInt64Array.of(BigInt(options.keep)), [1]);
    const fetches: Record<string, ort.Tensor | null> = {};
    for (const name of this.graph.outputNames) fetches[name] = null;
    for (const [name, tensor] of Object.entries(this.spare)) fetches[updatedName(name)] = tensor;
    const results = await this.session.run(feeds, fetches);
    [this.current, this.spare] = [this.spare, this.current];
    this.stepCount++;
    const outputs: Record<string, ort.Tensor> = {};
    for (const [name, value] of Object.entries(results)) {
      if (!name.endsWith('.updated')) outputs[name] = value as ort.Tensor;
    }
    return { loss: Number((results[LOSS] as ort.Tensor).data[0]), outputs };
  }

  /** Current value of every parameter (views of the live tensors: copy to keep them). */
  weights(): Record<string, FloatArray> {
    const result: Record<string, FloatArray> = {};
    for (const spec of this.definition.parameters) {
      const tensor = this.current[spec.name] ?? this.frozen[spec.name];
      result[spec.name] = tensor.data as FloatArray;
    }
    return result;
  }

  /** Optimizer state by input name (e.g. "dense1.weight.m"). */
  optimizerState(): Record<string, FloatArray> {
    const result: Record<string, FloatArray> = {};
    for (const tensor of this.graph.carried) {
      if (tensor.name !== tensor.param)
        result[tensor.name] = this.current[tensor.name].data as FloatArray;
    }
    return result;
  }

  /** Forward pass with the current weights (an inference graph that takes them as inputs). */
  async predict(inputs: Readonly<Record<string, ort.Tensor>>): Promise<Record<string, ort.Tensor>> {
    if (!this.evalSession) {
      const { session } = await createSession(buildInferenceGraph(this.definition), {
        ...this.sessionOptions,
        executionProvider: this.executionProvider,
      });
      this.evalSession = session;
    }
    const params: Record<string, ort.Tensor> = {};
    for (const spec of this.definition.parameters)
      params[spec.name] = this.current[spec.name] ?? this.frozen[spec.name];
    const results = await this.evalSession.run({ ...inputs, ...params });
    return results as Record<string, ort.Tensor>;
  }

  /** The inference model with the current weights baked in (what a job saves to model/). */
  exportInferenceModel(): Uint8Array {
    return buildInferenceGraph(this.definition, this.weights());
  }

  async release(): Promise<void> {
    await this.session.release();
    await this.evalSession?.release();
  }
}
