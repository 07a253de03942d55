/**
 * The Datasets view. Top level: the locations the user opened (s3:// URIs), then the backend's
 * roots - S3 buckets (aws) or the registered dataset folders (local) - or a notice when they
 * cannot be listed (ListBuckets denied: open a bucket directly). A folder is listed one page at
 * a time with a "Load more..." row per further page, and can hold the results of a prefix
 * search. Nothing is listed while the view is hidden: a refresh asked for then waits until it
 * is shown again, and nothing polls.
 */
import * as vscode from 'vscode';
import { fileURLToPath } from 'node:url';
import type { DatasetEntry, DatasetPage } from '../../backends/datasets';
import { COMMANDS, CONTEXT, VIEWS } from '../commandIds';
import type { Services } from '../services';

export abstract class DatasetNode {
  abstract readonly id: string;
  abstract toTreeItem(): vscode.TreeItem;
}

/** A bucket, prefix, folder or object. */
export class LocationNode extends DatasetNode {
  readonly id: string;

  constructor(
    readonly entry: DatasetEntry,
    parentId: string,
    /** Opened by the user (Open S3 URI...), shown at the top. */
    readonly opened = false,
  ) {
    super();
    this.id = `${parentId}|${entry.uri}`;
  }

  get uri(): string {
    return this.entry.uri;
  }
  get isFolder(): boolean {
    return this.entry.kind !== 'object';
  }
  get isS3(): boolean {
    return this.entry.uri.startsWith('s3://');
  }
  /** The location as users copy it: the s3:// URI, or a local path. */
  get displayUri(): string {
    return this.isS3 ? this.uri : fileURLToPath(this.uri);
  }

  toTreeItem(): vscode.TreeItem {
    const label = this.opened ? this.uri : this.entry.name;
    const item = new vscode.TreeItem(
      label,
      this.isFolder
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None,
    );
    item.id = this.id;
    const kind = this.isFolder
      ? this.isS3
        ? CONTEXT.s3Folder
        : CONTEXT.localFolder
      : this.isS3
        ? CONTEXT.s3Object
        : CONTEXT.localObject;
    // Opened locations and registered local folders can be removed from the view.
    item.contextValue = this.opened
      ? kind + CONTEXT.openedSuffix
      : this.entry.kind === 'root' && !this.isS3
        ? kind + CONTEXT.rootSuffix
        : kind;
    if (this.entry.kind === 'root' && this.isS3) item.iconPath = new vscode.ThemeIcon('database');
    else if (this.entry.kind === 'root') item.iconPath = new vscode.ThemeIcon('root-folder');
    else if (this.isFolder) item.iconPath = vscode.ThemeIcon.Folder;
    else {
      item.iconPath = vscode.ThemeIcon.File;
      item.resourceUri = vscode.Uri.parse(this.uri);
    }
    const details: string[] = [];
    if (this.entry.size !== undefined) details.push(formatBytes(this.entry.size));
    if (this.entry.lastModified)
      details.push(this.entry.lastModified.slice(0, 16).replace('T', ' '));
    if (this.opened) details.push('opened');
    item.description = details.join(' - ');
    item.tooltip = [this.displayUri, ...details].join('\n');
    if (!this.isFolder && !this.isS3) {
      item.command = {
        command: 'vscode.open',
        title: 'Open',
        arguments: [vscode.Uri.parse(this.uri)],
      };
    }
    return item;
  }
}

export class LoadMoreNode extends DatasetNode {
  readonly id: string;
  constructor(
    readonly folder: LocationNode,
    readonly loaded: number,
  ) {
    super();
    this.id = `${folder.id}|more:${loaded}`;
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Load more...');
    item.id = this.id;
    item.description = `${this.loaded} shown`;
    item.iconPath = new vscode.ThemeIcon('ellipsis');
    item.contextValue = CONTEXT.loadMore;
    item.command = { command: COMMANDS.loadMoreDatasets, title: 'Load more', arguments: [this] };
    return item;
  }
}

/** The results of a prefix search below a folder, filled as pages arrive. */
export class SearchResultsNode extends DatasetNode {
  readonly id: string;
  readonly entries: DatasetEntry[] = [];
  matched = 0;
  truncated = false;
  running = true;
  error: string | undefined;

