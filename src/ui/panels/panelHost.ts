/**
 * What every webview panel shares: the HTML shell with a strict Content Security Policy,
 * creation with resource roots limited to the built webview assets and media, the typed
 * message channel (each message from the webview checked against the panel's protocol;
 * a mismatch is rejected and logged to the output channel, never acted on), posting only
 * after the webview said `ready`, and a serializer that restores the panel after a reload.
 */
import * as vscode from 'vscode';
import { validate, type Check } from './protocol/check';
import { acceptMessage, makeNonce, panelHtml } from './webviewHtml';

export interface PanelSpec<In extends { type: string }, State> {
  /** The webview panel's viewType (also `onWebviewPanel:<viewType>` in package.json). */
  viewType: string;
  /** The bundle: dist/webview/<script>.js and .css, from src/webview/<script>/main.ts. */
  script: string;
  /** Every message from the webview must pass this. */
  inbound: Check<In>;
  /** The webview's saved state, checked before a serializer revives the panel from it. */
  state: Check<State>;
  /**
   * The message types that complete the panel's first view (e.g. `model`, or `error`). When
   * given, the HTML waits for the first of them (at most FIRST_VIEW_WAIT_MS) and carries the
   * messages posted until then inline: the webview renders them as soon as its script has run,
   * instead of after the `ready` round trip and the document's load event (VS Code hands a
   * webview its messages only after that event, which waits for the script, styles and fonts).
   * VS Code sets up the webview's frame meanwhile, so the wait costs little.
   */
  firstView?: readonly string[];
}

/** How long a new panel's HTML waits for its first view's data before going without it. */
export const FIRST_VIEW_WAIT_MS = 150;

/** The output channel panels log to (rejected messages, failures, timings). */
let sharedLog: vscode.LogOutputChannel | undefined;
export function panelLog(): vscode.LogOutputChannel {
  sharedLog ??= vscode.window.createOutputChannel('SageMaker Workbench', { log: true });
  return sharedLog;
}

export class PanelHost implements vscode.Disposable {
  readonly log = panelLog();
  constructor(readonly extensionUri: vscode.Uri) {}

  get localResourceRoots(): vscode.Uri[] {
    return [
      vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'),
      vscode.Uri.joinPath(this.extensionUri, 'media'),
    ];
  }

  /** Options for createWebviewPanel and for panels a serializer revives. */
  webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: this.localResourceRoots,
      retainContextWhenHidden: false,
      enableFindWidget: true,
    };
  }

  createPanel(
    viewType: string,
    title: string,
    column: vscode.ViewColumn = vscode.ViewColumn.Active,
  ): vscode.WebviewPanel {
    return vscode.window.createWebviewPanel(
      viewType,
      title,
      { viewColumn: column, preserveFocus: false },
      this.webviewOptions(),
    );
  }

  /** Sets the panel's HTML: our script with a fresh nonce, our stylesheet, the CSP. */
  load(
    panel: vscode.WebviewPanel,
    script: string,
    title: string,
    createdAt = Date.now(),
    inlineMessages: readonly unknown[] = [],
  ): void {
    const webview = panel.webview;
    webview.options = {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: this.localResourceRoots,
    };
    const asset = (...path: string[]) =>
      webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', ...path));
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      title,
      scriptUri: asset(`${script}.js`).toString(),
      styleUri: asset(`${script}.css`).toString(),
      codiconsUri: asset('codicons', 'codicon.css').toString(),
      codiconFontUri: asset('codicons', 'codicon.ttf').toString(),
      createdAt,
      inlineMessages,
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'sagemaker.svg');
  }

  dispose(): void {
    // The shared channel lives as long as the extension (disposed with the context).
  }
}

/**
 * One open panel: its webview, the typed channel, the `ready` handshake. Messages posted
 * before the webview is ready are queued (the last of each type kept).
 */
