/**
 * A moto_server (the AWS emulator, Python) for tests: started on a free port of 127.0.0.1,
 * reset between tests with POST /moto-api/reset, stopped with its process group.
 * `motoAvailable()` says whether moto_server is on PATH; tests skip with a notice when not.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Credentials moto accepts (any will do); never real ones. */
export const DUMMY_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };

/**
 * Dummy credentials only, and nothing read from the user's ~/.aws or AWS_* variables: every
 * AWS_* variable is removed and the shared files point into a fresh temporary folder, which
 * is returned.
 */
export function isolateAwsEnvironment(prefix: string): string {
  const home = mkdtempSync(join(tmpdir(), prefix));
  for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
  Object.assign(process.env, DUMMY_CREDENTIALS, {
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  return home;
}

let available: boolean | undefined;

export function motoAvailable(): boolean {
  if (available === undefined) {
    const found = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' });
    available = found.status === 0 && found.stdout.trim() !== '';
  }
  return available;
}

export const MOTO_SKIP_REASON = 'moto_server is not on PATH (pip install "moto[server]")';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class MotoServer {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(timeoutMs = 30_000): Promise<MotoServer> {
    const port = await freePort();
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const server = new MotoServer(`http://127.0.0.1:${port}`, child);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(`moto_server exited with ${child.exitCode}: ${stderr}`);
      }
      try {
        await server.reset();
        return server;
      } catch {
        if (Date.now() > deadline) {
          server.stop();
          throw new Error(
            `moto_server did not answer on port ${port} within ${timeoutMs} ms: ${stderr}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Forgets every resource of every service. */
  async reset(): Promise<void> {
    const response = await fetch(`${this.url}/moto-api/reset`, { method: 'POST' });
    if (!response.ok) throw new Error(`moto reset answered ${response.status}`);
  }

  stop(): void {
    if (this.child.exitCode !== null || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}
