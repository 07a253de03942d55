// Runs a training-step graph with onnxruntime-node. Weights and optimizer state live in two
// sets of preallocated tensors: each step reads one set and ORT writes the updated values
// straight into the other (pre-allocated fetches), then the sets swap. No per-step allocation
// or copy of the carried tensors in JavaScript, and never the same buffer as input and output
// (ORT may write an updated weight before the last read of the old one).
import * as ort from 'onnxruntime-node';
import {
  BATCH,
  buildInferenceGraph,
  buildTrainingStep,
  LEARNING_RATE,
  KEPT_ROWS,
  LOSS,
  PER_SAMPLE_LOSS,
  SIFT_BETA,
  SIFT_HISTORY,
  SIFT_KEEP,
  SIFT_UNIFORM,
  STEP,
  updatedName,
  type ModelDefinition,
  type TrainingStepGraph,
  type CarriedTensor,
  type TrainingStepOptions,
} from './step';
import type { TypedData } from './onnx';
import { buildTwoStageStep, type TwoStageStepGraphs } from './twoStage';

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

/** A forward pass of the two-stage step (see twoStage.ts): scores, outputs, activations. */
export interface ForwardResult {
  /** Mean per-sample loss of the batch. */
  readonly loss: number;
  readonly perSampleLoss: FloatArray;
  /** The model's outputs and the activations the backward graph reads, by name. */
  readonly outputs: Readonly<Record<string, ort.Tensor>>;
}

/** Inputs of a step built with sifting 'relative-probabilistic'. */
export interface RelativeSiftStepOptions {
  readonly learningRate: number;
  /** Earlier per-sample losses (any order; may be empty: every row is then kept). */
  readonly history: FloatArray;
  /** One uniform [0, 1) number per row of the batch. */
  readonly uniform: FloatArray;
  /** 0 keeps every row (a delay step). */
  readonly beta: number;
}

/** Weights, optimizer state and step count, copied (see GraphTrainer.snapshot). */
export interface TrainerSnapshot {
  readonly stepCount: number;
  readonly tensors: Readonly<Record<string, FloatArray>>;
}

export class GraphTrainer {
  /** Steps taken so far (the optimizer's 1-based step is this + 1 during a step). */
  stepCount = 0;
  private current: Record<string, ort.Tensor>;
  private spare: Record<string, ort.Tensor>;
  private readonly frozen: Record<string, ort.Tensor>;
  private evalSession: ort.InferenceSession | undefined;
  private twoStage:
    | {
        graphs: TwoStageStepGraphs;
        forward: ort.InferenceSession;
        backward: ort.InferenceSession;
      }
    | undefined;
  private relative: { graph: TrainingStepGraph; session: ort.InferenceSession } | undefined;

