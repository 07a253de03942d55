// Where things are: the repository root (computed, never hard-coded), the code-server install
// that scripts/test-deps.sh makes, Debian's Chromium, and the folder for test artifacts.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** Keep in step with scripts/test-deps.sh. */
export const CODE_SERVER_VERSION = '4.100.3';

export const EXTENSION_ID = 'sagemaker-workbench.sagemaker-workbench';

function findRepoRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
        if (pkg.name === 'sagemaker-workbench') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`cannot find the sagemaker-workbench repository above ${start}`);
    dir = parent;
  }
}

/** The repository root (the folder with the extension's package.json). */
export const repoRoot: string = findRepoRoot(__dirname);

export const testCacheDir: string =
  process.env.SMW_TEST_CACHE || join(homedir(), '.cache', 'sagemaker-workbench-test');

export const codeServerBin: string =
  process.env.SMW_CODE_SERVER ||
  join(testCacheDir, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');

export const chromiumBin: string = process.env.SMW_CHROMIUM || '/usr/bin/chromium';

/** Screenshots, logs and other artifacts (git-ignored). */
export const testResultsDir: string = join(repoRoot, 'test-results');

/**
 * The compiled host-test entry point (test/host/index.ts -> out/test/host/index.js), in
 * SMW_BUILD_OUT's folder when the build was told to use another (as scripts/build.mjs is).
 */
export const hostTestsEntry: string = join(
  repoRoot,
  process.env.SMW_BUILD_OUT || 'out',
  'test',
  'host',
  'index.js',
);
