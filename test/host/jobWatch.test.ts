// On the aws backend nothing asks SageMaker for jobs while no view shows them: with the
// SageMaker views hidden the backend gets no List request; showing Training Jobs starts the
// watch, hiding it again stops it. The backend's list operations are replaced by counters,
// so nothing leaves the machine.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/ui/extension';
import { until } from './until';

const EXTENSION_ID = 'sagemaker-workbench.sagemaker-workbench';
const SECTION = 'sagemakerWorkbench';

async function api(): Promise<ExtensionApi> {
  const extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  assert.ok(extension);
  return extension.activate();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('job changes are watched only while a view shows them', () => {
  after(async () => {
    const config = vscode.workspace.getConfiguration(SECTION);
    // The test workspace's own settings choose the local backend: back to them.
    await config.update('backend', 'local', vscode.ConfigurationTarget.Workspace);
    await config.update('aws.region', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.view.explorer');
  });

  it('aws: no List request while the Training Jobs view is hidden; polling while shown', async () => {
    const { services } = await api();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.view.explorer');
    await until('the SageMaker views hidden', () => !services.jobWatchState.reasons.length);

    const config = vscode.workspace.getConfiguration(SECTION);
    await config.update('aws.region', 'us-east-1', vscode.ConfigurationTarget.Workspace);
    await config.update('backend', 'aws', vscode.ConfigurationTarget.Workspace);
    await until('the aws backend', () => services.config.backend === 'aws').catch((err: Error) => {
      throw new Error(`${err.message}: ${services.config.backend}`);
    });
    assert.equal(services.backendProblem, undefined);
    assert.equal(services.backend.kind, 'aws');
    const backend = services.backend;
    let lists = 0;
    backend.listTrainingJobs = async () => {
      lists++;
      return { TrainingJobSummaries: [], $metadata: {} };
    };
    backend.listHyperParameterTuningJobs = async () => {
      lists++;
      return { HyperParameterTuningJobSummaries: [], $metadata: {} };
    };

    assert.equal(services.jobWatchState.watching, false);
    await sleep(1500);
    assert.equal(lists, 0, 'nothing listed while hidden');

    await vscode.commands.executeCommand('sagemakerWorkbench.trainingJobs.focus');
    await until('the view to hold the watch', () =>
      services.jobWatchState.reasons.includes('Training Jobs view'),
    );
    assert.equal(services.jobWatchState.watching, true);
    await until('a list request', () => lists > 0);
    // The poller's baseline and the views' first reads: let them finish before hiding.
    for (let before = -1; before !== lists;) {
      before = lists;
      await sleep(1000);
    }

    await vscode.commands.executeCommand('workbench.view.explorer');
    await until('the watch to stop', () => !services.jobWatchState.watching);
    const seen = lists;
    await sleep(1500);
    assert.equal(lists, seen, 'nothing listed once hidden again');
  });
});
