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
  createTuningJobFromJson: 'sagemakerWorkbench.createTuningJobFromJson',
  warmStartTuningJob: 'sagemakerWorkbench.warmStartTuningJob',
  openTrainingRun: 'sagemakerWorkbench.openTrainingRun',
  fineTuneModel: 'sagemakerWorkbench.fineTuneModel',
  trainIncrementally: 'sagemakerWorkbench.trainIncrementally',
  copyAsSageMakerSdk: 'sagemakerWorkbench.copyAsSageMakerSdk',
  copyAsAwsCli: 'sagemakerWorkbench.copyAsAwsCli',
  setRequestInstanceType: 'sagemakerWorkbench.setRequestInstanceType',
  refreshDatasets: 'sagemakerWorkbench.refreshDatasets',
  openS3Uri: 'sagemakerWorkbench.openS3Uri',
  addLocalDatasetFolder: 'sagemakerWorkbench.addLocalDatasetFolder',
  removeDatasetLocation: 'sagemakerWorkbench.removeDatasetLocation',
  loadMoreDatasets: 'sagemakerWorkbench.loadMoreDatasets',
  searchDatasetPrefix: 'sagemakerWorkbench.searchDatasetPrefix',
  validateDatasetLayout: 'sagemakerWorkbench.validateDatasetLayout',
  uploadDatasetFolder: 'sagemakerWorkbench.uploadDatasetFolder',
  downloadDataset: 'sagemakerWorkbench.downloadDataset',
  copyDatasetUri: 'sagemakerWorkbench.copyDatasetUri',
  refreshModels: 'sagemakerWorkbench.refreshModels',
  revealModelArtifact: 'sagemakerWorkbench.revealModelArtifact',
  copyModelArtifactUri: 'sagemakerWorkbench.copyModelArtifactUri',
  describeModel: 'sagemakerWorkbench.describeModel',
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
  /** A model.tar.gz (Models view); the item carries `artifactUri`. */
  modelArtifact: 'modelArtifact',
  /** A SageMaker model (Models view, aws). */
  sageMakerModel: 'sageMakerModel',
  /**
   * Datasets view: `dataset.<folder|object>.<s3|local>`, then `.opened` for locations the user
   * opened, `.root` for registered local folders.
   */
  s3Folder: 'dataset.folder.s3',
  s3Object: 'dataset.object.s3',
  localFolder: 'dataset.folder.local',
  localObject: 'dataset.object.local',
  openedSuffix: '.opened',
  rootSuffix: '.root',
  searchResults: 'dataset.search',
  loadMore: 'dataset.loadMore',
  runningTuningJob: 'tuningJob.running',
  finishedTuningJob: 'tuningJob.finished',
} as const;
