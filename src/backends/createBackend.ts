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
  /** aws: named profile (default: AWS_PROFILE, else the default chain). */
  profile?: string;
  /** aws: region (default: AWS_REGION, AWS_DEFAULT_REGION, else the profile's region). */
  region?: string;
  /** aws: endpoint URL for SageMaker and CloudWatch Logs (e.g. a moto server). */
  endpointUrl?: string;
}

export function createBackend(settings: BackendSettings): SageMakerBackend {
  if (settings.kind === 'aws') {
    // Loaded on first use: the AWS SDK would otherwise slow down every local `smw` start.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { AwsBackend } = require('./aws/awsBackend') as typeof import('./aws/awsBackend');
    return new AwsBackend({
      ...(settings.profile ? { profile: settings.profile } : {}),
      ...(settings.region ? { region: settings.region } : {}),
      ...(settings.endpointUrl ? { endpointUrl: settings.endpointUrl } : {}),
    });
  }
  return new LocalBackend({
    storeDir: settings.storeDir || defaultStoreDir(),
    runnerPath: join(settings.distDir, 'runner.js'),
    ...(settings.stopGraceSeconds !== undefined
      ? { stopGraceSeconds: settings.stopGraceSeconds }
      : {}),
  });
}
