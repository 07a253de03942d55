// The webview panels in a real workbench: the tuning request editor validates as you type and
// launches a local tuning job; its dashboard follows it to Completed; Stop from a dashboard;
// a window reload restores the dashboard; a hand-broken request JSON opens with its error; the
// editor's worst-case cost and smart sifting's kept fraction, live; screenshots of the panels in
// the light, dark and high-contrast themes; no CSP violation anywhere.
import * as assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import {
  findTreeItem,
  findWebview,
  openViewContainer,
  pickQuickPickItem,
  runCommand,
  startWorkbenchSession,
  waitForText,
  waitUntil,
  webviewData,
  type WorkbenchSession,
} from '../harness';

// --x X --y Y: prints two loss values, then score (x - 3)^2 + y/10; SLEEP seconds per step.
const SCORE_SH = `#!/bin/sh
for step in 1 2; do
  sleep "\${SLEEP:-0.2}"
  awk -v x="$2" -v s=$step 'BEGIN { printf "loss=%.4f\\n", (x - 3) ^ 2 / s + 1 }'
done
awk -v x="$2" -v y="$4" 'BEGIN { printf "score=%.4f\\n", (x - 3) ^ 2 + y / 10 }'
`;

function request(name: string, options: { jobs: number; parallel: number; sleep?: string }) {
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      Strategy: 'Random',
      RandomSeed: 11,
      HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'score' },
      ResourceLimits: {
        MaxNumberOfTrainingJobs: options.jobs,
        MaxParallelTrainingJobs: options.parallel,
      },
      ParameterRanges: {
        IntegerParameterRanges: [{ Name: 'x', MinValue: '0', MaxValue: '6' }],
        CategoricalParameterRanges: [{ Name: 'y', Values: ['0', '5'] }],
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
        MetricDefinitions: [
          { Name: 'score', Regex: 'score=([0-9.]+)' },
          { Name: 'loss', Regex: 'loss=([0-9.]+)' },
        ],
      },
      RoleArn: 'arn:aws:iam::123456789012:role/SageMakerRole',
      OutputDataConfig: { S3OutputPath: 'file://${workspaceFolder}/output' },
      StoppingCondition: { MaxRuntimeInSeconds: 120 },
      ...(options.sleep ? { Environment: { SLEEP: options.sleep } } : {}),
    },
  };
}

let session: WorkbenchSession | undefined;
const cspViolations: string[] = [];

before(
  async () => {
    session = await startWorkbenchSession({
      label: 'ui-panels',
      workspace: {
        files: {
          'score.sh': SCORE_SH,
          'tune.json': JSON.stringify(request('ui-panels', { jobs: 6, parallel: 2 }), null, 2),
          'slow.json': JSON.stringify(
            request('ui-slow', { jobs: 20, parallel: 1, sleep: '3' }),
            null,
            2,
          ),
          // Edited by hand and broken: the editor must show why, not a blank form.
          'broken.json':
            '{\n  "HyperParameterTuningJobName": "ui-broken",\n  "HyperParameterTuningJobConfig": {\n    "Strategy": "Random",,\n  }\n}\n',
        },
      },
    });
    chmodSync(join(session.workspace.dir, 'score.sh'), 0o755);
    session.page.on('console', (message) => {
      if (/Content Security Policy|Refused to (load|apply|execute)/i.test(message.text()))
        cspViolations.push(message.text());
    });
  },
  { timeout: 120_000 },
);

after(async () => {
  await session?.close();
});

async function status(frame: Frame): Promise<string | null> {
  return frame.locator('body').getAttribute('data-status');
}

async function screenshotOnFailure<T>(name: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    await session?.screenshot(`${name}-failure`);
    throw error;
  }
}

