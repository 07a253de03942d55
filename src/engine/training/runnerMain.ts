/**
 * Entry point of the local engine's job processes:
 *   runner.js training <store> <training-job-name>   one training job
 *   runner.js tuning <store> <tuning-job-name>       one tuning job's tuner
 *   runner.js algorithm <name>                       a built-in algorithm inside a training job
 *   runner.js sifting-estimate [request-json]        smart sifting's profiled estimate before a
 *                                                    run (request on stdin if not an argument;
 *                                                    one JSON line out)
 */
import { join } from 'node:path';
import { runTrainingJob } from './runner';
import { runTuningJob } from '../tuning/tuner';
import { localTrialExecutor } from '../tuning/trialExecutor';
import { LocalBackend } from '../../backends/local/localBackend';

const [kind, storeRoot, jobName] = process.argv.slice(2);
if (kind === 'algorithm') {
  // Loaded only here: onnxruntime is not needed by the runner itself.
  void import('../builtin/main.js').then(async ({ runBuiltinAlgorithm }) => {
    const algorithm = storeRoot;
    if (algorithm !== 'image-classification' && algorithm !== 'text-classification') {
      process.stderr.write(`unknown built-in algorithm ${algorithm}\n`);
      process.exit(2);
    }
    process.exit(await runBuiltinAlgorithm(algorithm));
  });
} else if (kind === 'sifting-estimate') {
  // Loads onnxruntime, so the extension runs it here rather than in its own process.
  void import('../builtin/siftingEstimate.js').then(async ({ siftingEstimateMain }) => {
    process.exit(await siftingEstimateMain(storeRoot));
  });
} else if ((kind !== 'training' && kind !== 'tuning') || !storeRoot || !jobName) {
  process.stderr.write(
    'usage: runner.js training|tuning <store-dir> <job-name> | runner.js algorithm <name> | runner.js sifting-estimate [request-json]\n',
  );
  process.exit(2);
} else {
  startJob(kind, storeRoot, jobName);
}

function startJob(kind: 'training' | 'tuning', storeRoot: string, jobName: string): void {
  const work =
    kind === 'training'
      ? runTrainingJob(storeRoot, jobName)
      : runTuningJob(
          storeRoot,
          jobName,
          localTrialExecutor(
            new LocalBackend({
              storeDir: storeRoot,
              runnerPath: join(__dirname, 'runner.js'),
              ...(process.env.SMW_STOP_GRACE_SECONDS
                ? { stopGraceSeconds: Number(process.env.SMW_STOP_GRACE_SECONDS) }
                : {}),
            }),
          ),
        );
  work.then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(
        `runner failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
