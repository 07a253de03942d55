// Bundles the extension, the CLI and the job runner with esbuild, and transpiles tests
// (file by file, no bundling) into out/ for node's test runner and the extension host.
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, statSync, rmSync, cpSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

function listFiles(dir, suffix) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) found.push(...listFiles(full, suffix));
    else if (name.endsWith(suffix) && !name.endsWith('.d.ts')) found.push(full);
  }
  return found;
}
const listTs = (dir) => listFiles(dir, '.ts');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

// The AWS SDK is most of the extension's code: what the extension loads with require() from
// src/backends/aws (the aws backend, SageMaker models, S3 datasets) is one bundle of its own,
// dist/aws.js, loaded only when first needed, so activation does not parse the SDK.
const AWS_LAZY = ['aws/awsBackend', 'aws/awsModels', 'aws/s3/s3Datasets'];
const awsApart = {
  name: 'aws-apart',
  setup(build) {
    build.onResolve({ filter: /\/aws\// }, (args) =>
      args.kind === 'require-call' && AWS_LAZY.some((m) => args.path.endsWith(m.slice(3)))
        ? { path: './aws.js', external: true }
        : undefined,
    );
  },
};
const awsEntry = {
  contents: AWS_LAZY.map((m) => `export * from './src/backends/${m}';`).join('\n'),
  resolveDir: '.',
  loader: 'ts',
  sourcefile: 'aws-bundle.ts',
};

// Webview panels: one browser bundle (and stylesheet) per src/webview/<panel>/main.ts.
const webviewPanels = readdirSync('src/webview').filter((name) =>
  existsSync(join('src/webview', name, 'main.ts')),
);

const bundles = [
  {
    ...common,
    entryPoints: { extension: 'src/ui/extension.ts' },
    outdir: 'dist',
    external: ['vscode', 'onnxruntime-node'],
    plugins: [awsApart],
  },
  { ...common, stdin: awsEntry, outfile: 'dist/aws.js' },
  {
    entryPoints: Object.fromEntries(
      webviewPanels.map((name) => [name, join('src/webview', name, 'main.ts')]),
    ),
    bundle: true,
    platform: 'browser',
    target: 'chrome120',
    format: 'iife',
    outdir: 'dist/webview',
    sourcemap: !production,
    // Always minified: the webview parses it on every open.
    minify: true,
    logLevel: 'warning',
  },
  {
    ...common,
    entryPoints: { cli: 'src/cli/main.ts', runner: 'src/engine/training/runnerMain.ts' },
    outdir: 'dist',
    // A native addon: loaded from node_modules at run time, and only by built-in algorithm jobs.
    external: ['onnxruntime-node'],
  },
];

// SMW_BUILD_OUT lets parallel work transpile tests into a folder of its own.
const outDir = process.env.SMW_BUILD_OUT || 'out';
rmSync(outDir, { recursive: true, force: true });
const tests = {
  entryPoints: [...listTs('src'), ...listTs('test')],
  outdir: outDir,
  outbase: '.',
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
};

// Transpiled files require their JSON neighbours (e.g. the SageMaker shapes) at run time.
for (const file of listFiles('src', '.json')) {
  mkdirSync(dirname(join(outDir, file)), { recursive: true });
  cpSync(file, join(outDir, file));
}

// Codicons for the webviews' icons (vscode-elements' vscode-icon reads this stylesheet).
const codicons = 'node_modules/@vscode/codicons/dist';
mkdirSync('dist/webview/codicons', { recursive: true });
for (const file of ['codicon.css', 'codicon.ttf'])
  cpSync(join(codicons, file), join('dist/webview/codicons', file));

if (watch) {
  for (const options of [...bundles, tests]) await (await esbuild.context(options)).watch();
} else {
  await Promise.all([...bundles, tests].map((options) => esbuild.build(options)));
}
