/**
 * Open time of a panel, measured in the webview: from when the extension set the panel's HTML
 * (body[data-created-at], epoch ms) to the first render with data, kept as body[data-open-ms]
 * for benchmarks and tests to read, with where the time went: the webview's document starting
 * (data-document-ms: VS Code navigates the frame to its own blank page, then writes our HTML into
 * it) and that page arriving (data-document-arrived-ms), our HTML starting (data-html-ms, the
 * first inline script in <head>), our script starting (data-script-ms, after its download and
 * parse), the page built (data-init-ms), the document's load event (data-load-ms) and the first
 * data arriving (data-data-ms). Imported first by every panel's main.ts.
 */
import { connect } from './vscodeApi';

const scriptStartedAt = Date.now();
// Say ready before the rest of the bundle initialises (components, charts): the extension's
// first data is on its way while the page builds. Listeners are added later in this same
// synchronous run, before any reply can be dispatched. Every panel's protocol takes `ready`.
connect<{ type: 'ready' }, never, never>().post({ type: 'ready' });
// VS Code hands the webview the extension's messages only after this document's load event
// (which waits for the script, the styles and fonts in use).
let loadAt: number | undefined;
window.addEventListener('load', () => (loadAt ??= Date.now()));
let initDoneAt: number | undefined;
let dataAt: number | undefined;
let marked = false;

/** Call when the page has been built (the end of main.ts). */
export function markInitialised(): void {
  initDoneAt ??= Date.now();
}

/** Call when the first message with data arrives. */
export function markData(): void {
  dataAt ??= Date.now();
}

export function markFirstRender(): void {
  if (marked) return;
  marked = true;
  const createdAt = Number(document.body.dataset.createdAt);
  if (!Number.isFinite(createdAt) || createdAt <= 0) return;
  const data = document.body.dataset;
  const htmlSetAt = Number(data.htmlSetAt);
  // A panel whose first data comes inline sets its HTML once that data is read.
  if (Number.isFinite(htmlSetAt) && htmlSetAt > 0) data.htmlSetMs = String(htmlSetAt - createdAt);
  data.documentMs = String(Math.round(performance.timeOrigin - createdAt));
  // When the document's HTML had arrived: what is left after it is this panel's own work.
  const navigation = performance.getEntriesByType('navigation')[0] as
    PerformanceNavigationTiming | undefined;
  if (navigation)
    data.documentArrivedMs = String(
      Math.round(performance.timeOrigin + navigation.responseEnd - createdAt),
    );
  const htmlAt = Number(document.documentElement.dataset.headAt);
  if (Number.isFinite(htmlAt) && htmlAt > 0) data.htmlMs = String(htmlAt - createdAt);
  data.scriptMs = String(scriptStartedAt - createdAt);
  if (initDoneAt !== undefined) data.initMs = String(initDoneAt - createdAt);
  if (loadAt !== undefined) data.loadMs = String(loadAt - createdAt);
  if (dataAt !== undefined) data.dataMs = String(dataAt - createdAt);
  data.openMs = String(Date.now() - createdAt);
}
