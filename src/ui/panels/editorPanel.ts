/**
 * The tuning request editor: "SageMaker: Create Tuning Job..." opens it on a new request, a
 * request .json (Explorer) opens it on that file. Every change is validated with the
 * engine's own checks and shown beside its field; "Save Request JSON" writes the request
 * (runnable with `smw create-hyper-parameter-tuning-job --cli-input-json file://...`), and
 * "Launch" creates the job through the current backend and opens its dashboard.
 */
import * as vscode from 'vscode';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CreateHyperParameterTuningJobRequest } from '@aws-sdk/client-sagemaker';
import { defaultStoreDir } from '../../backends/local/localBackend';
import { BUILTIN_IMAGES, BUILTIN_METRICS } from '../../model/builtinAlgorithms';
import { defaultHyperParameters } from '../../engine/builtin/hyperparameters';
import type { WarmStartParent } from '../../model/warmStart';
import { COMMANDS } from '../commandIds';
import {
  createTuningJobFromArgs,
  pickRequestFile,
  type CreateTuningJobArgs,
} from '../commands/tuningJobCommands';
import { createTuningJob, validateTuningJob } from '../commands/awsLaunch';
import type { Services } from '../services';
import {
  EDITOR_VIEW_TYPE,
  editorInbound,
  editorState,
  type BuiltinAlgorithmInfo,
  type EditorDraft,
  type EditorInbound,
  type EditorOutbound,
  type EditorState,
  type FieldProblem,
} from './protocol/editor';
import {
  checkDraft,
  draftFromRequest,
  instanceTypeOptions,
  parseRequestText,
  requestFromDraft,
  substituteWorkspaceFolder,
  templateDraft,
  worstCaseCompute,
} from './viewModels/editor';
import { warmStartRuleChecks } from './viewModels/warmStart';
import { INSTANCE_PRICES_AS_OF } from '../../model/instanceTypes';
import { DashboardPanel } from './dashboardPanel';
import { SiftingEstimates } from './siftingEstimates';
import { Panel, registerSerializer, type PanelHost, type PanelSpec } from './panelHost';

const SPEC: PanelSpec<EditorInbound, EditorState> = {
  viewType: EDITOR_VIEW_TYPE,
  script: 'editor',
  inbound: editorInbound,
  state: editorState,
  firstView: ['init'],
};

/** What an editor opens on. */
export interface EditorSource {
  draft?: EditorDraft;
  file?: string;
  base?: unknown;
}

const workspaceFolder = () => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;

export class TuningEditorPanel extends Panel<EditorInbound, EditorOutbound, EditorState> {
  private static readonly open = new Set<TuningEditorPanel>();
  private draft: EditorDraft;
  private file: string | undefined;
  private base: unknown;
  private notes: string[] = [];
  private loadError: string | undefined;
  private validating: Promise<void> | undefined;
  private nextValidation: { seq: number; draft: EditorDraft } | undefined;
  private parentCache = new Map<string, { at: number; parent: WarmStartParent | undefined }>();
  /** Smart sifting's profiled estimates, each in a process of its own. */
  private readonly siftingEstimates: SiftingEstimates;

  static register(services: Services, host: PanelHost): void {
    services.context.subscriptions.push(
      vscode.commands.registerCommand(
        COMMANDS.createTuningJob,
        (arg?: CreateTuningJobArgs | vscode.Uri) => {
          if (arg instanceof vscode.Uri)
            return TuningEditorPanel.openFile(services, host, arg.fsPath).title;
          // With a request or a request file, scripts and tests create the job directly.
          if (arg && (arg.request || arg.requestFile))
            return createTuningJobFromArgs(services, arg);
          return TuningEditorPanel.show(services, host, {}).title;
        },
      ),
      registerSerializer(host, EDITOR_VIEW_TYPE, editorState, (panel, state) => {
        TuningEditorPanel.track(
          new TuningEditorPanel(services, host, panel, {
            ...(state.draft ? { draft: state.draft } : {}),
            ...(state.file ? { file: state.file } : {}),
            ...(state.base !== undefined ? { base: state.base } : {}),
          }),
        );
      }),
    );
  }

  /** Opens an editor on a request file, or reveals the one already open on it. */
  static openFile(services: Services, host: PanelHost, file: string): TuningEditorPanel {
    for (const editor of TuningEditorPanel.open) {
      if (editor.file === file) {
        editor.panel.reveal();
        return editor;
      }
    }
    return TuningEditorPanel.show(services, host, { file });
  }

