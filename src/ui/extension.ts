/**
 * Activation only wires things together: one Services object handed to each view and
 * command factory, every disposable registered. A failed activation is shown to the user.
 */
import * as vscode from 'vscode';
import { Services } from './services';
import { TrainingJobsTree } from './trees/trainingJobsTree';
import { ModelsTree, registerEmptyView } from './trees/simpleTrees';
import { JobLogs } from './jobLogs';
import { registerTrainingJobCommands } from './commands/trainingJobCommands';
import { registerStatusBar } from './statusBar';
import { registerBackendPicker } from './backendPicker';
import { TuningJobsTree } from './trees/tuningJobsTree';
import { registerTuningJobCommands } from './commands/tuningJobCommands';
import { registerFineTuneCommands } from './commands/fineTuneCommands';
import { VIEWS } from './commandIds';
import { registerPanels } from './panels/registerPanels';

export interface ExtensionApi {
  services: Services;
  trainingJobs: TrainingJobsTree;
  tuningJobs: TuningJobsTree;
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  try {
    const services = new Services(context);
    context.subscriptions.push(services);
    const logs = new JobLogs(services);
    context.subscriptions.push(logs);
    const trainingJobs = TrainingJobsTree.register(services);
    ModelsTree.register(services, trainingJobs);
    registerEmptyView(services, VIEWS.datasets);
    const tuningJobs = TuningJobsTree.register(services);
    registerTrainingJobCommands(services, logs);
    registerTuningJobCommands(services);
    registerFineTuneCommands(services, logs);
    registerPanels(services);
    registerStatusBar(services, trainingJobs);
    registerBackendPicker(services);
    return { services, trainingJobs, tuningJobs };
  } catch (err) {
    void vscode.window.showErrorMessage(
      `SageMaker Workbench failed to start: ${(err as Error).message}`,
    );
    throw err;
  }
}

export function deactivate(): void {}
