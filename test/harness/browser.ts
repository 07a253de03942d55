// Debian Chromium driven by playwright-core (no browser download).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { chromiumBin } from './paths';
import { withTimeout } from './util';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface BrowserSession {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Closes the browser (and with it every Chromium process). Safe to call twice. */
  close(): Promise<void>;
}

export async function launchBrowser(options: { timeoutMs?: number } = {}): Promise<BrowserSession> {
  if (!existsSync(chromiumBin)) {
    throw new Error(
      `Chromium not found at ${chromiumBin}: run \`bash scripts/test-deps.sh\` (or set SMW_CHROMIUM)`,
    );
  }
  const browser = await chromium.launch({
    executablePath: chromiumBin,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: options.timeoutMs ?? 30_000,
    // playwright kills the browser when this process exits or is interrupted.
    handleSIGINT: true,
    handleSIGTERM: true,
    handleSIGHUP: true,
  });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await withTimeout(browser.close(), 10_000, 'browser did not close within 10s').catch(
      () => undefined,
    );
  };
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    return { browser, context, page, close };
  } catch (error) {
    await close();
    throw error;
  }
}
