/**
 * The tuning dashboard's webview: counters, convergence, resources and estimate, the best job,
 * the objective over time, parallel coordinates, and the table of training jobs. It renders
 * the latest model once per animation frame however fast models arrive.
 */
import { markData, markFirstRender, markInitialised } from '../shared/timing';
import '../shared/base.css';
import '../shared/elements';
import type { ValueElement } from '../shared/elements';
import { connect } from '../shared/vscodeApi';
import { createChart } from '../shared/echarts';
import { readTheme, onThemeChange } from '../shared/theme';
import { formatDuration, formatNumber, formatTime, h, icon, replaceChildren } from '../shared/dom';
import type {
  DashboardInbound,
  DashboardJob,
  DashboardModel,
  DashboardOutbound,
  DashboardState,
} from '../../ui/panels/protocol/dashboard';
import {
  objectiveChartOption,
  parallelChartOption,
  tableRows,
  type StatusFilter,
  type TableView,
} from './options';

const channel = connect<DashboardInbound, DashboardOutbound, DashboardState>();
const saved = channel.getState();
const view: TableView = {
  filter: saved?.filter ?? '',
  status: saved?.statusFilter ?? 'all',
  column: saved?.sortColumn ?? 'ended',
  descending: saved?.sortDescending ?? false,
};
let tuningJobName = saved?.tuningJobName ?? '';
let model: DashboardModel | undefined;
let pending: { model: DashboardModel; arrivedAt: number } | undefined;
let frame = 0;

function saveState(): void {
  if (!tuningJobName) return;
  channel.setState({
    tuningJobName,
    sortColumn: view.column,
    sortDescending: view.descending,
    filter: view.filter,
    statusFilter: view.status,
  });
}

// ------------------------------------------------------------------ skeleton (built once)

const button = (label: string, iconName: string, onClick: () => void, secondary = true) =>
  h(
    'vscode-button',
    {
      ...(secondary ? { secondary: true } : {}),
      'aria-label': label,
      on: { click: onClick },
    },
    icon(iconName),
    ` ${label}`,
  );

const title = h('h1', null, tuningJobName || 'Tuning job');
const status = h('span', { class: 'status', role: 'status', 'aria-live': 'polite' });
const subtitle = h('span', { class: 'muted' });
const stopButton = button('Stop', 'debug-stop', () => channel.post({ type: 'stop' }), false);
const actions = h(
  'div',
  { class: 'actions' },
  stopButton,
  button('Export CSV', 'export', () => channel.post({ type: 'exportCsv' })),
  button('Open in Notebook', 'notebook', () => channel.post({ type: 'openNotebook' })),
  button('Refresh', 'refresh', () => channel.post({ type: 'refresh' })),
);
const errorBanner = h('div', { class: 'banner', role: 'alert', hidden: true });
const failureBanner = h('div', { class: 'banner', hidden: true });

const countersCard = h('div', { class: 'card', role: 'group', 'aria-label': 'Training jobs' });
const objectiveCard = h('div', { class: 'card', role: 'group', 'aria-label': 'Objective status' });
const convergenceCard = h('div', { class: 'card', role: 'group', 'aria-label': 'Convergence' });
const resourcesCard = h('div', { class: 'card', role: 'group', 'aria-label': 'Resources' });
const bestCard = h('div', {
  class: 'card best-card',
  role: 'group',
  'aria-label': 'Best training job',
});

const objectiveChartBox = h('div', { class: 'chart', id: 'objective-chart', role: 'img' });
const parallelChartBox = h('div', { class: 'chart', id: 'parallel-chart', role: 'img' });

