/**
 * Commands on local training jobs: launch a script with a cancellable progress
 * notification, stop, logs, reveal output, open the description.
 */
import * as vscode from 'vscode';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type {
  CreateTrainingJobRequest,
  DescribeTrainingJobResponse,
  MetricDefinition,
} from '../../model/types';
import { isTerminalStatus } from '../../model/types';
import {
  elapsedMs,
  formatDuration,
  formatMetricValue,
  latestMetrics,
  progressLine,
} from '../../model/progress';
import {
  DEFAULT_METRIC_DEFINITIONS,
  formatMetricDefinitions,
  parseKeyValues,
  parseMetricDefinitions,
  scriptJobRequest,
} from '../../model/scriptJob';
import { defaultStoreDir } from '../../backends/local/localBackend';
import { COMMANDS } from '../commandIds';
import type { Services } from '../services';
import type { JobLogs } from '../jobLogs';
import { TrainingJobNode } from '../trees/trainingJobsTree';
import { TrialNode } from '../trees/tuningJobsTree';
import { createTrainingJob } from './awsLaunch';

/** Arguments that let scripts and tests run the command without prompts. */
export interface RunScriptArgs {
  script: string;
  jobName?: string;
  channels?: Record<string, string>;
  hyperParameters?: Record<string, string>;
  metricDefinitions?: MetricDefinition[];
  /** Resolve when the job has ended (default: when it has been created). */
  wait?: boolean;
}

const MEMENTO = {
  channels: 'runScript.channels',
  hyperParameters: 'runScript.hyperParameters',
  metrics: 'runScript.metrics',
};

function jobNameOf(arg: unknown): string | undefined {
  if (arg instanceof TrainingJobNode) return arg.name;
  if (arg instanceof TrialNode) return arg.trainingJobName;
  if (typeof arg === 'string') return arg;
  return undefined;
}

