// Starts code-server (a real VS Code server + extension host) on a free loopback port with
// throwaway user-data, extensions, XDG and TMPDIR folders, and stops its whole process tree.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeServerBin, testResultsDir } from './paths';
import { stopTree, trackGroup } from './processes';

export interface CodeServerOptions {
  /** Names the log file test-results/logs/<label>.code-server.log. */
  label?: string;
  /** Extra environment for the server and so for the extension host (e.g. result-file paths). */
  env?: Record<string, string>;
  /** User settings merged over the harness defaults (User/settings.json). */
  userSettings?: Record<string, unknown>;
  /** How long to wait for the server to listen and answer /healthz. Default 30 s. */
  startTimeoutMs?: number;
}

export interface CodeServer {
  /** e.g. http://127.0.0.1:41241 (no trailing slash) */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The throwaway folder holding user-data, extensions, XDG and TMPDIR folders. */
  readonly baseDir: string;
  readonly logFile: string;
  /** The server's output so far (also in logFile). */
  output(): string;
  /** Stops the server and everything it started, then removes baseDir. Safe to call twice. */
  stop(): Promise<void>;
}

/** Settings that keep the workbench quiet and deterministic under test. */
export const DEFAULT_USER_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'chat.commandCenter.enabled': false,
  'chat.disableAIFeatures': true,
  'window.restoreWindows': 'none',
  'files.hotExit': 'off',
};

const LISTENING = /HTTP server listening on (http:\/\/([0-9.]+):(\d+))\/?/;

function sanitize(label: string): string {
  return label.replace(/[^A-Za-z0-9_.-]+/g, '-');
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

export async function startCodeServer(options: CodeServerOptions = {}): Promise<CodeServer> {
  if (!existsSync(codeServerBin)) {
    throw new Error(
      `code-server is not installed at ${codeServerBin}: run \`bash scripts/test-deps.sh\` first`,
    );
  }
  const label = sanitize(options.label ?? 'code-server');
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  // Short base path: code-server puts a unix socket in user-data-dir (108-byte limit).
  const baseDir = mkdtempSync(join(tmpdir(), 'smw-cs-'));
  const dirs = {
    userData: join(baseDir, 'user-data'),
    extensions: join(baseDir, 'extensions'),
    xdgConfig: join(baseDir, 'xdg-config'),
    xdgData: join(baseDir, 'xdg-data'),
    xdgCache: join(baseDir, 'xdg-cache'),
    tmp: join(baseDir, 'tmp'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(
    join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_USER_SETTINGS, ...options.userSettings }, null, 2),
  );

  const logDir = join(testResultsDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${label}.code-server.log`);
  const log = createWriteStream(logFile);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CACHE_HOME: dirs.xdgCache,
    TMPDIR: dirs.tmp,
    // No extension gallery: there is no network, and its failed queries only add noise.
    EXTENSIONS_GALLERY: '{}',
    ...options.env,
  };
  // Never let a parent's settings leak into the server (auth, ports, a parent VS Code's IPC).
  for (const name of [
    'PASSWORD',
    'HASHED_PASSWORD',
    'PORT',
    'VSCODE_IPC_HOOK_CLI',
    'ELECTRON_RUN_AS_NODE',
  ]) {
    if (!options.env?.[name]) delete env[name];
  }

  const args = [
    '--bind-addr',
    '127.0.0.1:0', // the kernel picks a free port; parsed from the log: no race between tests
    '--auth',
    'none',
    '--user-data-dir',
    dirs.userData,
    '--extensions-dir',
    dirs.extensions,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  const child: ChildProcess = spawn(codeServerBin, args, {
    cwd: baseDir,
    env,
    detached: true, // own session and process group (setsid): stopped as a whole
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pgid = child.pid;
  if (pgid === undefined) {
    log.end();
    rmSync(baseDir, { recursive: true, force: true });
    throw new Error(`could not start ${codeServerBin}`);
  }
  trackGroup(pgid);

  let output = '';
  let exitInfo: string | undefined;
  const exited = new Promise<void>((done) => {
    child.once('exit', (code, sig) => {
      exitInfo = sig ? `signal ${sig}` : `exit code ${code}`;
      done();
    });
  });
  child.once('error', (error) => {
    exitInfo = `spawn error: ${error.message}`;
  });
  let onLine: ((text: string) => void) | undefined;
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      output += chunk;
      log.write(chunk);
      onLine?.(chunk);
    });
  }

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await stopTree(pgid, exited);
    await new Promise<void>((done) => log.end(done));
    if (!process.env.SMW_KEEP_TEST_DIRS) rmSync(baseDir, { recursive: true, force: true });
  };

  try {
    const address = await new Promise<{ url: string; host: string; port: number }>(
      (resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`code-server did not start listening within ${startTimeoutMs / 1000}s`),
            ),
          startTimeoutMs,
        );
        const check = () => {
          const match = LISTENING.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve({ url: match[1], host: match[2], port: Number(match[3]) });
          }
        };
        onLine = check;
        check();
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`code-server exited (${exitInfo}) before listening`));
        });
      },
    );
    onLine = undefined;
    const deadline = Date.now() + startTimeoutMs;
    while (!(await healthy(address.url))) {
      if (exitInfo) throw new Error(`code-server exited (${exitInfo}) before /healthz answered`);
      if (Date.now() > deadline)
        throw new Error(`code-server /healthz did not answer within ${startTimeoutMs / 1000}s`);
      await new Promise((done) => setTimeout(done, 200));
    }
    return { ...address, baseDir, logFile, output: () => output, stop };
  } catch (error) {
    await stop();
    const tail = output.split('\n').slice(-20).join('\n');
    throw new Error(
      `${(error as Error).message}\n--- code-server output (${logFile}) ---\n${tail}`,
      { cause: error },
    );
  }
}
