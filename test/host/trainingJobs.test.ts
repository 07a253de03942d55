// Runs local training jobs through the extension's own commands, inside a real VS Code
// extension host, and checks what the Training Jobs and Models views show.
import * as assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vscode from 'vscode';
import type { DescribeTrainingJobResponse } from '@aws-sdk/client-sagemaker';
import type { ExtensionApi } from '../../src/ui/extension';
import type { TrainingJobNode } from '../../src/ui/trees/trainingJobsTree';
import { until } from './until';

const EXTENSION_ID = 'sagemaker-workbench.sagemaker-workbench';

async function api(): Promise<ExtensionApi> {
  const extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  assert.ok(extension);
  return extension.activate();
}

function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return folder.uri.fsPath;
}

function writeScript(relative: string, body: string): string {
  const path = join(workspaceDir(), relative);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, body);
  chmodSync(path, 0o755);
  return path;
}

async function treeNode(
  extension: ExtensionApi,
  name: string,
): Promise<TrainingJobNode | undefined> {
  const nodes = (await extension.trainingJobs.getChildren()) as TrainingJobNode[];
  return nodes.find((n) => n.name === name);
}

describe('local training jobs through the extension', () => {
  it('runs a script with channels and hyperparameters; the tree shows it Completed with its metric', async () => {
    const extension = await api();
    const script = writeScript(
      'jobs/train.py',
      [
        'import os, sys',
        'rows = open(os.path.join(os.environ["SM_CHANNEL_TRAINING"], "data.csv")).read().split()',
        'epochs = int(sys.argv[sys.argv.index("--epochs") + 1])',
        'for e in range(epochs):',
        '    print(f"epoch={e} loss={1 / (e + 1 + len(rows)):.4f}", flush=True)',
        'open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w").write("trained")',
        '',
      ].join('\n'),
    );
    const data = join(workspaceDir(), 'jobs', 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'data.csv'), '1,a\n0,b\n');
    const job = (await vscode.commands.executeCommand(
      'sagemakerWorkbench.runTrainingScriptLocally',
      {
        script,
        jobName: 'host-train-1',
        channels: { training: data },
        hyperParameters: { epochs: '3' },
        wait: true,
      },
    )) as DescribeTrainingJobResponse;
    assert.equal(job.TrainingJobStatus, 'Completed', job.FailureReason);
    assert.equal(job.FinalMetricDataList?.[0]?.MetricName, 'loss');
    assert.equal(job.FinalMetricDataList?.[0]?.Value, 0.2);
    const artifact = fileURLToPath(job.ModelArtifacts!.S3ModelArtifacts!);
    assert.ok(existsSync(artifact), `model.tar.gz at ${artifact}`);
    const storeDir = vscode.workspace
      .getConfiguration('sagemakerWorkbench')
      .get<string>('local.storeDirectory')!;
    assert.ok(artifact.startsWith(storeDir), 'outputs go under the configured store');

    const node = await until('the job in the tree', () => treeNode(extension, 'host-train-1'));
    const item = node.toTreeItem();
    assert.match(String(item.description), /^Completed - \d\d:\d\d - loss=0\.2$/);
    assert.equal(item.contextValue, 'trainingJob.finished');
    const details = node.children().map((c) => c.toTreeItem());
    assert.ok(details.some((d) => d.label === 'loss' && d.description === '0.2'));
    assert.ok(details.some((d) => d.label === 'Model'));

    await vscode.commands.executeCommand('sagemakerWorkbench.showTrainingJobLogs', 'host-train-1');
    await vscode.commands.executeCommand('sagemakerWorkbench.describeTrainingJob', 'host-train-1');
    const shown = vscode.window.activeTextEditor?.document.getText() ?? '';
    assert.equal(JSON.parse(shown).TrainingJobName, 'host-train-1');
  });

  it('stops a running job from the Stop command; the tree follows it to Stopped', async () => {
    const extension = await api();
    const script = writeScript(
      'jobs/forever.py',
      'import time\nfor i in range(100000):\n    print(f"loss={1/(i+1)}", flush=True)\n    time.sleep(0.1)\n',
    );
    const name = (await vscode.commands.executeCommand(
      'sagemakerWorkbench.runTrainingScriptLocally',
      {
        script,
        jobName: 'host-stop-1',
      },
    )) as string;
    assert.equal(name, 'host-stop-1');
    const running = await until('the running job in the tree with a metric', async () => {
      const node = await treeNode(extension, name);
      return node && node.running && /loss=/.test(String(node.toTreeItem().description))
        ? node
        : undefined;
    });
    assert.equal(running.toTreeItem().contextValue, 'trainingJob.running');
    assert.match(
      String(running.toTreeItem().description),
      /^InProgress \(Training\) - \d\d:\d\d - loss=/,
    );

    await vscode.commands.executeCommand('sagemakerWorkbench.stopTrainingJob', running);
    const stopped = await until('the job to be Stopped in the tree', async () => {
      const node = await treeNode(extension, name);
      return node?.job.TrainingJobStatus === 'Stopped' ? node : undefined;
    });
    assert.equal(stopped.job.SecondaryStatus, 'Stopped');
  });

  it('reports a crashing script as Failed with its stderr', async () => {
    const extension = await api();
    const script = writeScript(
      'jobs/crash.py',
      'raise RuntimeError("no GPU found and fallback disabled")\n',
    );
    const job = (await vscode.commands.executeCommand(
      'sagemakerWorkbench.runTrainingScriptLocally',
      {
        script,
        jobName: 'host-crash-1',
        wait: true,
      },
    )) as DescribeTrainingJobResponse;
    assert.equal(job.TrainingJobStatus, 'Failed');
    assert.match(job.FailureReason ?? '', /RuntimeError: no GPU found and fallback disabled/);
    const node = await until('the failed job in the tree', async () => {
      const n = await treeNode(extension, 'host-crash-1');
      return n?.job.TrainingJobStatus === 'Failed' ? n : undefined;
    });
    assert.ok(node.children().some((c) => c.toTreeItem().label === 'Failure'));
  });
});
