// `npm run package [-- --target linux-x64]`: a platform-specific .vsix. The bundles carry all
// JavaScript; what cannot be bundled ships beside them - onnxruntime-node's native addon for
// the target platform only (dist/node_modules/), found by runner.js through Node's module
// resolution - and the bundled pretrained models (models/).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const targetIndex = args.indexOf('--target');
const target = targetIndex >= 0 ? args[targetIndex + 1] : `${process.platform}-${process.arch}`;
const [platform, arch] = target.split('-');
const platformDir = { linux: 'linux', darwin: 'darwin', win32: 'win32' }[platform];
if (!platformDir || !['x64', 'arm64'].includes(arch)) {
  console.error(
    `unsupported target ${target}: use linux-x64, linux-arm64, darwin-arm64, win32-x64 or win32-arm64`,
  );
  process.exit(2);
}

function run(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--production']);

const staged = join(root, 'dist', 'node_modules');
rmSync(staged, { recursive: true, force: true });
const ort = join(root, 'node_modules', 'onnxruntime-node');
const binaries = join(ort, 'bin', 'napi-v6', platformDir, arch);
if (!existsSync(binaries)) {
  console.error(`onnxruntime-node has no binaries for ${target} (${binaries})`);
  process.exit(2);
}
const copy = (from, to) => {
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to, { recursive: true });
};
for (const part of ['package.json', 'dist', 'LICENSE', 'README.md'])
  if (existsSync(join(ort, part))) copy(join(ort, part), join(staged, 'onnxruntime-node', part));
copy(binaries, join(staged, 'onnxruntime-node', 'bin', 'napi-v6', platformDir, arch));
const common = join(root, 'node_modules', 'onnxruntime-common');
for (const part of ['package.json', 'dist', 'LICENSE'])
  if (existsSync(join(common, part)))
    copy(join(common, part), join(staged, 'onnxruntime-common', part));

const { name } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
run(process.execPath, [
  join(root, 'node_modules', '@vscode', 'vsce', 'vsce'),
  'package',
  '--no-dependencies',
  '--target',
  target,
  '--out',
  `${name}-${target}.vsix`,
]);