export function registerTrainingJobCommands(services: Services, logs: JobLogs): void {
  const { context } = services;
  const register = (id: string, fn: (...args: never[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  register(COMMANDS.runTrainingScriptLocally, async (arg?: RunScriptArgs | vscode.Uri) => {
    const args =
      arg instanceof vscode.Uri
        ? await promptForJob(services, arg.fsPath)
        : (arg ?? (await promptForJob(services)));
    if (!args) return undefined;
    return launch(services, logs, args);
  });

  register(COMMANDS.stopTrainingJob, async (arg?: unknown) => {
    const name = jobNameOf(arg) ?? (await pickJob(services, true));
    if (!name) return;
    try {
      await services.backend.stopTrainingJob({ TrainingJobName: name });
      vscode.window.setStatusBarMessage(`Stopping training job ${name}...`, 5000);
    } catch (err) {
      void vscode.window.showErrorMessage(`Could not stop ${name}: ${(err as Error).message}`);
    }
  });

  register(COMMANDS.showTrainingJobLogs, async (arg?: unknown) => {
    const name = jobNameOf(arg) ?? (await pickJob(services, false));
    if (name) await logs.show(name);
  });

  register(COMMANDS.revealTrainingJobOutput, async (arg?: unknown) => {
    const name = jobNameOf(arg) ?? (await pickJob(services, false));
    if (!name) return;
    const job = await services.backend.describeTrainingJob({ TrainingJobName: name });
    const artifact = job.ModelArtifacts?.S3ModelArtifacts ?? '';
    const path = artifact.startsWith('file://') ? fileURLToPath(artifact) : undefined;
    if (!path || !existsSync(path)) {
      void vscode.window.showInformationMessage(
        `${name} has no model artifact yet (${job.TrainingJobStatus}); it is written when the job completes or is stopped.`,
      );
      return;
    }
    if (vscode.env.uiKind === vscode.UIKind.Desktop) {
      await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(path));
      return;
    }
    const choice = await vscode.window.showInformationMessage(
      `Model of ${name}: ${path}`,
      'Copy Path',
      'Open Folder',
    );
    if (choice === 'Copy Path') await vscode.env.clipboard.writeText(path);
    if (choice === 'Open Folder') {
      await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(join(path, '..')), {
        forceNewWindow: true,
      });
    }
  });

  register(COMMANDS.describeTrainingJob, async (arg?: unknown) => {
    const name = jobNameOf(arg) ?? (await pickJob(services, false));
    if (!name) return;
    const job = await services.backend.describeTrainingJob({ TrainingJobName: name });
    const document = await vscode.workspace.openTextDocument({
      language: 'json',
      content: JSON.stringify(job, null, 2),
    });
    await vscode.window.showTextDocument(document, { preview: true });
  });
}

async function pickJob(services: Services, runningOnly: boolean): Promise<string | undefined> {
  const page = await services.backend.listTrainingJobs({
    SortBy: 'CreationTime',
    SortOrder: 'Descending',
    MaxResults: 100,
  });
  const jobs = (page.TrainingJobSummaries ?? []).filter(
    (j) => !runningOnly || !isTerminalStatus(j.TrainingJobStatus),
  );
  if (jobs.length === 0) {
    void vscode.window.showInformationMessage(
      runningOnly ? 'No training job is running.' : 'There are no training jobs yet.',
    );
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    jobs.map((j) => ({ label: j.TrainingJobName!, description: j.TrainingJobStatus })),
    { placeHolder: 'Training job' },
  );
  return pick?.label;
}

/** Asks for the script, channels, hyperparameters and metric regexes; remembers the answers per workspace. */
async function promptForJob(
  services: Services,
  preselected?: string,
): Promise<RunScriptArgs | undefined> {
  const state = services.context.workspaceState;
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const script = preselected ?? (await pickScript());
  if (!script) return undefined;

  const channelsText = await vscode.window.showInputBox({
    title: 'Run Training Script Locally (2/4): input channels',
    prompt:
      'name=folder pairs separated by spaces, relative to the workspace; each becomes input/data/<name> and SM_CHANNEL_<NAME>. Empty: no channels.',
    placeHolder: 'training=data/train validation=data/val',
    value: state.get<string>(MEMENTO.channels, ''),
    ignoreFocusOut: true,
    validateInput: problemOf((text) => {
      for (const [name, path] of Object.entries(parseKeyValues(text))) {
        if (!/^[A-Za-z0-9._-]+$/.test(name)) {
          throw new Error(
            `Channel name "${name}": letters, digits, dots, hyphens and underscores only`,
          );
        }
        if (!existsSync(absolute(path, root)))
          throw new Error(`Channel ${name}: ${absolute(path, root)} does not exist`);
      }
    }),
  });
  if (channelsText === undefined) return undefined;

  const hpText = await vscode.window.showInputBox({
    title: 'Run Training Script Locally (3/4): hyperparameters',
    prompt:
      'name=value pairs separated by spaces; passed as --name value, SM_HP_<NAME> and hyperparameters.json.',
    placeHolder: 'epochs=5 learning_rate=0.01',
    value: state.get<string>(MEMENTO.hyperParameters, ''),
    ignoreFocusOut: true,
    validateInput: problemOf((text) => parseKeyValues(text)),
  });
  if (hpText === undefined) return undefined;

  const metricsText = await vscode.window.showInputBox({
    title: 'Run Training Script Locally (4/4): metric definitions',
    prompt:
      'name=regex pairs separated by ";"; the regex captures the value in the script\'s output (SageMaker MetricDefinitions).',
    value: state.get<string>(MEMENTO.metrics, formatMetricDefinitions(DEFAULT_METRIC_DEFINITIONS)),
    ignoreFocusOut: true,
    validateInput: problemOf((text) => parseMetricDefinitions(text)),
  });
  if (metricsText === undefined) return undefined;

  await state.update(MEMENTO.channels, channelsText);
  await state.update(MEMENTO.hyperParameters, hpText);
  await state.update(MEMENTO.metrics, metricsText);
  const channels = Object.fromEntries(
    Object.entries(parseKeyValues(channelsText)).map(([n, p]) => [n, absolute(p, root)]),
  );
  return {
    script,
    channels,
    hyperParameters: parseKeyValues(hpText),
    metricDefinitions: parseMetricDefinitions(metricsText),
  };
}

/** An input box validator from a parser: the parser's error message, or nothing when it accepts. */
function problemOf(check: (text: string) => unknown): (text: string) => string | undefined {
  return (text) => {
    try {
      check(text);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  };
}

function absolute(path: string, root: string | undefined): string {
  return isAbsolute(path) ? path : resolve(root ?? process.cwd(), path);
}

async function pickScript(): Promise<string | undefined> {
  const files = await vscode.workspace.findFiles(
    '**/*.{py,sh}',
    '**/{node_modules,.git,.venv,venv}/**',
    200,
  );
  const browse = { label: '$(folder-opened) Browse...', path: '' };
  const items = [
    ...files
      .map((uri) => ({ label: vscode.workspace.asRelativePath(uri), path: uri.fsPath }))
      .sort((a, b) => a.label.localeCompare(b.label)),
    browse,
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Run Training Script Locally (1/4): training script',
    placeHolder:
      'The script to run as a local training job (.py runs with python3; others must be executable)',
    ignoreFocusOut: true,
  });
  if (!pick) return undefined;
  if (pick !== browse) return pick.path;
  const chosen = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Run as Training Job',
  });
  return chosen?.[0]?.fsPath;
}

