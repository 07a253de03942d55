/**
 * The tuning dashboard's webview: counters, convergence, resources and estimate, the best job,
 * the objective over time, parallel coordinates, and the table of training jobs. It renders
 * the latest model once per animation frame however fast models arrive.
 */
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
let openedAt: number | undefined;
let firstRender = true;
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

function renderCharts(m: DashboardModel): void {
  objectiveChart.setOption(objectiveChartOption(m, theme), { notMerge: true });
  objectiveChartBox.setAttribute(
    'aria-label',
    `Objective of each training job over time, with the best so far${m.targetObjective !== undefined ? ' and the target' : ''}`,
  );
  parallelChart.setOption(parallelChartOption(m, theme), { notMerge: true });
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
  const rows = tableRows(m.jobs, view);
  const body = h('tbody');
  const fragment = document.createDocumentFragment();
  for (const job of rows) fragment.appendChild(row(job, m));
  body.appendChild(fragment);
  replaceChildren(table, h('thead', null, head), body);
  rowCount.textContent = `${rows.length} of ${m.jobs.length} training jobs`;
}

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
  renderSummary(model);
  renderCharts(model);
  renderTable();
  app.setAttribute('aria-busy', 'false');
  const renderMs = performance.now() - entry.arrivedAt;
  document.body.dataset.renderMs = renderMs.toFixed(1);
  document.body.dataset.jobs = String(model.jobs.length);
  document.body.dataset.status = model.status;
  if (firstRender && openedAt !== undefined) {
    firstRender = false;
    document.body.dataset.openMs = String(Date.now() - openedAt);
  }
  channel.post({ type: 'rendered', jobs: model.jobs.length, renderMs });
}

channel.onMessage((message) => {
  switch (message.type) {
    case 'opened':
      openedAt ??= message.createdAt;
      tuningJobName = message.tuningJobName;
      title.textContent = tuningJobName;
      saveState();
      return;
    case 'model':
      pending = { model: message.model, arrivedAt: performance.now() };
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
channel.post({ type: 'ready' });
