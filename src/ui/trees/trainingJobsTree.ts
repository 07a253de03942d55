/**
 * The Training Jobs view: every job of the current backend, newest first, with a status
 * icon and a live description (status - elapsed - latest metric). It re-reads when the
 * backend reports a change, which it asks for only while visible; while a job runs and the
 * view is visible, a one-second tick re-renders the running rows (elapsed time) without
 * reading anything.
 */
import * as vscode from 'vscode';
import type {
  DescribeTrainingJobResponse,
  MetricPoint,
  TrainingJobSummary,
} from '../../model/types';
import { isTerminalStatus } from '../../model/types';
import { formatMetricValue, latestMetrics, progressLine } from '../../model/progress';
import { COMMANDS, CONTEXT, VIEWS } from '../commandIds';
import type { Services } from '../services';

export abstract class TreeNode {
  abstract toTreeItem(): vscode.TreeItem;
  children(): TreeNode[] | Promise<TreeNode[]> {
    return [];
  }
}

const STATUS_ICONS: Record<string, [string, string?]> = {
  InProgress: ['sync~spin', 'charts.blue'],
  Stopping: ['loading~spin', 'charts.yellow'],
  Completed: ['pass', 'testing.iconPassed'],
  Failed: ['error', 'testing.iconFailed'],
  Stopped: ['debug-stop', 'charts.yellow'],
};

export function statusIcon(status: string | undefined): vscode.ThemeIcon {
  const [id, color] = STATUS_ICONS[status ?? ''] ?? ['circle-outline'];
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

export class TrainingJobNode extends TreeNode {
  constructor(
    readonly job: DescribeTrainingJobResponse,
    readonly metrics: MetricPoint[],
  ) {
    super();
  }

  get name(): string {
    return this.job.TrainingJobName!;
  }

  get running(): boolean {
    return !isTerminalStatus(this.job.TrainingJobStatus);
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `trainingJob:${this.name}`;
    item.description = progressLine(this.job, this.metrics, 1);
    item.iconPath = statusIcon(this.job.TrainingJobStatus);
    item.contextValue = this.running ? CONTEXT.runningTrainingJob : CONTEXT.finishedTrainingJob;
    // A click opens the training run view; the twistie expands the details.
    item.command = {
      command: COMMANDS.openTrainingRun,
      title: 'Open Training Run',
      arguments: [this.name],
    };
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(
      `**${this.name}** - ${this.job.TrainingJobStatus} (${this.job.SecondaryStatus})\n\n`,
    );
    tooltip.appendText(progressLine(this.job, this.metrics, 8));
    if (this.job.FailureReason) tooltip.appendMarkdown('\n\n').appendText(this.job.FailureReason);
    item.tooltip = tooltip;
    item.accessibilityInformation = { label: `Training job ${this.name}, ${item.description}` };
    return item;
  }

  override children(): TreeNode[] {
    const rows: DetailNode[] = [
      new DetailNode(
        'Status',
        `${this.job.TrainingJobStatus} / ${this.job.SecondaryStatus}`,
        'info',
      ),
    ];
    const transition = this.job.SecondaryStatusTransitions?.at(-1);
    if (transition?.StatusMessage)
      rows.push(new DetailNode('Step', transition.StatusMessage, 'debug-step-over'));
    for (const [name, value] of latestMetrics(this.job, this.metrics)) {
      rows.push(new DetailNode(name, formatMetricValue(value), 'graph-line'));
    }
    if (this.job.FailureReason)
      rows.push(new DetailNode('Failure', this.job.FailureReason, 'warning'));
    if (this.job.TrainingJobStatus === 'Completed' || this.job.TrainingJobStatus === 'Stopped') {
      rows.push(
        new DetailNode('Model', this.job.ModelArtifacts?.S3ModelArtifacts ?? '', 'package'),
      );
    }
    return rows;
  }
}

class DetailNode extends TreeNode {
  constructor(
    private readonly label: string,
    private readonly value: string,
    private readonly icon: string,
  ) {
    super();
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.description = this.value.split('\n')[0];
    item.tooltip = this.value;
    item.iconPath = new vscode.ThemeIcon(this.icon);
    return item;
  }
}

class MessageNode extends TreeNode {
  constructor(private readonly message: string) {
    super();
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.message);
    item.iconPath = new vscode.ThemeIcon('warning');
    return item;
  }
}

export class TrainingJobsTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private view: vscode.TreeView<TreeNode> | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private jobs: TrainingJobNode[] = [];
  private readonly runningChanged = new vscode.EventEmitter<TrainingJobNode[]>();
  /** Fires with the running jobs whenever the list is re-read. */
  readonly onDidChangeRunningJobs = this.runningChanged.event;

  static register(services: Services): TrainingJobsTree {
    const tree = new TrainingJobsTree(services);
    tree.view = vscode.window.createTreeView(VIEWS.trainingJobs, {
      treeDataProvider: tree,
      showCollapseAll: true,
    });
    tree.disposables.push(
      tree.view,
      tree.runningChanged,
      tree.view.onDidChangeVisibility(() => tree.updateTicker()),
      // Changes are watched only while the view is shown; VS Code re-reads a hidden view
      // that was refreshed when it is shown again.
      services.watchJobsWhileVisible(
        'Training Jobs view',
        () => tree.view?.visible ?? false,
        tree.view.onDidChangeVisibility,
      ),
      services.onDidChangeJobs(() => tree.refresh()),
      vscode.commands.registerCommand(COMMANDS.refreshTrainingJobs, () => tree.refresh()),
    );
    services.context.subscriptions.push(tree);
    return tree;
  }

  private constructor(private readonly services: Services) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (node) return node.children();
    const problem = this.services.backendProblem;
    if (problem) return [new MessageNode(problem)];
    const backend = this.services.backend;
    const summaries: TrainingJobSummary[] = [];
    let token: string | undefined;
    do {
      const page = await backend.listTrainingJobs({
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 100,
        ...(token ? { NextToken: token } : {}),
      });
      summaries.push(...(page.TrainingJobSummaries ?? []));
      token = page.NextToken;
    } while (token);
    const jobs = await Promise.all(
      summaries.map(async (summary) => {
        const name = summary.TrainingJobName!;
        const [job, metrics] = await Promise.all([
          backend.describeTrainingJob({ TrainingJobName: name }),
          backend.getTrainingJobMetrics(name),
        ]);
        return new TrainingJobNode(job, metrics);
      }),
    );
    // A tuning job's trials are listed under it in the Tuning Jobs view; here only on request.
    const showTrials = this.services.config.showTuningTrials;
    this.jobs = jobs.filter((node) => showTrials || !node.job.TuningJobArn);
    this.runningChanged.fire(this.jobs.filter((j) => j.running));
    this.updateTicker();
    return this.jobs;
  }

  /** The job nodes as last read (for commands and tests). */
  get currentJobs(): readonly TrainingJobNode[] {
    return this.jobs;
  }

  private updateTicker(): void {
    const wanted = Boolean(this.view?.visible) && this.jobs.some((j) => j.running);
    // Re-renders the running jobs' rows from what was last read (elapsed time); data comes from the watcher.
    if (wanted && !this.ticker) {
      this.ticker = setInterval(
        () => this.jobs.filter((j) => j.running).forEach((j) => this.changed.fire(j)),
        1000,
      );
    }
    if (!wanted && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  dispose(): void {
    if (this.ticker) clearInterval(this.ticker);
    for (const d of this.disposables) d.dispose();
  }
}
