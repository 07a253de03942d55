// Runs a training script as a local training job the way a user does - command palette,
// quick pick, input boxes - and watches it finish in the Training Jobs view.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  answerInputBox,
  findTreeItem,
  openViewContainer,
  pickQuickPickItem,
  runCommand,
  startWorkbenchSession,
  waitForNotification,
  waitForQuickInputClosed,
  type WorkbenchSession,
} from '../harness';

const TRAIN_PY = `import os, sys, time
rows = open(os.path.join(os.environ["SM_CHANNEL_TRAINING"], "data.csv")).read().split()
epochs = int(sys.argv[sys.argv.index("--epochs") + 1])
for epoch in range(epochs):
    time.sleep(0.5)
    print(f"epoch={epoch} loss={1 / (epoch + len(rows)):.3f}", flush=True)
open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w").write("ok")
`;

let session: WorkbenchSession | undefined;

before(
  async () => {
    session = await startWorkbenchSession({
      label: 'ui-training-job',
      workspace: { files: { 'train.py': TRAIN_PY, 'data/data.csv': '1,a\n0,b\n' } },
    });
  },
  { timeout: 120_000 },
);

after(async () => {
  await session?.close();
});

test(
  'Run Training Script Locally: the job runs and shows Completed with its loss in the tree',
  { timeout: 180_000 },
  async () => {
    assert.ok(session, 'no workbench session');
    const { page, workspace } = session;
    try {
      await openViewContainer(page, 'SageMaker');
      await runCommand(page, 'SageMaker: Run Training Script Locally...');
      await pickQuickPickItem(page, 'train.py');
      await answerInputBox(page, 'training=data', { prompt: /input\/data/ });
      await answerInputBox(page, 'epochs=3', { prompt: /--name value/ });
      await answerInputBox(page, 'loss=loss=([0-9.]+)', { prompt: /MetricDefinitions/ });
      await waitForQuickInputClosed(page);

      // Two rows in data.csv, epochs 0..2: the last loss is 1 / (2 + 2) = 0.25.
      const item = await findTreeItem(
        page,
        'Training Jobs',
        /Training job train-.*Completed - \d\d:\d\d - loss=0\.25/,
        60_000,
      );
      assert.ok(await item.isVisible());
      await waitForNotification(page, /Training job train-.* completed/, 30_000);
      await session.screenshot('ui-training-job-completed');

      const outputs = join(workspace.storeDir, 'output');
      const [jobName] = readdirSync(outputs);
      assert.match(jobName, /^train-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-\d{3}$/);
      assert.ok(
        existsSync(join(outputs, jobName, 'output', 'model.tar.gz')),
        'model.tar.gz was written',
      );
    } catch (error) {
      await session.screenshot('ui-training-job-failure');
      throw error;
    }
  },
);
