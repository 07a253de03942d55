/**
 * The one context object `activate` builds and hands to every view and command: settings,
 * the current backend (rebuilt when settings change), and a "jobs changed" event fed by the
 * backend's store watcher, so views refresh from journal changes instead of polling.
 */
import * as vscode from 'vscode';
import { homedir } from 'node:os';
import type { SageMakerBackend } from '../backends/backend';
import { createBackend } from '../backends/createBackend';
import { createDatasetsBackend, createModelsBackend } from '../backends/createDatasets';
import type { DatasetsBackend, ModelsBackend } from '../backends/datasets';
import { Config } from './config';

export class Services implements vscode.Disposable {
  readonly config = new Config();
  private currentBackend: SageMakerBackend | undefined;
  private currentDatasets: DatasetsBackend | undefined;
  private currentModels: ModelsBackend | undefined;
  private readonly backendChanged = new vscode.EventEmitter<void>();
  /** Fires when the settings gave a new backend (and datasets and models with it). */
  readonly onDidChangeBackend = this.backendChanged.event;
  private backendError: string | undefined;
  private storeWatch: { dispose(): void } | undefined;
  private readonly jobsChanged = new vscode.EventEmitter<void>();
  /** Fires (coalesced) when any job in the current backend may have changed. */
  readonly onDidChangeJobs = this.jobsChanged.event;
  private readonly disposables: vscode.Disposable[] = [this.jobsChanged, this.backendChanged];

  constructor(readonly context: vscode.ExtensionContext) {
    this.rebuild();
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (Config.affectsBackend(event)) this.rebuild();
      }),
    );
  }

  /** The backend, or an error telling the user what to fix in their settings. */
  get backend(): SageMakerBackend {
    if (!this.currentBackend) throw new Error(this.backendError ?? 'No backend is configured.');
    return this.currentBackend;
  }

  /** Datasets of the backend (see backends/datasets.ts). */
  get datasets(): DatasetsBackend {
    if (!this.currentDatasets) throw new Error(this.backendError ?? 'No backend is configured.');
    return this.currentDatasets;
  }

  /** Models of the backend: SageMaker models and training-job artifacts. */
  get models(): ModelsBackend {
    if (!this.currentModels) throw new Error(this.backendError ?? 'No backend is configured.');
    return this.currentModels;
  }

  get backendProblem(): string | undefined {
    return this.backendError;
  }

  private rebuild(): void {
    this.storeWatch?.dispose();
    this.storeWatch = undefined;
    this.currentBackend = undefined;
    this.currentDatasets?.dispose();
    this.currentDatasets = undefined;
    this.currentModels = undefined;
    this.backendError = undefined;
    try {
      const store = this.config.localStoreDirectory.replace(/^~(?=$|\/)/, homedir());
      this.currentBackend = createBackend({
        kind: this.config.backend,
        ...(store ? { storeDir: store } : {}),
        stopGraceSeconds: this.config.stopGracePeriodSeconds,
        ...(this.config.awsProfile ? { profile: this.config.awsProfile } : {}),
        ...(this.config.awsRegion ? { region: this.config.awsRegion } : {}),
        distDir: this.context.asAbsolutePath('dist'),
      });
      this.currentDatasets = createDatasetsBackend(
        {
          kind: this.config.backend,
          localDatasetFolders: this.config.localDatasetFolders,
          ...(this.config.awsProfile ? { profile: this.config.awsProfile } : {}),
          ...(this.config.awsRegion ? { region: this.config.awsRegion } : {}),
        },
        this.currentBackend,
      );
      this.currentModels = createModelsBackend(this.currentBackend);
      this.storeWatch = this.currentBackend.watchChanges(() => this.jobsChanged.fire());
    } catch (err) {
      this.backendError = (err as Error).message;
    }
    this.jobsChanged.fire();
    this.backendChanged.fire();
  }

  dispose(): void {
    this.storeWatch?.dispose();
    this.currentDatasets?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
