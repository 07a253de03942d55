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

export function connect<In, Out, State>(): Channel<In, Out, State> {
  api ??= acquireVsCodeApi();
  const vscode = api;
  return {
    post: (message) => vscode.postMessage(message),
    onMessage: (listener) =>
      window.addEventListener('message', (event: MessageEvent<Out>) => listener(event.data)),
    getState: () => (vscode.getState() as State | undefined) ?? undefined,
    setState: (state) => vscode.setState(state),
  };
}
