/** The webview's side of the channel: typed post, typed listener, persisted state. */

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export interface Channel<In, Out, State> {
  /** Sends a message to the extension (which checks it against the panel's protocol). */
  post(message: In): void;
  /** Messages from the extension. */
  onMessage(listener: (message: Out) => void): void;
  /** What survives a reload (the serializer hands it back to the extension). */
  getState(): State | undefined;
  setState(state: State): void;
}

let api: VsCodeApi | undefined;
let inlineTaken = false;

/**
 * The messages the extension put into the HTML (its first data, see panelHtml), once: to the
 * first listener. They are the extension's own, like everything it posts.
 */
function takeInlineMessages(): unknown[] {
  if (inlineTaken) return [];
  inlineTaken = true;
  const text = document.getElementById('inline-messages')?.textContent;
  if (!text) return [];
  try {
    const messages: unknown = JSON.parse(text);
    return Array.isArray(messages) ? messages : [];
  } catch {
    return [];
  }
}

export function connect<In, Out, State>(): Channel<In, Out, State> {
  api ??= acquireVsCodeApi();
  const vscode = api;
  return {
    post: (message) => vscode.postMessage(message),
    onMessage: (listener) => {
      window.addEventListener('message', (event: MessageEvent<Out>) => listener(event.data));
      const inline = takeInlineMessages();
      // After the script that registers the listener has run to its end (the page is built).
      if (inline.length) queueMicrotask(() => inline.forEach((m) => listener(m as Out)));
    },
    getState: () => (vscode.getState() as State | undefined) ?? undefined,
    setState: (state) => vscode.setState(state),
  };
}
