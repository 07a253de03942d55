/**
 * Every command the extension contributes. A unit test checks this table against
 * package.json, so a typo on either side fails the build's tests.
 */
export const COMMANDS = {
  runTrainingScriptLocally: 'sagemakerWorkbench.runTrainingScriptLocally',
  refreshTrainingJobs: 'sagemakerWorkbench.refreshTrainingJobs',
  stopTrainingJob: 'sagemakerWorkbench.stopTrainingJob',
  showTrainingJobLogs: 'sagemakerWorkbench.showTrainingJobLogs',
  revealTrainingJobOutput: 'sagemakerWorkbench.revealTrainingJobOutput',
  describeTrainingJob: 'sagemakerWorkbench.describeTrainingJob',
  createTuningJob: 'sagemakerWorkbench.createTuningJob',
  refreshTuningJobs: 'sagemakerWorkbench.refreshTuningJobs',
  stopTuningJob: 'sagemakerWorkbench.stopTuningJob',
  describeTuningJob: 'sagemakerWorkbench.describeTuningJob',
  selectBackend: 'sagemakerWorkbench.selectBackend',
  selectAwsProfile: 'sagemakerWorkbench.selectAwsProfile',
  openTuningDashboard: 'sagemakerWorkbench.openTuningDashboard',
  exportTuningResults: 'sagemakerWorkbench.exportTuningResults',
  openTuningResultsInNotebook: 'sagemakerWorkbench.openTuningResultsInNotebook',
  fineTuneModel: 'sagemakerWorkbench.fineTuneModel',
  trainIncrementally: 'sagemakerWorkbench.trainIncrementally',
} as const;

export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];

export const VIEWS = {
  datasets: 'sagemakerWorkbench.datasets',
  models: 'sagemakerWorkbench.models',
  trainingJobs: 'sagemakerWorkbench.trainingJobs',
  tuningJobs: 'sagemakerWorkbench.tuningJobs',
} as const;

/** `contextValue`s of tree items, matched by `viewItem` in package.json menus. */
export const CONTEXT = {
  runningTrainingJob: 'trainingJob.running',
  finishedTrainingJob: 'trainingJob.finished',
  model: 'model.artifact',
  runningTuningJob: 'tuningJob.running',
  finishedTuningJob: 'tuningJob.finished',
} as const;
