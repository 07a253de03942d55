/**
 * The fine-tuned model as one ONNX inference graph: the frozen backbone (cut at its feature
 * tensor), a Flatten, and the trained top with its weights baked in, ending in `logits` and
 * `probabilities`. Any ONNX runtime runs it on its own: input as the backbone takes it
 * (normalised pixels, or token ids), output class probabilities in the class map's order.
 */
import { onnx } from 'onnx-proto';
import { decodeModel, encodeModel } from '../training/graph/onnx';
import { DEFAULT_OPSET } from '../training/graph/builder';
import { FEATURES, LOGITS } from './topModel';
import type { Graph } from './backbone';

export const MODEL_FILE = 'model.onnx';
export const CHECKPOINT_DIR_IN_MODEL = 'checkpoint';
export const PROBABILITIES = 'probabilities';
const PREFIX = 'top/';

/**
 * Joins `backbone` (whose single output is the feature tensor) and `top` (input FEATURES,
 * output LOGITS) into one model. The top's names are prefixed so they cannot collide.
 */
export function mergeBackboneAndTop(backbone: onnx.ModelProto, topBytes: Uint8Array): Uint8Array {
  const top = decodeModel(topBytes);
  const bGraph = backbone.graph as unknown as Graph;
  const tGraph = top.graph as unknown as Graph;
  const featureName = bGraph.output[0].name;
  const flat = `${PREFIX}${FEATURES}`;
  const rename = (name: string) =>
    name === FEATURES ? flat : name === '' ? '' : `${PREFIX}${name}`;
  const topNodes = tGraph.node.map((node) =>
    onnx.NodeProto.create({
      ...node,
      name: `${PREFIX}${node.name ?? ''}`,
      input: node.input.map(rename),
      output: node.output.map((o) => (o === LOGITS ? LOGITS : rename(o))),
    }),
  );
  const nodes = [
    ...bGraph.node,
    onnx.NodeProto.create({
      name: `${PREFIX}flatten`,
      opType: 'Flatten',
      input: [featureName],
      output: [flat],
      attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
    }),
    ...topNodes,
    onnx.NodeProto.create({
      name: `${PREFIX}softmax`,
      opType: 'Softmax',
      input: [LOGITS],
      output: [PROBABILITIES],
      attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
    }),
  ];
  const logitsInfo = tGraph.output.find((o) => o.name === LOGITS)!;
  const classesDim = logitsInfo.type?.tensorType?.shape?.dim?.[1];
  const outputInfo = (name: string): onnx.IValueInfoProto => ({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: 'batch' }, classesDim ?? { dimParam: 'classes' }] },
      },
    },
  });
  const backboneOpset = Number(
    backbone.opsetImport.find((o) => !o.domain)?.version ?? DEFAULT_OPSET,
  );
  // The top uses only Flatten, Gemm, Relu and a 2-D Softmax, which mean the same from opset 7
  // on: the merged model keeps the backbone's opset, so its ops keep their semantics.
  const opsetImport = [
    ...backbone.opsetImport.filter((o) => o.domain),
    { domain: '', version: backboneOpset },
  ];
  const merged = onnx.ModelProto.create({
    irVersion: Math.max(Number(backbone.irVersion ?? 8), Number(top.irVersion ?? 8)),
    producerName: 'sagemaker-workbench',
    opsetImport,
    graph: onnx.GraphProto.create({
      name: 'fine_tuned_classifier',
      node: nodes,
      initializer: [
        ...bGraph.initializer,
        ...tGraph.initializer.map((t) => onnx.TensorProto.create({ ...t, name: rename(t.name) })),
      ],
      input: bGraph.input.filter((i) => !tGraph.input.some((t) => t.name === i.name)),
      output: [outputInfo(LOGITS), outputInfo(PROBABILITIES)],
      valueInfo: bGraph.valueInfo,
    }),
    functions: backbone.functions,
    metadataProps: [{ key: 'created_by', value: 'SageMaker Workbench local fine-tuning' }],
  });
  return encodeModel(merged);
}
