/**
 * Image augmentation for `augmentation=True`: a random rotation, zoom and translation of each
 * training image (Keras' RandomRotation / RandomZoom / RandomTranslation factors: rotation as
 * a fraction of a full turn, zoom and translation as fractions of the size), resampled
 * bilinearly with edge pixels repeated. Works on the 8-bit planar store, one batch at a time.
 */
import type { Random } from '../util/random';

export interface AugmentOptions {
  rotation: number;
  zoom: number;
  translation: number;
}

/**
 * Writes augmented copies of `indices`' images ([c, h, w] each, 8-bit) into `out` as float32,
 * normalised by `scale`/`shift` per channel (value = pixel * scale[c] + shift[c]).
 */
export function augmentBatch(
  pixels: Uint8Array,
  indices: ArrayLike<number>,
  shape: { channels: number; height: number; width: number },
  options: AugmentOptions,
  normalize: { scale: Float32Array; shift: Float32Array },
  random: Random,
  out: Float32Array,
): void {
  const { channels, height, width } = shape;
  const plane = height * width;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  for (let b = 0; b < indices.length; b++) {
    const angle = (random.next() * 2 - 1) * options.rotation * 2 * Math.PI;
    const zoom = 1 + (random.next() * 2 - 1) * options.zoom;
    const tx = (random.next() * 2 - 1) * options.translation * width;
    const ty = (random.next() * 2 - 1) * options.translation * height;
    // Inverse map: output (x, y) samples the source at R^-1 ((x, y) - c - t) / zoom + c.
    const cos = Math.cos(angle) / zoom;
    const sin = Math.sin(angle) / zoom;
    const src = indices[b] * channels * plane;
    const dst = b * channels * plane;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const dx = x - cx - tx;
        const dy = y - cy - ty;
        const sx = Math.min(width - 1, Math.max(0, cos * dx + sin * dy + cx));
        const sy = Math.min(height - 1, Math.max(0, -sin * dx + cos * dy + cy));
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const x1 = Math.min(width - 1, x0 + 1);
        const y1 = Math.min(height - 1, y0 + 1);
        const fx = sx - x0;
        const fy = sy - y0;
        for (let c = 0; c < channels; c++) {
          const base = src + c * plane;
          const top =
            pixels[base + y0 * width + x0] * (1 - fx) + pixels[base + y0 * width + x1] * fx;
          const bottom =
            pixels[base + y1 * width + x0] * (1 - fx) + pixels[base + y1 * width + x1] * fx;
          const value = top * (1 - fy) + bottom * fy;
          out[dst + c * plane + y * width + x] = value * normalize.scale[c] + normalize.shift[c];
        }
      }
    }
  }
}

/** Per-channel scale and shift for (pixel / 255 - mean) / std. */
export function normalization(mean: readonly number[], std: readonly number[], channels: number) {
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = std[c] ?? std[0] ?? 1;
    const m = mean[c] ?? mean[0] ?? 0;
    scale[c] = 1 / (255 * s);
    shift[c] = -m / s;
  }
  return { scale, shift };
}
