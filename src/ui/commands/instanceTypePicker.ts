/**
 * The instance-type picker: a QuickPick of the catalog's types (GPUs, vCPUs, memory, price),
 * used by "Fine-tune a Model..." on the aws backend and by "Set Instance Type of Request...",
 * which moves a request JSON to another type and rescales its batch_size by the GPU count.
 */
import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import type { Services } from '../services';
import { instanceTypeItems, PRICE_NOTE, withInstanceType } from './instanceTypeItems';

type PickItem = vscode.QuickPickItem & { instanceType?: string };

/** Asks for an instance type; the detail of multi-GPU types shows the batch size they get. */
export async function pickInstanceType(
  options: { title?: string; current?: string; perDeviceBatchSize?: number } = {},
): Promise<string | undefined> {
  const items: PickItem[] = [];
  let group: string | undefined;
  for (const item of instanceTypeItems(options)) {
    if (item.group !== group) {
      group = item.group;
      items.push({ label: group, kind: vscode.QuickPickItemKind.Separator });
    }
    items.push({
      label: item.label,
      description: item.description,
      ...(item.detail ? { detail: item.detail } : {}),
      instanceType: item.instanceType,
    });
  }
  const pick = await vscode.window.showQuickPick(items, {
    title: options.title ?? 'Instance type',
    placeHolder: `${options.current ? `Now ${options.current}. ` : ''}${PRICE_NOTE}`,
    matchOnDescription: true,
    ignoreFocusOut: true,
  });
  return pick?.instanceType;
}

export function registerInstanceTypeCommands(services: Services): void {
  services.context.subscriptions.push(
    vscode.commands.registerCommand(
      COMMANDS.setRequestInstanceType,
      async (arg?: vscode.Uri | { file: string; instanceType: string }) => {
        const uri =
          arg instanceof vscode.Uri
            ? arg
            : arg?.file
              ? vscode.Uri.file(arg.file)
              : vscode.window.activeTextEditor?.document.uri;
        if (!uri) {
          void vscode.window.showInformationMessage(
            'Open a training or tuning request (.json) first.',
          );
          return undefined;
        }
        const document = await vscode.workspace.openTextDocument(uri);
        let request: Record<string, unknown>;
        try {
          request = JSON.parse(document.getText()) as Record<string, unknown>;
        } catch (err) {
          void vscode.window.showErrorMessage(
            `${vscode.workspace.asRelativePath(uri)} is not valid JSON: ${(err as Error).message}`,
          );
          return undefined;
        }
        const current = currentInstanceType(request);
        const instanceType =
          arg && !(arg instanceof vscode.Uri)
            ? arg.instanceType
            : await pickInstanceType({ title: 'Set Instance Type of Request', current });
        if (!instanceType) return undefined;
        const moved = withInstanceType(request, instanceType);
        if (moved.changed === 0) {
          void vscode.window.showErrorMessage(
            `${vscode.workspace.asRelativePath(uri)} has no ResourceConfig: it is not a training or tuning request.`,
          );
          return undefined;
        }
        const edit = new vscode.WorkspaceEdit();
        const whole = new vscode.Range(
          document.positionAt(0),
          document.positionAt(document.getText().length),
        );
        edit.replace(uri, whole, `${JSON.stringify(moved.request, null, 2)}\n`);
        await vscode.workspace.applyEdit(edit);
        void vscode.window.showInformationMessage(
          [`Instance type: ${instanceType}.`, ...moved.notes].join(' '),
        );
        return moved.request;
      },
    ),
  );
}

function currentInstanceType(request: Record<string, unknown>): string | undefined {
  const of = (owner: unknown): string | undefined => {
    const o = owner as
      | {
          ResourceConfig?: { InstanceType?: string };
          HyperParameterTuningResourceConfig?: { InstanceType?: string };
        }
      | undefined;
    return o?.ResourceConfig?.InstanceType ?? o?.HyperParameterTuningResourceConfig?.InstanceType;
  };
  const definitions = request.TrainingJobDefinitions as unknown[] | undefined;
  return of(request) ?? of(request.TrainingJobDefinition) ?? of(definitions?.[0]);
}
