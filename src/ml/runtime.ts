import * as ort from 'onnxruntime-node';

/**
 * The one inference boundary: the only file that imports onnxruntime-node (eslint enforces it).
 * Everything else speaks in plain typed arrays through {@link OnnxModel}.
 *
 * A model is created, then `init()`ed once at startup: that creates the InferenceSession and
 * checks its input and output names, element types and fixed dimensions against what the caller
 * expects (from the manifest). `run()` before `init()` is an error, and every feed is validated
 * before it reaches the runtime, so a wrong call fails with a message naming the input.
 */
export type ElementType = 'float32' | 'int64';

export interface TensorSpec {
  name: string;
  type: ElementType;
  /** Fixed sizes as numbers, symbolic ones (batch) as strings. */
  shape: ReadonlyArray<number | string>;
  /**
   * Set when the producer already guarantees finite values, to skip the per-value check on
   * large feeds (the forest's feature matrix: features.ts rejects NaN inputs with a message naming
   * the movie and field, and the check cost ≈ 0.45 ms per 10,000 rows).
   */
  finiteGuaranteed?: boolean;
}

export interface ModelSpec {
  /** For messages: "svd", "forest". */
  label: string;
  inputs: readonly TensorSpec[];
  outputs: readonly TensorSpec[];
}

export type FeedTensor = { type: 'float32'; data: Float32Array; dims: readonly number[] } | { type: 'int64'; data: BigInt64Array; dims: readonly number[] };

export type OutputTensor = { type: 'float32'; data: Float32Array; dims: readonly number[] } | { type: 'int64'; data: BigInt64Array; dims: readonly number[] };

export interface RuntimeOptions {
  /**
   * Threads inside one operator. 1 by default: on the 2-core machines this runs on, a second
   * thread halves big forest runs but makes tail latency several times worse (measured: p99 of
   * a 10k-row SVD run 0.75 ms → 4–14 ms) because the spinning pool competes with Node itself.
   */
  intraOpNumThreads?: number;
}

export class ModelRuntimeError extends Error {
  constructor(
    readonly code: 'MODEL_NOT_INITIALIZED' | 'MODEL_IO_MISMATCH' | 'MODEL_LOAD_FAILED' | 'MODEL_BAD_FEED',
    message: string,
  ) {
    super(message);
    this.name = 'ModelRuntimeError';
  }
}

export class OnnxModel {
  private session: ort.InferenceSession | null = null;
  private initializing: Promise<void> | null = null;

  constructor(
    private readonly source: string | Uint8Array,
    readonly spec: ModelSpec,
    private readonly options: RuntimeOptions = {},
  ) {}

  get ready(): boolean {
    return this.session !== null;
  }

  /** Creates the session once (later calls return the same promise) and checks its I/O against the spec. */
  init(): Promise<void> {
    this.initializing ??= this.createSession();
    return this.initializing;
  }

  async run(feeds: Readonly<Record<string, FeedTensor>>): Promise<Record<string, OutputTensor>> {
    const session = this.session;
    if (session === null) {
      throw new ModelRuntimeError('MODEL_NOT_INITIALIZED', `${this.spec.label} model used before init() completed`);
    }
    const tensors: Record<string, ort.Tensor> = {};
    for (const input of this.spec.inputs) {
      const feed = feeds[input.name];
      if (feed === undefined) throw new ModelRuntimeError('MODEL_BAD_FEED', `${this.spec.label}: missing input "${input.name}"`);
      validateFeed(this.spec.label, input, feed);
      tensors[input.name] = new ort.Tensor(feed.type, feed.data, feed.dims);
    }
    for (const name of Object.keys(feeds)) {
      if (!this.spec.inputs.some((input) => input.name === name)) {
        throw new ModelRuntimeError('MODEL_BAD_FEED', `${this.spec.label}: unexpected input "${name}"`);
      }
    }
    const results = await session.run(tensors);
    const outputs: Record<string, OutputTensor> = {};
    for (const output of this.spec.outputs) {
      const tensor = results[output.name];
      if (tensor === undefined) throw new ModelRuntimeError('MODEL_IO_MISMATCH', `${this.spec.label}: output "${output.name}" missing from the result`);
      if (tensor.type === 'float32' && tensor.data instanceof Float32Array) {
        outputs[output.name] = { type: 'float32', data: tensor.data, dims: tensor.dims };
      } else if (tensor.type === 'int64' && tensor.data instanceof BigInt64Array) {
        outputs[output.name] = { type: 'int64', data: tensor.data, dims: tensor.dims };
      } else {
        throw new ModelRuntimeError('MODEL_IO_MISMATCH', `${this.spec.label}: output "${output.name}" has type ${tensor.type}, expected ${output.type}`);
      }
    }
    return outputs;
  }