const filterField = h('vscode-textfield', {
  placeholder: 'Filter: name, status, lr=0.1 ...',
  'aria-label': 'Filter training jobs',
  value: view.filter,
}) as ValueElement;
filterField.addEventListener('input', () => {
  view.filter = filterField.value;
  saveState();
  renderTable();
});
const statusSelect = h(
  'vscode-single-select',
  { 'aria-label': 'Show training jobs with status' },
  ...(['all', 'running', 'completed', 'failed', 'stopped'] as StatusFilter[]).map((value) =>
    h(
      'vscode-option',
      { value, ...(value === view.status ? { selected: true } : {}) },
      value === 'all' ? 'All statuses' : value[0].toUpperCase() + value.slice(1),
    ),
  ),
) as ValueElement;
statusSelect.addEventListener('change', () => {
  view.status = statusSelect.value as StatusFilter;
  saveState();
  renderTable();
});
const rowCount = h('span', { class: 'muted', 'aria-live': 'polite' });
const table = h('table', { class: 'data', 'aria-label': 'Training jobs' });
const tableBox = h('div', { class: 'table-scroll' }, table);

const app = document.getElementById('app')!;
replaceChildren(
  app,
  h('header', { class: 'toolbar' }, title, status, subtitle, actions),
  errorBanner,
  failureBanner,
  h(
    'section',
    { class: 'cards', 'aria-label': 'Summary' },
    countersCard,
    objectiveCard,
    convergenceCard,
    resourcesCard,
    bestCard,
  ),
  h(
    'section',
    { 'aria-labelledby': 'objective-heading' },
    h('h2', { id: 'objective-heading' }, 'Objective over time'),
    objectiveChartBox,
  ),
  h(
    'section',
    { 'aria-labelledby': 'parallel-heading' },
    h('h2', { id: 'parallel-heading' }, 'Hyperparameters and objective'),
    parallelChartBox,
  ),
  h(
    'section',
    { 'aria-labelledby': 'jobs-heading' },
    h('h2', { id: 'jobs-heading' }, 'Training jobs'),
    h('div', { class: 'filters' }, filterField, statusSelect, rowCount),
    tableBox,
  ),
);
app.setAttribute('aria-busy', 'true');

const objectiveChart = createChart(objectiveChartBox);
const parallelChart = createChart(parallelChartBox);
let theme = readTheme();
onThemeChange(() => {
  theme = readTheme();
  chartsFresh = false;
  if (model) renderCharts(model);
});

// ------------------------------------------------------------------ rendering

function pairs(entries: [string, string | Node][]): HTMLElement {
  return h(
    'dl',
    { class: 'pairs' },
    ...entries.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]),
  );
}

function renderSummary(m: DashboardModel): void {
  title.textContent = m.name;
  status.textContent = m.status;
  status.className = `status status-${m.status}`;
  status.setAttribute('aria-label', `Status ${m.status}`);
  subtitle.textContent = [
    m.strategy && `${m.strategy} search`,
    m.objective && `${m.objective.type} ${m.objective.metricName}`,
    m.backend,
  ]
    .filter(Boolean)
    .join(' - ');
  stopButton.hidden = !m.capabilities.stop;
  failureBanner.hidden = !m.failureReason;
  failureBanner.textContent = m.failureReason ?? '';

  const c = m.counters;
  const max = m.limits.maxTrainingJobs;
  replaceChildren(
    countersCard,
    h('h3', null, 'Training jobs'),
    pairs([
      ['Launched', `${c.total}${max !== undefined ? ` / ${max}` : ''}`],
      ['Completed', String(c.completed)],
      ['In progress', String(c.inProgress)],
      ['Stopped', String(c.stopped)],
      ['Failed', String(c.nonRetryableError)],
      ['Retryable errors', String(c.retryableError)],
    ]),
    max ? meter(c.total - c.inProgress, max, 'Finished training jobs') : null,
  );
  const o = m.objectiveCounters;
  replaceChildren(
    objectiveCard,
    h('h3', null, 'Objective'),
    pairs([
      ['Succeeded', String(o.succeeded)],
      ['Pending', String(o.pending)],
      ['Failed', String(o.failed)],
      ['Target', m.targetObjective !== undefined ? formatNumber(m.targetObjective) : 'none'],
    ]),
  );
  const cv = m.convergence;
  replaceChildren(
    convergenceCard,
    h('h3', null, 'Convergence'),
    pairs([
      [
        'Not improving',
        cv.maxNotImproving !== undefined
          ? `${cv.notImproving ?? 0} / ${cv.maxNotImproving}`
          : String(cv.notImproving ?? 0),
      ],
      ['Complete on convergence', cv.completeOnConvergence ? 'Enabled' : 'Disabled'],
      [
        'Convergence detected',
        cv.convergenceDetectedAt !== undefined ? formatTime(cv.convergenceDetectedAt) : 'no',
      ],
    ]),
    cv.maxNotImproving
      ? meter(cv.notImproving ?? 0, cv.maxNotImproving, 'Training jobs not improving')
      : null,
  );
  const elapsed =
    m.createdAt !== undefined ? ((m.endedAt ?? m.builtAt) - m.createdAt) / 1000 : undefined;
  replaceChildren(
    resourcesCard,
    h('h3', null, 'Resources'),
    pairs([
      ['Consumed runtime', formatDuration(m.consumedRuntimeSeconds)],
      ['Elapsed', formatDuration(elapsed)],
      ['Parallel', String(m.limits.maxParallelTrainingJobs ?? '-')],
      [
        'Estimated to completion',
        h(
          'span',
          { title: m.eta.basis },
          m.eta.seconds !== undefined ? formatDuration(m.eta.seconds) : '-',
        ),
      ],
    ]),
    h('p', { class: 'muted' }, m.eta.basis),
  );
  renderBest(m);
}

