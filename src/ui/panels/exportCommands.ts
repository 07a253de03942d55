/**
 * "Export Tuning Results as CSV" and "Open Tuning Results in Notebook": a tuning job's training
 * jobs as the SageMaker Python SDK's HyperparameterTuningJobAnalytics lays them out, and a
 * notebook cell that loads them (pandas over the CSV for local jobs, the SDK for aws jobs).
 */
import * as vscode from 'vscode';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { COMMANDS } from '../commandIds';
import type { Services } from '../services';
import { readTuningJob } from './dashboardData';
import { jobFromSummary, parameterDimensions } from './viewModels/dashboard';
import { ipynb, notebookCell, resultsCsv } from './viewModels/export';
import { nameArgument, pickTuningJob } from './pickers';

/** Arguments that let tests and scripts run the commands without prompts. */
export interface ExportArgs {
  tuningJobName: string;
  /** Where to write the CSV (default: ask, starting in the workspace). */
  path?: string;
}

export interface NotebookResult {
  cell: string;
  csvPath?: string;
  /** inserted into the active notebook, opened in a new notebook, or written as an .ipynb file. */
  notebook: 'inserted' | 'opened' | 'file';
  notebookPath?: string;
}

function argsOf(arg: unknown): ExportArgs | undefined {
  if (arg && typeof arg === 'object' && 'tuningJobName' in arg) {
    const a = arg as Record<string, unknown>;
    if (typeof a.tuningJobName === 'string')
      return {
        tuningJobName: a.tuningJobName,
        ...(typeof a.path === 'string' ? { path: a.path } : {}),
      };
  }
  const name = nameArgument(arg, 'name');
  return name ? { tuningJobName: name } : undefined;
}

async function csvOf(
  services: Services,
  name: string,
): Promise<{ csv: string; objectiveType?: 'Maximize' | 'Minimize' }> {
  const { description, summaries } = await readTuningJob(services.backend, name);
  const best = description.BestTrainingJob?.TrainingJobName;
  const jobs = summaries.map((s) => jobFromSummary(s, best));
  const definition = description.TrainingJobDefinition;
  const config = description.HyperParameterTuningJobConfig;
  const dims = parameterDimensions(
    definition?.HyperParameterRanges ?? config?.ParameterRanges,
    jobs,
  );
  const type = (config?.HyperParameterTuningJobObjective ?? definition?.TuningObjective)?.Type;
  return {
    csv: resultsCsv(jobs, dims),
    ...(type === 'Maximize' || type === 'Minimize' ? { objectiveType: type } : {}),
  };
}

function resultsFolder(services: Services): string {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return root ? join(root, 'tuning-results') : services.context.globalStorageUri.fsPath;
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

export function registerExportCommands(services: Services): void {
  const { context } = services;
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.exportTuningResults, async (arg?: unknown) => {
      const args: ExportArgs | undefined =
        argsOf(arg) ??
        (await pickTuningJob(services, 'Export Tuning Results as CSV').then((n) =>
          n ? { tuningJobName: n } : undefined,
        ));
      if (!args) return undefined;
      const { csv } = await csvOf(services, args.tuningJobName);
      let path = args.path;
      if (!path) {
        const target = await vscode.window.showSaveDialog({
          title: `Export ${args.tuningJobName} as CSV`,
          defaultUri: vscode.Uri.file(join(resultsFolder(services), `${args.tuningJobName}.csv`)),
          filters: { CSV: ['csv'] },
        });
        if (!target) return undefined;
        path = target.fsPath;
      }
      write(path, csv);
      if (!args.path) {
        void vscode.window
          .showInformationMessage(`Saved the results of ${args.tuningJobName} to ${path}`, 'Open')
          .then((choice) => {
            if (choice === 'Open')
              void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(path));
          });
      }
      return path;
    }),

    vscode.commands.registerCommand(
      COMMANDS.openTuningResultsInNotebook,
      async (arg?: unknown): Promise<NotebookResult | undefined> => {
        const name =
          argsOf(arg)?.tuningJobName ??
          (await pickTuningJob(services, 'Open Tuning Results in Notebook'));
        if (!name) return undefined;
        const backend = services.backend.kind;
        const { csv, objectiveType } = await csvOf(services, name);
        let csvPath: string | undefined;
        if (backend === 'local') {
          csvPath = join(resultsFolder(services), `${name}.csv`);
          write(csvPath, csv);
        }
        const cell = notebookCell({
          tuningJobName: name,
          backend,
          ...(csvPath ? { csvPath } : {}),
          ...(objectiveType ? { objectiveType } : {}),
        });
        return insertCell(services, name, cell, csvPath);
      },
    ),
  );
}

async function insertCell(
  services: Services,
  name: string,
  cell: string,
  csvPath: string | undefined,
): Promise<NotebookResult> {
  const cellData = new vscode.NotebookCellData(vscode.NotebookCellKind.Code, cell, 'python');
  const editor = vscode.window.activeNotebookEditor;
  const base = { cell, ...(csvPath ? { csvPath } : {}) };
  if (editor) {
    const index = editor.selection.end;
    const edit = new vscode.WorkspaceEdit();
    edit.set(editor.notebook.uri, [vscode.NotebookEdit.insertCells(index, [cellData])]);
    await vscode.workspace.applyEdit(edit);
    return { ...base, notebook: 'inserted' };
  }
  try {
    const document = await vscode.workspace.openNotebookDocument(
      'jupyter-notebook',
      new vscode.NotebookData([cellData]),
    );
    await vscode.window.showNotebookDocument(document);
    return { ...base, notebook: 'opened' };
  } catch {
    // No Jupyter notebook support here: write the notebook for whichever tool opens it.
    const notebookPath = join(resultsFolder(services), `${name}.ipynb`);
    write(notebookPath, ipynb(cell));
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(notebookPath));
    void vscode.window.showInformationMessage(
      `Wrote ${notebookPath} with a cell that loads the results of ${name} (install a Jupyter extension to run it here).`,
    );
    return { ...base, notebook: 'file', notebookPath };
  }
}
