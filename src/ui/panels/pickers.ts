/** Quick picks the panel commands fall back to when run from the command palette. */
import * as vscode from 'vscode';
import type { Services } from '../services';

export async function pickTuningJob(
  services: Services,
  title: string,
  filter: (status: string | undefined) => boolean = () => true,
): Promise<string | undefined> {
  const page = await services.backend.listHyperParameterTuningJobs({
    SortBy: 'CreationTime',
    SortOrder: 'Descending',
    MaxResults: 100,
  });
  const jobs = (page.HyperParameterTuningJobSummaries ?? []).filter((j) =>
    filter(j.HyperParameterTuningJobStatus),
  );
  if (jobs.length === 0) {
    void vscode.window.showInformationMessage(
      `There are no tuning jobs on ${services.backend.location} yet.`,
    );
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    jobs.map((j) => ({
      label: j.HyperParameterTuningJobName!,
      description: `${j.HyperParameterTuningJobStatus} - ${j.Strategy}`,
    })),
    { title, placeHolder: 'Tuning job' },
  );
  return pick?.label;
}

export async function pickTrainingJob(
  services: Services,
  title: string,
): Promise<string | undefined> {
  const page = await services.backend.listTrainingJobs({
    SortBy: 'CreationTime',
    SortOrder: 'Descending',
    MaxResults: 100,
  });
  const jobs = page.TrainingJobSummaries ?? [];
  if (jobs.length === 0) {
    void vscode.window.showInformationMessage('There are no training jobs yet.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    jobs.map((j) => ({ label: j.TrainingJobName!, description: j.TrainingJobStatus })),
    { title, placeHolder: 'Training job' },
  );
  return pick?.label;
}

/** A tuning or training job name from a command argument: a tree node, or a string. */
export function nameArgument(arg: unknown, key: 'name' | 'trainingJobName'): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && key in arg) {
    const value = (arg as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}
