/**
 * "Fine-tune a Model...": a dataset folder (its layout decides image or text
 * classification, and is validated with a report before anything runs), a pretrained
 * backbone, hyperparameters checked as they are typed - then a built-in training job.
 * "Train Incrementally from This Model": a new job whose `model` channel is an earlier job's
 * model.tar.gz, on the same or another dataset with the same classes.
 */
import * as vscode from 'vscode';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DescribeTrainingJobResponse } from '../../model/types';
import type { BuiltinAlgorithm } from '../../model/builtinAlgorithms';
import { parseKeyValues } from '../../model/scriptJob';
import { fineTuneJobRequest, incrementalJobRequest } from '../../model/fineTuneJob';
import type * as Reports from '../../engine/training/data/report';
import { defaultHyperParameters, parseHyperParameters } from '../../engine/builtin/hyperparameters';
import { bundledBackboneNames, CATALOG, loadBundledBackbone } from '../../engine/builtin/catalog';
import { defaultStoreDir } from '../../backends/local/localBackend';
import { COMMANDS } from '../commandIds';
import type { Services } from '../services';
import type { JobLogs } from '../jobLogs';
import { TrainingJobNode } from '../trees/trainingJobsTree';
import { launchTrainingJob } from './trainingJobCommands';
import { pickInstanceType } from './instanceTypePicker';
import { BATCH_SIZE, scaleBatchSize } from './instanceTypeItems';
import { siftingInputMessage } from '../panels/viewModels/sifting';

// The dataset readers (csv-parse, pngjs, jpeg-js) are dist/datasets.js, loaded on first use.
const reports = (): typeof Reports =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../../engine/training/data/report') as typeof Reports;
const reportDataset: typeof Reports.reportDataset = (...args) => reports().reportDataset(...args);
const formatReport: typeof Reports.formatReport = (...args) => reports().formatReport(...args);

/**
 * The modal confirmation before a fine-tuning job: true for `go`; "Show Report" opens the
 * dataset's report instead (and launches nothing).
 */
async function confirmWithReport(
  message: string,
  go: string,
  report: Awaited<ReturnType<typeof reportDataset>>,
  showReport: (text: string) => void,
): Promise<boolean> {
  const choice = await vscode.window.showInformationMessage(
    message,
    { modal: true },
    go,
    'Show Report',
  );
  if (choice === 'Show Report') showReport(formatReport(report));
  return choice === go;
}

/** Arguments that let scripts and tests run the command without prompts. */
export interface FineTuneArgs {
  dataset: string;
  validation?: string;
  backbone?: string;
  hyperParameters?: Record<string, string>;
  jobName?: string;
  wait?: boolean;
  /** aws backend: the ResourceConfig instance type (default ml.m5.xlarge). */
  instanceType?: string;
  /** aws backend: the fine-tuning container image (an ECR URI); required there. */
  trainingImage?: string;
}

export interface TrainIncrementallyArgs {
  /** The earlier job (its model.tar.gz becomes the model channel). */
  jobName: string;
  /** Another dataset with the same classes; default: the earlier job's. */
  dataset?: string;
  hyperParameters?: Record<string, string>;
  wait?: boolean;
}

const QUICK_HYPERPARAMETERS =
  'epochs=5 learning_rate=0.001 batch_size=32 train_only_top_layer=False';
const MEMENTO_TRAINING_IMAGE = 'fineTune.trainingImage';

