// The panel commands inside a real extension host: dashboard, training run, editor and warm
// start open for a finished local tuning job; its results export as CSV and load in a notebook.
import * as assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { DescribeHyperParameterTuningJobResponse } from '@aws-sdk/client-sagemaker';
import type { ExtensionApi } from '../../src/ui/extension';
import { until } from './until';

function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return folder.uri.fsPath;
}

describe('panels and tuning results', () => {
  const name = 'host-panels-1';

  before(async function () {
    this.timeout(90_000);
    const dir = join(workspaceDir(), 'panels');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'score.sh'),
      '#!/bin/sh\nawk -v x="$2" \'BEGIN { printf "loss=%.4f\\n", x + 1; printf "score=%.4f\\n", (x - 3) ^ 2 }\'\n',
    );
    chmodSync(join(dir, 'score.sh'), 0o755);
    const request = {
      HyperParameterTuningJobName: name,
      HyperParameterTuningJobConfig: {
        Strategy: 'Grid',
        HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'score' },
        ResourceLimits: { MaxParallelTrainingJobs: 3 },
        ParameterRanges: { CategoricalParameterRanges: [{ Name: 'x', Values: ['1', '3', '4'] }] },
      },
      TrainingJobDefinition: {
        StaticHyperParameters: {
          sagemaker_program: 'score.sh',
          sagemaker_submit_directory: `file://${dir}`,
        },
        AlgorithmSpecification: {
          TrainingImage: 'local:process',
          TrainingInputMode: 'File',
          MetricDefinitions: [
            { Name: 'score', Regex: 'score=([0-9.]+)' },
            { Name: 'loss', Regex: 'loss=([0-9.]+)' },
          ],
        },
        RoleArn: 'arn:aws:iam::123456789012:role/SageMakerRole',
        OutputDataConfig: { S3OutputPath: `file://${join(dir, 'output')}` },
        StoppingCondition: { MaxRuntimeInSeconds: 60 },
      },
    };
    const job = (await vscode.commands.executeCommand('sagemakerWorkbench.createTuningJob', {
      request,
      wait: true,
    })) as DescribeHyperParameterTuningJobResponse;
    assert.equal(job.HyperParameterTuningJobStatus, 'Completed', job.FailureReason);
  });

  it('exports the results as CSV, with the columns of HyperparameterTuningJobAnalytics', async () => {
    const path = join(workspaceDir(), 'panels', 'results.csv');
    const written = await vscode.commands.executeCommand('sagemakerWorkbench.exportTuningResults', {
      tuningJobName: name,
      path,
    });
    assert.equal(written, path);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    assert.equal(
      lines[0],
      'x,TrainingJobName,TrainingJobStatus,ObjectiveStatus,FinalObjectiveValue,TrainingStartTime,TrainingEndTime,TrainingElapsedTimeSeconds',
    );
    assert.equal(lines.length, 4);
    const best = lines.find((l) => l.startsWith('3,'));
    assert.match(best ?? '', /^3,host-panels-1-00\d-[0-9a-f]{8},Completed,Succeeded,0,/);
  });

  it('puts a pandas cell that loads the exported CSV in a notebook', async () => {
    const result = (await vscode.commands.executeCommand(
      'sagemakerWorkbench.openTuningResultsInNotebook',
      name,
    )) as { cell: string; csvPath?: string; notebook: string; notebookPath?: string };
    assert.ok(['inserted', 'opened', 'file'].includes(result.notebook), result.notebook);
    assert.ok(result.csvPath && existsSync(result.csvPath), 'the CSV is written');
    assert.match(result.cell, /^import pandas as pd$/m);
    assert.ok(result.cell.includes(JSON.stringify(result.csvPath)));
    if (result.notebook === 'file') {
      const notebook = JSON.parse(readFileSync(result.notebookPath!, 'utf8')) as {
        cells: { source: string[] }[];
      };
      assert.equal(notebook.cells[0].source.join(''), result.cell);
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens the dashboard, a training run, the editor and the warm-start panel', async () => {
    assert.equal(
      await vscode.commands.executeCommand('sagemakerWorkbench.openTuningDashboard', name),
      name,
    );
    const extension = await vscode.extensions
      .getExtension<ExtensionApi>('sagemaker-workbench.sagemaker-workbench')!
      .activate();
    const trials = await extension.services.backend.listTrainingJobsForHyperParameterTuningJob({
      HyperParameterTuningJobName: name,
    });
    const trial = trials.TrainingJobSummaries![0].TrainingJobName!;
    assert.equal(
      await vscode.commands.executeCommand('sagemakerWorkbench.openTrainingRun', trial),
      trial,
    );
    assert.equal(
      await vscode.commands.executeCommand('sagemakerWorkbench.createTuningJob'),
      'Tuning Request',
    );
    assert.ok(await vscode.commands.executeCommand('sagemakerWorkbench.warmStartTuningJob', name));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it("puts the dashboard's first data into its HTML, and leaves it out once the panel is hidden", async () => {
    await vscode.commands.executeCommand('sagemakerWorkbench.openTuningDashboard', name);
    const extension = await vscode.extensions
      .getExtension<ExtensionApi>('sagemaker-workbench.sagemaker-workbench')!
      .activate();
    const dashboard = extension.dashboards().find((d) => d.tuningJobName === name);
    assert.ok(dashboard, 'the dashboard is open');
    const html = await until('the HTML', () => dashboard.panel.webview.html || undefined);
    const block =
      /<script [^>]*type="application\/json" id="inline-messages">([^<]*)<\/script>/.exec(html);
    assert.ok(block, 'the first data is in the HTML');
    const inline = JSON.parse(block[1]) as { type: string; model?: { name?: string } }[];
    assert.deepEqual(
      inline.map((m) => m.type),
      ['opened', 'model'],
    );
    // Another editor in the same group hides the dashboard: shown again, its webview reloads
    // the HTML, which must not replay that (by then stale) data.
    await vscode.commands.executeCommand('sagemakerWorkbench.createTuningJob');
    await until('the dashboard hidden', () => !dashboard.panel.visible);
    await until(
      'the HTML without the inline data',
      () => !dashboard.panel.webview.html.includes('inline-messages'),
    );
    assert.match(dashboard.panel.webview.html, /dashboard\.js/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
