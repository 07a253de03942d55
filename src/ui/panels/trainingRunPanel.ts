/**
 * The training run view: a training job's status transitions, live metric curves (losses,
 * other metrics, and sifting statistics apart), final metrics, the execution provider, and
 * the tail of its log. One panel per job; it follows the job while it runs.
 */
import * as vscode from 'vscode';
import { isTerminalStatus } from '../../model/types';
import { COMMANDS } from '../commandIds';
import type { Services } from '../services';
import {
  TRAINING_RUN_VIEW_TYPE,
  trainingRunInbound,
  trainingRunState,
  type TrainingRunInbound,
  type TrainingRunModel,
  type TrainingRunOutbound,
  type TrainingRunState,
} from './protocol/trainingRun';
import { buildTrainingRunModel, executionProviderOf, tailLines } from './viewModels/trainingRun';
import { Panel, registerSerializer, type PanelHost, type PanelSpec } from './panelHost';
import { nameArgument, pickTrainingJob } from './pickers';

const SPEC: PanelSpec<TrainingRunInbound, TrainingRunState> = {
  viewType: TRAINING_RUN_VIEW_TYPE,
  script: 'trainingRun',
  inbound: trainingRunInbound,
  state: trainingRunState,
  firstView: ['model', 'error'],
};

const MIN_RELOAD_INTERVAL_MS = 250;
/** The log is not journaled: while the job runs it is read this often. */
const LOG_POLL_MS = 1000;
const LOG_LINES = 400;

export class TrainingRunPanel extends Panel<
  TrainingRunInbound,
  TrainingRunOutbound,
  TrainingRunState
> {
  private static readonly open = new Map<string, TrainingRunPanel>();
  private timer: NodeJS.Timeout | undefined;
  private poller: NodeJS.Timeout | undefined;
  private loading = false;
  private again = false;
  private lastLoad = 0;
  private logOffset = 0;
  private logText = '';
  private model: TrainingRunModel | undefined;

  static register(services: Services, host: PanelHost): void {
    services.context.subscriptions.push(
      vscode.commands.registerCommand(COMMANDS.openTrainingRun, async (arg?: unknown) => {
        const name =
          nameArgument(arg, 'trainingJobName') ??
          nameArgument(arg, 'name') ??
          (await pickTrainingJob(services, 'Open Training Run'));
        if (!name) return undefined;
        return TrainingRunPanel.show(services, host, name).trainingJobName;
      }),
      registerSerializer(host, TRAINING_RUN_VIEW_TYPE, trainingRunState, (panel, state) => {
        TrainingRunPanel.track(new TrainingRunPanel(services, host, panel, state));
      }),
    );
  }

  static show(services: Services, host: PanelHost, name: string): TrainingRunPanel {
    const existing = TrainingRunPanel.open.get(name);
    if (existing && !existing.isDisposed) {
      existing.panel.reveal();
      return existing;
    }
    const panel = host.createPanel(TRAINING_RUN_VIEW_TYPE, `Training: ${name}`);
    return TrainingRunPanel.track(
      new TrainingRunPanel(services, host, panel, { trainingJobName: name }),
    );
  }

  private static track(panel: TrainingRunPanel): TrainingRunPanel {
    TrainingRunPanel.open.set(panel.trainingJobName, panel);
    return panel;
  }

  private constructor(
    private readonly services: Services,
    host: PanelHost,
    panel: vscode.WebviewPanel,
    private readonly state: TrainingRunState,
  ) {
    super(host, panel, SPEC, `Training: ${state.trainingJobName}`);
    panel.title = `Training: ${state.trainingJobName}`;
    // Changes are watched while the panel is visible; being shown again reloads it.
    this.disposables.push(
      services.watchJobsWhileVisible(
        'training run panel',
        () => panel.visible,
        panel.onDidChangeViewState,
      ),
      services.onDidChangeJobs(() => {
        if (panel.visible) this.schedule();
      }),
      panel.onDidChangeViewState(() => {
        if (panel.visible) this.schedule();
      }),
    );
    this.schedule();
  }

  get trainingJobName(): string {
    return this.state.trainingJobName;
  }

  protected async onMessage(message: TrainingRunInbound): Promise<void> {
    const name = this.trainingJobName;
    switch (message.type) {
      case 'ready':
        // A reloaded webview shows everything again.
        if (this.model) this.post({ type: 'model', model: this.model });
        this.post({ type: 'log', text: this.logText, reset: true });
        this.schedule();
        return;
      case 'stop':
        await this.services.backend.stopTrainingJob({ TrainingJobName: name });
        this.schedule();
        return;
      case 'showLogs':
        await vscode.commands.executeCommand(COMMANDS.showTrainingJobLogs, name);
        return;
      case 'revealOutput':
        await vscode.commands.executeCommand(COMMANDS.revealTrainingJobOutput, name);
        return;
      case 'openTuningJob':
        await vscode.commands.executeCommand(COMMANDS.openTuningDashboard, message.name);
        return;
    }
  }

  private schedule(): void {
    if (this.isDisposed) return;
    if (this.loading) {
      this.again = true;
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
    this.loading = true;
    this.lastLoad = Date.now();
    const backend = this.services.backend;
    const name = this.trainingJobName;
    try {
      const [job, points, log] = await Promise.all([
        backend.describeTrainingJob({ TrainingJobName: name }),
        backend.getTrainingJobMetrics(name),
        backend.readTrainingJobLog(name, this.logOffset).catch(() => undefined),
      ]);
      if (log && log.text) {
        this.logOffset = log.next;
        this.logText = tailLines(this.logText + log.text, LOG_LINES);
        this.post({ type: 'log', text: log.text, reset: false });
      }
      const provider = executionProviderOf(job, this.logText);
      this.model = buildTrainingRunModel(job, points, {
        ...(provider ? { executionProvider: provider } : {}),
      });
      this.post({ type: 'model', model: this.model });
      const running = !isTerminalStatus(job.TrainingJobStatus);
      if (running && !this.poller) {
        this.poller = setInterval(() => {
          if (this.panel.visible) this.schedule();
        }, LOG_POLL_MS);
      } else if (!running && this.poller) {
        clearInterval(this.poller);
        this.poller = undefined;
      }
    } catch (err) {
      this.post({ type: 'error', message: (err as Error).message });
    } finally {
      this.loading = false;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    }
  }

  protected override onDisposed(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.poller) clearInterval(this.poller);
    if (TrainingRunPanel.open.get(this.trainingJobName) === this)
      TrainingRunPanel.open.delete(this.trainingJobName);
  }
}