test(
  'the editor shows an invalid range beside its field, then launches; the dashboard reaches Completed',
  { timeout: 150_000 },
  () =>
    screenshotOnFailure('ui-panels-editor', async () => {
      assert.ok(session, 'no workbench session');
      const { page } = session;
      await openViewContainer(page, 'SageMaker');
      await runCommand(page, 'SageMaker: Create Tuning Job...');
      const editor = await findWebview(page, 'Tuning Request');
      await editor.getByRole('button', { name: 'Load Request JSON...' }).click();
      await pickQuickPickItem(page, 'tune.json');
      const name = editor.locator('[data-field="name"] input');
      await waitUntil(
        'the request is loaded',
        async () => (await name.inputValue()) === 'ui-panels',
      );

      const min = editor.locator('[data-field="ranges.0.min"] input');
      await min.fill('9');
      const error = editor.locator('[data-field="ranges.0.min"] .field-error');
      await waitForText(error, 'MinValue 9 must be less than MaxValue 6.');
      assert.equal(
        await editor
          .locator('[data-field="ranges.0.min"] vscode-textfield')
          .getAttribute('aria-invalid'),
        'true',
      );
      await session.screenshot('ui-panels-editor-light');

      // Launch refuses while a problem is shown.
      await editor.getByRole('button', { name: 'Launch' }).click();
      await waitForText(
        editor.locator('.status-line'),
        /Not launched: fix the 1 problem shown first/,
      );

      await min.fill('0');
      await waitUntil('the problem is gone', async () => (await error.textContent()) === '');
      await waitForText(editor.locator('.problem-count'), 'No problems');
      await waitForText(editor.locator('.estimate'), /Worst case: .* instance-hours/);
      await editor.getByRole('button', { name: 'Launch' }).click();

      const dashboard = await findWebview(page, 'Tuning: ui-panels', 30_000);
      await waitUntil(
        'the dashboard shows Completed',
        async () => (await status(dashboard)) === 'Completed',
        90_000,
      );
      await waitForText(dashboard.locator('table.data'), /6 of 6|ui-panels-00/);
      assert.equal(await dashboard.locator('body').getAttribute('data-jobs'), '6');
      await waitForText(dashboard.locator('.best-card'), /Best training job/);
      await session.screenshot('ui-panels-dashboard-light');
    }),
);

test(
  'Stop on a dashboard stops a running tuning job; a window reload restores the dashboard',
  { timeout: 150_000 },
  () =>
    screenshotOnFailure('ui-panels-stop', async () => {
      assert.ok(session, 'no workbench session');
      const { page } = session;
      await runCommand(page, 'SageMaker: Create Tuning Job from Request JSON...');
      await pickQuickPickItem(page, 'slow.json');
      await findTreeItem(page, 'Tuning Jobs', /Tuning job ui-slow, InProgress/, 30_000);
      await runCommand(page, 'SageMaker: Open Tuning Dashboard');
      await pickQuickPickItem(page, 'ui-slow');
      const dashboard = await findWebview(page, 'Tuning: ui-slow', 30_000);
      await waitUntil(
        'the dashboard shows InProgress',
        async () => (await status(dashboard)) === 'InProgress',
        30_000,
      );
      await dashboard.getByRole('button', { name: 'Stop' }).click();
      await waitUntil(
        'the dashboard shows Stopped',
        async () => (await status(dashboard)) === 'Stopped',
        60_000,
      );

      // The workbench's own reload saves the window's state (open editors, webview state) first.
      const navigated = page.waitForEvent('framenavigated', {
        predicate: (frame) => frame === page.mainFrame(),
        timeout: 60_000,
      });
      await runCommand(page, 'Developer: Reload Window');
      await navigated;
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
      const restored = await findWebview(page, 'Tuning: ui-slow', 60_000);
      await waitUntil(
        'the restored dashboard shows Stopped',
        async () => (await status(restored)) === 'Stopped',
        30_000,
      );
      await waitForText(restored.locator('h1'), 'ui-slow');
    }),
);

test(
  'a request JSON broken by hand opens with its error; the panels in the dark theme',
  { timeout: 90_000 },
  () =>
    screenshotOnFailure('ui-panels-dark', async () => {
      assert.ok(session, 'no workbench session');
      const { page, workspace } = session;
      await runCommand(page, 'View: Close All Editors');
      await runCommand(page, 'SageMaker: Create Tuning Job...');
      const editor = await findWebview(page, /^Tuning Request$/);
      await editor.getByRole('button', { name: 'Load Request JSON...' }).click();
      await pickQuickPickItem(page, 'broken.json');
      await waitForText(
        editor.locator('.banner[role="alert"]').first(),
        /broken\.json: Not valid JSON at line 4/,
      );
      await waitForText(editor.locator('[data-field="name"]'), 'Tuning job name');

      const settingsFile = join(workspace.dir, '.vscode', 'settings.json');
      const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
      writeFileSync(
        settingsFile,
        JSON.stringify({ ...settings, 'workbench.colorTheme': 'Default Dark Modern' }, null, 2),
      );
      await waitUntil(
        'the webview follows the dark theme',
        async () => (await editor.locator('body').getAttribute('class'))?.includes('vscode-dark'),
        30_000,
      );
      await session.screenshot('ui-panels-editor-dark');

      // A click on a tuning job opens its dashboard (the twistie expands it).
      const item = await findTreeItem(page, 'Tuning Jobs', /Tuning job ui-panels, Completed/);
      await item.click();
      const dashboard = await findWebview(page, 'Tuning: ui-panels', 30_000);
      await webviewData(dashboard, 'render-ms');
      await waitUntil('the dashboard is dark', async () =>
        (await dashboard.locator('body').getAttribute('class'))?.includes('vscode-dark'),
      );
      await session.screenshot('ui-panels-dashboard-dark');
      assert.deepEqual(cspViolations, [], 'no Content Security Policy violation');
    }),
);