export function registerFineTuneCommands(services: Services, logs: JobLogs): void {
  const { context } = services;
  let reportChannel: vscode.OutputChannel | undefined;
  const showReport = (text: string) => {
    reportChannel ??= vscode.window.createOutputChannel('SageMaker Dataset Report');
    reportChannel.clear();
    reportChannel.appendLine(text);
    reportChannel.show(true);
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(
      COMMANDS.fineTuneModel,
      async (arg?: FineTuneArgs | vscode.Uri) => {
        const dataset =
          arg instanceof vscode.Uri
            ? arg.fsPath
            : (arg?.dataset ?? (await pickFolder('Dataset to fine-tune on')));
        if (!dataset) return undefined;
        const report = await reportDataset(dataset);
        if (report.layout === 'unknown' || report.errors.length > 0) {
          showReport(formatReport(report));
          void vscode.window.showErrorMessage(
            `${dataset} cannot be used for fine-tuning: ${report.errors[0]?.message ?? 'unknown layout'} (report in the output panel).`,
          );
          return undefined;
        }
        const algorithm: BuiltinAlgorithm =
          report.layout === 'images' ? 'image-classification' : 'text-classification';
        const aws = services.backend.kind === 'aws';
        const args: FineTuneArgs | undefined =
          arg && !(arg instanceof vscode.Uri)
            ? arg
            : aws
              ? await promptAwsFineTune(services, algorithm, dataset, report, showReport)
              : await promptFineTune(algorithm, dataset, report, showReport);
        if (!args) return undefined;
        if (aws && !args.trainingImage) {
          void vscode.window.showErrorMessage(
            'On SageMaker, fine-tuning runs a container image: give trainingImage (the ECR URI of a fine-tuning image that reads the training and validation channels).',
          );
          return undefined;
        }
        const storeDir = services.config.localStoreDirectory || defaultStoreDir();
        let request;
        try {
          const hyperParameters = {
            ...args.hyperParameters,
            ...(args.backbone ? { backbone: args.backbone } : {}),
          };
          parseHyperParameters(algorithm, hyperParameters);
          request = fineTuneJobRequest({
            algorithm,
            training: pathToFileURL(dataset).href,
            ...(args.validation ? { validation: pathToFileURL(args.validation).href } : {}),
            hyperParameters,
            // On aws the output prefix comes from sagemakerWorkbench.aws.outputS3Uri.
            outputUri: aws ? '' : pathToFileURL(join(storeDir, 'output')).href,
            ...(args.jobName ? { jobName: args.jobName } : {}),
            ...(aws && args.trainingImage ? { trainingImage: args.trainingImage } : {}),
            ...(aws && args.instanceType ? { instanceType: args.instanceType } : {}),
          });
        } catch (err) {
          void vscode.window.showErrorMessage((err as Error).message);
          return undefined;
        }
        return launchTrainingJob(services, logs, request, args.wait ?? false);
      },
    ),

    vscode.commands.registerCommand(
      COMMANDS.trainIncrementally,
      async (
        arg?:
          | TrainIncrementallyArgs
          | TrainingJobNode
          | { artifactUri?: string; jobName?: string }
          | string,
      ) => {
        const jobName =
          typeof arg === 'string'
            ? arg
            : arg instanceof TrainingJobNode
              ? arg.name
              : (arg?.jobName ??
                jobOfArtifact(arg && 'artifactUri' in arg ? arg.artifactUri : undefined) ??
                (await pickFinishedBuiltinJob(services)));
        if (!jobName) return undefined;
        let parent: DescribeTrainingJobResponse;
        try {
          parent = await services.backend.describeTrainingJob({ TrainingJobName: jobName });
        } catch (err) {
          void vscode.window.showErrorMessage(
            `Could not read ${jobName}: ${(err as Error).message}`,
          );
          return undefined;
        }
        const given =
          typeof arg === 'object' && arg !== null && 'dataset' in arg
            ? (arg as TrainIncrementallyArgs)
            : undefined;
        let dataset = given?.dataset;
        if (!given) {
          const same = 'Same Dataset';
          const choice = await vscode.window.showQuickPick([same, 'Choose Another Dataset...'], {
            title: `Train incrementally from ${jobName}`,
            placeHolder: 'The new data must have the same classes as the model',
          });
          if (!choice) return undefined;
          if (choice !== same) {
            dataset = await pickFolder('Dataset with the same classes');
            if (!dataset) return undefined;
          }
        }
        try {
          const request = incrementalJobRequest(parent, {
            ...(dataset ? { training: pathToFileURL(dataset).href } : {}),
            ...(given?.hyperParameters ? { hyperParameters: given.hyperParameters } : {}),
          });
          return await launchTrainingJob(services, logs, request, given?.wait ?? false);
        } catch (err) {
          void vscode.window.showErrorMessage((err as Error).message);
          return undefined;
        }
      },
    ),
  );
}

/** The job that wrote `<output>/<job>/output/model.tar.gz`. */
function jobOfArtifact(uri: string | undefined): string | undefined {
  return uri ? /\/([^/]+)\/output\/model\.tar\.gz$/.exec(uri)?.[1] : undefined;
}

async function pickFolder(title: string): Promise<string | undefined> {
  const chosen = await vscode.window.showOpenDialog({
    title,
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    openLabel: 'Use This Dataset',
  });
  return chosen?.[0]?.fsPath;
}

