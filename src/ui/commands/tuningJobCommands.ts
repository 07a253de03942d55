/**
 * Commands on tuning jobs: create one from a CreateHyperParameterTuningJob request JSON in
 * the workspace (the same file `smw create-hyper-parameter-tuning-job` takes), follow it in
 * a cancellable progress notification, stop it, open its description.
 */
import * as vscode from 'vscode';
import { readFileSync } from 'node:fs';
import type {
  CreateHyperParameterTuningJobRequest,
  DescribeHyperParameterTuningJobResponse,
} from '@aws-sdk/client-sagemaker';
import { tuningProgressLine } from '../../model/progress';
import { COMMANDS } from '../commandIds';
import type { Services } from '../services';
import { TuningJobNode } from '../trees/tuningJobsTree';
import { createTuningJob } from './awsLaunch';

const ENDED = ['Completed', 'Stopped', 'Failed'];

/** Arguments that let scripts and tests run the command without prompts. */
export interface CreateTuningJobArgs {
  /** A request JSON file, or the request itself. */
  requestFile?: string;
  request?: CreateHyperParameterTuningJobRequest;
  /** Overrides the request's HyperParameterTuningJobName. */
  name?: string;
  /** Resolve when the job has ended (default: once it is created). */
  wait?: boolean;
}

function tuningJobNameOf(arg: unknown): string | undefined {
  if (arg instanceof TuningJobNode) return arg.name;
  return typeof arg === 'string' ? arg : undefined;
}

/**
 * Reads a request file. `${workspaceFolder}` in any string value becomes the workspace's
 * path, so a request kept in the repository can point at its scripts and data portably.
 */
export function readRequestFile(
  path: string,
  workspaceFolder: string | undefined,
): CreateHyperParameterTuningJobRequest {
  const text = readFileSync(path, 'utf8');
  const parsed = JSON.parse(text, (_key, value: unknown) =>
    typeof value === 'string' && workspaceFolder
      ? value.split('${workspaceFolder}').join(workspaceFolder)
      : value,
  ) as CreateHyperParameterTuningJobRequest;
  return parsed;
}

