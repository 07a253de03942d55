/**
 * Activation only wires things together: one Services object handed to each view and
 * command factory, every disposable registered. A failed activation is shown to the user.
 */
import * as vscode from 'vscode';
import { Services } from './services';
import { TrainingJobsTree } from './trees/trainingJobsTree';
import { ModelsTree } from './trees/modelsTree';
import { DatasetsTree } from './trees/datasetsTree';
import { registerDatasetCommands } from './commands/datasetCommands';
import { registerModelCommands } from './commands/modelCommands';
import { JobLogs } from './jobLogs';
import { registerTrainingJobCommands } from './commands/trainingJobCommands';
import { registerStatusBar } from './statusBar';
import { registerBackendPicker } from './backendPicker';
import { TuningJobsTree } from './trees/tuningJobsTree';
import { registerTuningJobCommands } from './commands/tuningJobCommands';
import { registerFineTuneCommands } from './commands/fineTuneCommands';
import { DashboardPanel } from './panels/dashboardPanel';
import { registerInstanceTypeCommands } from './commands/instanceTypePicker';
import { registerPanels } from './panels/registerPanels';
import { registerCopyRequestCommands } from './commands/copyRequestCommands';

export interface ExtensionApi {
  services: Services;
  trainingJobs: TrainingJobsTree;
  tuningJobs: TuningJobsTree;
  datasets: DatasetsTree;
  models: ModelsTree;
  /** The open tuning dashboards. */
  dashboards(): readonly DashboardPanel[];
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  try {
    const services = new Services(context);
    context.subscriptions.push(services);
    const logs = new JobLogs(services);
    context.subscriptions.push(logs);
    const trainingJobs = TrainingJobsTree.register(services);
    const models = ModelsTree.register(services, trainingJobs);
    const datasets = DatasetsTree.register(services);
    const tuningJobs = TuningJobsTree.register(services);
    registerTrainingJobCommands(services, logs);
    registerTuningJobCommands(services);
    registerDatasetCommands(services, datasets);
    registerModelCommands(services, models);
    registerFineTuneCommands(services, logs);
    registerInstanceTypeCommands(services);
    registerPanels(services);
    registerCopyRequestCommands(services);
    registerStatusBar(services, trainingJobs);
    registerBackendPicker(services);
    return {
      services,
      trainingJobs,
      tuningJobs,
      datasets,
      models,
      dashboards: () => DashboardPanel.openPanels,
    };
  } catch (err) {
    void vscode.window.showErrorMessage(
      `SageMaker Workbench failed to start: ${(err as Error).message}`,
    );
    throw err;
  }
}

export function deactivate(): void {}