async function promptFineTune(
  algorithm: BuiltinAlgorithm,
  dataset: string,
  report: Awaited<ReturnType<typeof reportDataset>>,
  showReport: (text: string) => void,
): Promise<FineTuneArgs | undefined> {
  const kind = algorithm === 'image-classification' ? 'image' : 'text';
  const bundled = bundledBackboneNames()
    .map((name) => loadBundledBackbone(name))
    .filter((b) => b.kind === kind)
    .map((b) => ({
      label: b.name,
      description: 'bundled, works offline',
      detail: b.description,
      value: '' as string,
    }));
  const catalog = CATALOG.filter((e) => e.kind === kind).map((e) => ({
    label: e.name,
    description: `downloads ${(e.sizeBytes / 1e6).toFixed(0)} MB once, sha256-checked`,
    detail: `${e.description} - ${e.license}`,
    value: e.name,
  }));
  const browse = {
    label: '$(folder-opened) An ONNX file...',
    description: '',
    detail: 'A backbone exported from torchvision, timm or Hugging Face',
    value: '?',
  };
  const pick = await vscode.window.showQuickPick(
    [...bundled, ...catalog, ...(kind === 'image' ? [browse] : [])],
    {
      title: `Fine-tune (1/2): pretrained model for ${algorithm}`,
      ignoreFocusOut: true,
    },
  );
  if (!pick) return undefined;
  let backbone = pick.value;
  if (backbone === '?') {
    const file = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { 'ONNX model': ['onnx'] },
    });
    if (!file?.[0]) return undefined;
    backbone = file[0].fsPath;
  }
  const defaults = Object.fromEntries(
    Object.entries(defaultHyperParameters(algorithm)).map(([k, v]) => [
      k,
      typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v),
    ]),
  );
  const hpText = await vscode.window.showInputBox({
    title: `Fine-tune (2/2): hyperparameters of local:${algorithm}`,
    prompt:
      'name=value pairs separated by spaces (JumpStart names: epochs, learning_rate, batch_size, optimizer, train_only_top_layer, dropout_rate, ...; smart sifting: sift_beta_value=1)',
    value: QUICK_HYPERPARAMETERS,
    ignoreFocusOut: true,
    validateInput: (text) => {
      try {
        const values = parseKeyValues(text);
        parseHyperParameters(algorithm, values);
        // With sifting on, the expected kept fraction and the advice, as information.
        const sifting = siftingInputMessage(values, defaults);
        return sifting
          ? { message: sifting, severity: vscode.InputBoxValidationSeverity.Info }
          : undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
  });
  if (hpText === undefined) return undefined;
  const summary = `${report.classes.length} classes, ${report.examples} examples${report.warnings.length ? `, ${report.warnings.length} warnings` : ''}`;
  const message = `Fine-tune ${pick.label} on ${dataset} (${summary})?`;
  if (!(await confirmWithReport(message, 'Fine-tune', report, showReport))) return undefined;
  return { dataset, backbone, hyperParameters: parseKeyValues(hpText) };
}

/**
 * The aws flow: an instance type from the picker (batch_size scaled by its GPU count, and the
 * user told so), the fine-tuning image, hyperparameters. The dataset folder is uploaded to the
 * job's S3 prefix when the job is created.
 */
async function promptAwsFineTune(
  services: Services,
  algorithm: BuiltinAlgorithm,
  dataset: string,
  report: Awaited<ReturnType<typeof reportDataset>>,
  showReport: (text: string) => void,
): Promise<FineTuneArgs | undefined> {
  const quick = parseKeyValues(QUICK_HYPERPARAMETERS);
  const instanceType = await pickInstanceType({
    title: `Fine-tune on SageMaker (1/3): instance type for ${algorithm}`,
    perDeviceBatchSize: Number(quick[BATCH_SIZE]),
  });
  if (!instanceType) return undefined;
  const state = services.context.globalState;
  const trainingImage = await vscode.window.showInputBox({
    title: 'Fine-tune on SageMaker (2/3): training image',
    prompt:
      'ECR URI of a fine-tuning container that reads the training and validation channels and JumpStart hyperparameters',
    placeHolder: '123456789012.dkr.ecr.us-east-1.amazonaws.com/my-fine-tuning:latest',
    value: state.get<string>(MEMENTO_TRAINING_IMAGE, ''),
    ignoreFocusOut: true,
    validateInput: (text) =>
      /^[^\s:/]+(?::\d+)?\/[^\s]+$/.test(text.trim())
        ? undefined
        : 'A container image URI: registry/repository[:tag] (e.g. an ECR image)',
  });
  if (!trainingImage) return undefined;
  await state.update(MEMENTO_TRAINING_IMAGE, trainingImage.trim());
  const scaled = scaleBatchSize(quick, instanceType);
  const hpText = await vscode.window.showInputBox({
    title: `Fine-tune on SageMaker (3/3): hyperparameters on ${instanceType}`,
    prompt: scaled.note ?? 'name=value pairs separated by spaces (JumpStart names)',
    value: Object.entries(scaled.hyperParameters)
      .map(([name, value]) => `${name}=${value}`)
      .join(' '),
    ignoreFocusOut: true,
    validateInput: (text) => {
      try {
        parseHyperParameters(algorithm, parseKeyValues(text));
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
  });
  if (hpText === undefined) return undefined;
  const summary = `${report.classes.length} classes, ${report.examples} examples`;
  const message =
    `Fine-tune on ${instanceType} with ${trainingImage.trim()} on ${dataset} (${summary})? ` +
    `The folder is uploaded to the job's S3 prefix first.${scaled.note ? ` ${scaled.note}` : ''}`;
  if (!(await confirmWithReport(message, 'Upload and Fine-tune', report, showReport)))
    return undefined;
  return {
    dataset,
    hyperParameters: parseKeyValues(hpText),
    instanceType,
    trainingImage: trainingImage.trim(),
  };
}

async function pickFinishedBuiltinJob(services: Services): Promise<string | undefined> {
  const page = await services.backend.listTrainingJobs({
    SortBy: 'CreationTime',
    SortOrder: 'Descending',
    MaxResults: 100,
  });
  const jobs = (page.TrainingJobSummaries ?? []).filter(
    (j) => j.TrainingJobStatus === 'Completed' || j.TrainingJobStatus === 'Stopped',
  );
  const pick = await vscode.window.showQuickPick(
    jobs.map((j) => ({ label: j.TrainingJobName!, description: j.TrainingJobStatus })),
    { placeHolder: 'The job whose model to continue training' },
  );
  return pick?.label;
}
