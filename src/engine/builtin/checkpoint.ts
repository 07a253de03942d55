/**
 * Checkpoints of a built-in job: weights and optimizer state after an epoch, with what is
 * needed to continue (epoch, optimizer step, early-stopping state, metric history) and to
 * refuse a mismatched continuation (classes, backbone, top shape).
 *
 * Layout: <dir>/epoch-0003/{checkpoint.json, tensors.bin} and <dir>/latest.json naming the
 * newest complete one. An epoch folder is written under a temporary name and renamed into
 * place, and latest.json replaced by rename, so a job killed mid-write leaves the previous
 * checkpoint intact and readable.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { validationError } from '../../model/errors';

export const CHECKPOINT_FORMAT = 'smw-classifier-checkpoint-1';
const KEEP_CHECKPOINTS = 2;

export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  algorithm: string;
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps taken (bias correction continues from here). */
  stepCount: number;
  classNames: string[];
  backbone: { name: string; sha256?: string };
  top: { featureSize: number; hiddenSize: number; classes: number };
  optimizer: string;
  earlyStopping: { best: number; epochsWithoutImprovement: number };
  history: Record<string, number>[];
  tensors: { name: string; shape: number[]; offset: number; length: number }[];
}

export interface Checkpoint {
  meta: CheckpointMeta;
  tensors: Record<string, Float32Array>;
}

function writeFileDurably(path: string, chunks: readonly Uint8Array[]): void {
  const fd = openSync(path, 'w');
  try {
    for (const chunk of chunks) writeSync(fd, chunk);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes checkpoint.json + tensors.bin into `dir` (which must not exist yet or be empty). */
export function writeCheckpointFiles(
  dir: string,
  meta: Omit<CheckpointMeta, 'tensors' | 'format'>,
  tensors: Readonly<Record<string, { data: Float32Array; shape: readonly number[] }>>,
): void {
  mkdirSync(dir, { recursive: true });
  const index: CheckpointMeta['tensors'] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, { data, shape }] of Object.entries(tensors)) {
    index.push({ name, shape: [...shape], offset, length: data.length });
    chunks.push(
      new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
    );
    offset += data.byteLength;
  }
  writeFileDurably(join(dir, 'tensors.bin'), chunks);
  const full: CheckpointMeta = { format: CHECKPOINT_FORMAT, ...meta, tensors: index };
  writeFileDurably(join(dir, 'checkpoint.json'), [
    Buffer.from(`${JSON.stringify(full, null, 1)}\n`),
  ]);
}

/** Saves an epoch's checkpoint atomically and points latest.json at it. */
export function saveCheckpoint(
  root: string,
  meta: Omit<CheckpointMeta, 'tensors' | 'format'>,
  tensors: Readonly<Record<string, { data: Float32Array; shape: readonly number[] }>>,
): string {
  mkdirSync(root, { recursive: true });
  const name = `epoch-${String(meta.epoch).padStart(4, '0')}`;
  const temp = join(root, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
  writeCheckpointFiles(temp, meta, tensors);
  const target = join(root, name);
  rmSync(target, { recursive: true, force: true });
  renameSync(temp, target);
  const latestTemp = join(root, `.latest.${process.pid}.partial`);
  writeFileDurably(latestTemp, [Buffer.from(`${JSON.stringify({ checkpoint: name })}\n`)]);
  renameSync(latestTemp, join(root, 'latest.json'));
  // Old epochs and leftovers of killed writers go; the newest KEEP_CHECKPOINTS stay.
  const epochs = readdirSync(root)
    .filter((n) => /^epoch-\d+$/.test(n))
    .sort();
  for (const old of epochs.slice(0, -KEEP_CHECKPOINTS))
    rmSync(join(root, old), { recursive: true, force: true });
  for (const leftover of readdirSync(root).filter(
    (n) => n.endsWith('.partial') && !n.includes(`.${process.pid}.`),
  ))
    rmSync(join(root, leftover), { recursive: true, force: true });
  return target;
}

/** The newest complete checkpoint under `root` (a checkpoint folder itself also works), or undefined. */
export function findLatestCheckpoint(root: string): string | undefined {
  if (existsSync(join(root, 'checkpoint.json'))) return root;
  const latest = join(root, 'latest.json');
  if (!existsSync(latest)) return undefined;
  try {
    const { checkpoint } = JSON.parse(readFileSync(latest, 'utf8')) as { checkpoint: string };
    if (!/^epoch-\d+$/.test(checkpoint)) return undefined;
    const dir = join(root, checkpoint);
    return existsSync(join(dir, 'checkpoint.json')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

export function readCheckpoint(dir: string): Checkpoint {
  const where = `checkpoint ${dir}`;
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as CheckpointMeta;
  } catch (err) {
    throw validationError(`${where} cannot be read: ${(err as Error).message}`);
  }
  if (meta.format !== CHECKPOINT_FORMAT) {
    throw validationError(
      `${where} has format ${JSON.stringify(meta.format)}, not ${CHECKPOINT_FORMAT}.`,
    );
  }
  const bytes = readFileSync(join(dir, 'tensors.bin'));
  const tensors: Record<string, Float32Array> = {};
  for (const t of meta.tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (
      count !== t.length ||
      t.offset < 0 ||
      t.offset + t.length * 4 > bytes.length ||
      t.offset % 4
    ) {
      throw validationError(
        `${where}: tensor ${t.name} does not fit tensors.bin (truncated or corrupt).`,
      );
    }
    const data = new Float32Array(t.length);
    new Uint8Array(data.buffer).set(bytes.subarray(t.offset, t.offset + t.length * 4));
    tensors[t.name] = data;
  }
  return { meta, tensors };
}
