/**
 * Commands of the Models view: refresh, reveal an artifact (the file on this machine, the S3
 * console for s3:// ones), copy its URI, open a SageMaker model's description.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseS3Uri } from '../../backends/aws/s3/s3Uri';
import { COMMANDS } from '../commandIds';
import type { Services } from '../services';
import { ArtifactNode, SageMakerModelNode, type ModelsTree } from '../trees/modelsTree';

function artifactUriOf(arg: unknown): string | undefined {
  if (arg instanceof ArtifactNode) return arg.artifactUri;
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'artifactUri' in arg) {
    const uri = (arg as { artifactUri?: unknown }).artifactUri;
    return typeof uri === 'string' ? uri : undefined;
  }
  return undefined;
}

export function registerModelCommands(services: Services, tree: ModelsTree): void {
  const register = (id: string, fn: (...args: never[]) => unknown) =>
    services.context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  register(COMMANDS.refreshModels, () => tree.refresh());

  register(COMMANDS.revealModelArtifact, async (arg?: unknown) => {
    const uri = artifactUriOf(arg);
    if (!uri) return;
    if (uri.startsWith('file://')) {
      const path = fileURLToPath(uri);
      if (!existsSync(path)) {
        void vscode.window.showWarningMessage(`${path} no longer exists.`);
        return;
      }
      await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(path));
      return;
    }
    try {
      const { bucket, key } = parseS3Uri(uri);
      const region = services.config.awsRegion;
      const console = vscode.Uri.parse(
        `https://s3.console.aws.amazon.com/s3/object/${bucket}?` +
          (region ? `region=${encodeURIComponent(region)}&` : '') +
          `prefix=${encodeURIComponent(key)}`,
      );
      await vscode.env.openExternal(console);
    } catch (err) {
      void vscode.window.showErrorMessage((err as Error).message);
    }
  });

  register(COMMANDS.copyModelArtifactUri, async (arg?: unknown) => {
    const uri = artifactUriOf(arg);
    if (!uri) return;
    await vscode.env.clipboard.writeText(uri);
    vscode.window.setStatusBarMessage(`Copied ${uri}`, 3000);
  });

  register(COMMANDS.describeModel, async (arg?: unknown) => {
    const name =
      arg instanceof SageMakerModelNode
        ? arg.name
        : typeof arg === 'string'
          ? arg
          : await vscode.window.showInputBox({
              title: 'Describe SageMaker Model',
              prompt: 'Model name',
            });
    if (!name) return;
    try {
      const model = await services.models.describeModel(name);
      const document = await vscode.workspace.openTextDocument({
        language: 'json',
        content: JSON.stringify(model, null, 2),
      });
      await vscode.window.showTextDocument(document, { preview: true });
    } catch (err) {
      void vscode.window.showErrorMessage(`Could not describe ${name}: ${(err as Error).message}`);
    }
  });
}