  constructor(
    readonly folder: LocationNode,
    readonly text: string,
  ) {
    super();
    this.id = `${folder.id}|search`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(
      `Search: ${this.text}`,
      vscode.TreeItemCollapsibleState.Expanded,
    );
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(this.running ? 'loading~spin' : 'search');
    item.description = this.error
      ? 'failed'
      : `${this.matched}${this.truncated ? '+' : ''} found${this.running ? ', searching...' : ''}`;
    item.tooltip = this.error ?? `Keys starting with ${this.folder.uri}${this.text}`;
    item.contextValue = CONTEXT.searchResults;
    return item;
  }

  children(): DatasetNode[] {
    const rows: DatasetNode[] = this.entries.map((e) => new LocationNode(e, this.id));
    if (this.error) rows.unshift(new MessageNode(this.error, 'error', this.id));
    else if (this.truncated)
      rows.push(
        new MessageNode(
          `Showing the first ${this.matched} matches; search a longer prefix to narrow them.`,
          'info',
          this.id,
        ),
      );
    else if (!this.running && this.matched === 0)
      rows.push(new MessageNode('No keys start with this prefix.', 'info', this.id));
    return rows;
  }
}

export class MessageNode extends DatasetNode {
  readonly id: string;
  constructor(
    readonly message: string,
    private readonly icon: string,
    parentId: string,
    private readonly command?: vscode.Command,
  ) {
    super();
    this.id = `${parentId}|message:${message}`;
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.message.split('\n')[0]);
    item.id = this.id;
    item.tooltip = this.message;
    item.iconPath = new vscode.ThemeIcon(this.icon);
    if (this.command) item.command = this.command;
    return item;
  }
}

interface FolderPages {
  entries: DatasetEntry[];
  nextToken?: string;
}

const OPENED_KEY = 'datasets.opened';
const MAX_OPENED = 20;
const PAGE_SIZE = 200;

export class DatasetsTree implements vscode.TreeDataProvider<DatasetNode> {
  private readonly changed = new vscode.EventEmitter<DatasetNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly pages = new Map<string, FolderPages>();
  private readonly searches = new Map<string, SearchResultsNode>();
  private view: vscode.TreeView<DatasetNode> | undefined;
  /** A refresh was asked for while the view was hidden. */
  private stale = false;

