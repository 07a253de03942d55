/**
 * Runs smart sifting's profiled estimate in a process of its own (`runner.js sifting-estimate`),
 * so ONNX Runtime never loads into the caller (the extension host). Spawned with an argument
 * list (no shell), the request on stdin, one JSON line back, killed after a timeout or when
 * the caller aborts.
 */
import { spawn } from 'node:child_process';
import type { SiftingEstimateRequest, SiftingEstimateResult } from './siftingEstimateRequest';

export const SIFTING_ESTIMATE_TIMEOUT_MS = 90_000;
const MAX_OUTPUT = 1_000_000;

export interface SiftingEstimateProcessOptions {
  /** dist/runner.js (or a transpiled runnerMain.js). */
  runnerPath: string;
  timeoutMs?: number;
  /** Aborting kills the process; the promise then resolves with an error result. */
  signal?: AbortSignal;
  /** The Node binary; default this process's own (with ELECTRON_RUN_AS_NODE in VS Code). */
  execPath?: string;
}

export function runSiftingEstimateProcess(
  request: SiftingEstimateRequest,
  options: SiftingEstimateProcessOptions,
): Promise<SiftingEstimateResult> {
  const timeoutMs = options.timeoutMs ?? SIFTING_ESTIMATE_TIMEOUT_MS;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: SiftingEstimateResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const child = spawn(
      options.execPath ?? process.execPath,
      [options.runnerPath, 'sifting-estimate'],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < MAX_OUTPUT) stderr += chunk;
    });
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      kill();
      finish({
        ok: false,
        error: `The profile took longer than ${timeoutMs / 1000} s and was stopped.`,
      });
    }, timeoutMs);
    const onAbort = () => {
      kill();
      finish({ ok: false, error: 'Cancelled.' });
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort);
    child.on('error', (err) =>
      finish({ ok: false, error: `Could not start the profile: ${err.message}` }),
    );
    child.on('close', (code, signal) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      try {
        const parsed = JSON.parse(line) as SiftingEstimateResult;
        if (typeof parsed === 'object' && parsed !== null && typeof parsed.ok === 'boolean')
          return finish(parsed);
      } catch {
        // Reported below with what the process said.
      }
      // Node's own failures print a stack: its "Error: ..." line says most.
      const lines = stderr.trim().split('\n');
      const said = (lines.find((l) => /^\w*Error\b/.test(l.trim())) ?? lines.at(-1) ?? '')
        .trim()
        .slice(0, 500);
      finish({
        ok: false,
        error: `The profile ended ${signal ? `by ${signal}` : `with exit code ${code}`} without an answer${said ? `: ${said}` : '.'}`,
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(request));
  });
}
