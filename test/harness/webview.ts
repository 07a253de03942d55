// Webview panels in the workbench: VS Code renders each in an iframe (class "webview") holding
// the panel's own document in an inner iframe (#active-frame). These helpers find the panel's
// document by its <title> and act inside it.
import type { Frame, Page } from 'playwright-core';
import { waitUntil } from './ui';

/** The document of a visible webview panel whose <title> matches, once it has loaded. */
export async function findWebview(
  page: Page,
  title: string | RegExp,
  timeoutMs = 20_000,
): Promise<Frame> {
  const matches = (text: string) =>
    typeof title === 'string' ? text.includes(title) : title.test(text);
  return waitUntil(
    `no webview panel titled "${String(title)}"`,
    async () => {
      // The newest matching document: a panel that was hidden or replaced may linger a moment.
      let found: Frame | undefined;
      for (const frame of page.frames()) {
        try {
          const text = await frame.title();
          if (text && matches(text) && (await frame.locator('#app').count()) > 0) found = frame;
        } catch {
          // detached while we looked
        }
      }
      return found && !found.isDetached() ? found : undefined;
    },
    timeoutMs,
  );
}

/** Waits until the webview's body carries data-<name> (e.g. renderMs) and returns it. */
export async function webviewData(frame: Frame, name: string, timeoutMs = 20_000): Promise<string> {
  return waitUntil(
    `the webview never set data-${name}`,
    async () => (await frame.locator('body').getAttribute(`data-${name}`)) ?? undefined,
    timeoutMs,
  );
}
