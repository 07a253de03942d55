import { mkdtempSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LocalBackend } from '../../src/backends/local/localBackend';
import type { CreateTrainingJobRequest, DescribeTrainingJobResponse } from '../../src/model/types';
import { isTerminalStatus } from '../../src/model/types';
import { isProcessAlive } from '../../src/engine/util/processes';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const DIST_DIR = join(REPO_ROOT, 'dist');
export const RUNNER = join(DIST_DIR, 'runner.js');

export function tempDir(prefix = 'smw-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function newBackend(stopGraceSeconds = 2): { backend: LocalBackend; root: string } {
  const root = tempDir();
  return {
    backend: new LocalBackend({
      storeDir: join(root, 'store'),
      runnerPath: RUNNER,
      stopGraceSeconds,
    }),
    root,
  };
}

/** Writes a script into `<root>/code/<name>` (executable) and returns its folder. */
export function writeScript(root: string, name: string, body: string): string {
  const dir = join(root, 'code');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), body);
  chmodSync(join(dir, name), 0o755);
  return dir;
}

export function dataDir(
  root: string,
  files: Record<string, string> = { 'train.csv': '1,hello\n0,world\n' },
): string {
  const dir = join(root, 'data');
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

export function scriptRequest(
  root: string,
  name: string,
  program: string,
  extra: Partial<CreateTrainingJobRequest> = {},
): CreateTrainingJobRequest {
  return {
    TrainingJobName: name,
    RoleArn: 'arn:aws:iam::123456789012:role/SageMakerRole',
    AlgorithmSpecification: {
      TrainingImage: 'local:process',
      TrainingInputMode: 'File',
      MetricDefinitions: [{ Name: 'train:loss', Regex: 'loss=([0-9.]+)' }],
    },
    HyperParameters: {
      sagemaker_program: program,
      sagemaker_submit_directory: pathToFileURL(join(root, 'code')).href,
    },
    OutputDataConfig: { S3OutputPath: pathToFileURL(join(root, 'output')).href },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
    StoppingCondition: { MaxRuntimeInSeconds: 120 },
    ...extra,
  };
}

export async function waitFor(
  backend: LocalBackend,
  name: string,
  until: (job: DescribeTrainingJobResponse) => boolean = (job) =>
    isTerminalStatus(job.TrainingJobStatus),
  timeoutMs = 30_000,
): Promise<DescribeTrainingJobResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await backend.describeTrainingJob({ TrainingJobName: name });
    if (until(job)) return job;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${name}; last status ${job.TrainingJobStatus}/${job.SecondaryStatus}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Alive and not a zombie (an orphan killed here may wait for init to reap it). */
export function isAlive(pid: number): boolean {
  return isProcessAlive(pid);
}
