/**
 * Commands of the Datasets view: open a bucket or s3:// URI, register local folders, load
 * more, prefix search, layout reports (in an output channel), folder upload and download
 * with cancellable progress, copy a location.
 */
import * as vscode from 'vscode';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TransferOptions, TransferProgress, TransferResult } from '../../backends/datasets';
import { isS3Uri, parseS3Uri } from '../../backends/aws/s3/s3Uri';
import { localPath } from '../../backends/local/localDatasets';
import type * as Reports from '../../engine/training/data/report';
import { COMMANDS } from '../commandIds';
import type { Services } from '../services';
import {
  formatBytes,
  LoadMoreNode,
  LocationNode,
  messageOf,
  SearchResultsNode,
  type DatasetsTree,
} from '../trees/datasetsTree';

// The report's module brings the dataset readers (csv-parse, pngjs, jpeg-js): dist/datasets.js,
// loaded on first use.
const formatReport: typeof Reports.formatReport = (...args) =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('../../engine/training/data/report') as typeof Reports).formatReport(...args);

const LAST_DESTINATION = 'datasets.lastUploadDestination';

/** A location from a tree node, an Explorer folder, a URI string, or an artifact item. */
function locationOf(arg: unknown): string | undefined {
  if (arg instanceof LocationNode) return arg.uri;
  if (arg instanceof vscode.Uri) return arg.scheme === 'file' ? arg.fsPath : arg.toString();
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'artifactUri' in arg) {
    const uri = (arg as { artifactUri?: unknown }).artifactUri;
    if (typeof uri === 'string') return uri;
  }
  return undefined;
}

function s3UriProblem(value: string): string | undefined {
  try {
    parseS3Uri(value);
    return undefined;
  } catch (err) {
    return messageOf(err);
  }
}