export abstract class Panel<In extends { type: string }, Out extends { type: string }, State>
  implements vscode.Disposable
{
  private isReady = false;
  private readonly queue = new Map<string, Out>();
  protected readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  /** When the panel was created (epoch ms), for open-time measurements. */
  readonly createdAt = Date.now();
  /** Until the HTML is set (a panel with a `firstView` waits for its data): the fallback timer. */
  private htmlTimer: NodeJS.Timeout | undefined;
  private htmlSet = false;
  /** Whether the HTML carries messages inline (a reload of that HTML would replay them). */
  private htmlHasInline = false;
  /** Whether that HTML's webview has not said `ready` yet. */
  private inlineUnanswered = false;

  constructor(
    protected readonly host: PanelHost,
    readonly panel: vscode.WebviewPanel,
    protected readonly spec: PanelSpec<In, State>,
    private readonly htmlTitle: string,
  ) {
    if (spec.firstView) this.htmlTimer = setTimeout(() => this.setHtml(), FIRST_VIEW_WAIT_MS);
    else this.setHtml();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const message = acceptMessage(spec.inbound, raw, spec.viewType, host.log);
        if (!message) return;
        if (message.type === 'ready') {
          this.isReady = true;
          for (const queued of this.queue.values()) void panel.webview.postMessage(queued);
          this.queue.clear();
          // The first `ready` of an HTML that carried the state inline: the webview has it, and
          // what changed since was queued and has just gone out. No need to state it again.
          if (this.inlineUnanswered) {
            this.inlineUnanswered = false;
            return;
          }
        }
        Promise.resolve(this.onMessage(message)).catch((err: unknown) => {
          host.log.error(`${spec.viewType}: ${message.type} failed: ${(err as Error).message}`);
          void vscode.window.showErrorMessage((err as Error).message);
        });
      }),
      panel.onDidDispose(() => this.dispose()),
      // A hidden webview is unloaded (retainContextWhenHidden is off); it says ready again.
      panel.onDidChangeViewState(() => {
        if (panel.visible) return;
        this.isReady = false;
        // Shown again, the webview reloads this HTML: without the inline messages, which are
        // stale by then (it says ready and gets the current ones).
        if (this.htmlHasInline) this.host.load(panel, spec.script, htmlTitle);
        this.htmlHasInline = false;
        this.inlineUnanswered = false;
      }),
    );
  }

  /** Sets the panel's HTML, with the messages queued so far inline. */
  private setHtml(): void {
    if (this.htmlSet || this.disposed) return;
    this.htmlSet = true;
    clearTimeout(this.htmlTimer);
    // A panel hidden before its data came loads the HTML only when shown: no inline data then.
    const inline = this.panel.visible ? [...this.queue.values()] : [];
    if (inline.length) this.queue.clear();
    this.htmlHasInline = inline.length > 0;
    this.inlineUnanswered = this.htmlHasInline;
    this.host.load(this.panel, this.spec.script, this.htmlTitle, this.createdAt, inline);
  }

  get ready(): boolean {
    return this.isReady;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Posts now if the webview is ready, else when it is (keeping the latest of each type). */
  post(message: Out): void {
    if (this.disposed) return;
    if (this.isReady) void this.panel.webview.postMessage(message);
    else {
      this.queue.set(message.type, message);
      if (!this.htmlSet && this.spec.firstView?.includes(message.type)) this.setHtml();
    }
  }

  /**
   * Handles a message that passed the protocol's check: `ready` included, but for the first one
   * after an HTML that carried the state inline.
   */
  protected abstract onMessage(message: In): void | Promise<void>;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.htmlTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
    this.onDisposed();
  }

  protected onDisposed(): void {}
}

/**
 * Registers the serializer that revives a panel of this type after a window reload, from the
 * state its webview saved. A state that fails the check closes the panel with a log line.
 */
export function registerSerializer<State>(
  host: PanelHost,
  viewType: string,
  stateCheck: Check<State>,
  revive: (panel: vscode.WebviewPanel, state: State) => void | Promise<void>,
): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(viewType, {
    async deserializeWebviewPanel(panel, state: unknown) {
      const result = validate(stateCheck, state, 'state');
      if (!result.ok) {
        host.log.warn(`${viewType}: cannot restore the panel: ${result.problem}`);
        panel.dispose();
        return;
      }
      await revive(panel, result.value);
    },
  });
}
