/**
 * The warm-start panel's webview: the candidate parents (check up to 5), the type, and every
 * warm-start rule as the extension checks it, live.
 */
import { markData, markFirstRender, markInitialised } from '../shared/timing';
import '../shared/base.css';
import '../shared/elements';
import type { CheckedElement, ValueElement } from '../shared/elements';
import { connect } from '../shared/vscodeApi';
import { formatNumber, formatTime, h, icon, replaceChildren } from '../shared/dom';
import type {
  ParentRow,
  WarmStartInbound,
  WarmStartOutbound,
  WarmStartState,
} from '../../ui/panels/protocol/warmStart';
import type { RuleCheck } from '../../ui/panels/protocol/editor';

const MAX_PARENTS = 5;
type WarmStartType = 'IdenticalDataAndAlgorithm' | 'TransferLearning';

const channel = connect<WarmStartInbound, WarmStartOutbound, WarmStartState>();
const saved = channel.getState();
let parents: ParentRow[] = [];
let selected: string[] = saved?.selected ?? [];
let type: WarmStartType = saved?.warmStartType ?? 'TransferLearning';
let filter = '';
let seq = 0;

function changed(): void {
  channel.setState({ selected, warmStartType: type });
  channel.post({ type: 'changed', seq: ++seq, selected, warmStartType: type });
  renderTable();
  openButton.toggleAttribute('disabled', selected.length === 0);
  selectionLine.textContent = `${selected.length} of at most ${MAX_PARENTS} parents chosen${selected.length ? `: ${selected.join(', ')}` : ''}`;
}

const app = document.getElementById('app')!;
const typeSelect = h(
  'vscode-single-select',
  { 'aria-label': 'Warm start type', id: 'warm-start-type' },
  h(
    'vscode-option',
    { value: 'TransferLearning' },
    'Transfer learning: other data, image or ranges',
  ),
  h('vscode-option', { value: 'IdenticalDataAndAlgorithm' }, 'Identical data and algorithm'),
) as ValueElement;
typeSelect.addEventListener('change', () => {
  type = typeSelect.value as WarmStartType;
  changed();
});
const filterField = h('vscode-textfield', {
  placeholder: 'Filter tuning jobs',
  'aria-label': 'Filter tuning jobs',
}) as ValueElement;
filterField.addEventListener('input', () => {
  filter = filterField.value.toLowerCase();
  renderTable();
});
const openButton = h(
  'vscode-button',
  { 'aria-label': 'Open in Editor', disabled: true },
  icon('edit'),
  ' Open in Editor',
);
openButton.addEventListener('click', () => {
  if (selected.length) channel.post({ type: 'openEditor', selected, warmStartType: type });
});
const refreshButton = h(
  'vscode-button',
  { secondary: true, 'aria-label': 'Refresh' },
  icon('refresh'),
  ' Refresh',
);
refreshButton.addEventListener('click', () => channel.post({ type: 'refresh' }));
const selectionLine = h('p', { class: 'muted', 'aria-live': 'polite' });
const table = h('table', { class: 'data', 'aria-label': 'Parent tuning jobs' });
const rules = h('ul', { class: 'rules', 'aria-label': 'Warm start rules' });
const childFrom = h('p', { class: 'muted' });
const errorBanner = h('div', { class: 'banner', role: 'alert', hidden: true });

replaceChildren(
  app,
  h(
    'header',
    { class: 'toolbar' },
    h('h1', null, 'Warm start a tuning job'),
    h('div', { class: 'actions' }, refreshButton, openButton),
  ),
  errorBanner,
  h(
    'section',
    { 'aria-labelledby': 'type-heading' },
    h('h2', { id: 'type-heading' }, 'Type'),
    typeSelect,
  ),
  h(
    'section',
    { 'aria-labelledby': 'parents-heading' },
    h('h2', { id: 'parents-heading' }, 'Parent tuning jobs'),
    h('div', { class: 'filters' }, filterField),
    selectionLine,
    h('div', { class: 'table-scroll' }, table),
  ),
  h(
    'section',
    { 'aria-labelledby': 'rules-heading' },
    h('h2', { id: 'rules-heading' }, 'Rules'),
    childFrom,
    rules,
  ),
);

