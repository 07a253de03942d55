// The built-in classification trainer end to end, in process, on a synthetic dataset and an
// ONNX backbone built by the test: accuracy, the exported model on its own, checkpoints and
// exact resumption, incremental training from model.tar.gz, and hostile archives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar';
import { parseHyperParameters } from '../../src/engine/builtin/hyperparameters';
import {
  runClassifierJob,
  type ClassifierJobOptions,
} from '../../src/engine/builtin/classifierJob';
import { readCheckpoint, findLatestCheckpoint } from '../../src/engine/builtin/checkpoint';
import { checkArchive, openModelChannel } from '../../src/engine/builtin/modelChannel';
import { packDirectory } from '../../src/engine/training/artifacts';
import { tempDir } from './helpers';
import { writeImageDataset, writeProjectionBackbone } from './builtinFixtures';

function setup() {
  const root = tempDir('smw-builtin-');
  const data = writeImageDataset(join(root, 'data'), 40);
  const backbone = writeProjectionBackbone(join(root, 'backbone.onnx'));
  return { root, data, backbone };
}

function jobOptions(
  root: string,
  name: string,
  channels: Record<string, string>,
  hps: Record<string, string>,
  extra: Partial<ClassifierJobOptions> = {},
): ClassifierJobOptions {
  const lines: string[] = [];
  return {
    algorithm: 'image-classification',
    hyperParameters: parseHyperParameters('image-classification', hps),
    channels,
    modelDir: join(root, name, 'model'),
    workDir: join(root, name, 'scratch'),
    featureCacheDir: join(root, 'cache'),
    executionProvider: 'cpu',
    log: (line) => lines.push(line),
    ...extra,
  };
}

test('built-in hyperparameters: JumpStart defaults, and each bad value named with its range', () => {
  const defaults = parseHyperParameters('image-classification', {});
  assert.equal(defaults.optimizer, 'adam');
  assert.equal(defaults.batch_size, 32);
  assert.equal(defaults.train_only_top_layer, false);
  assert.equal(defaults.reinitialize_top_layer, 'Auto');
  const parsed = parseHyperParameters('image-classification', {
    epochs: '"3"',
    optimizer: 'Nesterov',
    early_stopping: 'True',
    sagemaker_program: 'ignored',
  });
  assert.equal(parsed.epochs, 3);
  assert.equal(parsed.optimizer, 'nesterov');
  assert.equal(parsed.early_stopping, true);
  assert.throws(
    () =>
      parseHyperParameters('image-classification', {
        learning_rate: '0',
        batch_size: '2.5',
        optimizer: 'lion',
        dropout_rate: '1',
        early_stopping: 'maybe',
        epoch: '3',
      }),
    (err: Error) =>
      /learning_rate="0" is not in \(0, 1\]/.test(err.message) &&
      /batch_size="2.5" is not an integer/.test(err.message) &&
      /optimizer="lion" is not one of adam, adamw, sgd, nesterov, rmsprop, adagrad/.test(
        err.message,
      ) &&
      /dropout_rate="1" is not in \[0, 1\)/.test(err.message) &&
      /early_stopping="maybe"/.test(err.message) &&
      /epoch is not a hyperparameter/.test(err.message),
  );
  assert.throws(
    () => parseHyperParameters('text-classification', { augmentation: 'True' }),
    /applies only to local:image-classification/,
  );
});

test('image classification: learns the synthetic classes; the exported ONNX model alone gives the same accuracy', async () => {
  const { root, data, backbone } = setup();
  const result = await runClassifierJob(
    jobOptions(
      root,
      'job',
      { training: data },
      { backbone, epochs: '6', learning_rate: '0.01', seed: '3' },
    ),
  );
  const last = result.history.at(-1)!;
  assert.equal(result.history.length, 6);
  assert.ok(
    last['validation:accuracy'] >= 0.9,
    `validation accuracy ${last['validation:accuracy']}`,
  );
  assert.ok(last['train:loss'] < result.history[0]['train:loss']);
  assert.equal(result.executionProvider, 'cpu');
  assert.ok(
    Math.abs(result.exportedValidationAccuracy - last['validation:accuracy']) < 1e-9,
    `exported ${result.exportedValidationAccuracy} vs trained ${last['validation:accuracy']}`,
  );
  const modelDir = join(root, 'job', 'model');
  assert.deepEqual(readdirSync(modelDir).sort(), [
    'checkpoint',
    'class_label_to_prediction_index.json',
    'hyperparameters.json',
    'model.onnx',
    'preprocessing.json',
  ]);
  assert.deepEqual(
    JSON.parse(readFileSync(join(modelDir, 'class_label_to_prediction_index.json'), 'utf8')),
    {
      diagonal: 0,
      horizontal: 1,
      vertical: 2,
    },
  );
  // The features were cached: a second job reads them instead of running the backbone.
  const lines: string[] = [];
  await runClassifierJob(
    jobOptions(
      root,
      'job2',
      { training: data },
      { backbone, epochs: '1' },
      { log: (l) => lines.push(l) },
    ),
  );
  assert.ok(
    lines.some((l) => /from the cache/.test(l)),
    lines.join('\n'),
  );
});

