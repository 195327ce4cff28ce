import onnxProto from 'onnx-proto';
import type { RandomForest } from './forest.ts';
import type { ScoringItemSide } from './svd.ts';
import type { RatingScale } from './datasets.ts';

/**
 * ONNX graphs for the two models, built with `onnx-proto` (protobufjs classes for onnx.proto3).
 *
 * SVD scoring graph (default domain, opset 13):
 *
 *   MatMul(user_factors [k], item_factors_t [k, n+1]) ─ Add(item_bias [n+1]) ─ Gather(item_index int64 [N])
 *     ─ Add(user_bias [1]) ─ Add(global_mean) ─ Clip(scale.min, scale.max) ─ predicted_rating float32 [N]
 *
 * Row n (the last) of the item tables is all zeros: the "unknown item" index, which turns the
 * formula into Surprise's μ + b_u for items the model never saw. A zero user vector and bias
 * gives the unknown-user estimate μ + b_i, so callers never need a second graph.
 *
 * Forest graph: one `ai.onnx.ml` TreeEnsembleClassifier (ml opset 3) with tensor outputs only —
 * `label` int64 [N] and `probabilities` float32 [N, 2] — because onnxruntime-node rejects the
 * `seq(map)` output that a ZipMap would add. Every leaf carries its class-1 frequency divided by
 * the tree count, so the runtime's sum over trees is sklearn's mean of leaf frequencies.
 */
const { onnx } = onnxProto;

export const SVD_GRAPH_IO = {
  inputs: { userFactors: 'user_factors', userBias: 'user_bias', itemIndex: 'item_index' },
  outputs: { predictedRating: 'predicted_rating' },
} as const;

export const FOREST_GRAPH_IO = {
  inputs: { features: 'features' },
  outputs: { label: 'label', probabilities: 'probabilities' },
} as const;

export const EASE_GRAPH_IO = {
  inputs: { history: 'history' },
  outputs: { scores: 'implicit_scores' },
} as const;

const ONNX_OPSET = 13;
/** ScatterElements' `reduction` attribute needs opset 16. */
const EASE_OPSET = 16;
const ONNX_ML_OPSET = 3;
const IR_VERSION = 8;
const PRODUCER = 'feelms-ml';

/** What the SVD export needs from a trained model: its item side (a folded-in user is an input). */
export type SvdExportSource = ScoringItemSide;

export interface ExportMetadata {
  /** Written as the model's `model_version` and `doc_string` tag. */
  version: string;
  description?: string;
}

export function exportSvdOnnx(model: SvdExportSource, metadata: ExportMetadata): Uint8Array {
  const k = model.factors;
  const n = model.itemBias.length;
  // Items without training ratings get zero rows, like the extra unknown row: Surprise drops their terms.
  // Stored transposed, [k, n+1]: onnxruntime's MatMul of a vector by a matrix takes the fast GEMM
  // path (0.09 ms for k = 100, n = 12,000 here), while matrix × 1-D vector fell back to a slow
  // kernel (3 ms).
  const itemFactorsT = new Float32Array(k * (n + 1));
  const itemBias = new Float32Array(n + 1);
  for (let i = 0; i < n; i++) {
    if (model.knownItems[i] !== 1) continue;
    itemBias[i] = model.itemBias[i]!;
    for (let f = 0; f < k; f++) itemFactorsT[f * (n + 1) + i] = model.itemFactors[i * k + f]!;
  }
  const { inputs, outputs } = SVD_GRAPH_IO;
  const graph = new onnx.GraphProto({
    name: 'feelms_svd',
    input: [
      tensorValueInfo(inputs.userFactors, onnx.TensorProto.DataType.FLOAT, [k]),
      tensorValueInfo(inputs.userBias, onnx.TensorProto.DataType.FLOAT, [1]),
      tensorValueInfo(inputs.itemIndex, onnx.TensorProto.DataType.INT64, ['N']),
    ],
    output: [tensorValueInfo(outputs.predictedRating, onnx.TensorProto.DataType.FLOAT, ['N'])],
    initializer: [
      floatTensor('item_factors_t', [k, n + 1], itemFactorsT),
      floatTensor('item_bias', [n + 1], itemBias),
      floatTensor('global_mean', [], Float32Array.of(model.globalMean)),
      floatTensor('rating_min', [], Float32Array.of(model.scale.min)),
      floatTensor('rating_max', [], Float32Array.of(model.scale.max)),
    ],
    node: [
      // Scoring every item and then gathering is cheaper than gathering N factor rows when N is in
      // the thousands: no N×k intermediate (4 MB at N = 10,000, k = 100) is materialised.
      node('MatMul', [inputs.userFactors, 'item_factors_t'], ['all_dots']),
      node('Add', ['all_dots', 'item_bias'], ['all_item_scores']),
      node('Gather', ['all_item_scores', inputs.itemIndex], ['gathered_scores'], [intAttribute('axis', 0)]),
      node('Add', ['gathered_scores', inputs.userBias], ['with_user_bias']),
      node('Add', ['with_user_bias', 'global_mean'], ['estimate']),
      node('Clip', ['estimate', 'rating_min', 'rating_max'], [outputs.predictedRating]),
    ],
  });
  return encodeModel(graph, [{ domain: '', version: ONNX_OPSET }], metadata);
}

