/**
 * For `npm run bench:panels` only, when the extension host runs with SMW_BENCH_PANELS set to a
 * file's path (nothing a user sees: no command, no setting): each time the bench touches that
 * file, this opens an empty webview panel - the panels' CSP, a stamp first in <head>, and a `ready` ->
 * reply round trip with the extension, timed with the same body[data-*] attributes as
 * src/webview/shared/timing.ts. Its open time is the floor VS Code sets for any panel.
 */
import { unwatchFile, watchFile } from 'node:fs';
import * as vscode from 'vscode';
import { contentSecurityPolicy, makeNonce } from './webviewHtml';

export function registerBenchFloor(): vscode.Disposable | undefined {
  const trigger = process.env.SMW_BENCH_PANELS;
  if (!trigger) return undefined;
  watchFile(trigger, { interval: 50 }, (now, before) => {
    if (now.mtimeMs !== before.mtimeMs && now.mtimeMs > 0) openEmptyWebview();
  });
  return new vscode.Disposable(() => unwatchFile(trigger));
}

function openEmptyWebview(): void {
  const createdAt = Date.now();
  const panel = vscode.window.createWebviewPanel(
    'sagemakerWorkbench.bench.emptyWebview',
    'Empty webview',
    vscode.ViewColumn.Active,
    { enableScripts: true, localResourceRoots: [] },
  );
  const nonce = makeNonce();
  panel.webview.onDidReceiveMessage((message: { type?: unknown } | undefined) => {
    if (message?.type === 'ready') void panel.webview.postMessage({ type: 'data' });
  });
  panel.webview.html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(panel.webview.cspSource, nonce)}">
<script nonce="${nonce}">document.documentElement.dataset.headAt = String(Date.now());</script>
<title>Empty webview</title>
</head>
<body data-created-at="${createdAt}">
<main id="app"></main>
<script nonce="${nonce}">
const scriptAt = Date.now();
window.addEventListener('message', (event) => {
  const data = document.body.dataset;
  if (event.data?.type !== 'data' || data.openMs) return;
  const createdAt = Number(data.createdAt);
  const navigation = performance.getEntriesByType('navigation')[0];
  data.documentMs = String(Math.round(performance.timeOrigin - createdAt));
  if (navigation)
    data.documentArrivedMs = String(Math.round(performance.timeOrigin + navigation.responseEnd - createdAt));
  data.htmlMs = String(Number(document.documentElement.dataset.headAt) - createdAt);
  data.scriptMs = String(scriptAt - createdAt);
  data.initMs = data.scriptMs;
  data.dataMs = String(Date.now() - createdAt);
  data.openMs = data.dataMs;
});
acquireVsCodeApi().postMessage({ type: 'ready' });
</script>
</body>
</html>`;
}
