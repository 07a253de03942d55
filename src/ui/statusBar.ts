/**
 * A status-bar item while local training jobs run: how many, and the latest one's progress.
 * It shows what the Training Jobs view last read and holds no watch of its own: VS Code reads
 * a tree only while it is visible, so on the aws backend a watch held here would poll with
 * nobody reading the answer (the local file watcher runs anyway).
 */
import * as vscode from 'vscode';
import { progressLine } from '../model/progress';
import { VIEWS } from './commandIds';
import type { TrainingJobsTree } from './trees/trainingJobsTree';
import type { Services } from './services';

export function registerStatusBar(services: Services, tree: TrainingJobsTree): void {
  const item = vscode.window.createStatusBarItem(
    'sagemakerWorkbench.runningJobs',
    vscode.StatusBarAlignment.Left,
    10,
  );
  item.name = 'SageMaker Training Jobs';
  item.command = `${VIEWS.trainingJobs}.focus`;
  services.context.subscriptions.push(
    item,
    tree.onDidChangeRunningJobs((running) => {
      if (running.length === 0) {
        item.hide();
        return;
      }
      const latest = running[0];
      item.text = `$(sync~spin) ${running.length === 1 ? latest.name : `${running.length} training jobs`}`;
      item.tooltip = running
        .map((j) => `${j.name}: ${progressLine(j.job, j.metrics, 2)}`)
        .join('\n');
      item.accessibilityInformation = {
        label: `${running.length} SageMaker training jobs running`,
      };
      item.show();
    }),
  );
}
