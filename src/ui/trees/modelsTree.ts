/**
 * The Models view. aws: "SageMaker Models" (ListModels; expand one for DescribeModel's
 * container, image and model data) and "Training Job Artifacts"; local: the artifacts of the
 * local engine's finished jobs. Every model.tar.gz row has the context value `modelArtifact`
 * and carries its URI as `artifactUri` (and the job as `jobName` where known), so commands
 * contributed for that context value get it. Re-read when jobs change - only while the view
 * is visible; a change seen while it is hidden is applied when it is shown.
 */
import * as vscode from 'vscode';
import { fileURLToPath } from 'node:url';
import type { ModelSummary } from '@aws-sdk/client-sagemaker';
import { modelDataUrl, type ModelArtifact } from '../../backends/datasets';
import { CONTEXT, VIEWS } from '../commandIds';
import type { Services } from '../services';
import type { TrainingJobsTree } from './trainingJobsTree';

export abstract class ModelTreeNode {
  abstract toTreeItem(): vscode.TreeItem;
  children(): ModelTreeNode[] | Promise<ModelTreeNode[]> {
    return [];
  }
}

/** A model.tar.gz: of a training job, or the model data of a SageMaker model. */
export class ArtifactNode extends ModelTreeNode {
  constructor(
    readonly artifactUri: string,
    private readonly label: string,
    private readonly detail: string,
    readonly jobName?: string,
    private readonly parentId = 'artifacts',
  ) {
    super();
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label);
    item.id = `${this.parentId}|${this.artifactUri}`;
    item.description = this.detail;
    item.tooltip = this.artifactUri.startsWith('file://')
      ? fileURLToPath(this.artifactUri)
      : this.artifactUri;
    item.iconPath = new vscode.ThemeIcon('package');
    item.contextValue = CONTEXT.modelArtifact;
    item.resourceUri = vscode.Uri.parse(this.artifactUri);
    item.accessibilityInformation = { label: `Model artifact ${this.label}, ${item.tooltip}` };
    return item;
  }
}

export class SageMakerModelNode extends ModelTreeNode {
  constructor(
    readonly summary: ModelSummary,
    private readonly services: Services,
  ) {
    super();
  }

  get name(): string {
    return this.summary.ModelName ?? '';
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `model|${this.summary.ModelArn ?? this.name}`;
    item.description = this.summary.CreationTime
      ? this.summary.CreationTime.toISOString().slice(0, 16).replace('T', ' ')
      : '';
    item.tooltip = this.summary.ModelArn ?? this.name;
    item.iconPath = new vscode.ThemeIcon('symbol-class');
    item.contextValue = CONTEXT.sageMakerModel;
    return item;
  }

  override async children(): Promise<ModelTreeNode[]> {
    try {
      const model = await this.services.models.describeModel(this.name);
      const rows: ModelTreeNode[] = [];
      const container = model.PrimaryContainer ?? model.Containers?.[0];
      if (container?.Image) rows.push(new DetailNode('Image', container.Image, 'server'));
      const data = modelDataUrl(model);
      if (data)
        rows.push(new ArtifactNode(data, 'Model data', data, undefined, `model|${this.name}`));
      if (model.ExecutionRoleArn)
        rows.push(new DetailNode('Role', model.ExecutionRoleArn, 'shield'));
      if ((model.Containers?.length ?? 0) > 1)
        rows.push(new DetailNode('Containers', String(model.Containers!.length), 'layers'));
      return rows;
    } catch (err) {
      return [new DetailNode('Error', (err as Error).message, 'error')];
    }
  }
}

class GroupNode extends ModelTreeNode {
  constructor(
    private readonly label: string,
    private readonly icon: string,
    private readonly load: () => Promise<ModelTreeNode[]>,
  ) {
    super();
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `group|${this.label}`;
    item.iconPath = new vscode.ThemeIcon(this.icon);
    return item;
  }
  override children(): Promise<ModelTreeNode[]> {
    return this.load();
  }
}

class DetailNode extends ModelTreeNode {
  constructor(
    private readonly label: string,
    private readonly value: string,
    private readonly icon: string,
  ) {
    super();
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label);
    item.description = this.value.split('\n')[0];
    item.tooltip = this.value;
    item.iconPath = new vscode.ThemeIcon(this.icon);
    return item;
  }
}

function artifactNodes(artifacts: ModelArtifact[]): ArtifactNode[] {
  return artifacts.map(
    (a) =>
      new ArtifactNode(
        a.artifactUri,
        a.trainingJobName,
        `model.tar.gz${a.status === 'Stopped' ? ' (stopped)' : ''}${
          a.trainingEndTime ? ` - ${a.trainingEndTime.slice(0, 16).replace('T', ' ')}` : ''
        }`,
        a.trainingJobName,
      ),
  );
}

export class ModelsTree implements vscode.TreeDataProvider<ModelTreeNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private view: vscode.TreeView<ModelTreeNode> | undefined;
  private stale = false;

  static register(services: Services, jobs: TrainingJobsTree): ModelsTree {
    const tree = new ModelsTree(services);
    const view = vscode.window.createTreeView(VIEWS.models, { treeDataProvider: tree });
    tree.view = view;
    services.context.subscriptions.push(
      tree.changed,
      view,
      view.onDidChangeVisibility((event) => {
        if (event.visible && tree.stale) {
          tree.stale = false;
          tree.changed.fire();
        }
      }),
      // Finished jobs add artifacts: watched while the view is shown.
      services.watchJobsWhileVisible('Models view', () => view.visible, view.onDidChangeVisibility),
      services.onDidChangeJobs(() => tree.refresh()),
      jobs.onDidChangeRunningJobs(() => tree.refresh()),
    );
    return tree;
  }

  private constructor(private readonly services: Services) {}

  /** Reads again now if the view is visible, else when it is shown. */
  refresh(): void {
    if (this.view?.visible) this.changed.fire();
    else this.stale = true;
  }

  getTreeItem(node: ModelTreeNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  async getChildren(node?: ModelTreeNode): Promise<ModelTreeNode[]> {
    if (node) return node.children();
    if (this.services.backendProblem) return [];
    const models = this.services.models;
    if (models.kind === 'local') return this.artifacts();
    return [
      new GroupNode('SageMaker Models', 'symbol-class', async () => {
        try {
          return (await models.listModels({ maxItems: 200 })).map(
            (summary) => new SageMakerModelNode(summary, this.services),
          );
        } catch (err) {
          return [new DetailNode('Error', (err as Error).message, 'error')];
        }
      }),
      new GroupNode('Training Job Artifacts', 'package', () => this.artifacts()),
    ];
  }

  private async artifacts(): Promise<ModelTreeNode[]> {
    try {
      return artifactNodes(await this.services.models.listModelArtifacts());
    } catch (err) {
      return [new DetailNode('Error', (err as Error).message, 'error')];
    }
  }
}