  async release(): Promise<void> {
    const session = this.session;
    this.session = null;
    this.initializing = null;
    if (session !== null) await session.release();
  }

  private async createSession(): Promise<void> {
    let session: ort.InferenceSession;
    const options: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: this.options.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    };
    try {
      session =
        typeof this.source === 'string'
          ? await ort.InferenceSession.create(this.source, options)
          : await ort.InferenceSession.create(this.source, options);
    } catch (error) {
      this.initializing = null;
      const where = typeof this.source === 'string' ? this.source : 'in-memory bytes';
      throw new ModelRuntimeError('MODEL_LOAD_FAILED', `${this.spec.label}: cannot load ONNX model (${where}): ${(error as Error).message}`);
    }
    try {
      checkValues(this.spec.label, 'input', this.spec.inputs, session.inputNames, session.inputMetadata);
      checkValues(this.spec.label, 'output', this.spec.outputs, session.outputNames, session.outputMetadata);
    } catch (error) {
      this.initializing = null;
      await session.release();
      throw error;
    }
    this.session = session;
  }
}

/** Creates and initialises a model in one step. */
export async function loadModel(source: string | Uint8Array, spec: ModelSpec, options: RuntimeOptions = {}): Promise<OnnxModel> {
  const model = new OnnxModel(source, spec, options);
  await model.init();
  return model;
}

function checkValues(
  label: string,
  kind: 'input' | 'output',
  expected: readonly TensorSpec[],
  names: readonly string[],
  metadata: readonly ort.InferenceSession.ValueMetadata[],
): void {
  const expectedNames = expected.map((value) => value.name);
  if (expectedNames.length !== names.length || expectedNames.some((name) => !names.includes(name))) {
    throw new ModelRuntimeError(
      'MODEL_IO_MISMATCH',
      `${label}: model ${kind}s are [${names.join(', ')}] but the manifest expects [${expectedNames.join(', ')}]`,
    );
  }
  for (const value of expected) {
    const meta = metadata.find((m) => m.name === value.name);
    if (meta === undefined) continue; // names matched above; metadata is informative
    if (!meta.isTensor) throw new ModelRuntimeError('MODEL_IO_MISMATCH', `${label}: ${kind} "${value.name}" is not a tensor`);
    if (meta.type !== value.type) {
      throw new ModelRuntimeError('MODEL_IO_MISMATCH', `${label}: ${kind} "${value.name}" has type ${meta.type}, the manifest expects ${value.type}`);
    }
    const shape = meta.shape;
    const mismatch =
      shape.length !== value.shape.length ||
      value.shape.some((dim, i) => typeof dim === 'number' && typeof shape[i] === 'number' && shape[i] !== dim);
    if (mismatch) {
      throw new ModelRuntimeError(
        'MODEL_IO_MISMATCH',
        `${label}: ${kind} "${value.name}" has shape [${shape.join(', ')}], the manifest expects [${value.shape.join(', ')}]`,
      );
    }
  }
}

function validateFeed(label: string, spec: TensorSpec, feed: FeedTensor): void {
  if (feed.type !== spec.type) {
    throw new ModelRuntimeError('MODEL_BAD_FEED', `${label}: input "${spec.name}" must be ${spec.type}, got ${feed.type}`);
  }
  if (feed.dims.length !== spec.shape.length) {
    throw new ModelRuntimeError('MODEL_BAD_FEED', `${label}: input "${spec.name}" must have ${spec.shape.length} dimensions, got [${feed.dims.join(', ')}]`);
  }
  let size = 1;
  for (let i = 0; i < feed.dims.length; i++) {
    const dim = feed.dims[i]!;
    const expected = spec.shape[i]!;
    if (!Number.isInteger(dim) || dim < 0) throw new ModelRuntimeError('MODEL_BAD_FEED', `${label}: input "${spec.name}" has bad dimension ${dim}`);
    if (typeof expected === 'number' && dim !== expected) {
      throw new ModelRuntimeError('MODEL_BAD_FEED', `${label}: input "${spec.name}" dimension ${i} must be ${expected}, got ${dim}`);
    }
    size *= dim;
  }
  if (feed.data.length !== size) {
    throw new ModelRuntimeError('MODEL_BAD_FEED', `${label}: input "${spec.name}" has ${feed.data.length} values for shape [${feed.dims.join(', ')}]`);
  }
  if (feed.type === 'float32' && spec.finiteGuaranteed !== true) {
    const data = feed.data;
    for (let x = 0; x < data.length; x++) {
      if (!Number.isFinite(data[x]!)) throw new ModelRuntimeError('MODEL_BAD_FEED', `${label}: input "${spec.name}" has a non-finite value at ${x}`);
    }
  }
}
