// Creates a tuning job the way a user does - command palette, pick the request file - and
// watches it complete in the Tuning Jobs view, with its trials and the best one.
import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  findTreeItem,
  openViewContainer,
  pickQuickPickItem,
  runCommand,
  startWorkbenchSession,
  waitForNotification,
  type WorkbenchSession,
} from '../harness';

const SCORE_SH = `#!/bin/sh
# --x X --y Y: objective (x - 3)^2 + y/10, reported per epoch
sleep 0.3
awk -v x="$2" -v y="$4" 'BEGIN { printf "score=%.4f\\n", (x - 3) ^ 2 + y / 10 }'
`;

const REQUEST = {
  HyperParameterTuningJobName: 'ui-tune',
  HyperParameterTuningJobConfig: {
    Strategy: 'Grid',
    HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'score' },
    ResourceLimits: { MaxParallelTrainingJobs: 2 },
    ParameterRanges: {
      CategoricalParameterRanges: [
        { Name: 'x', Values: ['1', '3', '4'] },
        { Name: 'y', Values: ['0', '5'] },
      ],
    },
  },
  TrainingJobDefinition: {
    StaticHyperParameters: {
      sagemaker_program: 'score.sh',
      sagemaker_submit_directory: '${workspaceFolder}',
    },
    AlgorithmSpecification: {
      TrainingImage: 'local:process',
      TrainingInputMode: 'File',
      MetricDefinitions: [{ Name: 'score', Regex: 'score=([0-9.]+)' }],
    },
    RoleArn: 'arn:aws:iam::123456789012:role/SageMakerRole',
    OutputDataConfig: { S3OutputPath: 'file://${workspaceFolder}/output' },
    StoppingCondition: { MaxRuntimeInSeconds: 60 },
  },
};

let session: WorkbenchSession | undefined;

before(
  async () => {
    session = await startWorkbenchSession({
      label: 'ui-tuning-job',
      workspace: { files: { 'score.sh': SCORE_SH, 'tune.json': JSON.stringify(REQUEST, null, 2) } },
    });
  },
  { timeout: 120_000 },
);

after(async () => {
  await session?.close();
});

test(
  'Create Tuning Job: the job completes in the Tuning Jobs view with its best trial',
  { timeout: 180_000 },
  async () => {
    assert.ok(session, 'no workbench session');
    const { page } = session;
    try {
      await import('node:fs').then((fs) =>
        fs.chmodSync(`${session!.workspace.dir}/score.sh`, 0o755),
      );
      await openViewContainer(page, 'SageMaker');
      await runCommand(page, 'SageMaker: Create Tuning Job from Request JSON...');
      await pickQuickPickItem(page, 'tune.json');
      const job = await findTreeItem(
        page,
        'Tuning Jobs',
        /Tuning job ui-tune, Completed - 6\/6 - best 0/,
        90_000,
      );
      await waitForNotification(page, /Tuning job ui-tune Completed: best score 0/, 30_000);
      // A click on the job opens its dashboard; the twistie expands its training jobs.
      await job.locator('.monaco-tl-twistie').click();
      await findTreeItem(
        page,
        'Tuning Jobs',
        /Training job ui-tune-00\d-[0-9a-f]{8}, best - score=0 - x=3 y=0/,
        15_000,
      );
      await session.screenshot('ui-tuning-job-completed');
    } catch (error) {
      await session.screenshot('ui-tuning-job-failure');
      throw error;
    }
  },
);