  static register(services: Services): DatasetsTree {
    const tree = new DatasetsTree(services);
    const view = vscode.window.createTreeView(VIEWS.datasets, {
      treeDataProvider: tree,
      showCollapseAll: true,
    });
    tree.view = view;
    services.context.subscriptions.push(
      tree.changed,
      view,
      view.onDidChangeVisibility((event) => {
        if (event.visible && tree.stale) {
          tree.stale = false;
          tree.changed.fire(undefined);
        }
      }),
      services.onDidChangeBackend(() => tree.refresh()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('sagemakerWorkbench.local.datasetFolders')) tree.refresh();
      }),
    );
    return tree;
  }

  private constructor(private readonly services: Services) {}

  get visible(): boolean {
    return this.view?.visible ?? false;
  }

  /** Forgets listings (below node, or all) and lists again - now if visible, else when shown. */
  refresh(node?: LocationNode): void {
    if (node) {
      for (const key of [...this.pages.keys()]) if (key.startsWith(node.id)) this.pages.delete(key);
    } else {
      this.pages.clear();
      this.searches.clear();
    }
    if (!this.visible) {
      this.stale = true;
      return;
    }
    this.changed.fire(node);
  }

  getTreeItem(node: DatasetNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  async getChildren(node?: DatasetNode): Promise<DatasetNode[]> {
    if (!node) return this.roots();
    if (node instanceof SearchResultsNode) return node.children();
    if (node instanceof LocationNode && node.isFolder) return this.folderChildren(node);
    return [];
  }

  // ------------------------------------------------------------------ opened locations

  get opened(): string[] {
    return this.services.context.globalState.get<string[]>(OPENED_KEY, []);
  }

  async open(uri: string): Promise<void> {
    const list = [uri, ...this.opened.filter((u) => u !== uri)].slice(0, MAX_OPENED);
    await this.services.context.globalState.update(OPENED_KEY, list);
    this.refresh();
  }

  async close(uri: string): Promise<void> {
    await this.services.context.globalState.update(
      OPENED_KEY,
      this.opened.filter((u) => u !== uri),
    );
    this.refresh();
  }

  clearSearch(node: SearchResultsNode): void {
    this.searches.delete(node.folder.id);
    this.changed.fire(node.folder);
  }

  // ------------------------------------------------------------------ listing

  private async roots(): Promise<DatasetNode[]> {
    const problem = this.services.backendProblem;
    if (problem) return [new MessageNode(problem, 'warning', 'root')];
    const rows: DatasetNode[] = this.opened.map(
      (uri) => new LocationNode({ uri, name: uri, kind: 'root' }, 'opened', true),
    );
    try {
      const roots = await this.services.datasets.listRoots();
      rows.push(...roots.roots.map((entry) => new LocationNode(entry, 'root')));
      if (roots.notice) {
        const local = this.services.datasets.kind === 'local';
        rows.push(
          new MessageNode(roots.notice, 'info', 'root', {
            command: local ? COMMANDS.addLocalDatasetFolder : COMMANDS.openS3Uri,
            title: local ? 'Add Local Dataset Folder...' : 'Open S3 URI...',
          }),
        );
      }
    } catch (err) {
      rows.push(new MessageNode(messageOf(err), 'error', 'root'));
    }
    // Nothing registered, nothing opened: the view's welcome content says what to do.
    const nothing =
      this.opened.length === 0 &&
      this.services.datasets.kind === 'local' &&
      this.services.config.localDatasetFolders.length === 0;
    return nothing ? [] : rows;
  }

  private async folderChildren(folder: LocationNode): Promise<DatasetNode[]> {
    let pages = this.pages.get(folder.id);
    if (!pages) {
      try {
        pages = toPages(await this.services.datasets.list(folder.uri, { pageSize: PAGE_SIZE }));
      } catch (err) {
        return [new MessageNode(messageOf(err), 'error', folder.id)];
      }
      this.pages.set(folder.id, pages);
    }
    const rows: DatasetNode[] = [];
    const search = this.searches.get(folder.id);
    if (search) rows.push(search);
    rows.push(...pages.entries.map((entry) => new LocationNode(entry, folder.id)));
    if (pages.nextToken) rows.push(new LoadMoreNode(folder, pages.entries.length));
    if (pages.entries.length === 0 && !search)
      rows.push(new MessageNode('Empty', 'info', folder.id));
    return rows;
  }

  /** The next page of a folder, appended below what is shown. */
  async loadMore(node: LoadMoreNode): Promise<void> {
    const pages = this.pages.get(node.folder.id);
    if (!pages?.nextToken) return;
    const next = await this.services.datasets.list(node.folder.uri, {
      pageSize: PAGE_SIZE,
      token: pages.nextToken,
    });
    pages.entries.push(...next.entries);
    pages.nextToken = next.nextToken;
    if (!next.nextToken) delete pages.nextToken;
    this.changed.fire(node.folder);
  }

  /**
   * Runs a prefix search below a folder; results appear under it as pages arrive (at most four
   * redraws a second). Resolves with the results node when done, cancelled, or failed.
   */
  async search(
    folder: LocationNode,
    text: string,
    signal: AbortSignal,
    onBatch?: (matched: number) => void,
  ): Promise<SearchResultsNode> {
    const node = new SearchResultsNode(folder, text);
    this.searches.set(folder.id, node);
    this.changed.fire(folder);
    let lastDraw = 0;
    try {
      for await (const batch of this.services.datasets.search(folder.uri, text, { signal })) {
        node.entries.push(...batch.entries);
        node.matched = batch.matched;
        node.truncated = batch.truncated;
        onBatch?.(batch.matched);
        if (Date.now() - lastDraw > 250) {
          lastDraw = Date.now();
          this.changed.fire(node);
        }
      }
    } catch (err) {
      if (!signal.aborted) node.error = messageOf(err);
    } finally {
      node.running = false;
      this.changed.fire(node);
    }
    return node;
  }
}

function toPages(page: DatasetPage): FolderPages {
  return { entries: [...page.entries], ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