function meter(value: number, max: number, label: string): HTMLElement {
  const fill = h('div', { class: 'meter' });
  fill.style.width = `${Math.min(100, Math.max(0, (100 * value) / Math.max(1, max)))}%`;
  return h(
    'div',
    {
      class: 'meter-track',
      role: 'meter',
      'aria-label': label,
      'aria-valuemin': 0,
      'aria-valuemax': max,
      'aria-valuenow': value,
    },
    fill,
  );
}

function renderBest(m: DashboardModel): void {
  const best = m.best;
  if (!best) {
    replaceChildren(
      bestCard,
      h('h3', null, 'Best training job'),
      h('p', { class: 'muted' }, 'No training job has reported the objective yet.'),
    );
    return;
  }
  const buttons: HTMLElement[] = [];
  if (m.capabilities.trainIncrementally && best.artifactUri)
    buttons.push(
      button(
        'Train Incrementally',
        'debug-restart',
        () => channel.post({ type: 'trainIncrementally', trainingJobName: best.name }),
        false,
      ),
    );
  if (m.capabilities.revealArtifact && best.artifactUri)
    buttons.push(
      button('Reveal Artifact', 'folder-opened', () =>
        channel.post({ type: 'revealArtifact', trainingJobName: best.name }),
      ),
    );
  replaceChildren(
    bestCard,
    h('h3', null, icon('star-full'), ' Best training job'),
    pairs([
      [
        'Job',
        h(
          'button',
          {
            class: 'link',
            on: {
              click: () => channel.post({ type: 'openTrainingJob', trainingJobName: best.name }),
            },
          },
          best.name,
        ),
      ],
      [m.objective?.metricName ?? 'Objective', formatNumber(best.objective)],
      ...Object.entries(best.hyperParameters).map(([k, v]): [string, string] => [k, v]),
    ]),
    buttons.length ? h('div', { class: 'actions' }, ...buttons) : null,
  );
}

let chartSplit = 0;
/** The charts are rebuilt when their shape may change (first render, theme); else merged. */
let chartsFresh = false;
function renderCharts(m: DashboardModel): void {
  const notMerge = !chartsFresh;
  chartsFresh = true;
  objectiveChart.setOption(objectiveChartOption(m, theme), { notMerge });
  chartSplit = performance.now();
  objectiveChartBox.setAttribute(
    'aria-label',
    `Objective of each training job over time, with the best so far${m.targetObjective !== undefined ? ' and the target' : ''}`,
  );
  parallelChart.setOption(parallelChartOption(m, theme), { notMerge });
  parallelChartBox.setAttribute(
    'aria-label',
    'Parallel coordinates of the hyperparameters and the objective',
  );
}

