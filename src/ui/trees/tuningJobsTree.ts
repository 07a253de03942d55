/**
 * The Tuning Jobs view: each tuning job with its status and a live description
 * ("InProgress - 12/50 (2 running) - best 0.934 - 4 not improving"), its training jobs as
 * children with their objective and tuned hyperparameters, the best one starred. Re-read
 * when the store's watcher reports a change.
 */
import * as vscode from 'vscode';
import type {
  DescribeHyperParameterTuningJobResponse,
  HyperParameterTrainingJobSummary,
} from '@aws-sdk/client-sagemaker';
import { formatMetricValue, tuningProgressLine } from '../../model/progress';
import { isTerminalStatus } from '../../model/types';
import { COMMANDS, CONTEXT, VIEWS } from '../commandIds';
import type { Services } from '../services';
import { statusIcon, TreeNode } from './trainingJobsTree';

export class TuningJobNode extends TreeNode {
  constructor(
    readonly job: DescribeHyperParameterTuningJobResponse,
    private readonly trials: () => Promise<HyperParameterTrainingJobSummary[]>,
  ) {
    super();
  }

  get name(): string {
    return this.job.HyperParameterTuningJobName!;
  }

  get running(): boolean {
    const status = this.job.HyperParameterTuningJobStatus;
    return status === 'InProgress' || status === 'Stopping';
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `tuningJob:${this.name}`;
    item.description = tuningProgressLine(this.job);
    item.iconPath = statusIcon(this.job.HyperParameterTuningJobStatus);
    item.contextValue = this.running ? CONTEXT.runningTuningJob : CONTEXT.finishedTuningJob;
    // A click opens the dashboard; the twistie (or the arrow keys) expands the trials.
    item.command = {
      command: COMMANDS.openTuningDashboard,
      title: 'Open Tuning Dashboard',
      arguments: [this.name],
    };
    const objective = this.job.HyperParameterTuningJobConfig?.HyperParameterTuningJobObjective;
    const tooltip = new vscode.MarkdownString();
    tooltip.appendMarkdown(
      `**${this.name}** - ${this.job.HyperParameterTuningJobConfig?.Strategy} search\n\n`,
    );
    if (objective) tooltip.appendText(`${objective.Type} ${objective.MetricName}\n\n`);
    tooltip.appendText(item.description);
    if (this.job.FailureReason) tooltip.appendMarkdown('\n\n').appendText(this.job.FailureReason);
    item.tooltip = tooltip;
    item.accessibilityInformation = { label: `Tuning job ${this.name}, ${item.description}` };
    return item;
  }

  override async children(): Promise<TreeNode[]> {
    const best = this.job.BestTrainingJob?.TrainingJobName;
    const trials = await this.trials();
    return trials.map((trial) => new TrialNode(trial, trial.TrainingJobName === best));
  }
}

export class TrialNode extends TreeNode {
  constructor(
    readonly summary: HyperParameterTrainingJobSummary,
    readonly best: boolean,
  ) {
    super();
  }

  /** The training job's name, for the training-job commands on its context menu. */
  get trainingJobName(): string {
    return this.summary.TrainingJobName!;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.trainingJobName, vscode.TreeItemCollapsibleState.None);
    const metric = this.summary.FinalHyperParameterTuningJobObjectiveMetric;
    const tuned = Object.entries(this.summary.TunedHyperParameters ?? {})
      .map(([k, v]) => `${k}=${v.length > 10 ? formatMetricValue(Number(v)) || v : v}`)
      .join(' ');
    const value =
      metric?.Value !== undefined
        ? `${metric.MetricName}=${formatMetricValue(metric.Value)}`
        : this.summary.TrainingJobStatus;
    item.description = `${this.best ? 'best - ' : ''}${value} - ${tuned}`;
    item.iconPath = this.best
      ? new vscode.ThemeIcon('star-full', new vscode.ThemeColor('charts.yellow'))
      : statusIcon(this.summary.TrainingJobStatus);
    item.contextValue = isTerminalStatus(this.summary.TrainingJobStatus)
      ? CONTEXT.finishedTrainingJob
      : CONTEXT.runningTrainingJob;
    item.command = {
      command: COMMANDS.openTrainingRun,
      title: 'Open Training Run',
      arguments: [this.trainingJobName],
    };
    item.tooltip = [
      `${this.trainingJobName}: ${this.summary.TrainingJobStatus}${this.best ? ' (best)' : ''}`,
      metric?.Value !== undefined
        ? `${metric.MetricName} = ${metric.Value}`
        : `objective: ${this.summary.ObjectiveStatus}`,
      ...Object.entries(this.summary.TunedHyperParameters ?? {}).map(([k, v]) => `${k} = ${v}`),
      ...(this.summary.FailureReason ? [this.summary.FailureReason] : []),
    ].join('\n');
    item.accessibilityInformation = {
      label: `Training job ${this.trainingJobName}, ${item.description}`,
    };
    return item;
  }
}

export class TuningJobsTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private jobs: TuningJobNode[] = [];

  static register(services: Services): TuningJobsTree {
    const tree = new TuningJobsTree(services);
    const view = vscode.window.createTreeView(VIEWS.tuningJobs, {
      treeDataProvider: tree,
      showCollapseAll: true,
    });
    tree.disposables.push(
      view,
      services.watchJobsWhileVisible(
        'Tuning Jobs view',
        () => view.visible,
        view.onDidChangeVisibility,
      ),
      services.onDidChangeJobs(() => tree.changed.fire(undefined)),
      vscode.commands.registerCommand(COMMANDS.refreshTuningJobs, () =>
        tree.changed.fire(undefined),
      ),
    );
    services.context.subscriptions.push(tree);
    return tree;
  }

  private constructor(private readonly services: Services) {}

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (node) return node.children();
    if (this.services.backendProblem) return [];
    const backend = this.services.backend;
    const page = await backend.listHyperParameterTuningJobs({
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: 100,
    });
    this.jobs = await Promise.all(
      (page.HyperParameterTuningJobSummaries ?? []).map(async (summary) => {
        const name = summary.HyperParameterTuningJobName!;
        const job = await backend.describeHyperParameterTuningJob({
          HyperParameterTuningJobName: name,
        });
        const trials = async () =>
          (
            await backend.listTrainingJobsForHyperParameterTuningJob({
              HyperParameterTuningJobName: name,
              SortBy: 'CreationTime',
              SortOrder: 'Descending',
              MaxResults: 100,
            })
          ).TrainingJobSummaries ?? [];
        return new TuningJobNode(job, trials);
      }),
    );
    return this.jobs;
  }

  get currentJobs(): readonly TuningJobNode[] {
    return this.jobs;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
