import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'sagemaker-workbench.sagemaker-workbench';

describe('activation', () => {
  it('activates and registers sagemakerWorkbench.runTrainingScriptLocally', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `extension ${EXTENSION_ID} is not loaded`);
    await extension.activate();
    assert.equal(extension.isActive, true);
    const commands = await vscode.commands.getCommands(true);
    assert.ok(
      commands.includes('sagemakerWorkbench.runTrainingScriptLocally'),
      'command sagemakerWorkbench.runTrainingScriptLocally is not registered',
    );
  });
});