function renderTable(): void {
  const head = h(
    'tr',
    null,
    ...[
      '',
      'Tuning job',
      'Status',
      'Strategy',
      'Objective',
      'Best',
      'Training jobs',
      'Created',
    ].map((c, i) =>
      h('th', { scope: 'col' }, i === 0 ? h('span', { class: 'visually-hidden' }, 'Parent') : c),
    ),
  );
  const rows = parents.filter(
    (p) =>
      !filter || p.name.toLowerCase().includes(filter) || p.status.toLowerCase().includes(filter),
  );
  const full = selected.length >= MAX_PARENTS;
  const body = h(
    'tbody',
    null,
    ...rows.map((p) => {
      const isSelected = selected.includes(p.name);
      const box = h('vscode-checkbox', {
        'aria-label': `Use ${p.name} as a parent`,
        'data-parent': p.name,
        ...(isSelected ? { checked: true } : {}),
        ...(full && !isSelected ? { disabled: true } : {}),
      }) as CheckedElement;
      box.addEventListener('change', () => {
        selected = box.checked
          ? [...selected.filter((s) => s !== p.name), p.name].slice(0, MAX_PARENTS)
          : selected.filter((s) => s !== p.name);
        changed();
        (
          table.querySelector(
            `vscode-checkbox[data-parent="${CSS.escape(p.name)}"]`,
          ) as HTMLElement | null
        )?.focus();
      });
      return h(
        'tr',
        isSelected ? { class: 'best' } : null,
        h('td', null, box),
        h('td', null, p.name),
        h(
          'td',
          null,
          h('span', { class: `status-${p.status}` }, p.status),
          p.terminal ? '' : h('span', { class: 'muted' }, ' (not terminal)'),
        ),
        h('td', null, p.strategy),
        h('td', null, p.objective),
        h('td', null, formatNumber(p.bestValue)),
        h('td', null, String(p.trainingJobs)),
        h('td', null, formatTime(p.createdAt)),
      );
    }),
  );
  replaceChildren(table, h('thead', null, head), body);
}

function renderRules(checks: RuleCheck[]): void {
  replaceChildren(
    rules,
    ...checks.map((r) =>
      h(
        'li',
        { class: `rule rule-${r.state === 'n/a' ? 'na' : r.state}` },
        h(
          'span',
          { class: r.state === 'fail' ? 'fail' : r.state === 'pass' ? 'pass' : 'muted' },
          icon(r.state === 'fail' ? 'error' : r.state === 'pass' ? 'pass' : 'circle-slash'),
          r.state === 'fail' ? ' Failed: ' : r.state === 'pass' ? ' Passed: ' : ' n/a: ',
        ),
        r.label,
        ...r.reasons.map((reason) => h('div', { class: 'reason error-text' }, reason)),
      ),
    ),
  );
}

let lastSeq = -1;
channel.onMessage((message) => {
  switch (message.type) {
    case 'init':
      markData();
      parents = message.parents;
      selected = message.selected.filter((s) => parents.some((p) => p.name === s) || true);
      type = message.warmStartType;
      typeSelect.value = type;
      childFrom.textContent = `Checked against ${message.childFrom}.`;
      errorBanner.hidden = true;
      app.setAttribute('aria-busy', 'false');
      changed();
      markFirstRender();
      return;
    case 'checks':
      if (message.seq < lastSeq && message.seq !== 0) return;
      lastSeq = message.seq;
      childFrom.textContent = `Checked against ${message.childFrom}.`;
      renderRules(message.checks);
      return;
    case 'error':
      errorBanner.hidden = false;
      errorBanner.textContent = message.message;
      return;
  }
});

// `ready` went out when the script started (shared/timing.ts).
markInitialised();