export function exportForestOnnx(forest: RandomForest, metadata: ExportMetadata): Uint8Array {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: Uint8Array[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const classTreeIds: number[] = [];
  const classNodeIds: number[] = [];
  const classIds: number[] = [];
  const classWeights: number[] = [];
  const leafMode = utf8('LEAF');
  const branchMode = utf8('BRANCH_LEQ');
  const treeCount = forest.trees.length;
  forest.trees.forEach((tree, t) => {
    for (let node = 0; node < tree.feature.length; node++) {
      treeIds.push(t);
      nodeIds.push(node);
      const feature = tree.feature[node]!;
      if (feature >= 0) {
        featureIds.push(feature);
        modes.push(branchMode);
        values.push(tree.threshold[node]!);
        trueIds.push(tree.left[node]!);
        falseIds.push(tree.right[node]!);
      } else {
        featureIds.push(0);
        modes.push(leafMode);
        values.push(0);
        trueIds.push(0);
        falseIds.push(0);
        // One weight per leaf, P(class 1) / trees, filed under class id 0: with a single class id
        // and two labels onnxruntime takes its binary path, which outputs [1 − p, p] and label
        // p > 0.5. Weights for both class ids look more natural, but then onnxruntime labels a
        // row 1 whenever p > 0 (its "positive score" rule), which is wrong for probabilities.
        classTreeIds.push(t);
        classNodeIds.push(node);
        classIds.push(0);
        classWeights.push(tree.probability[node]! / treeCount);
      }
    }
  });
  const { inputs, outputs } = FOREST_GRAPH_IO;
  const graph = new onnx.GraphProto({
    name: 'feelms_forest',
    input: [tensorValueInfo(inputs.features, onnx.TensorProto.DataType.FLOAT, ['N', forest.features])],
    output: [
      tensorValueInfo(outputs.label, onnx.TensorProto.DataType.INT64, ['N']),
      tensorValueInfo(outputs.probabilities, onnx.TensorProto.DataType.FLOAT, ['N', 2]),
    ],
    node: [
      node(
        'TreeEnsembleClassifier',
        [inputs.features],
        [outputs.label, outputs.probabilities],
        [
          intsAttribute('nodes_treeids', treeIds),
          intsAttribute('nodes_nodeids', nodeIds),
          intsAttribute('nodes_featureids', featureIds),
          stringsAttribute('nodes_modes', modes),
          floatsAttribute('nodes_values', values),
          intsAttribute('nodes_truenodeids', trueIds),
          intsAttribute('nodes_falsenodeids', falseIds),
          intsAttribute('class_treeids', classTreeIds),
          intsAttribute('class_nodeids', classNodeIds),
          intsAttribute('class_ids', classIds),
          floatsAttribute('class_weights', classWeights),
          intsAttribute('classlabels_int64s', [0, 1]),
          stringAttribute('post_transform', 'NONE'),
        ],
        'ai.onnx.ml',
      ),
    ],
  });
  return encodeModel(
    graph,
    [
      { domain: '', version: ONNX_OPSET },
      { domain: 'ai.onnx.ml', version: ONNX_ML_OPSET },
    ],
    metadata,
  );
}

/** What the EASE export needs: the sparse rows of B (see train/ease.ts). */
export interface EaseExportSource {
  readonly nItems: number;
  readonly neighbours: number;
  readonly rowOf: Int32Array;
  readonly neighbourItems: Int32Array;
  readonly neighbourWeights: Float32Array;
}

/**
 * EASE scoring graph (opset 16): the scores of every item for one user are the sum of the sparse
 * rows of B of the user's history items.
 *
 *   Gather(row_of, history int64 [H]) ─ Gather(neighbour_items) / Gather(neighbour_weights) [H, k]
 *     ─ Reshape [H·k] ─ ScatterElements(zeros [n+1], reduction = add) ─ implicit_scores float32 [n+1]
 *
 * Items the model does not hold map to an extra all-padding row, and padding slots point at the
 * extra item n with weight 0, so every index stays in range and the caller ignores the last score.
 */
export function exportEaseOnnx(model: EaseExportSource, metadata: ExportMetadata): Uint8Array {
  const n = model.nItems;
  const k = model.neighbours;
  const rows = model.neighbourItems.length / k;
  const rowOf = Int32Array.from(model.rowOf, (row) => (row < 0 ? rows : row));
  const items = new Int32Array((rows + 1) * k).fill(n);
  const weights = new Float32Array((rows + 1) * k);
  for (let s = 0; s < rows * k; s++) {
    if (model.neighbourItems[s]! < 0) continue;
    items[s] = model.neighbourItems[s]!;
    weights[s] = model.neighbourWeights[s]!;
  }
  const { inputs, outputs } = EASE_GRAPH_IO;
  const graph = new onnx.GraphProto({
    name: 'feelms_ease',
    input: [tensorValueInfo(inputs.history, onnx.TensorProto.DataType.INT64, ['H'])],
    output: [tensorValueInfo(outputs.scores, onnx.TensorProto.DataType.FLOAT, [n + 1])],
    initializer: [
      int32Tensor('row_of', [n], rowOf),
      int32Tensor('neighbour_items', [rows + 1, k], items),
      floatTensor('neighbour_weights', [rows + 1, k], weights),
      floatTensor('zeros', [n + 1], new Float32Array(n + 1)),
      int64Tensor('flat', [1], [-1]),
    ],
    node: [
      node('Gather', ['row_of', inputs.history], ['history_rows'], [intAttribute('axis', 0)]),
      node('Gather', ['neighbour_items', 'history_rows'], ['row_items'], [intAttribute('axis', 0)]),
      node('Gather', ['neighbour_weights', 'history_rows'], ['row_weights'], [intAttribute('axis', 0)]),
      node('Reshape', ['row_items', 'flat'], ['flat_items']),
      node('Reshape', ['row_weights', 'flat'], ['flat_weights']),
      node('ScatterElements', ['zeros', 'flat_items', 'flat_weights'], [outputs.scores], [intAttribute('axis', 0), stringAttribute('reduction', 'add')]),
    ],
  });
  return encodeModel(graph, [{ domain: '', version: EASE_OPSET }], metadata);
}

/** Decodes a model (for tests and diagnostics): the graph's input/output names and node types. */
export function describeOnnx(bytes: Uint8Array): { inputs: string[]; outputs: string[]; ops: string[]; version: string } {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new Error('ONNX model has no graph');
  return {
    inputs: (graph.input ?? []).map((v) => v.name ?? ''),
    outputs: (graph.output ?? []).map((v) => v.name ?? ''),
    ops: (graph.node ?? []).map((n) => n.opType ?? ''),
    version: model.docString,
  };
}

function encodeModel(graph: onnxProto.onnx.GraphProto, opsets: Array<{ domain: string; version: number }>, metadata: ExportMetadata): Uint8Array {
  const model = new onnx.ModelProto({
    irVersion: IR_VERSION,
    producerName: PRODUCER,
    producerVersion: metadata.version,
    docString: metadata.version,
    opsetImport: opsets.map((opset) => new onnx.OperatorSetIdProto(opset)),
    metadataProps: [
      new onnx.StringStringEntryProto({ key: 'feelms_version', value: metadata.version }),
      ...(metadata.description ? [new onnx.StringStringEntryProto({ key: 'description', value: metadata.description })] : []),
    ],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

function tensorValueInfo(name: string, elemType: number, dims: ReadonlyArray<number | string>): onnxProto.onnx.ValueInfoProto {
  return new onnx.ValueInfoProto({
    name,
    type: new onnx.TypeProto({
      tensorType: new onnx.TypeProto.Tensor({
        elemType,
        shape: new onnx.TensorShapeProto({
          dim: dims.map((d) => new onnx.TensorShapeProto.Dimension(typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        }),
      }),
    }),
  });
}

function floatTensor(name: string, dims: number[], data: Float32Array): onnxProto.onnx.TensorProto {
  // raw_data is little-endian by the ONNX spec; copy through a DataView so big-endian hosts agree.
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  for (let x = 0; x < data.length; x++) view.setFloat32(x * 4, data[x]!, true);
  return new onnx.TensorProto({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw });
}

function int32Tensor(name: string, dims: number[], data: Int32Array): onnxProto.onnx.TensorProto {
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  for (let x = 0; x < data.length; x++) view.setInt32(x * 4, data[x]!, true);
  return new onnx.TensorProto({ name, dims, dataType: onnx.TensorProto.DataType.INT32, rawData: raw });
}

function int64Tensor(name: string, dims: number[], data: number[]): onnxProto.onnx.TensorProto {
  const raw = new Uint8Array(data.length * 8);
  const view = new DataView(raw.buffer);
  for (let x = 0; x < data.length; x++) view.setBigInt64(x * 8, BigInt(data[x]!), true);
  return new onnx.TensorProto({ name, dims, dataType: onnx.TensorProto.DataType.INT64, rawData: raw });
}

function node(
  opType: string,
  input: string[],
  output: string[],
  attribute: onnxProto.onnx.AttributeProto[] = [],
  domain = '',
): onnxProto.onnx.NodeProto {
  return new onnx.NodeProto({ opType, input, output, attribute, domain, name: `${opType}_${output[0] ?? ''}` });
}

function intAttribute(name: string, value: number): onnxProto.onnx.AttributeProto {
  return new onnx.AttributeProto({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });
}

function intsAttribute(name: string, values: number[]): onnxProto.onnx.AttributeProto {
  return new onnx.AttributeProto({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: values });
}

function floatsAttribute(name: string, values: number[]): onnxProto.onnx.AttributeProto {
  return new onnx.AttributeProto({ name, type: onnx.AttributeProto.AttributeType.FLOATS, floats: values });
}

function stringAttribute(name: string, value: string): onnxProto.onnx.AttributeProto {
  return new onnx.AttributeProto({ name, type: onnx.AttributeProto.AttributeType.STRING, s: utf8(value) });
}

function stringsAttribute(name: string, values: Uint8Array[]): onnxProto.onnx.AttributeProto {
  return new onnx.AttributeProto({ name, type: onnx.AttributeProto.AttributeType.STRINGS, strings: values });
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** The item side of an exported SVD graph, read back from its initializers (float32 values, as served). */
export interface SvdGraphParameters {
  factors: number;
  /** Known items only (the unknown row is dropped). */
  items: number;
  globalMean: number;
  scale: RatingScale;
  /** Row-major [items, factors]. */
  itemFactors: Float64Array;
  itemBias: Float64Array;
  /** 1 for items whose row is not all zeros — trained items; untrained ones were exported as zeros. */
  knownItems: Uint8Array;
}

/**
 * Reads the SVD parameters back out of `svd.onnx`, so the scorer's fold-in uses exactly the numbers
 * the graph serves, from a single file.
 */
export function readSvdGraphParameters(bytes: Uint8Array): SvdGraphParameters {
  const model = onnx.ModelProto.decode(bytes);
  const initializers = new Map<string, { dims: number[]; values: Float32Array }>();
  for (const tensor of model.graph?.initializer ?? []) {
    if (tensor.name && tensor.dataType === onnx.TensorProto.DataType.FLOAT) {
      initializers.set(tensor.name, { dims: (tensor.dims ?? []).map(Number), values: tensorFloats(tensor) });
    }
  }
  const get = (name: string) => {
    const tensor = initializers.get(name);
    if (tensor === undefined) throw new Error(`SVD graph has no float initializer "${name}"`);
    return tensor;
  };
  const factorsT = get('item_factors_t');
  const bias = get('item_bias');
  const [k, rows] = factorsT.dims;
  if (k === undefined || rows === undefined || factorsT.dims.length !== 2 || bias.values.length !== rows || rows < 1) {
    throw new Error(`SVD graph initializers have inconsistent shapes: item_factors_t [${factorsT.dims.join(', ')}], item_bias [${bias.dims.join(', ')}]`);
  }
  const items = rows - 1;
  const itemFactors = new Float64Array(items * k);
  const itemBias = new Float64Array(items);
  const knownItems = new Uint8Array(items);
  for (let i = 0; i < items; i++) {
    itemBias[i] = bias.values[i]!;
    let nonZero = bias.values[i] !== 0;
    for (let f = 0; f < k; f++) {
      const value = factorsT.values[f * rows + i]!;
      itemFactors[i * k + f] = value;
      if (value !== 0) nonZero = true;
    }
    knownItems[i] = nonZero ? 1 : 0;
  }
  const scalar = (name: string) => {
    const value = get(name).values[0];
    if (value === undefined) throw new Error(`SVD graph initializer "${name}" is empty`);
    return value;
  };
  return {
    factors: k,
    items,
    globalMean: scalar('global_mean'),
    scale: { min: scalar('rating_min'), max: scalar('rating_max') },
    itemFactors,
    itemBias,
    knownItems,
  };
}

function tensorFloats(tensor: onnxProto.onnx.ITensorProto): Float32Array {
  const raw = tensor.rawData;
  if (raw && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const values = new Float32Array(raw.byteLength / 4);
    for (let x = 0; x < values.length; x++) values[x] = view.getFloat32(x * 4, true);
    return values;
  }
  return Float32Array.from(tensor.floatData ?? []);
}
