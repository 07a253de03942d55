/**
 * The training run view's webview: status and transitions, metric curves (losses, other
 * metrics, sifting statistics), final metrics, execution provider, and the log's tail.
 */
import { markData, markFirstRender, markInitialised } from '../shared/timing';
import '../shared/base.css';
import '../shared/elements';
import { connect } from '../shared/vscodeApi';
import { createChart } from '../shared/echarts';
import { onThemeChange, readTheme } from '../shared/theme';
import type { ChartTheme } from '../shared/chartTheme';
import { formatDuration, formatNumber, formatTime, h, icon, replaceChildren } from '../shared/dom';
import type {
  MetricSeries,
  TrainingRunInbound,
  TrainingRunModel,
  TrainingRunOutbound,
  TrainingRunState,
} from '../../ui/panels/protocol/trainingRun';

const channel = connect<TrainingRunInbound, TrainingRunOutbound, TrainingRunState>();
const MAX_LOG_CHARS = 200_000;
let model: TrainingRunModel | undefined;
let theme = readTheme();

const button = (label: string, iconName: string, onClick: () => void, secondary = true) => {
  const element = h(
    'vscode-button',
    { ...(secondary ? { secondary: true } : {}), 'aria-label': label },
    icon(iconName),
    ` ${label}`,
  );
  element.addEventListener('click', onClick);
  return element;
};

const app = document.getElementById('app')!;
const title = h('h1');
const status = h('span', { class: 'status', role: 'status', 'aria-live': 'polite' });
const subtitle = h('span', { class: 'muted' });
const stopButton = button('Stop', 'debug-stop', () => channel.post({ type: 'stop' }), false);
const tuningLink = h('button', { class: 'link' });
tuningLink.addEventListener(
  'click',
  () => model?.tuningJobName && channel.post({ type: 'openTuningJob', name: model.tuningJobName }),
);
const failure = h('div', { class: 'banner', role: 'alert', hidden: true });
const errorBanner = h('div', { class: 'banner', role: 'alert', hidden: true });
const summary = h('div', { class: 'card', role: 'group', 'aria-label': 'Summary' });
const finals = h('div', { class: 'card', role: 'group', 'aria-label': 'Final metrics' });
const transitions = h('div', { class: 'card', role: 'group', 'aria-label': 'Status transitions' });
const hyper = h('div', { class: 'card', role: 'group', 'aria-label': 'Hyperparameters' });
const charts = {
  loss: {
    box: h('div', { class: 'chart', role: 'img', 'aria-label': 'Loss curves' }),
    title: 'Loss',
  },
  metric: {
    box: h('div', { class: 'chart', role: 'img', 'aria-label': 'Metric curves' }),
    title: 'Metrics',
  },
  sift: {
    box: h('div', { class: 'chart', role: 'img', 'aria-label': 'Sifting statistics' }),
    title: 'Sifting',
  },
};
const chartSections = Object.fromEntries(
  Object.entries(charts).map(([key, c]) => [
    key,
    h('section', { 'aria-label': c.title, hidden: true }, h('h2', null, c.title), c.box),
  ]),
) as Record<MetricSeries['group'], HTMLElement>;
const noMetrics = h('p', { class: 'muted' }, 'No metric values yet.');
const log = h('pre', { class: 'log', tabindex: 0, 'aria-label': 'Log' });

replaceChildren(
  app,
  h(
    'header',
    { class: 'toolbar' },
    title,
    status,
    subtitle,
    h(
      'div',
      { class: 'actions' },
      stopButton,
      button('Show Logs', 'output', () => channel.post({ type: 'showLogs' })),
      button('Reveal Output', 'folder-opened', () => channel.post({ type: 'revealOutput' })),
    ),
  ),
  errorBanner,
  failure,
  h('section', { class: 'cards', 'aria-label': 'Job' }, summary, finals, transitions, hyper),
  noMetrics,
  chartSections.loss,
  chartSections.metric,
  chartSections.sift,
  h('section', { 'aria-labelledby': 'log-heading' }, h('h2', { id: 'log-heading' }, 'Log'), log),
);

const chartInstances = {
  loss: createChart(charts.loss.box),
  metric: createChart(charts.metric.box),
  sift: createChart(charts.sift.box),
};

const palette = (t: ChartTheme) => [t.blue, t.orange, t.green, t.purple, t.red, t.yellow];

