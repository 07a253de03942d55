// Runs a local tuning job through the extension's Create Tuning Job command, from a request
// JSON in the workspace, and checks what the Tuning Jobs view shows.
import * as assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { DescribeHyperParameterTuningJobResponse } from '@aws-sdk/client-sagemaker';
import type { ExtensionApi } from '../../src/ui/extension';
import type { TrialNode, TuningJobNode } from '../../src/ui/trees/tuningJobsTree';

const EXTENSION_ID = 'sagemaker-workbench.sagemaker-workbench';

function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return folder.uri.fsPath;
}

describe('local tuning jobs through the extension', () => {
  it('creates a tuning job from a request file; the tree shows progress, trials and the best one', async () => {
    const extension = await vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID)!.activate();
    const dir = join(workspaceDir(), 'tuning');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'score.sh'),
      '#!/bin/sh\n# --x X: objective (x-3)^2\nawk -v x="$2" \'BEGIN { printf "score=%.4f\\n", (x - 3) ^ 2 }\'\n',
    );
    chmodSync(join(dir, 'score.sh'), 0o755);
    const request = {
      HyperParameterTuningJobName: 'host-tune-1',
      HyperParameterTuningJobConfig: {
        Strategy: 'Grid',
        HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'score' },
        ResourceLimits: { MaxParallelTrainingJobs: 2 },
        ParameterRanges: {
          CategoricalParameterRanges: [{ Name: 'x', Values: ['1', '2', '3', '5'] }],
        },
      },
      TrainingJobDefinition: {
        StaticHyperParameters: {
          sagemaker_program: 'score.sh',
          sagemaker_submit_directory: '${workspaceFolder}/tuning',
        },
        AlgorithmSpecification: {
          TrainingImage: 'local:process',
          TrainingInputMode: 'File',
          MetricDefinitions: [{ Name: 'score', Regex: 'score=([0-9.]+)' }],
        },
        RoleArn: 'arn:aws:iam::123456789012:role/SageMakerRole',
        OutputDataConfig: { S3OutputPath: `file://${join(workspaceDir(), 'tuning-output')}` },
        StoppingCondition: { MaxRuntimeInSeconds: 60 },
      },
    };
    const file = join(dir, 'tune.json');
    writeFileSync(file, JSON.stringify(request, null, 2));

    const job = (await vscode.commands.executeCommand('sagemakerWorkbench.createTuningJob', {
      requestFile: file,
      wait: true,
    })) as DescribeHyperParameterTuningJobResponse;
    assert.equal(job.HyperParameterTuningJobStatus, 'Completed', job.FailureReason);
    assert.equal(job.TrainingJobStatusCounters?.Completed, 4);
    assert.equal(job.BestTrainingJob?.TunedHyperParameters?.x, '3');

    let node: TuningJobNode | undefined;
    for (let i = 0; i < 50 && !node; i++) {
      node = ((await extension.tuningJobs.getChildren()) as TuningJobNode[]).find(
        (n) => n.name === 'host-tune-1',
      );
      if (!node) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(node, 'the tuning job is in the tree');
    assert.match(
      String(node.toTreeItem().description),
      /^Completed - 4\/4 - best 0( - 1 not improving)?$/,
    );
    const trials = (await node.children()) as TrialNode[];
    assert.equal(trials.length, 4);
    const best = trials.filter((t) => t.best);
    assert.equal(best.length, 1);
    assert.match(String(best[0].toTreeItem().description), /^best - score=0 - x=3$/);

    // The request file's name is taken now: the command offers a fresh one (answered here by args).
    const second = (await vscode.commands.executeCommand('sagemakerWorkbench.createTuningJob', {
      requestFile: file,
      name: 'host-tune-2',
      wait: true,
    })) as DescribeHyperParameterTuningJobResponse;
    assert.equal(second.HyperParameterTuningJobName, 'host-tune-2');
  });
});