  private constructor(
    readonly definition: ModelDefinition,
    readonly graph: TrainingStepGraph,
    private readonly session: ort.InferenceSession,
    readonly executionProvider: ExecutionProvider,
    readonly sessionOptions: SessionOptions,
    initialWeights: Readonly<Record<string, TypedData>>,
    readonly options: TrainingStepOptions,
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
      options,
    );
  }

  /** One optimizer step on a batch (tensors named as the model's inputs and training inputs). */
  async step(
    batch: Readonly<Record<string, ort.Tensor>>,
    options: StepOptions,
  ): Promise<StepResult> {
    const feeds: Record<string, ort.Tensor> = { ...batch };
    if (options.keep !== undefined)
      feeds[SIFT_KEEP] = new ort.Tensor('int64', BigInt64Array.of(BigInt(options.keep)), [1]);
    return this.runUpdate(this.session, this.graph.outputNames, feeds, options.learningRate);
  }

  /**
   * Builds the two-stage step (forward graph, then backward + update graph over saved
   * activations: twoStage.ts) on this trainer's weights and state. Returns its description.
   */
  async enableTwoStage(): Promise<TwoStageStepGraphs> {
    if (!this.twoStage) {
      const graphs = buildTwoStageStep(this.definition, { ...this.options, sifting: false });
      checkSameCarried(this.graph.carried, graphs.carried);
      const options = { ...this.sessionOptions, executionProvider: this.executionProvider };
      const [forward, backward] = await Promise.all([
        createSession(graphs.forward, options),
        createSession(graphs.backward, options),
      ]);
      this.twoStage = { graphs, forward: forward.session, backward: backward.session };
    }
    return this.twoStage.graphs;
  }

  /** The forward graph of the two-stage step on a batch: no weight changes. */
  async forward(batch: Readonly<Record<string, ort.Tensor>>): Promise<ForwardResult> {
    const stages = this.twoStage;
    if (!stages) throw new Error('forward(): call enableTwoStage() first');
    const inputs = new Set(stages.forward.inputNames);
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, tensor] of Object.entries({ ...this.current, ...this.frozen, ...batch }))
      if (inputs.has(name)) feeds[name] = tensor;
    const results = (await stages.forward.run(feeds)) as Record<string, ort.Tensor>;
    return {
      loss: Number(results[LOSS].data[0]),
      perSampleLoss: results[PER_SAMPLE_LOSS].data as FloatArray,
      outputs: results,
    };
  }

  /**
   * One optimizer step from saved per-row tensors (the two-stage step's `saved`, any number of
   * rows, each gathered from a forward pass): backward and update, no forward pass.
   */
  async backwardStep(
    saved: Readonly<Record<string, ort.Tensor>>,
    options: { learningRate: number },
  ): Promise<void> {
    const stages = this.twoStage;
    if (!stages) throw new Error('backwardStep(): call enableTwoStage() first');
    const feeds: Record<string, ort.Tensor> = {};
    for (const spec of stages.graphs.saved) {
      const tensor = saved[spec.name];
      if (!tensor) throw new Error(`backwardStep(): no saved tensor ${spec.name}`);
      feeds[spec.name] = tensor;
    }
    await this.runUpdate(
      stages.backward,
      stages.graphs.backwardOutputs,
      feeds,
      options.learningRate,
    );
  }

  /** Builds the step with smart sifting's rule in the graph ('relative-probabilistic'). */
  async enableRelativeSifting(): Promise<TrainingStepGraph> {
    if (!this.relative) {
      const graph = buildTrainingStep(this.definition, {
        ...this.options,
        sifting: 'relative-probabilistic',
      });
      checkSameCarried(this.graph.carried, graph.carried);
      const { session } = await createSession(graph.model, {
        ...this.sessionOptions,
        executionProvider: this.executionProvider,
      });
      this.relative = { graph, session };
    }
    return this.relative.graph;
  }

  /**
   * One step that scores the batch, keeps rows by the relative probabilistic rule in the
   * graph, and runs the backward and update on the kept rows only (outputs[KEPT_ROWS]).
   */
  async siftedStep(
    batch: Readonly<Record<string, ort.Tensor>>,
    options: RelativeSiftStepOptions,
  ): Promise<StepResult> {
    const relative = this.relative;
    if (!relative) throw new Error('siftedStep(): call enableRelativeSifting() first');
    const dtype = this.graph.dtype;
    const feeds: Record<string, ort.Tensor> = {
      ...batch,
      [SIFT_HISTORY]: new ort.Tensor(dtype, options.history, [options.history.length]),
      [SIFT_UNIFORM]: new ort.Tensor(dtype, options.uniform, [options.uniform.length]),
      [SIFT_BETA]: this.scalar(options.beta),
    };
    const result = await this.runUpdate(
      relative.session,
      relative.graph.outputNames,
      feeds,
      options.learningRate,
    );
    if (result.outputs[KEPT_ROWS].dims[0] === 0) {
      // No row kept: the graph updated with a zero gradient (optimizer state still moves).
      // The tensors before the step are intact in the other set: take them back.
      [this.current, this.spare] = [this.spare, this.current];
      this.stepCount--;
    }
    return result;
  }

  /** A copy of the weights, optimizer state and step count (restore() puts them back). */
  snapshot(): TrainerSnapshot {
    const tensors: Record<string, FloatArray> = {};
    for (const [name, tensor] of Object.entries(this.current))
      tensors[name] = (tensor.data as FloatArray).slice();
    return { stepCount: this.stepCount, tensors };
  }

  restore(snapshot: TrainerSnapshot): void {
    for (const [name, data] of Object.entries(snapshot.tensors))
      (this.current[name].data as FloatArray).set(data);
    this.stepCount = snapshot.stepCount;
  }

  private scalar(value: number): ort.Tensor {
    return new ort.Tensor(
      this.graph.dtype,
      this.graph.dtype === 'float64' ? Float64Array.of(value) : Float32Array.of(value),
      [],
    );
  }

  /** Runs a graph that updates the carried tensors: feeds one set, ORT writes the other. */
  private async runUpdate(
    session: ort.InferenceSession,
    outputNames: readonly string[],
    batchFeeds: Record<string, ort.Tensor>,
    learningRate: number,
  ): Promise<StepResult> {
    const state: Record<string, ort.Tensor> = {
      ...this.current,
      ...this.frozen,
      [LEARNING_RATE]: this.scalar(learningRate),
      [STEP]: this.scalar(this.stepCount + 1),
    };
    // A graph cut out of the step (the two-stage backward) takes only what it reads.
    const inputs = new Set(session.inputNames);
    const feeds: Record<string, ort.Tensor> = { ...batchFeeds };
    for (const [name, tensor] of Object.entries(state)) if (inputs.has(name)) feeds[name] = tensor;
    const fetches: Record<string, ort.Tensor | null> = {};
    for (const name of outputNames) fetches[name] = null;
    for (const [name, tensor] of Object.entries(this.spare)) fetches[updatedName(name)] = tensor;
    const results = await session.run(feeds, fetches);
    [this.current, this.spare] = [this.spare, this.current];
    this.stepCount++;
    const outputs: Record<string, ort.Tensor> = {};
    for (const [name, value] of Object.entries(results)) {
      if (!name.endsWith('.updated')) outputs[name] = value as ort.Tensor;
    }
    const loss = results[LOSS] as ort.Tensor | undefined;
    return { loss: loss ? Number(loss.data[0]) : NaN, outputs };
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
    await this.twoStage?.forward.release();
    await this.twoStage?.backward.release();
    await this.relative?.session.release();
  }
}

