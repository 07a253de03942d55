// Workbench UI helpers for Playwright tests: selectors lean on roles and aria labels, which VS
// Code keeps stable for accessibility, and every wait names what it waited for when it fails.
import type { Locator, Page } from 'playwright-core';
import { errorMessage } from './util';

export const DEFAULT_TIMEOUT_MS = 15_000;

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Runs step; on failure rethrows as `${what} (within Ns): cause`. */
async function explain<T>(what: string, timeoutMs: number, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new Error(`${what} (waited ${timeoutMs / 1000}s): ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

/** The activity-bar item of a view container (e.g. "SageMaker", "Explorer"). */
export function activityBarItem(page: Page, title: string): Locator {
  // aria-label is the title, followed by " (keybinding)" for built-in containers.
  return page
    .locator('.part.activitybar')
    .getByRole('tab', { name: new RegExp(`^${escapeRegExp(title)}( \\(.*\\))?$`) });
}

/**
 * Shows a view container by clicking its activity-bar item (no click when already shown). While
 * the workbench still restores its layout a click can be lost, or land just after the item turned
 * active and hide the side bar again (the panels bench on code-server 4.103 saw the container
 * stay closed in 2 of about 12 runs), so it is tried again until the container's toolbar is
 * there.
 */
export async function openViewContainer(
  page: Page,
  title: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<void> {
  await explain(`view container "${title}" did not open`, timeoutMs, async () => {
    const item = activityBarItem(page, title);
    const toolbar = page
      .locator('.part.sidebar')
      .getByRole('toolbar', { name: `${title} actions` });
    await item.waitFor({ state: 'visible', timeout: timeoutMs });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Clicking the active item would hide the side bar.
      if ((await item.getAttribute('aria-selected')) !== 'true') {
        await item.click({ timeout: timeoutMs });
        // Move off the item so its hover does not cover the side bar in screenshots.
        const size = page.viewportSize() ?? { width: 1280, height: 800 };
        await page.mouse.move(Math.round(size.width * 0.7), Math.round(size.height * 0.5));
      }
      const left = deadline - Date.now();
      try {
        await toolbar.waitFor({ state: 'attached', timeout: Math.max(1, Math.min(3000, left)) });
        return;
      } catch (err) {
        if (Date.now() >= deadline) throw err;
      }
    }
  });
}

/** The header (role=button, "<name> Section") of a view in the side bar or panel. */
export function viewHeader(page: Page, viewName: string): Locator {
  return page.getByRole('button', { name: `${viewName} Section`, exact: true });
}

/** The whole pane (header + body) of a view. */
export function viewPane(page: Page, viewName: string): Locator {
  return page.locator('.pane').filter({ has: viewHeader(page, viewName) });
}

/** Expands a collapsed view and waits for its header. */
export async function expandView(
  page: Page,
  viewName: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<Locator> {
  return explain(`view "${viewName}" is not shown`, timeoutMs, async () => {
    const header = viewHeader(page, viewName);
    await header.waitFor({ state: 'visible', timeout: timeoutMs });
    if ((await header.getAttribute('aria-expanded')) === 'false')
      await header.click({ timeout: timeoutMs });
    return viewPane(page, viewName);
  });
}

/** The tree (role=tree, aria-label = view name) of a tree view. */
export function viewTree(page: Page, viewName: string): Locator {
  return viewPane(page, viewName).getByRole('tree', { name: viewName, exact: true });
}

/** A tree item whose accessible name contains label (a string) or matches it (a RegExp). */
export function treeItem(page: Page, viewName: string, label: string | RegExp): Locator {
  return viewTree(page, viewName).getByRole('treeitem', { name: label });
}

/** Waits for a tree item by label in a view (expanding the view) and returns it. */
export async function findTreeItem(
  page: Page,
  viewName: string,
  label: string | RegExp,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<Locator> {
  await expandView(page, viewName, timeoutMs);
  const item = treeItem(page, viewName, label).first();
  await explain(`no tree item "${String(label)}" in view "${viewName}"`, timeoutMs, () =>
    item.waitFor({ state: 'visible', timeout: timeoutMs }),
  );
  return item;
}

/** Labels (accessible names) of the visible items of a tree view. */
export async function treeItemLabels(page: Page, viewName: string): Promise<string[]> {
  const labels = await viewTree(page, viewName)
    .getByRole('treeitem')
    .evaluateAll((items) =>
      items.map((item) => item.getAttribute('aria-label') ?? item.textContent ?? ''),
    );
  return labels;
}

/** Waits until text is visible in scope (the page or a locator). */
export async function waitForText(
  scope: Page | Locator,
  text: string | RegExp,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<Locator> {
  const found = scope.getByText(text).first();
  await explain(`text "${String(text)}" did not appear`, timeoutMs, () =>
    found.waitFor({ state: 'visible', timeout: timeoutMs }),
  );
  return found;
}

/** Polls condition until it returns true (or a truthy value). */
export async function waitUntil<T>(
  what: string,
  condition: () => Promise<T | undefined | false>,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError ? `: ${errorMessage(lastError)}` : '';
      throw new Error(`${what} (waited ${timeoutMs / 1000}s)${cause}`);
    }
    await new Promise((done) => setTimeout(done, intervalMs));
  }
}

// ------------------------------------------------------------------ quick input

/** The quick input widget (command palette, quick picks, input boxes). */
export function quickInput(page: Page): Locator {
  return page.locator('.quick-input-widget');
}

function quickInputBox(page: Page): Locator {
  return quickInput(page).locator('.quick-input-box input');
}

export async function waitForQuickInput(
  page: Page,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<Locator> {
  const widget = quickInput(page);
  await explain('the quick input did not open', timeoutMs, () =>
    widget.waitFor({ state: 'visible', timeout: timeoutMs }),
  );
  return widget;
}

/** The option (role=option) of the open quick pick whose name starts with label. */
export function quickPickOption(page: Page, label: string | RegExp): Locator {
  // Names read "<label>", or "<label>, <description/detail/'recently used'>".
  const name = typeof label === 'string' ? new RegExp(`^${escapeRegExp(label)}(,|$)`) : label;
  return quickInput(page).getByRole('option', { name });
}

/**
 * Runs a command through the command palette: F1, type the title as shown there
 * (e.g. "SageMaker: Run Training Script Locally..."), pick it.
 */
export async function runCommand(
  page: Page,
  title: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<void> {
  await explain(
    `could not run command "${title}" from the command palette`,
    timeoutMs,
    async () => {
      // Escape closes whatever quick input is open; F1 opens the palette (Ctrl+Shift+P if F1
      // did not reach the workbench, e.g. when focus was somewhere that swallows it).
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      const widget = quickInput(page);
      const opened = await widget
        .waitFor({ state: 'visible', timeout: Math.min(3000, timeoutMs) })
        .then(
          () => true,
          () => false,
        );
      if (!opened) {
        await page.keyboard.press('Control+Shift+P');
        await waitForQuickInput(page, timeoutMs);
      }
      const input = quickInputBox(page);
      await input.fill(`>${title}`, { timeout: timeoutMs });
      const option = quickPickOption(page, title).first();
      await option.waitFor({ state: 'visible', timeout: timeoutMs });
      await option.click({ timeout: timeoutMs });
    },
  );
}

/** Picks an item of the open quick pick by label (filters by typing, then clicks the item). */
export async function pickQuickPickItem(
  page: Page,
  label: string | RegExp,
  options: { filter?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    await explain(`could not pick "${String(label)}" in the quick pick`, timeoutMs, async () => {
      await waitForQuickInput(page, timeoutMs);
      if (options.filter !== false && typeof label === 'string') {
        await quickInputBox(page).fill(label, { timeout: timeoutMs });
      }
      const option = quickPickOption(page, label).first();
      await option.waitFor({ state: 'visible', timeout: timeoutMs });
      await option.click({ timeout: timeoutMs });
    });
  } catch (error) {
    // Where the focus was and what the notifications said: a quick pick closes when it loses focus.
    (error as Error).message += ` [${await workbenchFocus(page)}]`;
    throw error;
  }
}

/** The focused element and the visible notifications' text, for failure messages. */
async function workbenchFocus(page: Page): Promise<string> {
  // A script string: the tests compile without the DOM library.
  const script = `(() => {
    const active = document.activeElement;
    const focus = active
      ? active.tagName.toLowerCase() + '.' + String(active.className).split(' ').join('.') +
        (active.getAttribute('aria-label') ? ' "' + active.getAttribute('aria-label') + '"' : '')
      : 'none';
    const toasts = [...document.querySelectorAll('.notification-toast')].map((t) =>
      (t.textContent || '').trim().slice(0, 120));
    return 'focus: ' + focus + '; notifications: ' + (toasts.length ? toasts.join(' | ') : 'none');
  })()`;
  try {
    return String(await page.evaluate(script));
  } catch (error) {
    return `focus unknown: ${errorMessage(error)}`;
  }
}

/** Answers an input box (showInputBox, or a quick pick that accepts typed values): type, Enter. */
export async function answerInputBox(
  page: Page,
  value: string,
  options: { prompt?: string | RegExp; timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  await explain(`could not answer the input box with "${value}"`, timeoutMs, async () => {
    const widget = await waitForQuickInput(page, timeoutMs);
    if (options.prompt) await waitForText(widget, options.prompt, timeoutMs);
    const input = quickInputBox(page);
    await input.fill(value, { timeout: timeoutMs });
    await input.press('Enter', { timeout: timeoutMs });
  });
}

/** Waits until the quick input is closed (e.g. after the last answer). */
export async function waitForQuickInputClosed(
  page: Page,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<void> {
  await explain('the quick input did not close', timeoutMs, () =>
    quickInput(page).waitFor({ state: 'hidden', timeout: timeoutMs }),
  );
}

// ------------------------------------------------------------------ notifications

/** A notification toast containing text. */
export function notification(page: Page, text: string | RegExp): Locator {
  return page.locator('.notifications-toasts .notification-toast').filter({ hasText: text });
}

export async function waitForNotification(
  page: Page,
  text: string | RegExp,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<Locator> {
  const toast = notification(page, text).first();
  await explain(`no notification "${String(text)}"`, timeoutMs, () =>
    toast.waitFor({ state: 'visible', timeout: timeoutMs }),
  );
  return toast;
}
