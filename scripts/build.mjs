// Bundles the extension, the CLI and the job runner with esbuild, and transpiles tests
// (file by file, no bundling) into out/ for node's test runner and the extension host.
import * as esbuild from 'esbuild';
import { readdirSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

function listTs(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) found.push(...listTs(full));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) found.push(full);
  }
  return found;
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

const bundles = [
  { ...common, entryPoints: { extension: 'src/ui/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  { ...common, entryPoints: { cli: 'src/cli/main.ts', runner: 'src/engine/training/runnerMain.ts' }, outdir: 'dist' },
];

rmSync('out', { recursive: true, force: true });
const tests = {
  entryPoints: [...listTs('src'), ...listTs('test')],
  outdir: 'out',
  outbase: '.',
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
};

if (watch) {
  for (const options of [...bundles, tests]) await (await esbuild.context(options)).watch();
} else {
  await Promise.all([...bundles, tests].map((options) => esbuild.build(options)));
}
