/**
 * "SageMaker: Warm Start a Tuning Job...": pick up to 5 parent tuning jobs from a table
 * (status, objective, best value, number of training jobs), choose the warm-start type, and see
 * every warm-start rule checked live against the child request; then the editor opens with
 * WarmStartConfig filled. Opened from the editor, it fills that editor's request instead.
 */
import * as vscode from 'vscode';
import type {
  CreateHyperParameterTuningJobRequest,
  DescribeHyperParameterTuningJobResponse,
} from '@aws-sdk/client-sagemaker';
import { MAX_WARM_START_PARENTS, type WarmStartParent } from '../../model/warmStart';
import { COMMANDS } from '../commandIds';
import type { Services } from '../services';
import {
  WARM_START_VIEW_TYPE,
  warmStartInbound,
  warmStartState,
  type WarmStartInbound,
  type WarmStartOutbound,
  type WarmStartState,
} from './protocol/warmStart';
import { childName, childRequest, parentRow, warmStartRuleChecks } from './viewModels/warmStart';
import { Panel, registerSerializer, type PanelHost, type PanelSpec } from './panelHost';
import { nameArgument } from './pickers';
import type { TuningEditorPanel } from './editorPanel';

const SPEC: PanelSpec<WarmStartInbound, WarmStartState> = {
  viewType: WARM_START_VIEW_TYPE,
  script: 'warmStart',
  inbound: warmStartInbound,
  state: warmStartState,
  firstView: ['checks', 'error'],
};

type WarmStartType = 'IdenticalDataAndAlgorithm' | 'TransferLearning';
/** How many tuning jobs the table lists (newest first). */
const MAX_LISTED = 200;

/** Opens the editor on a request (set by the panel registry, which knows the editor). */
export type OpenEditor = (request: CreateHyperParameterTuningJobRequest) => void;

export class WarmStartPanel extends Panel<WarmStartInbound, WarmStartOutbound, WarmStartState> {
  private static current: WarmStartPanel | undefined;
  private descriptions = new Map<string, DescribeHyperParameterTuningJobResponse>();
  private selected: string[];
  private type: WarmStartType;
  private target: TuningEditorPanel | undefined;

  static register(services: Services, host: PanelHost, openEditor: OpenEditor): void {
    services.context.subscriptions.push(
      vscode.commands.registerCommand(COMMANDS.warmStartTuningJob, (arg?: unknown) => {
        const editor =
          arg && typeof arg === 'object' && 'editor' in arg
            ? (arg as { editor: TuningEditorPanel }).editor
            : undefined;
        const preselect = editor ? undefined : nameArgument(arg, 'name');
        const draft = editor?.currentDraft;
        const existing = WarmStartPanel.current;
        if (existing && !existing.isDisposed) {
          existing.target = editor;
          if (preselect) existing.selected = [preselect];
          else if (draft) existing.selected = [...draft.warmStartParents];
          existing.panel.reveal();
          void existing.refresh();
          return existing;
        }
        const panel = host.createPanel(WARM_START_VIEW_TYPE, 'Warm Start');
        WarmStartPanel.current = new WarmStartPanel(services, host, panel, openEditor, {
          selected: preselect ? [preselect] : (draft?.warmStartParents ?? []),
          ...(draft && draft.warmStartType !== 'None'
            ? { warmStartType: draft.warmStartType }
            : {}),
        });
        WarmStartPanel.current.target = editor;
        return WarmStartPanel.current;
      }),
      registerSerializer(host, WARM_START_VIEW_TYPE, warmStartState, (panel, state) => {
        WarmStartPanel.current = new WarmStartPanel(services, host, panel, openEditor, state);
      }),
    );
  }

  private constructor(
    private readonly services: Services,
    host: PanelHost,
    panel: vscode.WebviewPanel,
    private readonly openEditor: OpenEditor,
    state: WarmStartState,
  ) {
    super(host, panel, SPEC, 'Warm Start');
    this.selected = state.selected ?? [];
    this.type = state.warmStartType ?? 'TransferLearning';
    void this.refresh();
  }

