/**
 * "Copy as SageMaker Python SDK Code" and "Copy as AWS CLI Command": the Create request of a
 * training or tuning job (rebuilt from its description), of the tuning request editor, or of
 * a request JSON file, as text on the clipboard (see src/model/exportRequest.ts).
 */
import * as vscode from 'vscode';
import {
  kindOfRequest,
  toAwsCliCommand,
  toSageMakerPythonSdk,
  trainingRequestFromDescription,
  tuningRequestFromDescription,
  type ExportKind,
  type ExportOptions,
  type ExportRequest,
} from '../../model/exportRequest';
import { COMMANDS } from '../commandIds';
import type { Services } from '../services';
import { TrainingJobNode } from '../trees/trainingJobsTree';
import { TrialNode, TuningJobNode } from '../trees/tuningJobsTree';
import { TuningEditorPanel } from '../panels/editorPanel';
import { readRequestFile } from './tuningJobCommands';

interface Found {
  kind: ExportKind;
  request: ExportRequest;
  /** For the message: "training job x", "tuning-request.json". */
  source: string;
}

/** Also accepted, so scripts and tests can run the commands without a tree item. */
export interface CopyRequestArgs {
  trainingJobName?: string;
  tuningJobName?: string;
  kind?: ExportKind;
  request?: ExportRequest;
}

export function registerCopyRequestCommands(services: Services): void {
  const register = (id: string, format: typeof toAwsCliCommand, what: string) =>
    services.context.subscriptions.push(
      vscode.commands.registerCommand(id, async (arg?: unknown) => {
        let found: Found | undefined;
        try {
          found = await findRequest(services, arg);
        } catch (err) {
          void vscode.window.showErrorMessage(
            `Could not read the request: ${(err as Error).message}`,
          );
          return undefined;
        }
        if (!found) {
          void vscode.window.showInformationMessage(
            'Nothing to copy: use this on a training or tuning job, in the tuning request editor, or in a request JSON file.',
          );
          return undefined;
        }
        const text = format(found.kind, found.request, exportOptions(services));
        await vscode.env.clipboard.writeText(text);
        const placeholders = text.includes('REPLACE_WITH_')
          ? ' It has placeholders for local-only values: see its # note lines.'
          : '';
        void vscode.window.showInformationMessage(
          `Copied ${found.source} as ${what}.${placeholders}`,
        );
        return text;
      }),
    );
  register(COMMANDS.copyAsSageMakerSdk, toSageMakerPythonSdk, 'SageMaker Python SDK code');
  register(COMMANDS.copyAsAwsCli, toAwsCliCommand, 'an AWS CLI command');
}

/** The region and profile of the aws backend, so the copy runs where the jobs are. */
function exportOptions(services: Services): ExportOptions {
  const { config } = services;
  if (config.backend !== 'aws') return {};
  return {
    ...(config.awsRegion ? { region: config.awsRegion } : {}),
    ...(config.awsProfile ? { profile: config.awsProfile } : {}),
  };
}

async function findRequest(services: Services, arg: unknown): Promise<Found | undefined> {
  if (arg instanceof TrainingJobNode || arg instanceof TrialNode) {
    const name = arg instanceof TrainingJobNode ? arg.name : arg.trainingJobName;
    return trainingJob(services, name);
  }
  if (arg instanceof TuningJobNode) return tuningJob(services, arg.name);
  if (arg instanceof vscode.Uri && arg.scheme === 'file') return requestFile(arg);
  const args = arg as CopyRequestArgs | undefined;
  if (args?.request) {
    const kind = args.kind ?? kindOfRequest(args.request);
    return kind ? { kind, request: args.request, source: 'the request' } : undefined;
  }
  if (args?.trainingJobName) return trainingJob(services, args.trainingJobName);
  if (args?.tuningJobName) return tuningJob(services, args.tuningJobName);
  // From the command palette or an editor's title: the active editor's request.
  const editor = TuningEditorPanel.openEditors.find((e) => !e.isDisposed && e.panel.active);
  if (editor) return { kind: 'tuning', request: editor.request(), source: 'the tuning request' };
  const document = vscode.window.activeTextEditor?.document;
  if (document?.languageId === 'json' || document?.fileName.endsWith('.json')) {
    const request = JSON.parse(document.getText()) as ExportRequest;
    const kind = kindOfRequest(request);
    return kind
      ? { kind, request, source: vscode.workspace.asRelativePath(document.uri) }
      : undefined;
  }
  return undefined;
}

async function trainingJob(services: Services, name: string): Promise<Found> {
  const description = await services.backend.describeTrainingJob({ TrainingJobName: name });
  return {
    kind: 'training',
    request: trainingRequestFromDescription(description),
    source: `training job ${name}`,
  };
}

async function tuningJob(services: Services, name: string): Promise<Found> {
  const description = await services.backend.describeHyperParameterTuningJob({
    HyperParameterTuningJobName: name,
  });
  return {
    kind: 'tuning',
    request: tuningRequestFromDescription(description),
    source: `tuning job ${name}`,
  };
}

function requestFile(uri: vscode.Uri): Found | undefined {
  // `${workspaceFolder}` resolved as when the file is run, so paths come out whole.
  const request = readRequestFile(
    uri.fsPath,
    vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
  ) as ExportRequest;
  const kind = kindOfRequest(request);
  return kind ? { kind, request, source: vscode.workspace.asRelativePath(uri) } : undefined;
}