const COLUMNS = (m: DashboardModel): { key: string; label: string; numeric?: boolean }[] => [
  { key: 'name', label: 'Training job' },
  { key: 'status', label: 'Status' },
  { key: 'objective', label: m.objective?.metricName ?? 'Objective', numeric: true },
  ...m.dimensions.map((d) => ({
    key: `hp:${d.name}`,
    label: d.name,
    numeric: d.kind !== 'Categorical',
  })),
  { key: 'duration', label: 'Duration', numeric: true },
  { key: 'ended', label: 'Ended', numeric: true },
];

function renderTable(): void {
  const m = model;
  if (!m) return;
  const columns = COLUMNS(m);
  const head = h(
    'tr',
    null,
    ...columns.map((column) => {
      const sorted = view.column === column.key;
      return h(
        'th',
        {
          scope: 'col',
          'aria-sort': sorted ? (view.descending ? 'descending' : 'ascending') : 'none',
        },
        h(
          'button',
          {
            'aria-label': `Sort by ${column.label}`,
            on: {
              click: () => {
                view.descending = view.column === column.key ? !view.descending : false;
                view.column = column.key;
                saveState();
                renderTable();
                (
                  table.querySelector(
                    `th[data-key="${CSS.escape(column.key)}"] button`,
                  ) as HTMLElement | null
                )?.focus();
              },
            },
          },
          column.label,
          sorted ? (view.descending ? ' \u25BC' : ' \u25B2') : '',
        ),
      );
    }),
  );
  head.querySelectorAll('th').forEach((th, i) => th.setAttribute('data-key', columns[i].key));
  tableState.rows = tableRows(m.jobs, view);
  tableState.columns = columns.length;
  table.setAttribute('aria-rowcount', String(tableState.rows.length + 1));
  replaceChildren(table, h('thead', null, head), tableBody);
  tableState.start = -1;
  renderRowWindow();
  rowCount.textContent = `${tableState.rows.length} of ${m.jobs.length} training jobs`;
}

/**
 * The table is virtual: only the rows in (and near) the scrolled window are in the DOM, between
 * two spacer rows of the right height, so 500 or 5,000 jobs cost the same to render. Rows keep
 * aria-rowindex, the table aria-rowcount, for screen readers.
 */
const ROW_HEIGHT = 26;
const OVERSCAN = 15;
const tableBody = h('tbody');
const tableState: { rows: DashboardJob[]; columns: number; start: number; end: number } = {
  rows: [],
  columns: 0,
  start: -1,
  end: -1,
};

function renderRowWindow(): void {
  const m = model;
  if (!m) return;
  // Geometry from the last scroll and resize: reading it here would force a layout.
  const visible = Math.ceil((tableGeometry.height || 480) / ROW_HEIGHT);
  const first = Math.floor(tableGeometry.scrollTop / ROW_HEIGHT);
  const start = Math.max(0, first - OVERSCAN);
  const end = Math.min(tableState.rows.length, first + visible + OVERSCAN);
  if (start === tableState.start && end === tableState.end) return;
  // Keep the focused row's button focused across the re-render when it stays in the window.
  const focused = document.activeElement?.closest('tr')?.getAttribute('aria-rowindex');
  tableState.start = start;
  tableState.end = end;
  const spacer = (rows: number) => {
    const cell = h('td', { colspan: tableState.columns, 'aria-hidden': 'true' });
    cell.style.height = `${rows * ROW_HEIGHT}px`;
    cell.style.padding = '0';
    cell.style.border = 'none';
    return h('tr', { class: 'spacer', 'aria-hidden': 'true' }, cell);
  };
  const fragment = document.createDocumentFragment();
  if (start > 0) fragment.appendChild(spacer(start));
  for (let i = start; i < end; i++) {
    const tr = row(tableState.rows[i], m);
    tr.setAttribute('aria-rowindex', String(i + 2));
    fragment.appendChild(tr);
  }
  if (end < tableState.rows.length) fragment.appendChild(spacer(tableState.rows.length - end));
  tableBody.replaceChildren(fragment);
  if (focused)
    (
      tableBody.querySelector(`tr[aria-rowindex="${focused}"] button`) as HTMLElement | null
    )?.focus();
}

