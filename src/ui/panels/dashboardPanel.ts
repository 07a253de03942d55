/**
 * The tuning dashboard: one panel per tuning job ("SageMaker: Open Tuning Dashboard", or a
 * click on a tuning job). It re-reads the job when the backend reports a change, at most four
 * times a second, and posts the whole view model; the webview renders it.
 */
import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import type { Services } from '../services';
import {
  DASHBOARD_VIEW_TYPE,
  dashboardInbound,
  dashboardState,
  type DashboardInbound,
  type DashboardModel,
  type DashboardOutbound,
  type DashboardState,
} from './protocol/dashboard';
import { buildDashboardModel } from './viewModels/dashboard';
import { readTuningJob } from './dashboardData';
import { Panel, registerSerializer, type PanelHost, type PanelSpec } from './panelHost';
import { nameArgument, pickTuningJob } from './pickers';

/** Renders at most this often (4 a second). */
const MIN_RELOAD_INTERVAL_MS = 250;
/** While the job runs, elapsed time and the estimate move without any change: re-read this often. */
const RUNNING_TICK_MS = 5000;

const SPEC: PanelSpec<DashboardInbound, DashboardState> = {
  viewType: DASHBOARD_VIEW_TYPE,
  script: 'dashboard',
  inbound: dashboardInbound,
  state: dashboardState,
  firstView: ['model', 'error'],
};

export class DashboardPanel extends Panel<DashboardInbound, DashboardOutbound, DashboardState> {
  private static readonly open = new Map<string, DashboardPanel>();
  private loading = false;
  private reloadWanted = false;
  private timer: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private lastLoad = 0;
  private model: DashboardModel | undefined;
  private bestArtifact: { name: string; uri: string | undefined } | undefined;

  static register(services: Services, host: PanelHost): void {
    services.context.subscriptions.push(
      vscode.commands.registerCommand(COMMANDS.openTuningDashboard, async (arg?: unknown) => {
        const name =
          nameArgument(arg, 'name') ?? (await pickTuningJob(services, 'Open Tuning Dashboard'));
        if (!name) return undefined;
        return DashboardPanel.show(services, host, name).tuningJobName;
      }),
      registerSerializer(host, DASHBOARD_VIEW_TYPE, dashboardState, (panel, state) => {
        DashboardPanel.track(new DashboardPanel(services, host, panel, state));
      }),
    );
  }

  static show(services: Services, host: PanelHost, name: string): DashboardPanel {
    const existing = DashboardPanel.open.get(name);
    if (existing && !existing.isDisposed) {
      existing.panel.reveal();
      existing.scheduleLoad();
      return existing;
    }
    const panel = host.createPanel(DASHBOARD_VIEW_TYPE, DashboardPanel.titleOf(name));
    return DashboardPanel.track(new DashboardPanel(services, host, panel, { tuningJobName: name }));
  }

  /** The open dashboards (for tests and the bench). */
  static get openPanels(): readonly DashboardPanel[] {
    return [...DashboardPanel.open.values()];
  }

  private static track(panel: DashboardPanel): DashboardPanel {
    DashboardPanel.open.set(panel.tuningJobName, panel);
    return panel;
  }

  private static titleOf(name: string): string {
    return `Tuning: ${name}`;
  }

  private constructor(
    private readonly services: Services,
    host: PanelHost,
    panel: vscode.WebviewPanel,
    private readonly state: DashboardState,
  ) {
    super(host, panel, SPEC, DashboardPanel.titleOf(state.tuningJobName));
    panel.title = DashboardPanel.titleOf(state.tuningJobName);
    this.disposables.push(
      // Changes are watched while the panel is visible; being shown again reloads it.
      services.watchJobsWhileVisible(
        'tuning dashboard',
        () => panel.visible,
        panel.onDidChangeViewState,
      ),
      services.onDidChangeJobs(() => {
        if (panel.visible) this.scheduleLoad();
      }),
      panel.onDidChangeViewState(() => {
        if (panel.visible) this.scheduleLoad();
      }),
    );
    this.post({ type: 'opened', tuningJobName: this.tuningJobName });
    this.scheduleLoad();
  }

  get tuningJobName(): string {
    return this.state.tuningJobName;
  }

  /** The model last posted (for tests). */
  get currentModel(): DashboardModel | undefined {
    return this.model;
  }

