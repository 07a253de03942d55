/**
 * The one context object `activate` builds and hands to every view and command: settings,
 * the current backend (rebuilt when settings change), and a "jobs changed" event fed by the
 * backend's change notification, so views refresh from changes instead of polling. On the
 * aws backend that notification is a poller, so it runs only while a consumer holds
 * `watchJobs` (see jobWatch.ts); the local store's file watcher always runs.
 */
import * as vscode from 'vscode';
import { homedir } from 'node:os';
import type { SageMakerBackend } from '../backends/backend';
import { createBackend } from '../backends/createBackend';
import { createDatasetsBackend, createModelsBackend } from '../backends/createDatasets';
import type { DatasetsBackend, ModelsBackend } from '../backends/datasets';
import { Config } from './config';
import { JobWatch } from './jobWatch';

export class Services implements vscode.Disposable {
  readonly config = new Config();
  private currentBackend: SageMakerBackend | undefined;
  private currentDatasets: DatasetsBackend | undefined;
  private currentModels: ModelsBackend | undefined;
  private readonly backendChanged = new vscode.EventEmitter<void>();
  /** Fires when the settings gave a new backend (and datasets and models with it). */
  readonly onDidChangeBackend = this.backendChanged.event;
  private backendError: string | undefined;
  private readonly jobsChanged = new vscode.EventEmitter<void>();
  /**
   * Fires when any job in the current backend may have changed. On the aws backend only while
   * someone holds `watchJobs`: a view that is shown again hears one event when watching resumes.
   */
  readonly onDidChangeJobs = this.jobsChanged.event;
  private readonly jobWatch = new JobWatch(() => this.jobsChanged.fire());
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

  /**
   * Keeps the backend's change notification (and so `onDidChangeJobs`) running until the
   * result is disposed. Hold it only while something that shows jobs is visible.
   */
  watchJobs(reason: string): vscode.Disposable {
    const hold = this.jobWatch.acquire(reason);
    return new vscode.Disposable(() => hold.dispose());
  }

  /** Holds `watchJobs` whenever `isVisible()` is true, re-checked on each `onDidChange`. */
  watchJobsWhileVisible(
    reason: string,
    isVisible: () => boolean,
    onDidChange: vscode.Event<unknown>,
  ): vscode.Disposable {
    let hold: vscode.Disposable | undefined;
    const update = () => {
      if (isVisible() && !hold) hold = this.watchJobs(reason);
      else if (!isVisible() && hold) {
        hold.dispose();
        hold = undefined;
      }
    };
    const listener = onDidChange(update);
    update();
    return new vscode.Disposable(() => {
      listener.dispose();
      hold?.dispose();
      hold = undefined;
    });
  }

  /** Whether the backend's change notification runs now, and who holds it (for tests). */
  get jobWatchState(): { watching: boolean; reasons: string[] } {
    return { watching: this.jobWatch.watching, reasons: this.jobWatch.reasons };
  }

  private rebuild(): void {
    this.jobWatch.setSource(undefined, false);
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
      // The local watcher is a file watcher (free, and the running-jobs status bar counts on
      // it); the aws one polls SageMaker, so it waits for demand.
      this.jobWatch.setSource(this.currentBackend, this.currentBackend.kind === 'local');
    } catch (err) {
      this.backendError = (err as Error).message;
    }
    this.jobsChanged.fire();
    this.backendChanged.fire();
  }

  dispose(): void {
    this.jobWatch.dispose();
    this.currentDatasets?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