const tableGeometry = { height: 0, scrollTop: 0 };
new ResizeObserver(() => {
  tableGeometry.height = tableBox.clientHeight;
  tableState.start = -1;
  renderRowWindow();
}).observe(tableBox);
let scrollFrame = 0;
tableBox.addEventListener('scroll', () => {
  tableGeometry.scrollTop = tableBox.scrollTop;
  if (!scrollFrame)
    scrollFrame = requestAnimationFrame(() => {
      scrollFrame = 0;
      renderRowWindow();
    });
});

function row(job: DashboardJob, m: DashboardModel): HTMLElement {
  const tr = h(
    'tr',
    job.best ? { class: 'best' } : null,
    h(
      'td',
      null,
      h(
        'button',
        {
          class: 'link',
          title: job.failureReason ?? '',
          on: { click: () => channel.post({ type: 'openTrainingJob', trainingJobName: job.name }) },
        },
        job.best ? '\u2605 ' : '',
        job.name,
      ),
    ),
    h('td', null, h('span', { class: `status-${job.status}` }, job.status)),
    h('td', null, formatNumber(job.objective)),
    ...m.dimensions.map((d) => h('td', null, job.hyperParameters[d.name] ?? '')),
    h('td', null, formatDuration(job.durationSeconds)),
    h('td', null, job.endedAt !== undefined ? new Date(job.endedAt).toLocaleTimeString() : '-'),
  );
  return tr;
}

function render(entry: { model: DashboardModel; arrivedAt: number }): void {
  model = entry.model;
  tuningJobName = model.name;
  saveState();
  errorBanner.hidden = true;
  const t0 = performance.now();
  renderSummary(model);
  const t1 = performance.now();
  renderCharts(model);
  const t2 = performance.now();
  renderTable();
  const t3 = performance.now();
  app.setAttribute('aria-busy', 'false');
  // Where the time went: waiting for the frame, summary, the two charts, the table.
  document.body.dataset.renderParts = [
    t0 - entry.arrivedAt,
    t1 - t0,
    chartSplit - t1,
    t2 - chartSplit,
    t3 - t2,
  ]
    .map((ms) => ms.toFixed(1))
    .join(',');
  // The first render's parts are kept apart: it pays for the charts' first use.
  document.body.dataset.firstRenderParts ??= document.body.dataset.renderParts;
  const renderMs = performance.now() - entry.arrivedAt;
  document.body.dataset.renderMs = renderMs.toFixed(1);
  document.body.dataset.jobs = String(model.jobs.length);
  document.body.dataset.status = model.status;
  markFirstRender();
  // And to the frame after the render: what the user sees.
  requestAnimationFrame(() => {
    document.body.dataset.frameMs = (performance.now() - entry.arrivedAt).toFixed(1);
  });
  channel.post({ type: 'rendered', jobs: model.jobs.length, renderMs });
}

channel.onMessage((message) => {
  switch (message.type) {
    case 'opened':
      tuningJobName = message.tuningJobName;
      title.textContent = tuningJobName;
      saveState();
      return;
    case 'model':
      markData();
      pending = { model: message.model, arrivedAt: performance.now() };
      // The first model at once (the page is not shown before it); later ones once a frame.
      if (!model) {
        render(pending);
        pending = undefined;
        return;
      }
      if (!frame)
        frame = requestAnimationFrame(() => {
          frame = 0;
          if (pending) render(pending);
          pending = undefined;
        });
      return;
    case 'error':
      errorBanner.hidden = false;
      errorBanner.textContent = message.message;
      app.setAttribute('aria-busy', 'false');
      return;
  }
});

saveState();
// `ready` went out when the script started (shared/timing.ts).
markInitialised();