export function registerTuningJobCommands(services: Services): void {
  const { context } = services;
  const register = (id: string, fn: (...args: never[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  // The request-file flow; "Create Tuning Job..." opens the editor (src/ui/panels/editorPanel.ts).
  register(COMMANDS.createTuningJobFromJson, (arg?: CreateTuningJobArgs | vscode.Uri) =>
    createTuningJobFromArgs(services, arg),
  );

  register(COMMANDS.stopTuningJob, async (arg?: unknown) => {
    const name = tuningJobNameOf(arg);
    if (!name) return;
    try {
      await services.backend.stopHyperParameterTuningJob({ HyperParameterTuningJobName: name });
      vscode.window.setStatusBarMessage(`Stopping tuning job ${name}...`, 5000);
    } catch (err) {
      void vscode.window.showErrorMessage(`Could not stop ${name}: ${(err as Error).message}`);
    }
  });

  register(COMMANDS.describeTuningJob, async (arg?: unknown) => {
    const name = tuningJobNameOf(arg);
    if (!name) return;
    const job = await services.backend.describeHyperParameterTuningJob({
      HyperParameterTuningJobName: name,
    });
    const document = await vscode.workspace.openTextDocument({
      language: 'json',
      content: JSON.stringify(job, null, 2),
    });
    await vscode.window.showTextDocument(document, { preview: true });
  });
}

/**
 * Creates a tuning job from a request file (picked from the workspace when no argument is
 * given) or a request, and follows it in a progress notification.
 */
export async function createTuningJobFromArgs(
  services: Services,
  arg?: CreateTuningJobArgs | vscode.Uri,
): Promise<string | DescribeHyperParameterTuningJobResponse | undefined> {
  const workspaceFolder = () => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const args: CreateTuningJobArgs | undefined =
    arg instanceof vscode.Uri ? { requestFile: arg.fsPath } : (arg ?? (await pickRequestFile()));
  if (!args) return undefined;
  let request: CreateHyperParameterTuningJobRequest;
  try {
    request = args.request ?? readRequestFile(args.requestFile!, workspaceFolder());
  } catch (err) {
    void vscode.window.showErrorMessage(
      `Could not read ${args.requestFile}: ${(err as Error).message}`,
    );
    return undefined;
  }
  if (args.name) request = { ...request, HyperParameterTuningJobName: args.name };
  for (;;) {
    try {
      await createTuningJob(services, request);
      break;
    } catch (err) {
      const error = err as Error;
      if (error.name === 'ResourceInUse' && !args.request && !args.name) {
        // A request file kept in the repository is run again and again: offer a fresh name.
        const name = await vscode.window.showInputBox({
          title: 'Create Tuning Job',
          prompt: `${error.message} Name this run:`,
          value: nextName(request.HyperParameterTuningJobName!),
          validateInput: (v) =>
            /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$/.test(v)
              ? undefined
              : '1-32 letters, digits and hyphens',
        });
        if (!name) return undefined;
        request = { ...request, HyperParameterTuningJobName: name };
        continue;
      }
      void vscode.window.showErrorMessage(`Could not create the tuning job: ${error.message}`);
      return undefined;
    }
  }
  const finished = follow(services, request.HyperParameterTuningJobName!);
  return args.wait ? finished : request.HyperParameterTuningJobName;
}

function nextName(name: string): string {
  const match = /^(.*?)-(\d+)$/.exec(name);
  const next = match ? `${match[1]}-${Number(match[2]) + 1}` : `${name}-2`;
  return next.slice(-32).replace(/^-+/, '');
}

/** Request files in the workspace: JSON files holding a HyperParameterTuningJobConfig. */
export async function pickRequestFile(): Promise<CreateTuningJobArgs | undefined> {
  const files = await vscode.workspace.findFiles(
    '**/*.json',
    '**/{node_modules,.git,.vscode}/**',
    500,
  );
  const requests = files.filter((uri) => {
    try {
      return readFileSync(uri.fsPath, 'utf8').includes('"HyperParameterTuningJobConfig"');
    } catch {
      return false;
    }
  });
  if (requests.length === 0) {
    void vscode.window.showInformationMessage(
      'No tuning request in this workspace: save a CreateHyperParameterTuningJob request as a .json file (see docs/tuning-jobs.md).',
    );
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    requests.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), path: uri.fsPath })),
    {
      title: 'Create Tuning Job',
      placeHolder: 'A CreateHyperParameterTuningJob request from the workspace',
      ignoreFocusOut: true,
    },
  );
  return pick ? { requestFile: pick.path } : undefined;
}

/** A cancellable progress notification following the job; cancel = stop. */
function follow(
  services: Services,
  name: string,
): Thenable<DescribeHyperParameterTuningJobResponse> {
  const backend = services.backend;
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Tuning job ${name}`,
      cancellable: true,
    },
    (progress, token) =>
      new Promise<DescribeHyperParameterTuningJobResponse>((resolve) => {
        token.onCancellationRequested(() => {
          void backend
            .stopHyperParameterTuningJob({ HyperParameterTuningJobName: name })
            .catch(() => undefined);
          progress.report({ message: 'stopping...' });
        });
        const check = async () => {
          try {
            const job = await backend.describeHyperParameterTuningJob({
              HyperParameterTuningJobName: name,
            });
            progress.report({ message: tuningProgressLine(job) });
            if (ENDED.includes(job.HyperParameterTuningJobStatus!)) {
              subscription.dispose();
              resolve(job);
              const best = job.BestTrainingJob;
              const detail = best
                ? `best ${best.FinalHyperParameterTuningJobObjectiveMetric?.MetricName} ${best.FinalHyperParameterTuningJobObjectiveMetric?.Value} (${best.TrainingJobName})`
                : 'no training job reported the objective';
              void vscode.window.showInformationMessage(
                `Tuning job ${name} ${job.HyperParameterTuningJobStatus}: ${detail}`,
              );
            }
          } catch {
            /* the next change will try again */
          }
        };
        // The notification follows the job until it ends, views shown or not.
        const subscription = vscode.Disposable.from(
          services.watchJobs('tuning job notification'),
          services.onDidChangeJobs(() => void check()),
        );
        void check();
      }),
  );
}
