/** The dataset layer: SageMaker JumpStart classification datasets (see docs/datasets.md). */
export * from './classification';
export * from './csv';
export * from './imageDecode';
export * from './images';
export * from './layout';
export * from './problems';
export * from './report';
export * from './source';
export * from './split';
export * from './text';
