/**
 * Image decoding (JPEG through jpeg-js, PNG through pngjs: pure JavaScript, nothing native)
 * and bilinear resizing into the model's planar [c, h, w] layout.
 *
 * The format is taken from the file's first bytes, not its name: a PNG saved as .jpg is read.
 * EXIF orientation is not applied (the pixels are used as stored).
 */
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'bmp' | 'webp' | 'tiff' | 'heic';

/** Pixels as decoded: interleaved, 8 bits per sample, RGB or RGBA. */
export interface DecodedImage {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Uint8Array;
}

/** Larger than this is refused before decoding: a corrupt or hostile header must not OOM us. */
export const MAX_IMAGE_PIXELS = 100_000_000;

export class ImageDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  const ascii = (offset: number, text: string) =>
    [...text].every((ch, i) => bytes[offset + i] === ch.charCodeAt(0));
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (ascii(0, 'GIF8')) return 'gif';
  if (ascii(0, 'BM')) return 'bmp';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'webp';
  if (ascii(0, 'II*\0') || ascii(0, 'MM\0*')) return 'tiff';
  if (ascii(4, 'ftyp')) return 'heic';
  return undefined;
}

/** Decodes a JPEG or PNG; throws ImageDecodeError saying why for anything else. */
export function decodeImage(bytes: Uint8Array): DecodedImage {
  const format = sniffImageFormat(bytes);
  if (format === undefined) {
    throw new ImageDecodeError(
      bytes.length === 0 ? 'the file is empty' : 'the file is not a JPEG or PNG image',
    );
  }
  if (format !== 'jpeg' && format !== 'png') {
    throw new ImageDecodeError(
      `it is a ${format.toUpperCase()} image; only JPEG and PNG are read - convert it`,
    );
  }
  try {
    return format === 'jpeg' ? decodeJpeg(bytes) : decodePng(bytes);
  } catch (error) {
    if (error instanceof ImageDecodeError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ImageDecodeError(`the ${format.toUpperCase()} data is corrupt (${reason})`);
  }
}

function decodeJpeg(bytes: Uint8Array): DecodedImage {
  const image = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
    maxMemoryUsageInMB: 1024,
  });
  if (image.width === 0 || image.height === 0) throw new ImageDecodeError('the image is empty');
  return { width: image.width, height: image.height, channels: 3, data: image.data };
}

function decodePng(bytes: Uint8Array): DecodedImage {
  // Width and height are the first fields of IHDR; check them before pngjs allocates.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24) throw new ImageDecodeError('the PNG file is truncated');
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new ImageDecodeError(
      `the PNG claims ${width}x${height} pixels, more than ${MAX_IMAGE_PIXELS / 1e6} megapixels`,
    );
  }
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { width: png.width, height: png.height, channels: 4, data: png.data };
}

/** ITU-R BT.601 luma, as PIL's convert('L') uses. */
const LUMA_R = 0.299;
const LUMA_G = 0.587;
const LUMA_B = 0.114;

/**
 * Resizes `image` to height x width with bilinear interpolation (half-pixel centres, edges
 * clamped, as PIL and torchvision without antialiasing) and writes it planar ([c, h, w],
 * 8-bit) into `out` at `offset`. RGB to 1 channel takes luma; alpha is dropped, as PIL's
 * convert('RGB') does. Shrinking by 2x or more first averages whole blocks of pixels, so
 * thin lines and noise are not aliased away.
 */
export function resizeToPlanar(
  image: DecodedImage,
  height: number,
  width: number,
  channels: 1 | 3,
  out: Uint8Array,
  offset = 0,
): void {
  const source = boxReduce(
    image,
    Math.floor(image.height / height),
    Math.floor(image.width / width),
  );
  const { width: sw, height: sh, channels: sc, data } = source;
  const xs = samplePositions(sw, width);
  const ys = samplePositions(sh, height);
  const plane = height * width;
  const lerp = (p00: number, p01: number, p10: number, p11: number, wx: number, wy: number) => {
    const top = data[p00] + (data[p01] - data[p00]) * wx;
    const bottom = data[p10] + (data[p11] - data[p10]) * wx;
    return top + (bottom - top) * wy;
  };
  for (let y = 0; y < height; y++) {
    const row0 = ys.lo[y] * sw;
    const row1 = ys.hi[y] * sw;
    const wy = ys.weight[y];
    for (let x = 0; x < width; x++) {
      const wx = xs.weight[x];
      const p00 = (row0 + xs.lo[x]) * sc;
      const p01 = (row0 + xs.hi[x]) * sc;
      const p10 = (row1 + xs.lo[x]) * sc;
      const p11 = (row1 + xs.hi[x]) * sc;
      const r = lerp(p00, p01, p10, p11, wx, wy);
      const g = lerp(p00 + 1, p01 + 1, p10 + 1, p11 + 1, wx, wy);
      const b = lerp(p00 + 2, p01 + 2, p10 + 2, p11 + 2, wx, wy);
      const at = offset + y * width + x;
      if (channels === 1) {
        out[at] = clampByte(LUMA_R * r + LUMA_G * g + LUMA_B * b);
      } else {
        out[at] = clampByte(r);
        out[at + plane] = clampByte(g);
        out[at + 2 * plane] = clampByte(b);
      }
    }
  }
}

/** For each output coordinate: the two source neighbours and the weight of the second. */
function samplePositions(sourceSize: number, size: number) {
  const lo = new Int32Array(size);
  const hi = new Int32Array(size);
  const weight = new Float32Array(size);
  const scale = sourceSize / size;
  for (let i = 0; i < size; i++) {
    const s = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), sourceSize - 1);
    lo[i] = Math.floor(s);
    hi[i] = Math.min(lo[i] + 1, sourceSize - 1);
    weight[i] = s - lo[i];
  }
  return { lo, hi, weight };
}

/** Averages fy x fx blocks (the last ones may be partial). Returns the image itself for 1x1. */
function boxReduce(image: DecodedImage, fy: number, fx: number): DecodedImage {
  if (fy < 2 && fx < 2) return image;
  fy = Math.max(fy, 1);
  fx = Math.max(fx, 1);
  const { width, height, channels, data } = image;
  const w = Math.ceil(width / fx);
  const h = Math.ceil(height / fy);
  const sums = new Float64Array(w * h * 3);
  const counts = new Float64Array(w * h);
  for (let y = 0; y < height; y++) {
    const rowOut = Math.floor(y / fy) * w;
    for (let x = 0; x < width; x++) {
      const o = rowOut + Math.floor(x / fx);
      const p = (y * width + x) * channels;
      sums[o * 3] += data[p];
      sums[o * 3 + 1] += data[p + 1];
      sums[o * 3 + 2] += data[p + 2];
      counts[o]++;
    }
  }
  const out = new Uint8Array(w * h * 3);
  for (let o = 0; o < w * h; o++) {
    for (let k = 0; k < 3; k++) out[o * 3 + k] = clampByte(sums[o * 3 + k] / counts[o]);
  }
  return { width: w, height: h, channels: 3, data: out };
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
