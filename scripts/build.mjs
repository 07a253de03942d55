// Bundles the extension, the CLI and the job runner with esbuild, and transpiles tests
// (file by file, no bundling) into out/ for node's test runner and the extension host.
import * as esbuild from 'esbuild';
import {
  existsSync,
  readdirSync,
  statSync,
  rmSync,
  cpSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';

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

// Code the extension needs only on some paths is kept out of dist/extension.js, so activation
// does not parse it: what src/ui and src/backends load with require() from these modules is a
// bundle of its own in dist/, required on first use.
//   aws.js          the AWS SDK (most of the extension's code): the aws backend, SageMaker
//                   models, S3 datasets, and tar for packing a job's code folder
//   awsProfiles.js  the shared config files' reader (the backend picker)
//   datasets.js     the dataset readers (csv-parse, pngjs, jpeg-js): layout reports
const LAZY_BUNDLES = {
  aws: [
    'backends/aws/awsBackend',
    'backends/aws/awsModels',
    'backends/aws/s3/s3Datasets',
    'backends/aws/sourcePack',
  ],
  awsProfiles: ['backends/aws/profiles'],
  datasets: ['engine/training/data/report'],
};
const lazyApart = {
  name: 'lazy-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind !== 'require-call') return undefined;
      const target = resolve(args.resolveDir, args.path);
      for (const [bundle, modules] of Object.entries(LAZY_BUNDLES))
        if (modules.some((m) => target === resolve('src', m)))
          return { path: `./${bundle}.js`, external: true };
      return undefined;
    });
  },
};
const lazyEntries = Object.entries(LAZY_BUNDLES).map(([bundle, modules]) => ({
  ...common,
  stdin: {
    contents: modules.map((m) => `export * from './src/${m}';`).join('\n'),
    resolveDir: '.',
    loader: 'ts',
    sourcefile: `${bundle}-bundle.ts`,
  },
  outfile: `dist/${bundle}.js`,
}));

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
    plugins: [lazyApart],
  },
  ...lazyEntries,
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

// Codicons for the webviews' icons (vscode-elements' vscode-icon reads this stylesheet). The
// font's URL loses its cache-busting query, so that the panels' <link rel="preload"> of
// codicon.ttf is the very request the stylesheet makes (a preload is used only on an exact URL
// match).
const codicons = 'node_modules/@vscode/codicons/dist';
mkdirSync('dist/webview/codicons', { recursive: true });
cpSync(join(codicons, 'codicon.ttf'), 'dist/webview/codicons/codicon.ttf');
const codiconCss = readFileSync(join(codicons, 'codicon.css'), 'utf8');
const fontUrl = /url\("\.\/codicon\.ttf(\?[0-9a-f]*)?"\)/;
if (!fontUrl.test(codiconCss))
  throw new Error('codicon.css: the font URL has changed; update scripts/build.mjs');
writeFileSync(
  'dist/webview/codicons/codicon.css',
  codiconCss.replace(fontUrl, 'url("./codicon.ttf")'),
);

if (watch) {
  for (const options of [...bundles, tests]) await (await esbuild.context(options)).watch();
} else {
  await Promise.all([...bundles, tests].map((options) => esbuild.build(options)));
}
