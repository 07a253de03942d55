// Throwaway workspace folders for tests, with .vscode/settings.json pointing the extension's
// job store at a throwaway folder (never the user's ~/.smw).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface TestWorkspace {
  /** The folder opened in the workbench. */
  readonly dir: string;
  /** The job store folder (sagemakerWorkbench.local.storeDirectory). */
  readonly storeDir: string;
  /** Parent of dir and storeDir. */
  readonly baseDir: string;
  /** Writes a file relative to dir (folders are created). */
  write(relativePath: string, content: string | Buffer): string;
  remove(): void;
}

export interface WorkspaceOptions {
  /** Extra workspace settings merged over the defaults. */
  settings?: Record<string, unknown>;
  /** Files to create, relative to the workspace folder. */
  files?: Record<string, string | Buffer>;
}

export function createWorkspace(options: WorkspaceOptions = {}): TestWorkspace {
  const baseDir = mkdtempSync(join(tmpdir(), 'smw-ws-'));
  const dir = join(baseDir, 'workspace');
  const storeDir = join(baseDir, 'store');
  mkdirSync(dir, { recursive: true });
  mkdirSync(storeDir, { recursive: true });
  const write = (relativePath: string, content: string | Buffer): string => {
    const target = join(dir, relativePath);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    return target;
  };
  write(
    '.vscode/settings.json',
    JSON.stringify(
      {
        'sagemakerWorkbench.backend': 'local',
        'sagemakerWorkbench.local.storeDirectory': storeDir,
        ...options.settings,
      },
      null,
      2,
    ),
  );
  for (const [path, content] of Object.entries(options.files ?? {})) write(path, content);
  return {
    dir,
    storeDir,
    baseDir,
    write,
    remove: () => {
      if (!process.env.SMW_KEEP_TEST_DIRS) rmSync(baseDir, { recursive: true, force: true });
    },
  };
}
