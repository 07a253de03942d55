/** Waiting for a job and following its log, for the CLI. */
import type { SageMakerBackend } from '../backends/backend';
import type { DescribeHyperParameterTuningJobResponse } from '@aws-sdk/client-sagemaker';
import type { DescribeTrainingJobResponse } from '../model/types';
import { isTerminalStatus } from '../model/types';
import { progressLine, tuningProgressLine } from '../model/progress';

/** Resolves on the backend's next change notification, or after `ms` (to keep clocks ticking). */
function nextChange(backend: SageMakerBackend, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    const watcher = backend.watchChanges(done);
    function done() {
      clearTimeout(timer);
      watcher.dispose();
      resolve();
    }
  });
}

type Stream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/**
 * Waits until the job is terminal. On a terminal, one live line (status, elapsed time,
 * latest metrics) is redrawn in place; otherwise a line is printed whenever it changes.
 */
export async function waitForTrainingJob(
  backend: SageMakerBackend,
  name: string,
  progress: Stream,
): Promise<DescribeTrainingJobResponse> {
  return waitUntilEnded(backend, progress, async () => {
    const job = await backend.describeTrainingJob({ TrainingJobName: name });
    const series = await backend.getTrainingJobMetrics(name);
    return {
      value: job,
      line: `${name}: ${progressLine(job, series, 4)}`,
      done: isTerminalStatus(job.TrainingJobStatus),
    };
  });
}

/** Waits for a tuning job: jobs done/total, best so far, not-improving count, convergence. */
export async function waitForTuningJob(
  backend: SageMakerBackend,
  name: string,
  progress: Stream,
): Promise<DescribeHyperParameterTuningJobResponse> {
  return waitUntilEnded(backend, progress, async () => {
    const job = await backend.describeHyperParameterTuningJob({
      HyperParameterTuningJobName: name,
    });
    const status = job.HyperParameterTuningJobStatus;
    return {
      value: job,
      line: `${name}: ${tuningProgressLine(job)}`,
      done: status !== 'InProgress' && status !== 'Stopping',
    };
  });
}

/**
 * Polls `read` on every change until it reports done. On a terminal, one live line is
 * redrawn in place; otherwise a line is printed whenever it changes.
 */
async function waitUntilEnded<T>(
  backend: SageMakerBackend,
  progress: Stream,
  read: () => Promise<{ value: T; line: string; done: boolean }>,
): Promise<T> {
  let previous = '';
  for (;;) {
    const { value, line, done } = await read();
    if (progress.isTTY) {
      const width = progress.columns && progress.columns > 20 ? progress.columns : 120;
      progress.write(`\r\x1b[2K${line.slice(0, width - 1)}${done ? '\n' : ''}`);
    } else if (stripClock(line) !== stripClock(previous) || done) {
      progress.write(`${line}\n`);
    }
    previous = line;
    if (done) return value;
    await nextChange(backend, 1000);
  }
}

/** The elapsed clock changes every second; a non-TTY log only wants real changes. */
function stripClock(line: string): string {
  return line.replace(/ - \d+(?::\d\d)+(?= - |$)/, '');
}

export async function followLog(
  backend: SageMakerBackend,
  name: string,
  out: NodeJS.WritableStream,
  follow: boolean,
): Promise<void> {
  let position = 0;
  for (;;) {
    // Decide whether this is the last read before reading, so no line written at the end is missed.
    const ended =
      !follow ||
      isTerminalStatus(
        (await backend.describeTrainingJob({ TrainingJobName: name })).TrainingJobStatus,
      );
    for (;;) {
      const chunk = await backend.readTrainingJobLog(name, position);
      if (chunk.text) out.write(chunk.text);
      if (chunk.next === position) break;
      position = chunk.next;
    }
    if (ended) return;
    await nextChange(backend, 1000);
  }
}
