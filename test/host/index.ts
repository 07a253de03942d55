// Entry point the VS Code extension host loads (extensionTestsPath): runs mocha over every
// compiled test/host/**/*.test.js file next to this one and reports the counts to the harness
// (test/harness/hostTests.ts) through a results file and a log line.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import { HOST_GREP_ENV, HOST_RESULTS_ENV, HOST_RESULTS_PREFIX, type HostResults } from './protocol';

function findTests(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(full));
    else if (entry.name.endsWith('.test.js')) found.push(full);
  }
  return found.sort();
}

function report(results: HostResults): void {
  const file = process.env[HOST_RESULTS_ENV];
  if (file) writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(HOST_RESULTS_PREFIX + JSON.stringify(results));
}

function errorText(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

export async function run(): Promise<void> {
  const started = Date.now();
  const results: HostResults = { passed: 0, failed: 0, pending: 0, durationMs: 0, failures: [] };
  try {
    const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
    const grep = process.env[HOST_GREP_ENV];
    if (grep) mocha.grep(grep);
    const files = findTests(__dirname);
    if (files.length === 0) throw new Error(`no *.test.js files under ${__dirname}`);
    for (const file of files) mocha.addFile(file);
    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      runner.on('pass', () => results.passed++);
      runner.on('pending', () => results.pending++);
      runner.on('fail', (test, error: unknown) => {
        results.failed++;
        results.failures.push({ title: test.fullTitle(), error: errorText(error) });
      });
    });
  } catch (error) {
    results.failed = Math.max(1, results.failed);
    results.crashed = errorText(error);
    console.error(`host test run crashed: ${results.crashed}`);
  }
  results.durationMs = Date.now() - started;
  report(results);
  if (results.failed > 0) throw new Error(`${results.failed} extension-host test(s) failed`);
}
