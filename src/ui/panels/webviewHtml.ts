/**
 * The pure parts of the panel host (no vscode): the HTML shell with its Content Security
 * Policy and per-load nonce, and the gate every message from a webview passes.
 */
import { randomBytes } from 'node:crypto';
import { validate, type Check } from './protocol/check';

/** A fresh nonce per HTML load: 128 random bits, base64. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

/** The Content-Security-Policy of every panel: nothing but our nonce'd script and our styles. */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/**
 * The panel's HTML. Its first script only stamps when the HTML started in the webview
 * (html[data-head-at], for the open-time breakdown in shared/timing.ts); the panel's own script
 * comes last.
 */
export function panelHtml(options: {
  cspSource: string;
  nonce: string;
  title: string;
  scriptUri: string;
  styleUri: string;
  codiconsUri: string;
  /**
   * The codicon font, preloaded: with the first data inline the page renders before layout
   * would ask for it, and its fetch needs the webview's main thread (VS Code's service worker
   * hands each request to the frame around ours), which the first render keeps busy.
   */
  codiconFontUri?: string;
  /** When the panel asked for this HTML (epoch ms): the webview reports its open time from it. */
  createdAt?: number;
  /**
   * Messages the webview takes as if posted to it, before any other (the panel's first data):
   * a JSON data block, never executed (shared/vscodeApi.ts reads it).
   */
  inlineMessages?: readonly unknown[];
}): string {
  const { nonce } = options;
  const inline = options.inlineMessages?.length
    ? `<script nonce="${nonce}" type="application/json" id="inline-messages">${jsonForScriptElement(options.inlineMessages)}</script>\n`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(options.cspSource, nonce)}">
<script nonce="${nonce}">document.documentElement.dataset.headAt = String(Date.now());</script>
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(options.title)}</title>
${options.codiconFontUri ? `<link rel="preload" href="${options.codiconFontUri}" as="font" type="font/ttf" crossorigin>\n` : ''}<link rel="stylesheet" href="${options.codiconsUri}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${options.styleUri}">
</head>
<body data-created-at="${options.createdAt ?? Date.now()}" data-html-set-at="${Date.now()}">
<main id="app" aria-busy="true"><p class="loading">Loading ${escapeHtml(options.title)}...</p></main>
${inline}<script nonce="${nonce}" src="${options.scriptUri}"></script>
</body>
</html>`;
}

/**
 * JSON that can sit inside a <script> element: every `<` escaped (as JSON's \u003c, which
 * JSON.parse turns back), so no value - a job name, a log line - can close the element or open
 * a comment.
 */
export function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/**
 * Checks a message from a webview: the typed message, or undefined after logging why it was
 * rejected (the offending message is logged shortened, never evaluated).
 */
export function acceptMessage<In>(
  check: Check<In>,
  raw: unknown,
  viewType: string,
  log: { warn(message: string): void },
): In | undefined {
  const result = validate(check, raw);
  if (result.ok) return result.value;
  let shown: string;
  try {
    shown = JSON.stringify(raw) ?? String(raw);
  } catch {
    shown = String(raw);
  }
  log.warn(
    `${viewType}: rejected a message from the webview: ${result.problem}: ${shown.slice(0, 300)}`,
  );
  return undefined;
}
