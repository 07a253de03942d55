/**
 * The process of a built-in algorithm job (`runner.js algorithm <name>`): started by the
 * runner like any training script, it reads what SageMaker's containers read - the
 * hyperparameters file and the SM_* environment - trains, and writes model/. A failure is
 * written to output/failure, which becomes the job's FailureReason, as SageMaker's
 * algorithms do. SIGTERM (Stop, MaxRuntimeInSeconds) ends training after the current batch;
 * the model trained so far is still written.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ExecutionProvider } from '../training/graph/session';
import type { BuiltinAlgorithm } from '../../model/builtinAlgorithms';
import { parseHyperParameters } from './hyperparameters';
import { runClassifierJob } from './classifierJob';

export async function runBuiltinAlgorithm(
  algorithm: BuiltinAlgorithm,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const outputDir = env.SM_OUTPUT_DIR ?? '';
  let stopRequested = false;
  process.on('SIGTERM', () => {
    if (!stopRequested) log('Stop requested: finishing the current batch, then writing the model.');
    stopRequested = true;
  });
  try {
    const configDir = env.SM_INPUT_CONFIG_DIR;
    const modelDir = env.SM_MODEL_DIR;
    if (!configDir || !modelDir || !outputDir) {
      throw new Error(
        'SM_INPUT_CONFIG_DIR, SM_MODEL_DIR and SM_OUTPUT_DIR must be set (the runner sets them).',
      );
    }
    const raw = JSON.parse(readFileSync(join(configDir, 'hyperparameters.json'), 'utf8')) as Record<
      string,
      string
    >;
    const hyperParameters = parseHyperParameters(algorithm, raw);
    const channels: Record<string, string> = {};
    for (const name of JSON.parse(env.SM_CHANNELS ?? '[]') as string[]) {
      const dir = env[`SM_CHANNEL_${name.toUpperCase()}`];
      if (dir) channels[name] = dir;
    }
    const result = await runClassifierJob({
      algorithm,
      hyperParameters,
      channels,
      modelDir,
      workDir: join(dirname(modelDir), 'scratch'),
      checkpointDir: env.SMW_CHECKPOINT_DIR || undefined,
      featureCacheDir: env.SMW_FEATURE_CACHE_DIR || undefined,
      executionProvider:
        (env.SMW_EXECUTION_PROVIDER as ExecutionProvider | 'auto' | undefined) ?? 'auto',
      log,
      shouldStop: () => stopRequested,
    });
    const best = Math.max(...result.history.map((h) => h['validation:accuracy']), 0);
    log(
      `Done: ${result.epochsRun} epochs${result.stoppedEarly ? ' (stopped early)' : ''}${result.stopped ? ' (stopped)' : ''}, ` +
        `best validation accuracy ${best.toFixed(6)}, model written to ${modelDir}.`,
    );
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${message}\n`);
    if (outputDir) {
      mkdirSync(outputDir, { recursive: true });
      writeFileSync(join(outputDir, 'failure'), message);
    }
    if (!(err instanceof Error && 'name' in err && /Validation/.test(err.name))) {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? '') : ''}\n`);
    }
    return 1;
  }
}
