/**
 * A tuning job's results as CSV - the columns of the SageMaker Python SDK's
 * HyperparameterTuningJobAnalytics.dataframe(), so a notebook reads local and SageMaker
 * results the same way - and the notebook cell that loads them. Pure.
 */
import type { DashboardJob, ParameterDimension } from '../protocol/dashboard';

export const RESULT_COLUMNS = [
  'TrainingJobName',
  'TrainingJobStatus',
  'ObjectiveStatus',
  'FinalObjectiveValue',
  'TrainingStartTime',
  'TrainingEndTime',
  'TrainingElapsedTimeSeconds',
] as const;

/** One CSV field (RFC 4180): quoted when it holds a comma, quote, or line break. */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/**
 * The CSV: one row per training job, the tuned hyperparameters first (in the dimensions'
 * order, then any other name a job reports), then RESULT_COLUMNS. Lines end with \n.
 */
export function resultsCsv(
  jobs: readonly DashboardJob[],
  dimensions: readonly Pick<ParameterDimension, 'name'>[] = [],
): string {
  const names = dimensions.map((d) => d.name);
  for (const job of jobs)
    for (const name of Object.keys(job.hyperParameters))
      if (!names.includes(name)) names.push(name);
  const lines = [[...names, ...RESULT_COLUMNS].map(csvField).join(',')];
  for (const job of jobs) {
    const row = [
      ...names.map((n) => job.hyperParameters[n]),
      job.name,
      job.status,
      job.objectiveStatus,
      job.objective,
      iso(job.startedAt),
      iso(job.endedAt),
      job.durationSeconds,
    ];
    lines.push(row.map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** A Python string literal for any text (JSON's escapes are Python's). */
export function pythonString(text: string): string {
  return JSON.stringify(text);
}

/**
 * The notebook cell that loads a tuning job's results: pandas over the exported CSV for a
 * local job; the SageMaker Python SDK's HyperparameterTuningJobAnalytics for an aws job.
 */
export function notebookCell(input: {
  tuningJobName: string;
  backend: 'local' | 'aws';
  csvPath?: string;
  objectiveType?: 'Maximize' | 'Minimize';
}): string {
  const ascending = input.objectiveType === 'Maximize' ? 'False' : 'True';
  const sort = `df.sort_values("FinalObjectiveValue", ascending=${ascending})`;
  if (input.backend === 'aws') {
    return [
      'import sagemaker',
      '',
      `# Training jobs of the SageMaker tuning job ${input.tuningJobName}`,
      `df = sagemaker.HyperparameterTuningJobAnalytics(${pythonString(input.tuningJobName)}).dataframe()`,
      sort,
    ].join('\n');
  }
  if (!input.csvPath) throw new Error('a local tuning job is loaded from its exported CSV');
  return [
    'import pandas as pd',
    '',
    `# Training jobs of the local tuning job ${input.tuningJobName} (exported by SageMaker Workbench)`,
    `df = pd.read_csv(${pythonString(input.csvPath)}, parse_dates=["TrainingStartTime", "TrainingEndTime"])`,
    sort,
  ].join('\n');
}

/** A minimal nbformat 4 notebook holding one Python cell. */
export function ipynb(cell: string): string {
  const lines = cell.split('\n').map((line, i, all) => (i < all.length - 1 ? `${line}\n` : line));
  return `${JSON.stringify(
    {
      cells: [
        { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: lines },
      ],
      metadata: {
        kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' },
        language_info: { name: 'python' },
      },
      nbformat: 4,
      nbformat_minor: 5,
    },
    null,
    1,
  )}\n`;
}