test('a job resumed from its epoch-2 checkpoint ends with exactly the weights of an uninterrupted run', async () => {
  const { root, data, backbone } = setup();
  const hps = { backbone, learning_rate: '0.01', seed: '5', optimizer: 'adam' };
  const straight = await runClassifierJob(
    jobOptions(
      root,
      'straight',
      { training: data },
      { ...hps, epochs: '4' },
      { checkpointDir: join(root, 'ck-straight') },
    ),
  );
  const checkpoints = join(root, 'ck-resumed');
  await runClassifierJob(
    jobOptions(
      root,
      'first',
      { training: data },
      { ...hps, epochs: '2' },
      { checkpointDir: checkpoints },
    ),
  );
  assert.equal(readCheckpoint(findLatestCheckpoint(checkpoints)!).meta.epoch, 2);
  const resumed = await runClassifierJob(
    jobOptions(
      root,
      'second',
      { training: data },
      { ...hps, epochs: '4' },
      { checkpointDir: checkpoints },
    ),
  );
  assert.equal(resumed.epochsRun, 2);
  assert.equal(resumed.history.length, 4);
  const a = readCheckpoint(join(root, 'straight', 'model', 'checkpoint'));
  const b = readCheckpoint(join(root, 'second', 'model', 'checkpoint'));
  assert.equal(b.meta.stepCount, a.meta.stepCount);
  for (const [name, tensor] of Object.entries(a.tensors)) {
    const other = b.tensors[name];
    let maxDiff = 0;
    for (let i = 0; i < tensor.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(tensor[i] - other[i]));
    assert.ok(maxDiff < 1e-6, `${name} differs by ${maxDiff}`);
  }
  assert.equal(
    resumed.history[3]['validation:accuracy'],
    straight.history[3]['validation:accuracy'],
  );
});

test('incremental training continues from model.tar.gz; a different class set is refused', async () => {
  const { root, data, backbone } = setup();
  await runClassifierJob(
    jobOptions(root, 'base', { training: data }, { backbone, epochs: '3', learning_rate: '0.01' }),
  );
  const archive = join(root, 'artifacts', 'model.tar.gz');
  await packDirectory(join(root, 'base', 'model'), archive);
  const lines: string[] = [];
  const continued = await runClassifierJob(
    jobOptions(
      root,
      'more',
      { training: data, model: join(root, 'artifacts') },
      { epochs: '1' },
      { log: (l) => lines.push(l) },
    ),
  );
  assert.ok(lines.some((l) => /Incremental training/.test(l)));
  // Starting from trained weights: the first epoch already has the base model's accuracy.
  assert.ok(
    continued.history[0]['validation:accuracy'] >= 0.85,
    String(continued.history[0]['validation:accuracy']),
  );

  const twoClasses = writeImageDataset(join(root, 'two'), 20, 2, ['horizontal', 'vertical']);
  await assert.rejects(
    runClassifierJob(
      jobOptions(
        root,
        'bad',
        { training: twoClasses, model: join(root, 'artifacts') },
        { backbone },
      ),
    ),
    /classes \(diagonal, horizontal, vertical\) differ from this dataset's \(horizontal, vertical\)/,
  );
});

test('hostile model archives are refused before anything is extracted', async () => {
  const root = tempDir('smw-archive-');
  const make = async (
    name: string,
    entries: Record<string, string>,
    extra?: (dir: string) => void,
  ) => {
    const dir = join(root, `${name}-src`);
    mkdirSync(dir, { recursive: true });
    for (const [path, body] of Object.entries(entries)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), body);
    }
    extra?.(dir);
    const file = join(root, name, 'model.tar.gz');
    mkdirSync(join(root, name), { recursive: true });
    await tar.c({ gzip: true, file, cwd: dir, portable: true }, readdirSync(dir));
    return file;
  };
  // A symlink pointing out of the archive.
  const link = await make('link', { 'checkpoint/checkpoint.json': '{}' }, (dir) =>
    symlinkSync('/etc/passwd', join(dir, 'passwd')),
  );
  await assert.rejects(checkArchive(link), /is a SymbolicLink; only files and folders are allowed/);
  // Path traversal and absolute paths, written by hand into the tar headers.
  const traversal = join(root, 'traversal', 'model.tar.gz');
  mkdirSync(join(root, 'traversal'), { recursive: true });
  writeFileSync(traversal, rawTarGz([{ path: '../../escaped.txt', body: 'x' }]));
  await assert.rejects(checkArchive(traversal), /points outside the archive/);
  const absolute = join(root, 'absolute', 'model.tar.gz');
  mkdirSync(join(root, 'absolute'), { recursive: true });
  writeFileSync(absolute, rawTarGz([{ path: '/tmp/smw-absolute.txt', body: 'x' }]));
  await assert.rejects(checkArchive(absolute), /has an absolute path/);
  // A decompression bomb: more bytes than the limit allows.
  const big = await make('big', {
    'checkpoint/checkpoint.json': '{}',
    'weights.bin': 'x'.repeat(100_000),
  });
  await assert.rejects(
    checkArchive(big, { maxUnpackedBytes: 50_000, maxEntries: 100 }),
    /unpack to more than 50000 bytes/,
  );
  // openModelChannel on a refused archive leaves nothing behind.
  const work = join(root, 'work');
  await assert.rejects(
    openModelChannel(join(root, 'traversal'), work),
    /Refusing the model archive/,
  );
  assert.equal(existsSync(work), false);
  assert.equal(existsSync(join(root, 'escaped.txt')), false);
  // Not a tar at all.
  mkdirSync(join(root, 'garbage'), { recursive: true });
  writeFileSync(join(root, 'garbage', 'model.tar.gz'), 'not a tarball');
  await assert.rejects(
    openModelChannel(join(root, 'garbage'), work),
    /not a readable \.tar\.gz|Refusing/,
  );
});

/** A gzip'd ustar archive with the given entry paths, bypassing node-tar's own path cleaning. */
function rawTarGz(entries: { path: string; body: string }[]): Buffer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { gzipSync } = require('node:zlib') as typeof import('node:zlib');
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const header = Buffer.alloc(512);
    header.write(entry.path, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${entry.body.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header);
    const body = Buffer.alloc(Math.ceil(entry.body.length / 512) * 512);
    body.write(entry.body);
    blocks.push(body);
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}
