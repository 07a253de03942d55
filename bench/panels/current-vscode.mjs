// Panel open times on a current VS Code as well: code-server 4.103.2 (VS Code 1.103.2, on Node 22
// from the npm registry; scripts/bench-host.sh installs it), beside the test suite's 4.100.3.
// VS Code 1.99 to 1.102 register the webview service worker anew for every webview
// (microsoft/vscode#245756): about a second on every webview's open that no extension can
// avoid. Stored as `openOnVsCode1103` in bench/results/panels.json. Part of `npm run bench:panels`.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const launcher = execFileSync('bash', [join(root, 'scripts/bench-host.sh')], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
}).trim();
execFileSync(
  process.execPath,
  [join(root, 'bench/panels/run.mjs'), '--open-only', '--results-key', 'openOnVsCode1103'],
  { stdio: 'inherit', env: { ...process.env, SMW_CODE_SERVER: launcher } },
);