export function registerDatasetCommands(services: Services, tree: DatasetsTree): void {
  const { context } = services;
  const reports = vscode.window.createOutputChannel('SageMaker Dataset Reports');
  context.subscriptions.push(reports);
  const register = (id: string, fn: (...args: never[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  register(COMMANDS.refreshDatasets, () => tree.refresh());

  register(COMMANDS.openS3Uri, async (arg?: string) => {
    const uri =
      arg ??
      (await vscode.window.showInputBox({
        title: 'Open Bucket or S3 URI',
        prompt: 'A bucket or prefix you can read, e.g. s3://my-bucket/datasets/',
        placeHolder: 's3://bucket/prefix/',
        value: 's3://',
        validateInput: (value) => s3UriProblem(value.trim()),
      }));
    if (!uri) return;
    const problem = s3UriProblem(uri.trim());
    if (problem) return void vscode.window.showErrorMessage(problem);
    const { bucket, key } = parseS3Uri(uri.trim());
    const folder = key === '' || key.endsWith('/') ? key : `${key}/`;
    await tree.open(`s3://${bucket}/${folder}`);
  });

  register(COMMANDS.addLocalDatasetFolder, async (arg?: vscode.Uri) => {
    const picked =
      arg ??
      (
        await vscode.window.showOpenDialog({
          canSelectFolders: true,
          canSelectFiles: false,
          openLabel: 'Add Dataset Folder',
        })
      )?.[0];
    if (!picked) return;
    const folders = services.config.localDatasetFolders;
    if (folders.includes(picked.fsPath)) return;
    await vscode.workspace
      .getConfiguration('sagemakerWorkbench')
      .update(
        'local.datasetFolders',
        [...folders, picked.fsPath],
        vscode.ConfigurationTarget.Global,
      );
  });

  register(COMMANDS.removeDatasetLocation, async (arg?: unknown) => {
    if (arg instanceof SearchResultsNode) return tree.clearSearch(arg);
    if (!(arg instanceof LocationNode)) return;
    if (arg.opened) return tree.close(arg.uri);
    if (!arg.isS3 && arg.entry.kind === 'root') {
      const path = localPath(arg.uri);
      const folders = services.config.localDatasetFolders.filter((folder) => {
        try {
          return localPath(folder) !== path;
        } catch {
          return true;
        }
      });
      await vscode.workspace
        .getConfiguration('sagemakerWorkbench')
        .update('local.datasetFolders', folders, vscode.ConfigurationTarget.Global);
    }
  });

  register(COMMANDS.loadMoreDatasets, async (arg?: unknown) => {
    if (!(arg instanceof LoadMoreNode)) return;
    try {
      await tree.loadMore(arg);
    } catch (err) {
      void vscode.window.showErrorMessage(`Could not list ${arg.folder.uri}: ${messageOf(err)}`);
    }
  });

  register(COMMANDS.searchDatasetPrefix, async (arg?: unknown) => {
    let folder = arg instanceof LocationNode && arg.isFolder ? arg : undefined;
    if (!folder) {
      const uri = await vscode.window.showInputBox({
        title: 'Search Prefix: where',
        prompt: 'The bucket or prefix to search below',
        value: 's3://',
        validateInput: (value) => s3UriProblem(value.trim()),
      });
      if (!uri) return;
      await vscode.commands.executeCommand(COMMANDS.openS3Uri, uri.trim());
      const { bucket, key } = parseS3Uri(uri.trim());
      const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
      const target = `s3://${bucket}/${prefix}`;
      folder = new LocationNode({ uri: target, name: target, kind: 'root' }, 'opened', true);
    }
    const text = await vscode.window.showInputBox({
      title: `Search Prefix below ${folder.displayUri}`,
      prompt:
        'Lists every key that starts with this text, in the whole tree below (e.g. images/cat or 2024-)',
      placeHolder: 'key prefix',
    });
    if (text === undefined) return;
    const at = folder;
    await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Searching ${at.displayUri}${text}`,
        cancellable: true,
      },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        const node = await tree.search(at, text, controller.signal, (matched) =>
          progress.report({ message: `${matched} found` }),
        );
        if (node.error) void vscode.window.showErrorMessage(node.error);
      },
    );
  });

  register(COMMANDS.validateDatasetLayout, async (arg?: unknown) => {
    const uri = locationOf(arg) ?? (await askLocation('Validate Dataset Layout'));
    if (!uri) return;
    const shown = isS3Uri(uri) || !uri.startsWith('file:') ? uri : fileURLToPath(uri);
    await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Checking the dataset layout of ${shown}`,
        cancellable: true,
      },
      async (_progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        try {
          const report = await services.datasets.validate(uri, { signal: controller.signal });
          reports.appendLine(`${new Date().toISOString()}  ${formatReport(report)}`);
          reports.appendLine('');
          reports.show(true);
          const summary =
            report.layout === 'unknown'
              ? 'layout not recognised'
              : `${report.layout}, ${report.classes.length} classes, ${report.examples} examples`;
          if (report.errors.length > 0)
            void vscode.window.showWarningMessage(
              `${shown}: ${summary}; ${report.errors.length} problems (see the report).`,
            );
          else void vscode.window.showInformationMessage(`${shown}: ${summary}; ready to train.`);
        } catch (err) {
          if (!controller.signal.aborted)
            void vscode.window.showErrorMessage(`Could not check ${shown}: ${messageOf(err)}`);
        }
      },
    );
  });

  register(COMMANDS.uploadDatasetFolder, async (arg?: unknown) => {
    const fromExplorer = arg instanceof vscode.Uri ? arg : undefined;
    const toFolder = arg instanceof LocationNode && arg.isS3 && arg.isFolder ? arg : undefined;
    const dir =
      fromExplorer?.fsPath ??
      (
        await vscode.window.showOpenDialog({
          canSelectFolders: true,
          canSelectFiles: false,
          openLabel: 'Upload This Folder',
          title: 'Dataset folder to upload',
        })
      )?.[0]?.fsPath;
    if (!dir) return;
    const suggested = toFolder
      ? `${toFolder.uri}${basename(dir)}/`
      : context.globalState.get<string>(LAST_DESTINATION, 's3://');
    const destination = (
      await vscode.window.showInputBox({
        title: `Upload ${basename(dir)} to`,
        prompt: 'The S3 prefix the folder becomes (its files keep their paths below it)',
        value: suggested,
        validateInput: (value) => s3UriProblem(value.trim()),
      })
    )?.trim();
    if (!destination) return;
    await context.globalState.update(LAST_DESTINATION, destination);

    // The layout is checked first: uploading a dataset SageMaker cannot read wastes the trip.
    try {
      const report = await services.datasets.validate(dir);
      if (report.errors.length > 0) {
        const choice = await vscode.window.showWarningMessage(
          `${dir} is not a dataset SageMaker's fine-tuning reads: ${report.errors[0].message}`,
          { modal: true },
          'Upload Anyway',
          'Show Report',
        );
        if (choice === 'Show Report') {
          reports.appendLine(formatReport(report));
          reports.show(true);
        }
        if (choice !== 'Upload Anyway') return;
      }
    } catch {
      // not readable as a dataset: the upload says what is wrong
    }
    const result = await transfer(`Uploading ${basename(dir)} to ${destination}`, (options) =>
      services.datasets.upload(dir, destination, options),
    );
    if (!result) return;
    const skipped = result.skipped.length ? ` (${result.skipped.length} hidden left out)` : '';
    void vscode.window.showInformationMessage(
      `Uploaded ${result.files} files (${formatBytes(result.bytes)}) to ${result.destination}${skipped}.`,
    );
    tree.refresh(toFolder);
  });

  register(COMMANDS.downloadDataset, async (arg?: unknown) => {
    const uri = locationOf(arg) ?? (await askLocation('Download', true));
    if (!uri) return;
    if (!isS3Uri(uri)) {
      void vscode.window.showInformationMessage(`${uri} is already on this machine.`);
      return;
    }
    const picked = (
      await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        openLabel: 'Download Here',
        title: `Download ${uri} into`,
      })
    )?.[0];
    if (!picked) return;
    // A folder keeps its name (as when dragging a folder); one object lands in the folder.
    const { key } = parseS3Uri(uri);
    const folderName = key.endsWith('/') ? basename(key) : undefined;
    const dir = folderName ? join(picked.fsPath, folderName) : picked.fsPath;
    const result = await transfer(`Downloading ${uri}`, (options) =>
      services.datasets.download(uri, dir, options),
    );
    if (!result) return;
    const choice = await vscode.window.showInformationMessage(
      `Downloaded ${result.files} files (${formatBytes(result.bytes)}) to ${dir}.`,
      'Reveal',
    );
    if (choice === 'Reveal')
      await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(dir));
  });

  register(COMMANDS.copyDatasetUri, async (arg?: unknown) => {
    const text =
      arg instanceof LocationNode
        ? arg.displayUri
        : arg instanceof SearchResultsNode
          ? `${arg.folder.uri}${arg.text}`
          : locationOf(arg);
    if (!text) return;
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`Copied ${text}`, 3000);
  });

  /** Runs an upload or download with a cancellable progress notification; asks before overwriting. */
  async function transfer(
    title: string,
    run: (options: TransferOptions) => Promise<TransferResult>,
  ): Promise<TransferResult | undefined> {
    const attempt = (overwrite: boolean) =>
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        async (progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          let shownPercent = 0;
          let lastReport = 0;
          const onProgress = (p: TransferProgress) => {
            const percent = p.totalBytes ? (100 * p.bytes) / p.totalBytes : 0;
            if (Date.now() - lastReport < 200 && p.files < p.totalFiles) return;
            lastReport = Date.now();
            progress.report({
              increment: Math.max(0, percent - shownPercent),
              message: `${p.files}/${p.totalFiles} files, ${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)}`,
            });
            shownPercent = Math.max(shownPercent, percent);
          };
          return run({ signal: controller.signal, onProgress, overwrite });
        },
      );
    try {
      return await attempt(false);
    } catch (err) {
      if ((err as { reason?: string }).reason === 'exists') {
        const choice = await vscode.window.showWarningMessage(
          messageOf(err),
          { modal: true },
          'Overwrite',
        );
        if (choice !== 'Overwrite') return undefined;
        try {
          return await attempt(true);
        } catch (again) {
          void vscode.window.showErrorMessage(messageOf(again));
          return undefined;
        }
      }
      if ((err as Error).name === 'Cancelled')
        void vscode.window.showInformationMessage(messageOf(err));
      else void vscode.window.showErrorMessage(messageOf(err));
      return undefined;
    }
  }
}

/** An s3:// URI or a local folder, typed or picked. */
async function askLocation(title: string, s3Only = false): Promise<string | undefined> {
  const value = await vscode.window.showInputBox({
    title,
    prompt: s3Only ? 'An s3:// URI' : 'An s3:// URI or a local folder',
    value: 's3://',
    validateInput: (text) => {
      const trimmed = text.trim();
      if (isS3Uri(trimmed)) return s3UriProblem(trimmed);
      return s3Only ? 'Give an s3:// URI' : undefined;
    },
  });
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  return isS3Uri(trimmed) ? trimmed : pathToFileURL(trimmed).href;
}
