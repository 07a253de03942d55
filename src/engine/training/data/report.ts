/**
 * A dataset folder's report: which layout, which classes with how many examples, and every
 * problem - for the extension to show before a job runs. It reads through a DatasetSource, so
 * the aws backend can report an S3 prefix the same way.
 */
import { decodeImage } from './imageDecode';
import { checkImageLayout } from './images';
import { detectLayout, TEXT_DATA_FILE } from './layout';
import { DatasetProblem, ProblemList } from './problems';
import { DatasetSource, toSource } from './source';
import { DEFAULT_VALIDATION_SPLIT_RATIO, validationCount } from './split';
import { parseTextCsv, warnStrayTextFiles } from './text';

export interface DatasetReport {
  location: string;
  layout: 'text' | 'images' | 'unknown';
  classes: { index: number; name: string; count: number }[];
  /** Examples that would be read (rows of data.csv that passed; images found). */
  examples: number;
  errors: DatasetProblem[];
  warnings: DatasetProblem[];
}

export interface ReportOptions {
  /** Decode every image to find corrupt ones (reads every file; off by default). */
  decodeImages?: boolean;
  /** The split a job without a validation channel would make; default 0.2. */
  validationSplitRatio?: number;
}

export async function reportDataset(
  dirOrSource: string | DatasetSource,
  options: ReportOptions = {},
): Promise<DatasetReport> {
  const source = toSource(dirOrSource);
  const problems = new ProblemList();
  let paths: string[];
  try {
    paths = await source.listFiles();
  } catch (error) {
    problems.error(
      'unknown-layout',
      `${source.root} cannot be listed (${error instanceof Error ? error.message : error}).`,
      { file: source.root },
    );
    return finish(source, 'unknown', [], problems);
  }
  const layout = detectLayout(paths);
  const ratio = options.validationSplitRatio ?? DEFAULT_VALIDATION_SPLIT_RATIO;

  if (layout.kind === 'unknown') {
    problems.error('unknown-layout', layout.reason, { file: source.root });
    return finish(source, 'unknown', [], problems);
  }

  if (layout.kind === 'text') {
    warnStrayTextFiles(layout.stray, source, problems);
    const file = source.location(TEXT_DATA_FILE);
    const parsed = parseTextCsv(await source.readFile(TEXT_DATA_FILE), file, problems);
    const counts = new Int32Array(parsed.classCount);
    for (const label of parsed.labels) counts[label]++;
    const classes = [...counts].map((count, index) => ({ index, name: String(index), count }));
    warnSingleExamples(classes, ratio, file, problems);
    return finish(source, 'text', classes, problems);
  }

  checkImageLayout(layout.classes, layout.stray, source, problems);
  const classes = layout.classes.map((folder, index) => ({
    index,
    name: folder.name,
    count: folder.images.length,
  }));
  if (options.decodeImages) {
    for (const [index, folder] of layout.classes.entries()) {
      for (const path of folder.images) {
        try {
          decodeImage(await source.readFile(path));
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          problems.warning('corrupt-image', `${source.location(path)}: ${reason}. Skipped.`, {
            file: source.location(path),
          });
          classes[index].count--;
        }
      }
    }
  }
  warnSingleExamples(classes, ratio, source.root, problems);
  return finish(source, 'images', classes, problems);
}

/** In a report a single-example class is a warning: a validation channel may come with it. */
function warnSingleExamples(
  classes: DatasetReport['classes'],
  ratio: number,
  file: string,
  problems: ProblemList,
): void {
  for (const { name, count } of classes) {
    if (count === 1 && validationCount(2, ratio) > 0) {
      problems.warning(
        'single-example-class',
        `Class ${name} has a single example in ${file}: without a validation channel, the ` +
          `validation split (validation_split_ratio=${ratio}) needs at least 2 per class. ` +
          `Add examples, or provide a validation channel.`,
        { file },
      );
    }
  }
}

function finish(
  source: DatasetSource,
  layout: DatasetReport['layout'],
  classes: DatasetReport['classes'],
  problems: ProblemList,
): DatasetReport {
  const { errors, warnings } = problems.result();
  return {
    location: source.root,
    layout,
    classes,
    examples: classes.reduce((sum, c) => sum + c.count, 0),
    errors,
    warnings,
  };
}

/** The report as plain text, e.g. for an output channel or the CLI. */
export function formatReport(report: DatasetReport): string {
  const kind = {
    text: 'text classification (data.csv)',
    images: 'image classification (one folder per class)',
    unknown: 'not recognised',
  }[report.layout];
  const lines = [`${report.location}`, `  layout: ${kind}`];
  if (report.classes.length > 0) {
    lines.push(`  ${report.classes.length} classes, ${report.examples} examples:`);
    for (const c of report.classes) lines.push(`    ${c.index}  ${c.name}  ${c.count}`);
  }
  for (const p of report.errors) lines.push(`  error: ${p.message}`);
  for (const p of report.warnings) lines.push(`  warning: ${p.message}`);
  if (report.errors.length === 0) lines.push('  ready to train');
  return lines.join('\n');
}
