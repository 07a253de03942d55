// Opens a workspace in the code-server workbench with this repository loaded as a development
// extension, and bundles server + browser + workspace into one session that cleans up after itself.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, type BrowserSession } from './browser';
import { startCodeServer, type CodeServer, type CodeServerOptions } from './codeServer';
import { repoRoot, testResultsDir } from './paths';
import { createWorkspace, type TestWorkspace, type WorkspaceOptions } from './workspace';
import { errorMessage } from './util';

export interface WorkbenchUrlOptions {
  /** Absolute path of the folder to open. */
  folder: string;
  /** Absolute path of the extension to load as a development extension. Default: this repository. */
  extensionDevelopmentPath?: string | null;
  /** Absolute path of a compiled test entry point exporting run() (extension-host tests). */
  extensionTestsPath?: string;
}

/** A vscode-remote URI for a path on the code-server machine. */
export function remoteUri(server: CodeServer, absolutePath: string): string {
  const path = absolutePath.split('/').map(encodeURIComponent).join('/');
  return `vscode-remote://${server.host}:${server.port}${path}`;
}

export function workbenchUrl(server: CodeServer, options: WorkbenchUrlOptions): string {
  const payload: [string, string][] = [];
  const devPath =
    options.extensionDevelopmentPath === undefined ? repoRoot : options.extensionDevelopmentPath;
  if (devPath) payload.push(['extensionDevelopmentPath', remoteUri(server, devPath)]);
  if (options.extensionTestsPath)
    payload.push(['extensionTestsPath', remoteUri(server, options.extensionTestsPath)]);
  let url = `${server.url}/?folder=${encodeURIComponent(options.folder)}`;
  if (payload.length > 0) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return url;
}

/** Navigates to url and waits until the workbench is rendered. */
export async function openWorkbench(page: Page, url: string, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  try {
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
    await page
      .locator('.monaco-workbench')
      .waitFor({ state: 'visible', timeout: Math.max(1000, timeoutMs - (Date.now() - started)) });
    // The activity bar is rendered once the workbench's parts are laid out.
    await page
      .locator('.part.activitybar')
      .waitFor({ state: 'visible', timeout: Math.max(1000, timeoutMs - (Date.now() - started)) });
  } catch (error) {
    throw new Error(
      `workbench did not load within ${timeoutMs / 1000}s (${url}): ${errorMessage(error)}`,
      {
        cause: error,
      },
    );
  }
}

export interface SessionOptions {
  /** Names log files and screenshots. */
  label: string;
  workspace?: WorkspaceOptions;
  server?: CodeServerOptions;
  /** Default: this repository. null: load no development extension. */
  extensionDevelopmentPath?: string | null;
  extensionTestsPath?: string;
  /** Called with the page before navigation (e.g. to expose functions). */
  beforeOpen?: (page: Page) => Promise<void>;
  /** Wait for the workbench to render. Default true. */
  waitForWorkbench?: boolean;
  loadTimeoutMs?: number;
}

export interface WorkbenchSession {
  readonly server: CodeServer;
  readonly browser: BrowserSession;
  readonly page: Page;
  readonly workspace: TestWorkspace;
  readonly url: string;
  /** Saves test-results/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Closes the browser, stops code-server, removes the throwaway folders. Never throws. */
  close(): Promise<void>;
}

/** Workspace + code-server + Chromium + workbench page. Cleans up everything if any step fails. */
export async function startWorkbenchSession(options: SessionOptions): Promise<WorkbenchSession> {
  const workspace = createWorkspace(options.workspace);
  let server: CodeServer | undefined;
  let browser: BrowserSession | undefined;
  const close = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    workspace.remove();
  };
  try {
    server = await startCodeServer({ label: options.label, ...options.server });
    browser = await launchBrowser();
    const { page } = browser;
    if (options.beforeOpen) await options.beforeOpen(page);
    const url = workbenchUrl(server, {
      folder: workspace.dir,
      extensionDevelopmentPath: options.extensionDevelopmentPath,
      extensionTestsPath: options.extensionTestsPath,
    });
    if (options.waitForWorkbench === false) {
      await page.goto(url, {
        waitUntil: 'domcontentloaded',
        timeout: options.loadTimeoutMs ?? 60_000,
      });
    } else {
      await openWorkbench(page, url, options.loadTimeoutMs);
    }
    const screenshot = async (name: string): Promise<string> => {
      mkdirSync(testResultsDir, { recursive: true });
      const path = join(testResultsDir, `${name}.png`);
      await page.screenshot({ path });
      return path;
    };
    return { server, browser, page, workspace, url, screenshot, close };
  } catch (error) {
    // Keep a picture of what the browser showed, for the failure report.
    if (browser) {
      mkdirSync(testResultsDir, { recursive: true });
      await browser.page
        .screenshot({ path: join(testResultsDir, `${options.label}-startup-failure.png`) })
        .catch(() => undefined);
    }
    await close();
    throw error;
  }
}