  static show(services: Services, host: PanelHost, source: EditorSource): TuningEditorPanel {
    const panel = host.createPanel(EDITOR_VIEW_TYPE, 'Tuning Request');
    return TuningEditorPanel.track(new TuningEditorPanel(services, host, panel, source));
  }

  private static track(editor: TuningEditorPanel): TuningEditorPanel {
    TuningEditorPanel.open.add(editor);
    return editor;
  }

  /** The open editors (for tests). */
  static get openEditors(): readonly TuningEditorPanel[] {
    return [...TuningEditorPanel.open];
  }

  private constructor(
    private readonly services: Services,
    host: PanelHost,
    panel: vscode.WebviewPanel,
    source: EditorSource,
  ) {
    super(host, panel, SPEC, 'Tuning Request');
    this.draft = templateDraft({ name: '', outputPath: '' });
    this.siftingEstimates = new SiftingEstimates(
      join(services.context.asAbsolutePath('dist'), 'runner.js'),
      (message) => this.post(message),
    );
    this.disposables.push(this.siftingEstimates);
    this.load(source);
    // Prices are read when the estimate is made: a changed setting shows at once.
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!event.affectsConfiguration('sagemakerWorkbench.instancePrices')) return;
        this.post({
          type: 'instanceTypes',
          instanceTypes: instanceTypeOptions(this.services.config.instancePrices),
        });
        this.queueValidation(this.lastSeq, this.draft);
      }),
    );
  }

  /** The sequence number of the latest form the webview sent. */
  private lastSeq = 0;

  get title(): string {
    return this.panel.title;
  }

  /** The form as last received from the webview. */
  get currentDraft(): EditorDraft {
    return this.draft;
  }

  private load(source: EditorSource): void {
    this.file = source.file;
    this.base = source.base;
    this.notes = [];
    this.loadError = undefined;
    if (source.draft) {
      this.draft = source.draft;
    } else if (source.file) {
      let raw: unknown = {};
      try {
        const parsed = parseRequestText(readFileSync(source.file, 'utf8'));
        if ('error' in parsed) this.loadError = parsed.error;
        else raw = parsed.value;
      } catch (err) {
        this.loadError = `Could not read ${source.file}: ${(err as Error).message}`;
      }
      const { draft, notes } = draftFromRequest(raw);
      this.draft = draft;
      this.notes = this.loadError ? [] : notes;
      this.base = this.loadError ? undefined : raw;
      // A file that is not JSON is never overwritten by Save: it asks where to save.
      if (this.loadError) this.file = undefined;
      if (this.loadError && !draft.name) this.draft.name = basename(source.file, '.json');
      this.loadErrorFile = source.file;
    } else {
      this.draft = this.newDraft();
    }
    this.panel.title = this.file ? `Tuning Request: ${basename(this.file)}` : 'Tuning Request';
    this.post(this.initMessage());
  }

  private loadErrorFile: string | undefined;

  private newDraft(): EditorDraft {
    const root = workspaceFolder();
    const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const store = this.services.config.localStoreDirectory || defaultStoreDir();
    const draft = templateDraft({
      name: `tuning-${stamp.slice(0, 8)}-${stamp.slice(8)}`,
      outputPath: pathToFileURL(root ? join(root, 'tuning-output') : join(store, 'output')).href,
    });
    // New requests name absolute paths, so the saved file runs with smw as it is.
    return substituteWorkspaceFolder(draft, root ?? store);
  }

  private initMessage(): EditorOutbound {
    return {
      type: 'init',
      draft: this.draft,
      ...(this.file ? { file: this.file } : {}),
      ...(this.base !== undefined ? { base: this.base } : {}),
      notes: this.notes,
      ...(this.loadError
        ? { loadError: `${this.loadErrorFile ?? 'The request'}: ${this.loadError}` }
        : {}),
      backend: this.services.backend.kind,
      algorithms: builtinAlgorithms(),
      instanceTypes: instanceTypeOptions(this.services.config.instancePrices),
      pricesAsOf: INSTANCE_PRICES_AS_OF,
    };
  }

  protected async onMessage(message: EditorInbound): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.post(this.initMessage());
        return;
      case 'changed':
        this.draft = message.draft;
        this.lastSeq = message.seq;
        this.queueValidation(message.seq, message.draft);
        return;
      case 'save':
        this.draft = message.draft;
        await this.save();
        return;
      case 'launch':
        this.draft = message.draft;
        await this.launch();
        return;
      case 'loadJson': {
        const picked = await pickRequestFile();
        if (picked?.requestFile) this.load({ file: picked.requestFile });
        return;
      }
      case 'openJson': {
        const file = this.file ?? this.loadErrorFile;
        if (file) await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
        return;
      }
      case 'chooseScript':
        await this.chooseScript();
        return;
      case 'chooseChannelFolder':
        await this.chooseChannelFolder(message.index);
        return;
      case 'estimateSifting':
        this.siftingEstimates.request(message.seq, message.request);
        return;
      case 'chooseParents':
        this.draft = message.draft;
        await vscode.commands.executeCommand(COMMANDS.warmStartTuningJob, {
          editor: this,
        });
        return;
    }
  }

  /** Replaces the form (from the warm-start panel). */
  replaceRequest(request: CreateHyperParameterTuningJobRequest): void {
    const { draft, notes } = draftFromRequest(request);
    this.draft = draft;
    this.base = request;
    this.notes = notes;
    this.loadError = undefined;
    this.panel.reveal();
    this.post(this.initMessage());
  }

  /** The request the form describes, `${workspaceFolder}` kept as written. */
  request(): CreateHyperParameterTuningJobRequest {
    return requestFromDraft(this.draft, this.base).request;
  }

  private queueValidation(seq: number, draft: EditorDraft): void {
    this.nextValidation = { seq, draft };
    if (this.validating) return;
    const run = async (): Promise<void> => {
      while (this.nextValidation) {
        const next = this.nextValidation;
        this.nextValidation = undefined;
        const result = await this.validate(next.draft);
        this.post({ type: 'validation', seq: next.seq, ...result });
      }
      this.validating = undefined;
    };
    this.validating = run();
  }

  /** Field problems, then (when there are none) the backend's whole-request checks. */
  async validate(draft: EditorDraft): Promise<{
    problems: FieldProblem[];
    general: string[];
    estimate: ReturnType<typeof worstCaseCompute>;
    warmStart: ReturnType<typeof warmStartRuleChecks>;
    requestJson: string;
  }> {
    const { built, problems, general } = checkDraft(draft, this.base);
    const request = substituteWorkspaceFolder(built.request, workspaceFolder());
    const parents = await this.parents(request);
    const warmStart = warmStartRuleChecks(request, parents);
    if (problems.length === 0 && general.length === 0) {
      try {
        // As it would be sent: on aws with the job defaults and local channels' S3 prefixes.
        await validateTuningJob(this.services, request);
      } catch (err) {
        const text = (err as Error).message;
        // Warm-start violations are listed rule by rule already.
        if (!/^Invalid WarmStartConfig/.test(text)) general.push(text);
      }
    }
    return {
      problems,
      general,
      estimate: worstCaseCompute(request, { priceOverrides: this.services.config.instancePrices }),
      warmStart,
      requestJson: JSON.stringify(built.request, null, 2),
    };
  }

  private async parents(
    request: CreateHyperParameterTuningJobRequest,
  ): Promise<Map<string, WarmStartParent | undefined>> {
    const found = new Map<string, WarmStartParent | undefined>();
    for (const entry of request.WarmStartConfig?.ParentHyperParameterTuningJobs ?? []) {
      const name = entry.HyperParameterTuningJobName ?? '';
      const cached = this.parentCache.get(name);
      if (cached && Date.now() - cached.at < 3000) {
        found.set(name, cached.parent);
        continue;
      }
      let parent: WarmStartParent | undefined;
      try {
        if (name) {
          parent = {
            description: await this.services.backend.describeHyperParameterTuningJob({
              HyperParameterTuningJobName: name,
            }),
          };
        }
      } catch {
        parent = undefined;
      }
      this.parentCache.set(name, { at: Date.now(), parent });
      found.set(name, parent);
    }
    return found;
  }

  private async save(): Promise<void> {
    let file = this.file;
    if (!file) {
      const root = workspaceFolder();
      const target = await vscode.window.showSaveDialog({
        title: 'Save Request JSON',
        defaultUri: vscode.Uri.file(
          join(
            root ?? dirname(this.services.context.globalStorageUri.fsPath),
            `${this.draft.name || 'tuning-request'}.json`,
          ),
        ),
        filters: { JSON: ['json'] },
      });
      if (!target) return;
      file = target.fsPath;
    }
    const { built, problems, general } = checkDraft(this.draft, this.base);
    writeFileSync(file, `${JSON.stringify(built.request, null, 2)}\n`);
    this.file = file;
    this.panel.title = `Tuning Request: ${basename(file)}`;
    this.post({ type: 'saved', file });
    const count = problems.length + general.length;
    const root = workspaceFolder();
    const shown = root && !relative(root, file).startsWith('..') ? relative(root, file) : file;
    void vscode.window.showInformationMessage(
      count
        ? `Saved ${shown} with ${count} problem${count === 1 ? '' : 's'} still to fix.`
        : `Saved ${shown}. Run it with: smw create-hyper-parameter-tuning-job --cli-input-json file://${file}`,
    );
  }

  private async launch(): Promise<void> {
    const result = await this.validate(this.draft);
    const failedRules = result.warmStart.filter((r) => r.state === 'fail').length;
    const count = result.problems.length + result.general.length + failedRules;
    if (count > 0) {
      this.post({
        type: 'validation',
        seq: Number.MAX_SAFE_INTEGER,
        ...result,
      });
      this.post({
        type: 'failed',
        message: `Not launched: fix the ${count} problem${count === 1 ? '' : 's'} shown first.`,
      });
      return;
    }
    const request = substituteWorkspaceFolder(this.request(), workspaceFolder());
    const name = request.HyperParameterTuningJobName!;
    try {
      await createTuningJob(this.services, request);
    } catch (err) {
      const error = err as Error;
      this.post({
        type: 'failed',
        message:
          error.name === 'ResourceInUse'
            ? `${error.message} Choose another name.`
            : `Could not create the tuning job: ${error.message}`,
        ...(error.name === 'ResourceInUse' ? { field: 'name' } : {}),
      });
      return;
    }
    this.post({ type: 'launched', name });
    DashboardPanel.show(this.services, this.host, name);
  }

  private async chooseScript(): Promise<void> {
    const root = workspaceFolder();
    const picked = await vscode.window.showOpenDialog({
      title: 'Training script',
      canSelectMany: false,
      openLabel: 'Use as Training Script',
      ...(root ? { defaultUri: vscode.Uri.file(root) } : {}),
    });
    const script = picked?.[0]?.fsPath;
    if (!script) return;
    const statics = this.draft.staticHyperParameters.filter(
      (p) => p.name !== 'sagemaker_program' && p.name !== 'sagemaker_submit_directory',
    );
    const staticHyperParameters = [
      { name: 'sagemaker_program', value: basename(script) },
      { name: 'sagemaker_submit_directory', value: pathToFileURL(dirname(script)).href },
      ...statics,
    ];
    this.post({
      type: 'patch',
      patch: { staticHyperParameters, trainingImage: this.draft.trainingImage || 'local:process' },
    });
  }

  private async chooseChannelFolder(index: number): Promise<void> {
    const root = workspaceFolder();
    const picked = await vscode.window.showOpenDialog({
      title: 'Channel data',
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: 'Use as Channel',
      ...(root ? { defaultUri: vscode.Uri.file(root) } : {}),
    });
    const folder = picked?.[0]?.fsPath;
    if (!folder || !existsSync(folder)) return;
    const channels = this.draft.channels.map((c, i) =>
      i === index ? { ...c, uri: pathToFileURL(folder).href } : c,
    );
    this.post({ type: 'patch', patch: { channels } });
  }

  protected override onDisposed(): void {
    TuningEditorPanel.open.delete(this);
  }
}

/** The built-in algorithms the editor offers, with their default hyperparameters. */
function builtinAlgorithms(): BuiltinAlgorithmInfo[] {
  return Object.entries(BUILTIN_IMAGES).map(([image, algorithm]) => ({
    image,
    label: algorithm === 'image-classification' ? 'Image classification' : 'Text classification',
    defaults: Object.fromEntries(
      Object.entries(defaultHyperParameters(algorithm)).map(([k, v]) => [
        k,
        typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v),
      ]),
    ),
    metrics: [...BUILTIN_METRICS],
  }));
}