async function launch(
  services: Services,
  logs: JobLogs,
  args: RunScriptArgs,
): Promise<string | DescribeTrainingJobResponse | undefined> {
  if (!existsSync(args.script) || !statSync(args.script).isFile()) {
    void vscode.window.showErrorMessage(`The training script ${args.script} does not exist.`);
    return undefined;
  }
  const storeDir = services.config.localStoreDirectory || defaultStoreDir();
  const request = scriptJobRequest({
    script: args.script,
    ...(args.jobName ? { jobName: args.jobName } : {}),
    channels: args.channels ?? {},
    hyperParameters: args.hyperParameters ?? {},
    metricDefinitions: args.metricDefinitions ?? DEFAULT_METRIC_DEFINITIONS,
    outputUri: pathToFileURL(join(storeDir, 'output')).href,
  });
  return launchTrainingJob(services, logs, request, args.wait ?? false);
}

/**
 * Creates a training job and follows it in a cancellable progress notification (cancel stops
 * the job); resolves with the job's name, or with its final description when `wait` is set.
 */
export async function launchTrainingJob(
  services: Services,
  logs: JobLogs,
  request: CreateTrainingJobRequest,
  wait: boolean,
): Promise<string | DescribeTrainingJobResponse | undefined> {
  const name = request.TrainingJobName!;
  const backend = services.backend;
  try {
    await createTrainingJob(services, request);
  } catch (err) {
    void vscode.window.showErrorMessage(
      `Could not start the training job: ${(err as Error).message}`,
    );
    return undefined;
  }
  const finished = vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Training job ${name}`,
      cancellable: true,
    },
    (progress, token) =>
      new Promise<DescribeTrainingJobResponse>((resolveJob) => {
        token.onCancellationRequested(() => {
          void backend.stopTrainingJob({ TrainingJobName: name }).catch(() => undefined);
          progress.report({ message: 'stopping...' });
        });
        const check = async () => {
          try {
            const job = await backend.describeTrainingJob({ TrainingJobName: name });
            progress.report({
              message: progressLine(job, await backend.getTrainingJobMetrics(name), 2),
            });
            if (isTerminalStatus(job.TrainingJobStatus)) {
              subscription.dispose();
              resolveJob(job);
            }
          } catch {
            /* the next change will try again */
          }
        };
        // The notification follows the job until it ends, views shown or not.
        const subscription = vscode.Disposable.from(
          services.watchJobs('training job notification'),
          services.onDidChangeJobs(() => void check()),
        );
        void check();
      }),
  );
  void finished.then((job) => reportOutcome(job, logs));
  return wait ? finished : name;
}

async function reportOutcome(job: DescribeTrainingJobResponse, logs: JobLogs): Promise<void> {
  const name = job.TrainingJobName!;
  if (job.TrainingJobStatus === 'Completed') {
    const metrics = latestMetrics(job)
      .map(([metric, value]) => `${metric}=${formatMetricValue(value)}`)
      .join(' ');
    const choice = await vscode.window.showInformationMessage(
      `Training job ${name} completed in ${formatDuration(elapsedMs(job))}${metrics ? `: ${metrics}` : ''}`,
      'Show Logs',
      'Reveal Output',
    );
    if (choice === 'Show Logs') await logs.show(name);
    if (choice === 'Reveal Output')
      await vscode.commands.executeCommand(COMMANDS.revealTrainingJobOutput, name);
  } else {
    const reason = job.FailureReason ? `: ${job.FailureReason.split('\n')[0]}` : '';
    const show =
      job.TrainingJobStatus === 'Failed'
        ? vscode.window.showErrorMessage
        : vscode.window.showWarningMessage;
    const choice = await show(
      `Training job ${name} ${job.TrainingJobStatus}${reason}`,
      'Show Logs',
    );
    if (choice === 'Show Logs') await logs.show(name);
  }
}