  protected async onMessage(message: WarmStartInbound): Promise<void> {
    switch (message.type) {
      case 'ready':
      case 'refresh':
        await this.refresh();
        return;
      case 'changed':
        this.selected = message.selected;
        this.type = message.warmStartType;
        this.post({ type: 'checks', seq: message.seq, ...this.checks() });
        return;
      case 'openEditor': {
        this.selected = message.selected;
        this.type = message.warmStartType;
        const request = this.child();
        if (!request) {
          void vscode.window.showWarningMessage('Choose at least one parent tuning job.');
          return;
        }
        const target = this.target;
        if (target && !target.isDisposed) target.replaceRequest(request);
        else this.openEditor(request);
        this.dispose();
        return;
      }
    }
  }

  /** Re-reads the tuning jobs and posts the table. */
  private async refresh(): Promise<void> {
    try {
      const backend = this.services.backend;
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await backend.listHyperParameterTuningJobs({
          SortBy: 'CreationTime',
          SortOrder: 'Descending',
          MaxResults: 100,
          ...(token ? { NextToken: token } : {}),
        });
        names.push(
          ...(page.HyperParameterTuningJobSummaries ?? []).map(
            (s) => s.HyperParameterTuningJobName!,
          ),
        );
        token = page.NextToken;
      } while (token && names.length < MAX_LISTED);
      const described = await Promise.all(
        names
          .slice(0, MAX_LISTED)
          .map((name) =>
            backend
              .describeHyperParameterTuningJob({ HyperParameterTuningJobName: name })
              .catch(() => undefined),
          ),
      );
      this.descriptions = new Map(
        described
          .filter((d): d is DescribeHyperParameterTuningJobResponse => d !== undefined)
          .map((d) => [d.HyperParameterTuningJobName!, d]),
      );
      this.post({
        type: 'init',
        parents: [...this.descriptions.values()].map(parentRow),
        selected: this.selected.slice(0, MAX_WARM_START_PARENTS),
        warmStartType: this.type,
        childFrom: this.childFrom(),
      });
      this.post({ type: 'checks', seq: 0, ...this.checks() });
    } catch (err) {
      this.post({ type: 'error', message: (err as Error).message });
    }
  }

  private childFrom(): string {
    if (this.target && !this.target.isDisposed) return 'the request in the editor';
    return this.selected[0]
      ? `the request of ${this.selected[0]}`
      : 'the first parent\u2019s request';
  }

  /** The request the rules are checked on: the editor's, or the first parent's, with these parents. */
  private child(): CreateHyperParameterTuningJobRequest | undefined {
    const warmStartConfig = {
      WarmStartType: this.type,
      ParentHyperParameterTuningJobs: this.selected.map((name) => ({
        HyperParameterTuningJobName: name,
      })),
    };
    if (this.target && !this.target.isDisposed) {
      return { ...this.target.request(), WarmStartConfig: warmStartConfig };
    }
    const first = this.descriptions.get(this.selected[0] ?? '');
    if (!first) return undefined;
    const taken = new Set([...this.descriptions.keys()].map((n) => n.toLowerCase()));
    return childRequest(first, this.selected, this.type, childName(this.selected[0], taken));
  }

  private checks(): { checks: ReturnType<typeof warmStartRuleChecks>; childFrom: string } {
    const request =
      this.child() ??
      ({
        HyperParameterTuningJobName: 'warm-start',
        WarmStartConfig: { WarmStartType: this.type, ParentHyperParameterTuningJobs: [] },
      } as unknown as CreateHyperParameterTuningJobRequest);
    const parents = new Map<string, WarmStartParent | undefined>(
      this.selected.map((name) => {
        const description = this.descriptions.get(name);
        return [name, description ? { description } : undefined];
      }),
    );
    return { checks: warmStartRuleChecks(request, parents), childFrom: this.childFrom() };
  }

  protected override onDisposed(): void {
    if (WarmStartPanel.current === this) WarmStartPanel.current = undefined;
  }
}
