/**
 * The dashboard's chart options and table order, built from the view model. Pure (no DOM,
 * no ECharts import), so they are unit-tested and benchmarked in Node.
 */
import type { ChartTheme } from '../shared/chartTheme';
import type {
  DashboardJob,
  DashboardModel,
  ParameterDimension,
} from '../../ui/panels/protocol/dashboard';

/** An ECharts option object (ECharts' own type is checked where setOption is called). */
export type ChartOption = Record<string, unknown>;

const STATUS_SERIES: { name: string; statuses: string[]; color: (t: ChartTheme) => string }[] = [
  { name: 'Completed', statuses: ['Completed'], color: (t) => t.blue },
  { name: 'Stopped', statuses: ['Stopped', 'Stopping'], color: (t) => t.orange },
  { name: 'Failed', statuses: ['Failed'], color: (t) => t.red },
  { name: 'In progress', statuses: ['InProgress'], color: (t) => t.purple },
];

function axisStyle(theme: ChartTheme) {
  return {
    axisLine: { lineStyle: { color: theme.muted } },
    axisLabel: { color: theme.foreground, fontSize: theme.fontSize - 2 },
    splitLine: { lineStyle: { color: theme.grid } },
    nameTextStyle: { color: theme.foreground },
  };
}

function base(theme: ChartTheme, description: string): ChartOption {
  return {
    animation: false,
    backgroundColor: 'transparent',
    textStyle: { color: theme.foreground, fontFamily: theme.fontFamily },
    aria: { enabled: true, label: { enabled: true, description } },
  };
}

/**
 * Each training job's final objective against the time it ended (one scatter series per
 * status), the best objective so far as a step line running to now (or the job's end), and
 * TargetObjectiveMetricValue as a dashed line.
 */
export function objectiveChartOption(model: DashboardModel, theme: ChartTheme): ChartOption {
  const metric = model.objective?.metricName ?? 'objective';
  const points = model.jobs.filter((j) => j.objective !== undefined);
  const series: ChartOption[] = STATUS_SERIES.map((group) => ({
    type: 'scatter',
    name: group.name,
    symbolSize: 7,
    itemStyle: { color: group.color(theme) },
    emphasis: { focus: 'self' },
    data: points
      .filter((j) => group.statuses.includes(j.status))
      .map((j) => ({
        value: [j.endedAt ?? model.builtAt, j.objective],
        name: j.name,
      })),
  }));
  const steps = model.bestSoFar.map(([t, v]) => [t, v]);
  if (steps.length > 0) steps.push([model.endedAt ?? model.builtAt, steps[steps.length - 1][1]]);
  series.push({
    type: 'line',
    name: 'Best so far',
    step: 'end',
    showSymbol: false,
    lineStyle: { color: theme.green, width: 2 },
    itemStyle: { color: theme.green },
    data: steps,
    ...(model.targetObjective !== undefined
      ? {
          markLine: {
            silent: true,
            symbol: 'none',
            lineStyle: { color: theme.yellow, type: 'dashed', width: 1.5 },
            label: {
              color: theme.foreground,
              position: 'insideEndTop',
              formatter: `target ${model.targetObjective}`,
            },
            data: [{ yAxis: model.targetObjective, name: 'TargetObjectiveMetricValue' }],
          },
        }
      : {}),
  });
  const best = model.bestSoFar.at(-1)?.[1];
  return {
    ...base(
      theme,
      `${model.objective?.type ?? ''} ${metric} of ${points.length} training jobs over time` +
        (best !== undefined ? `; best so far ${best}` : '') +
        (model.targetObjective !== undefined ? `; target ${model.targetObjective}` : ''),
    ),
    grid: { left: 64, right: 24, top: 40, bottom: 36 },
    legend: {
      top: 4,
      textStyle: { color: theme.foreground },
      inactiveColor: theme.muted,
      data: [...STATUS_SERIES.map((s) => s.name), 'Best so far'],
    },
    tooltip: {
      trigger: 'item',
      renderMode: 'richText',
      backgroundColor: theme.background,
      borderColor: theme.muted,
      textStyle: { color: theme.foreground },
    },
    xAxis: { type: 'time', ...axisStyle(theme), splitLine: { show: false } },
    yAxis: {
      type: 'value',
      name: metric,
      scale: true,
      ...axisStyle(theme),
    },
    series,
  };
}

