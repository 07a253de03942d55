import * as vscode from 'vscode';
import type { BackendKind } from '../backends/backend';
import type { JobDefaults } from '../backends/aws/jobDefaults';

const SECTION = 'sagemakerWorkbench';

/** Typed access to the extension's settings: one getter per setting. */
export class Config {
  private get section() {
    return vscode.workspace.getConfiguration(SECTION);
  }
  get backend(): BackendKind {
    return this.section.get<BackendKind>('backend', 'local');
  }
  /** Empty means the default (~/.smw, shared with the CLI). */
  get localStoreDirectory(): string {
    return this.section.get<string>('local.storeDirectory', '').trim();
  }
  get stopGracePeriodSeconds(): number {
    return this.section.get<number>('local.stopGracePeriodSeconds', 120);
  }
  /** Tuning trials also in the Training Jobs view (they always appear under their tuning job). */
  get showTuningTrials(): boolean {
    return this.section.get<boolean>('trainingJobs.showTuningTrials', false);
  }
  /** Local dataset folders shown in the Datasets view (paths, ~/..., file:// URIs). */
  get localDatasetFolders(): string[] {
    const folders = this.section.get<unknown>('local.datasetFolders', []);
    return Array.isArray(folders)
      ? folders.filter((f): f is string => typeof f === 'string' && f.trim() !== '')
      : [];
  }
  /** USD per instance-hour by instance type, over the catalog's prices (src/model/instanceTypes.ts). */
  get instancePrices(): Record<string, number> {
    const prices = this.section.get<unknown>('instancePrices', {});
    if (typeof prices !== 'object' || prices === null || Array.isArray(prices)) return {};
    return Object.fromEntries(
      Object.entries(prices).filter(
        (entry): entry is [string, number] =>
          typeof entry[1] === 'number' && Number.isFinite(entry[1]) && entry[1] >= 0,
      ),
    );
  }
  get awsProfile(): string {
    return this.section.get<string>('aws.profile', '');
  }
  get awsRegion(): string {
    return this.section.get<string>('aws.region', '');
  }

  /** The sagemakerWorkbench.aws.* job defaults, pre-filled into every job sent to SageMaker. */
  get awsJobDefaults(): JobDefaults {
    const text = (key: string) => this.section.get<string>(key, '').trim();
    const strings = (key: string) => {
      const value = this.section.get<unknown>(key, []);
      return Array.isArray(value) ? value.map(String) : [];
    };
    const tags = this.section.get<unknown>('aws.tags', {});
    return {
      roleArn: text('aws.roleArn'),
      outputS3Uri: text('aws.outputS3Uri'),
      outputKmsKeyId: text('aws.outputKmsKeyId'),
      volumeKmsKeyId: text('aws.volumeKmsKeyId'),
      vpcSubnets: strings('aws.vpcSubnets'),
      vpcSecurityGroupIds: strings('aws.vpcSecurityGroupIds'),
      tags:
        tags && typeof tags === 'object' && !Array.isArray(tags)
          ? (tags as Record<string, string>)
          : {},
    };
  }

  static affectsBackend(event: vscode.ConfigurationChangeEvent): boolean {
    return event.affectsConfiguration(SECTION);
  }
}