/**
 * Median milliseconds of one training step of `definition` on `provider`, over a batch of
 * zeros of `batchSize` rows (a throwaway trainer: the caller's weights are only copied).
 * Undefined when the provider does not load.
 */
export async function timeTrainingStep(
  definition: ModelDefinition,
  options: TrainingStepOptions,
  weights: Readonly<Record<string, TypedData>>,
  provider: ExecutionProvider,
  batchSize: number,
  sessionOptions: SessionOptions = {},
  steps = 3,
): Promise<number | undefined> {
  const trainer = await GraphTrainer.create(definition, options, weights, {
    ...sessionOptions,
    executionProvider: provider,
  });
  try {
    if (trainer.executionProvider !== provider) return undefined;
    const feeds: Record<string, ort.Tensor> = {};
    for (const spec of [...definition.inputs, ...definition.trainingInputs]) {
      const shape = spec.shape.map((d) => (d === BATCH ? batchSize : d)) as number[];
      const count = shape.reduce((a, b) => a * b, 1);
      const data =
        spec.dtype === 'int64'
          ? new BigInt64Array(count)
          : spec.dtype === 'float64'
            ? new Float64Array(count)
            : new Float32Array(count);
      feeds[spec.name] = new ort.Tensor(spec.dtype, data, shape);
    }
    await trainer.step(feeds, { learningRate: 0 }); // warm-up: first runs allocate
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const started = performance.now();
      await trainer.step(feeds, { learningRate: 0 });
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b)[times.length >> 1];
  } finally {
    await trainer.release();
  }
}

export interface ProviderChoice {
  readonly provider: ExecutionProvider;
  /** Measured milliseconds per step by provider (only when a choice was measured). */
  readonly measured: Partial<Record<ExecutionProvider, number>>;
}

/**
 * Where the training steps run when the job asked for 'auto' and a GPU provider loaded: the
 * faster of that provider and the CPU, measured. A GPU provider that loads is not always
 * faster - with small graphs the per-step transfers and kernel launches cost more than the
 * arithmetic (measured: WebGPU on an H100 trained a 512-1024-1024-10 top 5x slower than 16
 * CPU cores) - so the choice is made by timing, not assumed.
 */
export async function chooseTrainingProvider(
  loaded: ExecutionProvider,
  timeStep: (provider: ExecutionProvider) => Promise<number | undefined>,
): Promise<ProviderChoice> {
  if (loaded === 'cpu') return { provider: 'cpu', measured: {} };
  const gpu = await timeStep(loaded);
  const cpu = await timeStep('cpu');
  const measured: Partial<Record<ExecutionProvider, number>> = {};
  if (gpu !== undefined) measured[loaded] = gpu;
  if (cpu !== undefined) measured.cpu = cpu;
  if (gpu === undefined) return { provider: 'cpu', measured };
  return { provider: cpu !== undefined && cpu < gpu ? 'cpu' : loaded, measured };
}

function checkSameCarried(a: readonly CarriedTensor[], b: readonly CarriedTensor[]): void {
  const names = (list: readonly CarriedTensor[]) => list.map((c) => c.name).join(',');
  if (names(a) !== names(b)) throw new Error('sifting graphs carry other tensors than the step');
}
