// Small, fast fixtures for the built-in algorithms: a synthetic image dataset (three classes of
// 12x12 PNGs: a horizontal bar, a vertical bar, a diagonal, at random positions with noise)
// and a backbone ONNX file built with the project's own graph builder (a fixed random
// projection of the pixels followed by ReLU) - a real ONNX model, just an untrained one.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { GraphBuilder } from '../../src/engine/training/graph/builder';
import { Random } from '../../src/engine/util/random';

export const IMAGE_SIZE = 12;
export const CLASSES = ['diagonal', 'horizontal', 'vertical'];

function drawImage(kind: string, random: Random): Buffer {
  const size = IMAGE_SIZE;
  const png = new PNG({ width: size, height: size });
  const at = 2 + random.int(size - 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const on =
        kind === 'horizontal'
          ? Math.abs(y - at) <= 1
          : kind === 'vertical'
            ? Math.abs(x - at) <= 1
            : Math.abs(x - y - (at - size / 2)) <= 1;
      const value = Math.max(0, Math.min(255, (on ? 200 : 20) + Math.round(random.normal() * 25)));
      const i = (y * size + x) * 4;
      png.data[i] = png.data[i + 1] = png.data[i + 2] = value;
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/** Writes `perClass` images of each class under `dir/<class>/`. */
export function writeImageDataset(
  dir: string,
  perClass: number,
  seed = 1,
  classes = CLASSES,
): string {
  const random = new Random(seed);
  for (const kind of classes) {
    mkdirSync(join(dir, kind), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      writeFileSync(join(dir, kind, `${kind}-${i}.png`), drawImage(kind, random));
    }
  }
  return dir;
}

/**
 * A [batch,1,size,size] -> [batch,features] ONNX backbone: Flatten, MatMul, Relu - a fixed
 * random projection (also the sifting benchmark's stand-in when no backbone is bundled).
 */
export function writeProjectionBackbone(
  path: string,
  features = 48,
  seed = 7,
  imageSize = IMAGE_SIZE,
): string {
  const graph = new GraphBuilder('projection_backbone');
  const pixels = graph.input('pixels', 'float32', ['batch', 1, imageSize, imageSize]);
  const inputSize = imageSize * imageSize;
  const random = new Random(seed);
  const weights = new Float32Array(inputSize * features);
  for (let i = 0; i < weights.length; i++) weights[i] = random.normal() / Math.sqrt(inputSize);
  const w = graph.initializer('projection', 'float32', [inputSize, features], weights);
  const flat = graph.node1(
    'Flatten',
    [pixels],
    { dtype: 'float32', shape: ['batch', inputSize] },
    {
      attributes: { axis: 1 },
    },
  );
  const projected = graph.node1('MatMul', [flat, w], {
    dtype: 'float32',
    shape: ['batch', features],
  });
  const out = graph.node1('Relu', [projected], { dtype: 'float32', shape: ['batch', features] });
  graph.output(out, 'embedding');
  writeFileSync(path, graph.toBytes());
  return path;
}
