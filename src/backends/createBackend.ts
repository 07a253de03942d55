import { join } from 'node:path';
import type { BackendKind, SageMakerBackend } from './backend';
import { LocalBackend, defaultStoreDir } from './local/localBackend';

export interface BackendSettings {
  kind: BackendKind;
  /** Local store folder; default `$SMW_STORE` or ~/.smw. */
  storeDir?: string;
  stopGraceSeconds?: number;
  /** Folder holding the bundled runner.js (the bundles' own folder). */
  distDir: string;
}

export function createBackend(settings: BackendSettings): SageMakerBackend {
  if (settings.kind === 'aws') {
    throw new Error(
      'The aws backend is not part of this build yet; use the local backend (--backend local, or the setting sagemakerWorkbench.backend = "local").',
    );
  }
  return new LocalBackend({
    storeDir: settings.storeDir || defaultStoreDir(),
    runnerPath: join(settings.distDir, 'runner.js'),
    ...(settings.stopGraceSeconds !== undefined
      ? { stopGraceSeconds: settings.stopGraceSeconds }
      : {}),
  });
}
