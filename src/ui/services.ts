/**
 * The one context object `activate` builds and hands to every view and command: settings,
 * the current backend (rebuilt when settings change), and a "jobs changed" event fed by the
 * backend's store watcher, so views refresh from journal changes instead of polling.
 */
import * as vscode from 'vscode';
import { homedir } from 'node:os';
import type { SageMakerBackend } from '../backends/backend';
import { createBackend } from '../backends/createBackend';
import { Config } from './config';

export class Services implements vscode.Disposable {
  readonly config = new Config();
  private currentBackend: SageMakerBackend | undefined;
  private backendError: string | undefined;
  private storeWatch: { dispose(): void } | undefined;
  private readonly jobsChanged = new vscode.EventEmitter<void>();
  /** Fires (coalesced) when any job in the current backend may have changed. */
  readonly onDidChangeJobs = this.jobsChanged.event;
  private readonly disposables: vscode.Disposable[] = [this.jobsChanged];

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

  get backendProblem(): string | undefined {
    return this.backendError;
  }

  private rebuild(): void {
    this.storeWatch?.dispose();
    this.storeWatch = undefined;
    this.currentBackend = undefined;
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
      this.storeWatch = this.currentBackend.watchChanges(() => this.jobsChanged.fire());
    } catch (err) {
      this.backendError = (err as Error).message;
    }
    this.jobsChanged.fire();
  }

  dispose(): void {
    this.storeWatch?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
