// Training graphs for onnxruntime-node: a graph builder, differentiable ops with hand-written
// gradients, in-graph optimizers, and a runner. See docs/training-graphs.md.
export * from './autodiff';
export * from './builder';
export * from './nn';
export * from './onnx';
export * from './ops';
export * from './optimizers';
export * from './session';
export * from './step';
export * from './gradcheck';
export * from './mlp';
export * from './twoStage';