/** The value of a job on a dimension, as the parallel axis takes it (undefined: not set). */
function dimensionValue(job: DashboardJob, dim: ParameterDimension): number | string | undefined {
  const raw = job.hyperParameters[dim.name];
  if (raw === undefined) return undefined;
  if (dim.kind === 'Categorical') return raw;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Parallel coordinates: one axis per hyperparameter (log axes for Logarithmic ranges,
 * category axes for categorical ones) and the objective last, one line per job that reported
 * an objective, coloured by the objective (better is greener).
 */
export function parallelChartOption(model: DashboardModel, theme: ChartTheme): ChartOption {
  const dims = model.dimensions;
  const metric = model.objective?.metricName ?? 'objective';
  const jobs = model.jobs.filter((j) => j.objective !== undefined);
  const objectives = jobs.map((j) => j.objective!);
  const min = objectives.length ? Math.min(...objectives) : 0;
  const max = objectives.length ? Math.max(...objectives) : 1;
  const maximize = model.objective?.type === 'Maximize';
  // Each line coloured by its objective, from the theme's red (worst) to green (best).
  const scale = [theme.red, theme.yellow, theme.green];
  const data = jobs
    .map((job) => {
      const values = dims.map((d) => dimensionValue(job, d));
      if (values.some((v) => v === undefined)) return undefined;
      const t = max === min ? 1 : (job.objective! - min) / (max - min);
      return {
        name: job.name,
        value: [...values, job.objective],
        lineStyle: { color: colorAt(scale, maximize ? t : 1 - t) },
      };
    })
    .filter((row) => row !== undefined);
  const axes = dims.map((d, i) =>
    d.kind === 'Categorical'
      ? { dim: i, name: d.name, type: 'category', data: d.values }
      : {
          dim: i,
          name: d.name,
          type: d.scaling === 'Logarithmic' && d.min > 0 ? 'log' : 'value',
          min: d.min,
          max: d.max,
          ...(d.kind === 'Integer' ? { minInterval: 1 } : {}),
        },
  );
  axes.push({ dim: dims.length, name: metric, type: 'value', min, max });
  return {
    ...base(
      theme,
      `Parallel coordinates of ${dims.length} hyperparameters and ${metric} for ${data.length} training jobs; ` +
        'each line is a training job, coloured from red (worst objective) to green (best)',
    ),
    parallel: {
      left: 48,
      right: 64,
      top: 48,
      bottom: 32,
      parallelAxisDefault: {
        nameLocation: 'end',
        nameGap: 16,
        ...axisStyle(theme),
        splitLine: { show: false },
      },
    },
    parallelAxis: axes,
    tooltip: { show: false },
    series: [
      {
        type: 'parallel',
        progressive: 0,
        smooth: false,
        lineStyle: { width: 1, opacity: 0.55 },
        emphasis: { lineStyle: { width: 3, opacity: 1 } },
        data,
      },
    ],
  };
}

export type StatusFilter = 'all' | 'running' | 'completed' | 'failed' | 'stopped';

export interface TableView {
  filter: string;
  status: StatusFilter;
  /** 'name', 'status', 'objective', 'duration', 'ended', or 'hp:<name>'. */
  column: string;
  descending: boolean;
}

const STATUS_GROUPS: Record<StatusFilter, string[] | undefined> = {
  all: undefined,
  running: ['InProgress', 'Stopping'],
  completed: ['Completed'],
  failed: ['Failed'],
  stopped: ['Stopped'],
};

function sortKey(job: DashboardJob, column: string): number | string | undefined {
  if (column === 'name') return job.name;
  if (column === 'status') return job.status;
  if (column === 'objective') return job.objective;
  if (column === 'duration') return job.durationSeconds;
  if (column === 'ended') return job.endedAt;
  if (column.startsWith('hp:')) {
    const raw = job.hyperParameters[column.slice(3)];
    if (raw === undefined) return undefined;
    const value = Number(raw);
    return raw.trim() !== '' && Number.isFinite(value) ? value : raw;
  }
  return undefined;
}

/**
 * The table's rows: filtered by status and by text (every word must appear in the job's
 * name, status or a hyperparameter's "name=value"), then sorted; jobs without a value in the
 * sort column come last either way.
 */
export function tableRows(jobs: readonly DashboardJob[], view: TableView): DashboardJob[] {
  const statuses = STATUS_GROUPS[view.status];
  const words = view.filter.toLowerCase().split(/\s+/).filter(Boolean);
  const rows = jobs.filter((job) => {
    if (statuses && !statuses.includes(job.status)) return false;
    if (words.length === 0) return true;
    const text = [
      job.name,
      job.status,
      ...Object.entries(job.hyperParameters).map(([k, v]) => `${k}=${v}`),
    ]
      .join(' ')
      .toLowerCase();
    return words.every((w) => text.includes(w));
  });
  const direction = view.descending ? -1 : 1;
  return rows
    .map((job, index) => ({ job, index, key: sortKey(job, view.column) }))
    .sort((a, b) => {
      if (a.key === undefined || b.key === undefined) {
        if (a.key === b.key) return a.index - b.index;
        return a.key === undefined ? 1 : -1;
      }
      const order =
        typeof a.key === 'number' && typeof b.key === 'number'
          ? a.key - b.key
          : String(a.key).localeCompare(String(b.key), undefined, { numeric: true });
      return order !== 0 ? direction * order : a.index - b.index;
    })
    .map((entry) => entry.job);
}

function parseHex(color: string): [number, number, number] | undefined {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})(?:[0-9a-f]{2})?$/i.exec(color.trim())?.[1];
  if (!hex) return undefined;
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
  return [0, 2, 4].map((i) => Number.parseInt(full.slice(i, i + 2), 16)) as [
    number,
    number,
    number,
  ];
}

/**
 * The colour at t in [0, 1] along a scale of colours: interpolated between hex colours, else
 * the nearest stop (theme colours may come as rgb() or names).
 */
export function colorAt(stops: readonly string[], t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const a = parseHex(stops[i]);
  const b = parseHex(stops[i + 1]);
  if (!a || !b) return stops[Math.round(x)];
  const f = x - i;
  const channel = (k: number) =>
    Math.round(a[k] + (b[k] - a[k]) * f)
      .toString(16)
      .padStart(2, '0');
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}
