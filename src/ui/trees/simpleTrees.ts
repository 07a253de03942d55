/**
 * The Models, Datasets and Tuning Jobs views. Models lists the artifacts of finished local
 * jobs; Datasets and Tuning Jobs stay empty (showing their welcome content) until their
 * backends fill them.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONTEXT, VIEWS } from '../commandIds';
import type { Services } from '../services';
import type { TrainingJobsTree } from './trainingJobsTree';

class ModelNode {
  constructor(
    readonly jobName: string,
    readonly artifactUri: string,
  ) {}
}

export class ModelsTree implements vscode.TreeDataProvider<ModelNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  static register(services: Services, jobs: TrainingJobsTree): void {
    const tree = new ModelsTree(services);
    services.context.subscriptions.push(
      tree.changed,
      vscode.window.createTreeView(VIEWS.models, { treeDataProvider: tree }),
      services.onDidChangeJobs(() => tree.changed.fire()),
      jobs.onDidChangeRunningJobs(() => tree.changed.fire()),
    );
  }

  private constructor(private readonly services: Services) {}

  getTreeItem(node: ModelNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.jobName);
    item.description = 'model.tar.gz';
    item.tooltip = node.artifactUri;
    item.iconPath = new vscode.ThemeIcon('package');
    item.contextValue = CONTEXT.model;
    item.resourceUri = vscode.Uri.parse(node.artifactUri);
    return item;
  }

  async getChildren(node?: ModelNode): Promise<ModelNode[]> {
    if (node || this.services.backendProblem) return [];
    const backend = this.services.backend;
    const page = await backend.listTrainingJobs({
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: 100,
    });
    const models: ModelNode[] = [];
    for (const summary of page.TrainingJobSummaries ?? []) {
      if (summary.TrainingJobStatus !== 'Completed' && summary.TrainingJobStatus !== 'Stopped')
        continue;
      const job = await backend.describeTrainingJob({ TrainingJobName: summary.TrainingJobName });
      const uri = job.ModelArtifacts?.S3ModelArtifacts;
      if (uri?.startsWith('file://') && existsSync(fileURLToPath(uri)))
        models.push(new ModelNode(summary.TrainingJobName!, uri));
    }
    return models;
  }
}

/** A view with nothing to list yet: VS Code shows its welcome content. */
export function registerEmptyView(services: Services, viewId: string): void {
  const provider: vscode.TreeDataProvider<never> = { getTreeItem: (n) => n, getChildren: () => [] };
  services.context.subscriptions.push(
    vscode.window.createTreeView(viewId, { treeDataProvider: provider }),
  );
}