  protected async onMessage(message: DashboardInbound): Promise<void> {
    const name = this.tuningJobName;
    switch (message.type) {
      case 'ready':
        this.post({ type: 'opened', tuningJobName: this.tuningJobName });
        if (this.model) this.post({ type: 'model', model: this.model, sentAt: Date.now() });
        this.scheduleLoad();
        return;
      case 'refresh':
        this.scheduleLoad();
        return;
      case 'stop':
        await this.services.backend.stopHyperParameterTuningJob({
          HyperParameterTuningJobName: name,
        });
        vscode.window.setStatusBarMessage(`Stopping tuning job ${name}...`, 5000);
        this.scheduleLoad();
        return;
      case 'revealArtifact':
        await vscode.commands.executeCommand(
          COMMANDS.revealTrainingJobOutput,
          message.trainingJobName,
        );
        return;
      case 'trainIncrementally': {
        const job = await this.services.backend.describeTrainingJob({
          TrainingJobName: message.trainingJobName,
        });
        const uri = job.ModelArtifacts?.S3ModelArtifacts;
        if (!uri) {
          void vscode.window.showInformationMessage(
            `${message.trainingJobName} has no model artifact (${job.TrainingJobStatus}).`,
          );
          return;
        }
        await vscode.commands.executeCommand(COMMANDS.trainIncrementally, {
          jobName: message.trainingJobName,
          artifactUri: uri,
        });
        return;
      }
      case 'openTrainingJob':
        await vscode.commands.executeCommand(COMMANDS.openTrainingRun, message.trainingJobName);
        return;
      case 'exportCsv':
        await vscode.commands.executeCommand(COMMANDS.exportTuningResults, name);
        return;
      case 'openNotebook':
        await vscode.commands.executeCommand(COMMANDS.openTuningResultsInNotebook, name);
        return;
      case 'rendered':
        this.host.log.trace(
          `${DASHBOARD_VIEW_TYPE} ${name}: rendered ${message.jobs} training jobs in ${message.renderMs.toFixed(1)} ms`,
        );
        return;
    }
  }

  /** Re-reads the job soon: at most one read in flight, at most one every 250 ms. */
  scheduleLoad(): void {
    if (this.isDisposed) return;
    if (this.loading) {
      this.reloadWanted = true;
      return;
    }
    if (this.timer) return;
    const wait = Math.max(0, this.lastLoad + MIN_RELOAD_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.load();
    }, wait);
  }

  private async load(): Promise<void> {
    if (this.isDisposed) return;
    this.loading = true;
    this.lastLoad = Date.now();
    try {
      const backend = this.services.backend;
      const data = await readTuningJob(backend, this.tuningJobName);
      const best = data.description.BestTrainingJob?.TrainingJobName;
      const ended = ['Completed', 'Stopped', 'Failed'];
      const bestStatus = data.description.BestTrainingJob?.TrainingJobStatus;
      if (best && (this.bestArtifact?.name !== best || this.bestArtifact.uri === undefined)) {
        // The artifact exists once the best job has ended (it is written at the end).
        const job = ended.includes(bestStatus ?? '')
          ? await backend.describeTrainingJob({ TrainingJobName: best })
          : undefined;
        this.bestArtifact = { name: best, uri: job?.ModelArtifacts?.S3ModelArtifacts };
      }
      this.model = buildDashboardModel({
        ...data,
        backend: backend.kind,
        ...(this.bestArtifact?.uri ? { bestArtifactUri: this.bestArtifact.uri } : {}),
        capabilities: {
          // Fine-tuning (src/ui/commands/fineTuneCommands.ts) registers it on activation.
          trainIncrementally: true,
          stop: data.description.HyperParameterTuningJobStatus === 'InProgress',
          revealArtifact: backend.kind === 'local',
        },
      });
      this.post({ type: 'model', model: this.model, sentAt: Date.now() });
      this.updateTicker();
    } catch (err) {
      this.post({ type: 'error', message: (err as Error).message });
    } finally {
      this.loading = false;
      if (this.reloadWanted) {
        this.reloadWanted = false;
        this.scheduleLoad();
      }
    }
  }

  private updateTicker(): void {
    const running = this.model?.status === 'InProgress' || this.model?.status === 'Stopping';
    if (running && !this.ticker) {
      this.ticker = setInterval(() => {
        if (this.panel.visible) this.scheduleLoad();
      }, RUNNING_TICK_MS);
    } else if (!running && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  protected override onDisposed(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.ticker) clearInterval(this.ticker);
    if (DashboardPanel.open.get(this.tuningJobName) === this) {
      DashboardPanel.open.delete(this.tuningJobName);
    }
  }
}
