import * as vscode from 'vscode';
import type { BackendKind } from '../backends/backend';

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
  get awsProfile(): string {
    return this.section.get<string>('aws.profile', '');
  }
  get awsRegion(): string {
    return this.section.get<string>('aws.region', '');
  }

  static affectsBackend(event: vscode.ConfigurationChangeEvent): boolean {
    return event.affectsConfiguration(SECTION);
  }
}
