// Runs the extension-host tests (test/host/, compiled to out/test/host/) inside a real VS Code
// extension host: code-server + Chromium open a workspace with extensionDevelopmentPath and
// extensionTestsPath; the workbench reports logs through codeAutomationLog and the exit code
// through codeAutomationExit; the counts come from the results file the mocha run writes.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { format } from 'node:util';
import { join } from 'node:path';
import {
  HOST_GREP_ENV,
  HOST_RESULTS_ENV,
  HOST_RESULTS_PREFIX,
  type HostResults,
} from '../host/protocol';
import { hostTestsEntry, testResultsDir } from './paths';
import { errorMessage, withTimeout } from './util';
import { startWorkbenchSession, type WorkbenchSession } from './workbench';

export interface HostRunOptions {
  /** Whole-run limit, workbench start included. Default: SMW_HOST_TIMEOUT_MS or 10 minutes. */
  timeoutMs?: number;
  /** mocha --grep */
  grep?: string;
  /** Where the logs go (default: stdout/stderr). */
  out?: (line: string) => void;
  err?: (line: string) => void;
}

export interface HostRunResult extends HostResults {
  /** The exit code the extension host reported (undefined if it never did). */
  exitCode?: number;
  /** Set when the run failed outside the tests (no workbench, timeout, no results). */
  harnessError?: string;
}

function parseResultsLine(text: string): HostResults | undefined {
  const at = text.indexOf(HOST_RESULTS_PREFIX);
  if (at < 0) return undefined;
  try {
    return JSON.parse(text.slice(at + HOST_RESULTS_PREFIX.length).trim()) as HostResults;
  } catch {
    return undefined;
  }
}

/** codeAutomationLog receives console-style arguments: a format string and its values. */
function logArgsToText(args: unknown): string {
  if (Array.isArray(args)) return format(...(args as unknown[]));
  return typeof args === 'string' ? args : format(args);
}

export async function runHostTests(options: HostRunOptions = {}): Promise<HostRunResult> {
  const out = options.out ?? ((line: string) => process.stdout.write(line + '\n'));
  const err = options.err ?? ((line: string) => process.stderr.write(line + '\n'));
  const timeoutMs = options.timeoutMs ?? (Number(process.env.SMW_HOST_TIMEOUT_MS) || 10 * 60_000);
  const started = Date.now();
  const crashed = (message: string, exitCode?: number): HostRunResult => ({
    passed: 0,
    failed: 1,
    pending: 0,
    durationMs: Date.now() - started,
    failures: [{ title: 'extension-host test run', error: message }],
    crashed: message,
    harnessError: message,
    exitCode,
  });

  if (!existsSync(hostTestsEntry)) {
    return crashed(`${hostTestsEntry} does not exist: run \`npm run build\` first`);
  }
  const resultsDir = mkdtempSync(join(tmpdir(), 'smw-host-'));
  const resultsFile = join(resultsDir, 'results.json');
  mkdirSync(testResultsDir, { recursive: true });

  let lineResults: HostResults | undefined;
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  let session: WorkbenchSession | undefined;
  let sessionStart: Promise<WorkbenchSession> | undefined;
  let exitCode: number | undefined;
  try {
    const env: Record<string, string> = { [HOST_RESULTS_ENV]: resultsFile };
    const grep = options.grep ?? process.env[HOST_GREP_ENV];
    if (grep) env[HOST_GREP_ENV] = grep;
    sessionStart = startWorkbenchSession({
      label: 'host',
      server: { env },
      extensionTestsPath: hostTestsEntry,
      // The workbench may already be closing when the tests end: do not wait for its parts.
      waitForWorkbench: false,
      beforeOpen: async (page) => {
        await page.exposeFunction('codeAutomationLog', (type: unknown, args: unknown) => {
          const text = logArgsToText(args);
          lineResults ??= parseResultsLine(text);
          if (type === 'error') err(text);
          else out(text);
        });
        await page.exposeFunction('codeAutomationExit', (code: unknown) => {
          resolveExit(typeof code === 'number' ? code : Number(code) || 0);
        });
      },
    });
    session = await withTimeout(
      sessionStart,
      timeoutMs,
      `the workbench for the extension-host tests did not open within ${timeoutMs / 1000}s`,
    );
    const remaining = Math.max(1000, timeoutMs - (Date.now() - started));
    exitCode = await withTimeout(
      exited,
      remaining,
      `the extension-host tests did not finish within ${timeoutMs / 1000}s (no codeAutomationExit)`,
    );
  } catch (error) {
    // A start that timed out is still under way: wait for it (each step has its own limit)
    // so that its server and browser get closed too.
    session ??= await sessionStart?.catch(() => undefined);
    if (session) await session.screenshot('host-failure').catch(() => undefined);
    await session?.close();
    rmSync(resultsDir, { recursive: true, force: true });
    return crashed(errorMessage(error), exitCode);
  }
  await session.close();

  let results: HostResults | undefined;
  if (existsSync(resultsFile)) {
    try {
      results = JSON.parse(readFileSync(resultsFile, 'utf8')) as HostResults;
    } catch (error) {
      err(`cannot read ${resultsFile}: ${errorMessage(error)}`);
    }
  }
  rmSync(resultsDir, { recursive: true, force: true });
  results ??= lineResults;
  if (!results) {
    return crashed(
      `the extension host exited with code ${exitCode} without reporting results (did run() start?)`,
      exitCode,
    );
  }
  if (exitCode !== 0 && results.failed === 0) {
    // Tests passed but the host says otherwise: count it, never hide it.
    return {
      ...results,
      failed: 1,
      exitCode,
      harnessError: `extension host exited with code ${exitCode}`,
    };
  }
  return { ...results, exitCode };
}

/** CLI: node out/test/harness/hostTests.js [--results FILE] [--grep PATTERN] */
async function main(argv: string[]): Promise<number> {
  let resultsPath: string | undefined;
  let grep: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--results') resultsPath = argv[++i];
    else if (argv[i] === '--grep') grep = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  const result = await runHostTests({ grep });
  if (result.harnessError) process.stderr.write(`host tests: ${result.harnessError}\n`);
  for (const failure of result.failures)
    process.stderr.write(`FAILED: ${failure.title}\n${failure.error}\n`);
  process.stdout.write(
    `host: ${result.passed} passed, ${result.failed} failed, ${result.pending} pending\n`,
  );
  if (resultsPath) writeFileSync(resultsPath, JSON.stringify(result, null, 2));
  return result.failed > 0 || result.exitCode !== 0 ? 1 : 0;
}

if (require.main === module) {
  // Exit explicitly: nothing may keep this process alive (the exit hooks kill anything left).
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`host tests: ${errorMessage(error)}\n`);
      process.exit(1);
    },
  );
}
