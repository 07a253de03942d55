// The SageMaker view container in a real workbench (code-server + Chromium) with the extension
// loaded from this repository as a development extension.
import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  expandView,
  openViewContainer,
  startWorkbenchSession,
  viewHeader,
  viewPane,
  waitForText,
  type WorkbenchSession,
} from '../harness';

const VIEWS = ['Datasets', 'Models', 'Training Jobs', 'Tuning Jobs'];

let session: WorkbenchSession | undefined;

before(
  async () => {
    session = await startWorkbenchSession({ label: 'ui-views' });
  },
  { timeout: 120_000 },
);

after(async () => {
  await session?.close();
});

// Each wait inside has its own, shorter limit; this only bounds the test as a whole.
const TEST_OPTIONS = { timeout: 120_000 };

test(
  'the SageMaker activity-bar item shows the four views and the Training Jobs welcome',
  TEST_OPTIONS,
  async () => {
    assert.ok(session, 'no workbench session');
    const { page } = session;
    try {
      await openViewContainer(page, 'SageMaker');
      for (const view of VIEWS) {
        await expandView(page, view);
        assert.equal(
          await viewHeader(page, view).isVisible(),
          true,
          `view "${view}" is not visible`,
        );
      }
      await waitForText(viewPane(page, 'Training Jobs'), 'No training jobs yet.');
      await waitForText(viewPane(page, 'Training Jobs'), /Run Training Script Locally/);
    } finally {
      await session.screenshot('ui-sagemaker-views');
    }
  },
);