function chartOption(series: MetricSeries[], t: ChartTheme): Record<string, unknown> {
  return {
    animation: false,
    color: palette(t),
    textStyle: { color: t.foreground, fontFamily: t.fontFamily },
    aria: { enabled: true, label: { enabled: true } },
    grid: { left: 64, right: 24, top: 36, bottom: 36 },
    legend: { top: 4, textStyle: { color: t.foreground }, inactiveColor: t.muted },
    tooltip: {
      trigger: 'axis',
      renderMode: 'richText',
      backgroundColor: t.background,
      borderColor: t.muted,
      textStyle: { color: t.foreground },
    },
    xAxis: {
      type: 'value',
      name: 'seconds',
      nameTextStyle: { color: t.muted },
      axisLabel: { color: t.foreground },
      axisLine: { lineStyle: { color: t.muted } },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      scale: true,
      axisLabel: { color: t.foreground },
      axisLine: { lineStyle: { color: t.muted } },
      splitLine: { lineStyle: { color: t.grid } },
    },
    series: series.map((s) => ({
      type: 'line',
      name: s.name,
      showSymbol: s.points.length < 40,
      data: s.points,
    })),
  };
}

function pairs(entries: [string, string | Node][]): HTMLElement {
  return h(
    'dl',
    { class: 'pairs' },
    ...entries.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]),
  );
}

function render(m: TrainingRunModel): void {
  model = m;
  title.textContent = m.name;
  status.textContent =
    m.secondaryStatus && m.secondaryStatus !== m.status
      ? `${m.status} (${m.secondaryStatus})`
      : m.status;
  status.className = `status status-${m.status}`;
  subtitle.textContent = m.trainingImage ?? '';
  stopButton.hidden = m.status !== 'InProgress';
  failure.hidden = !m.failureReason;
  failure.textContent = m.failureReason ?? '';
  const elapsed =
    m.createdAt !== undefined ? ((m.endedAt ?? m.builtAt) - m.createdAt) / 1000 : undefined;
  tuningLink.textContent = m.tuningJobName ?? '';
  replaceChildren(
    summary,
    h('h3', null, 'Job'),
    pairs([
      ['Elapsed', formatDuration(elapsed)],
      ['Started', formatTime(m.startedAt)],
      ['Ended', formatTime(m.endedAt)],
      ['Instance', m.instance ?? '-'],
      ['Execution provider', m.executionProvider ?? 'not reported'],
      ...(m.tuningJobName ? ([['Tuning job', tuningLink]] as [string, Node][]) : []),
      ...(m.artifactUri ? ([['Model', m.artifactUri]] as [string, string][]) : []),
    ]),
  );
  replaceChildren(
    finals,
    h('h3', null, 'Final metrics'),
    m.finalMetrics.length
      ? pairs(m.finalMetrics.map((f) => [f.name, formatNumber(f.value)]))
      : h('p', { class: 'muted' }, 'Reported when the job ends.'),
  );
  replaceChildren(
    transitions,
    h('h3', null, 'Status transitions'),
    h(
      'ol',
      { class: 'transitions' },
      ...m.transitions.map((t) =>
        h(
          'li',
          null,
          h('strong', null, t.status),
          ` ${t.startedAt !== undefined ? new Date(t.startedAt).toLocaleTimeString() : ''}`,
          t.message ? h('div', { class: 'muted' }, t.message) : null,
        ),
      ),
    ),
  );
  replaceChildren(
    hyper,
    h('h3', null, 'Hyperparameters'),
    pairs(Object.entries(m.hyperParameters).map(([k, v]) => [k, v])),
  );
  renderCharts();
  app.setAttribute('aria-busy', 'false');
  document.body.dataset.status = m.status;
  document.body.dataset.series = String(m.series.length);
  markFirstRender();
}

function renderCharts(): void {
  if (!model) return;
  noMetrics.hidden = model.series.length > 0;
  for (const group of ['loss', 'metric', 'sift'] as const) {
    const series = model.series.filter((s) => s.group === group);
    chartSections[group].hidden = series.length === 0;
    if (series.length) {
      chartInstances[group].setOption(chartOption(series, theme), { notMerge: true });
      chartInstances[group].resize();
    }
  }
}

onThemeChange(() => {
  theme = readTheme();
  renderCharts();
});

channel.onMessage((message) => {
  switch (message.type) {
    case 'model':
      markData();
      errorBanner.hidden = true;
      render(message.model);
      return;
    case 'log': {
      const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
      const text = (message.reset ? '' : (log.textContent ?? '')) + message.text;
      log.textContent = text.length > MAX_LOG_CHARS ? text.slice(-MAX_LOG_CHARS) : text;
      if (atBottom) log.scrollTop = log.scrollHeight;
      return;
    }
    case 'error':
      errorBanner.hidden = false;
      errorBanner.textContent = message.message;
      return;
  }
});

// `ready` went out when the script started (shared/timing.ts).
markInitialised();
