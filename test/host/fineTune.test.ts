// Fine-tuning through the extension's commands inside a real VS Code extension host: a
// built-in local:image-classification job from "Fine-tune a Model...", then "Train
// Incrementally from This Model" continuing it; and a dataset with errors refused up front.
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { DescribeTrainingJobResponse } from '@aws-sdk/client-sagemaker';
import { writeImageDataset, writeProjectionBackbone } from '../unit/builtinFixtures';

function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return folder.uri.fsPath;
}

describe('fine-tuning through the extension', () => {
  it('fine-tunes, then trains incrementally from the model', async () => {
    const dir = join(workspaceDir(), 'finetune');
    mkdirSync(dir, { recursive: true });
    const dataset = writeImageDataset(join(dir, 'shapes'), 20);
    const backbone = writeProjectionBackbone(join(dir, 'backbone.onnx'));
    const job = (await vscode.commands.executeCommand('sagemakerWorkbench.fineTuneModel', {
      dataset,
      backbone,
      hyperParameters: { epochs: '3', learning_rate: '0.01' },
      jobName: 'host-finetune-1',
      wait: true,
    })) as DescribeTrainingJobResponse;
    assert.equal(job.TrainingJobStatus, 'Completed', job.FailureReason);
    assert.equal(job.AlgorithmSpecification?.TrainingImage, 'local:image-classification');
    const accuracy = job.FinalMetricDataList?.find((m) => m.MetricName === 'validation:accuracy');
    assert.ok(accuracy && accuracy.Value! > 0.5, JSON.stringify(job.FinalMetricDataList));

    const next = (await vscode.commands.executeCommand('sagemakerWorkbench.trainIncrementally', {
      jobName: 'host-finetune-1',
      dataset,
      hyperParameters: { epochs: '1' },
      wait: true,
    })) as DescribeTrainingJobResponse;
    assert.equal(next.TrainingJobStatus, 'Completed', next.FailureReason);
    const model = next.InputDataConfig?.find((c) => c.ChannelName === 'model');
    assert.equal(model?.DataSource?.S3DataSource?.S3Uri, job.ModelArtifacts?.S3ModelArtifacts);
    const storeDir = vscode.workspace
      .getConfiguration('sagemakerWorkbench')
      .get<string>('local.storeDirectory')!;
    const log = readFileSync(
      join(storeDir, 'training-jobs', next.TrainingJobName!, 'output.log'),
      'utf8',
    );
    assert.match(log, /Incremental training from the model in channel "model"/);
  });

  it('refuses a dataset whose layout has errors, before any job exists', async () => {
    const dir = join(workspaceDir(), 'finetune', 'empty-dataset');
    mkdirSync(dir, { recursive: true });
    const result = await vscode.commands.executeCommand('sagemakerWorkbench.fineTuneModel', {
      dataset: dir,
      jobName: 'host-finetune-bad',
      wait: true,
    });
    assert.equal(result, undefined);
  });
});