test(
  "the editor's worst-case cost and smart sifting's kept fraction, live; the panels in high contrast",
  { timeout: 120_000 },
  () =>
    screenshotOnFailure('ui-panels-cost-sifting', async () => {
      assert.ok(session, 'no workbench session');
      const { page, workspace } = session;
      await runCommand(page, 'View: Close All Editors');
      await runCommand(page, 'SageMaker: Create Tuning Job...');
      const editor = await findWebview(page, /^Tuning Request$/);
      const cost = editor.locator('#cost-estimate');
      const input = (field: string) => editor.locator(`[data-field="${field}"] input`);
      // The new request: local:process on ml.m5.large, 20 jobs of at most 1 h, 2 at a time.
      await waitForText(cost, /In flight at once: 2\.00 instance-hours/);
      await waitForText(cost, /this machine \(local engine\): no charge/);
      await waitForText(editor.locator('#instance-type-info'), /CPU only, 2 vCPU, 8 GiB/);

      // On SageMaker: 20 instance-hours at the catalog's $0.115.
      await input('trainingImage').fill('123456789012.dkr.ecr.us-east-1.amazonaws.com/t:1');
      await waitForText(cost, /Worst-case cost: \$2\.30 - 20 instance-hours at \$0\.115\/hour/);
      await input('instanceType').fill('ml.g5.xlarge');
      await waitForText(editor.locator('#instance-type-info'), /1 x A10G \(24 GiB\)/);
      await waitForText(cost, /Worst-case cost: \$28\.16/);
      // Your own price, from the setting, applies to the open editor at once.
      const settingsFile = join(workspace.dir, '.vscode', 'settings.json');
      const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
      writeFileSync(
        settingsFile,
        JSON.stringify(
          { ...settings, 'sagemakerWorkbench.instancePrices': { 'ml.g5.xlarge': 1 } },
          null,
          2,
        ),
      );
      await waitForText(cost, /Worst-case cost: \$20\.00 .*sagemakerWorkbench\.instancePrices/);
      await waitForText(editor.locator('#instance-type-info'), /\$1\.00\/hour/);
      await input('instanceType').fill('ml.zz.unknown');
      await waitForText(cost, /price unknown for ml\.zz\.unknown/);
      await waitForText(editor.locator('#instance-type-info'), /not in the catalog/);

      // A built-in algorithm: the Smart sifting section, its kept fraction as typed.
      await input('trainingImage').fill('local:image-classification');
      await input('trainingImage').press('Tab');
      const beta = input('sift.sift_beta_value');
      await beta.waitFor({ state: 'visible', timeout: 10_000 });
      const kept = editor.locator('#sift-kept');
      await waitForText(kept, /Sifting is off/);
      await beta.fill('2');
      await waitForText(kept, /Keeps ~33% of the samples \(1 \/ \(1 \+ 2\)\): ~67% fewer backward/);
      await waitForText(editor.locator('#sift-advice'), /only pays where backward passes/);
      await beta.fill('0');
      await waitForText(
        editor.locator('[data-field="sift.sift_beta_value"] .field-error'),
        /sift_beta_value must be > 0/,
      );
      await input('sift.sift_delay').fill('-1');
      await waitForText(
        editor.locator('[data-field="sift.sift_delay"] .field-error'),
        /sift_delay must be a whole number >= 0/,
      );
      await input('sift.sift_delay').fill('');
      await beta.fill('1');
      await waitForText(kept, /Keeps ~50%/);
      await kept.scrollIntoViewIfNeeded();
      await session.screenshot('ui-panels-editor-sifting');

      writeFileSync(
        settingsFile,
        JSON.stringify({ ...settings, 'workbench.colorTheme': 'Default High Contrast' }, null, 2),
      );
      await waitUntil(
        'the webview follows the high-contrast theme',
        async () =>
          (await editor.locator('body').getAttribute('class'))?.includes('vscode-high-contrast'),
        30_000,
      );
      await cost.scrollIntoViewIfNeeded();
      await session.screenshot('ui-panels-editor-high-contrast');

      const item = await findTreeItem(page, 'Tuning Jobs', /Tuning job ui-panels, Completed/);
      await item.click();
      const dashboard = await findWebview(page, 'Tuning: ui-panels', 30_000);
      await webviewData(dashboard, 'render-ms');
      await waitUntil('the dashboard is in high contrast', async () =>
        (await dashboard.locator('body').getAttribute('class'))?.includes('vscode-high-contrast'),
      );
      await session.screenshot('ui-panels-dashboard-high-contrast');
      assert.deepEqual(cspViolations, [], 'no Content Security Policy violation');
    }),
);
