// The Python venv the benchmarks' reference peers run in (Optuna, PyTorch CPU), under
// ~/.cache/sagemaker-workbench-bench, created on first use from the configured pip index.
// Python is never a dependency of the extension or of `npm test`: only of these comparisons.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const benchCacheDir = join(homedir(), '.cache', 'sagemaker-workbench-bench');

/** The venv's python with `modules` importable (installing `packages` if needed), or undefined. */
export function peerPython(modules = ['optuna', 'torch', 'scipy', 'numpy'], packages = modules) {
  const venv = join(benchCacheDir, 'venv');
  const python = join(venv, 'bin', 'python');
  const works = () =>
    existsSync(python) &&
    spawnSync(python, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' }).status === 0;
  if (works()) return python;
  console.log(`Preparing the peers' Python venv in ${venv} (${packages.join(', ')})...`);
  mkdirSync(benchCacheDir, { recursive: true });
  if (!existsSync(python)) spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  spawnSync(python, ['-m', 'pip', 'install', '-q', ...packages], {
    stdio: 'inherit',
    timeout: 30 * 60_000,
  });
  return works() ? python : undefined;
}
