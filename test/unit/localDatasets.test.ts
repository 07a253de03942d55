/**
 * Datasets and models of the local backend: registered folders as roots, folder pages, path
 * prefix search, layout reports through the engine's checks, and the model.tar.gz artifacts
 * of Completed local training jobs read through the local backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDatasetsBackend, createModelsBackend } from '../../src/backends/createDatasets';
import { LocalDatasets, localPath } from '../../src/backends/local/localDatasets';
import { SageMakerError } from '../../src/model/errors';
import { newBackend, scriptRequest, tempDir, waitFor } from './helpers';

function tree(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

test('registered folders are the roots; missing ones are named in a notice', async () => {
  const root = tempDir();
  mkdirSync(join(root, 'spam'));
  mkdirSync(join(root, 'digits'));
  const datasets = new LocalDatasets([
    join(root, 'spam'),
    pathToFileURL(join(root, 'digits')).href,
    join(root, 'gone'),
  ]);
  const roots = await datasets.listRoots();
  assert.deepEqual(
    roots.roots.map((r) => [r.name, r.uri, r.kind]),
    [
      ['spam', pathToFileURL(join(root, 'spam')).href + '/', 'root'],
      ['digits', pathToFileURL(join(root, 'digits')).href + '/', 'root'],
    ],
  );
  assert.match(roots.notice ?? '', /Not found.*gone/);
  assert.match((await new LocalDatasets([]).listRoots()).notice ?? '', /No dataset folders yet/);
});

test('a folder is listed a page at a time, folders first', async () => {
  const root = tempDir();
  const files: Record<string, string> = {};
  for (let i = 0; i < 5; i++) files[`f${i}.csv`] = 'x'.repeat(i);
  files['b/x.jpg'] = '';
  files['a/y.jpg'] = '';
  tree(root, files);
  const datasets = new LocalDatasets([root]);
  const first = await datasets.list(root, { pageSize: 4 });
  assert.deepEqual(
    first.entries.map((e) => [e.name, e.kind]),
    [
      ['a/', 'folder'],
      ['b/', 'folder'],
      ['f0.csv', 'object'],
      ['f1.csv', 'object'],
    ],
  );
  assert.equal(first.nextToken, '4');
  const second = await datasets.list(pathToFileURL(root).href, { token: first.nextToken! });
  assert.deepEqual(
    second.entries.map((e) => [e.name, e.size]),
    [
      ['f2.csv', 2],
      ['f3.csv', 3],
      ['f4.csv', 4],
    ],
  );
  assert.equal(second.nextToken, undefined);
});

test('path prefix search below a folder, bounded', async () => {
  const root = tempDir();
  const files: Record<string, string> = { 'train/catalog.txt': '', 'train/dog/1.jpg': '' };
  for (let i = 0; i < 12; i++) files[`train/cat/${String(i).padStart(2, '0')}.jpg`] = '';
  tree(root, files);
  const datasets = new LocalDatasets([root]);
  const collect = async (text: string, maxItems?: number) => {
    const batches = [];
    for await (const b of datasets.search(root, text, maxItems ? { maxItems } : {}))
      batches.push(b);
    return batches;
  };
  const all = await collect('train/cat');
  const names = all.flatMap((b) => b.entries.map((e) => localPath(e.uri).slice(root.length + 1)));
  assert.equal(names.length, 13);
  assert.ok(names.includes('train/catalog.txt'));
  assert.ok(!names.includes('train/dog/1.jpg'));
  const bounded = await collect('train/cat/', 5);
  assert.equal(bounded.flatMap((b) => b.entries).length, 5);
  assert.equal(bounded.at(-1)!.truncated, true);
});

test('layout reports of local folders; upload and download need s3:// URIs', async () => {
  const root = tempDir();
  tree(root, {
    'text/data.csv': '0,bad movie\n1,good movie\n',
    'images/cat/1.jpg': '',
    'images/cat/2.jpg': '',
    'images/dog/1.png': '',
    'images/dog/2.png': '',
    'flat/1.jpg': '',
  });
  const datasets = createDatasetsBackend({ kind: 'local', localDatasetFolders: [root] });
  const text = await datasets.validate(join(root, 'text'));
  assert.equal(text.layout, 'text');
  assert.equal(text.examples, 2);
  assert.deepEqual(text.errors, []);
  const images = await datasets.validate(pathToFileURL(join(root, 'images')).href);
  assert.deepEqual(
    images.classes.map((c) => [c.name, c.count]),
    [
      ['cat', 2],
      ['dog', 2],
    ],
  );
  const flat = await datasets.validate(join(root, 'flat'));
  assert.equal(flat.layout, 'unknown');
  await assert.rejects(datasets.validate(join(root, 'missing')), /does not exist/);
  await assert.rejects(
    datasets.upload(root, join(root, 'copy')),
    (err: unknown) => err instanceof SageMakerError && /must be an s3:\/\/ URI/.test(err.message),
  );
  await assert.rejects(datasets.download(root, join(root, 'copy')), /must be an s3:\/\/ URI/);
  await assert.rejects(datasets.list('https://example.com/data/'), /not a local folder/);
  datasets.dispose();
});

test('local models: the artifacts of Completed jobs, newest first; no SageMaker models', async () => {
  const { backend, root } = newBackend();
  const echo = (name: string, entrypoint: string) =>
    scriptRequest(root, name, 'unused', {
      AlgorithmSpecification: {
        TrainingImage: 'local:process',
        TrainingInputMode: 'File',
        ContainerEntrypoint: [entrypoint],
      },
      HyperParameters: {},
    });
  await backend.createTrainingJob(echo('first-job', '/bin/true'));
  await waitFor(backend, 'first-job');
  await backend.createTrainingJob(echo('failed-job', '/bin/false'));
  await waitFor(backend, 'failed-job');
  await backend.createTrainingJob(echo('second-job', '/bin/true'));
  const second = await waitFor(backend, 'second-job');
  assert.equal(second.TrainingJobStatus, 'Completed', second.FailureReason);

  const models = createModelsBackend(backend);
  assert.equal(models.kind, 'local');
  assert.deepEqual(await models.listModels(), []);
  await assert.rejects(models.describeModel('m'), /the local engine has no SageMaker models/);
  const artifacts = await models.listModelArtifacts();
  assert.deepEqual(
    artifacts.map((a) => [a.trainingJobName, a.status]),
    [
      ['second-job', 'Completed'],
      ['first-job', 'Completed'],
    ],
  );
  assert.equal(artifacts[0].artifactUri, second.ModelArtifacts?.S3ModelArtifacts);
  assert.match(artifacts[0].artifactUri, /^file:\/\/.*second-job\/output\/model\.tar\.gz$/);
  assert.equal(artifacts[0].trainingEndTime, second.TrainingEndTime?.toISOString());
  assert.equal((await models.listModelArtifacts({ maxItems: 1 })).length, 1);

  // An artifact deleted from disk is no longer offered.
  rmSync(new URL(artifacts[1].artifactUri));
  assert.deepEqual(
    (await models.listModelArtifacts()).map((a) => a.trainingJobName),
    ['second-job'],
  );
});
