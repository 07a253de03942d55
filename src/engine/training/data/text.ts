/**
 * Text classification channels in SageMaker JumpStart's format: a `data.csv` with no header,
 * column 1 an integer label 0..n-1, column 2 the text.
 */
import { forEachCsvRow } from './csv';
import { detectLayout, listNames, TEXT_DATA_FILE } from './layout';
import { DatasetProblem, failWith, ProblemList, throwIfErrors } from './problems';
import { DatasetSource, toSource } from './source';

export interface TextDataset {
  /** Where it was read from, for messages. */
  location: string;
  /** Label of each example, 0..classCount-1. */
  labels: Int32Array;
  texts: string[];
  /** The data.csv line each example starts on, so later messages can point at it. */
  lines: Int32Array;
  /** Class names by index; for text these are the label numbers themselves ('0', '1', ...). */
  classNames: string[];
  warnings: DatasetProblem[];
}

export interface ParsedTextCsv {
  labels: Int32Array;
  texts: string[];
  lines: Int32Array;
  classCount: number;
}

const INTEGER = /^[+-]?\d+$/;

/**
 * Parses and checks one data.csv. `file` is how messages name it. Problems go to `problems`;
 * the rows that passed are returned either way, so a report can still count classes.
 */
export function parseTextCsv(
  bytes: Uint8Array,
  file: string,
  problems: ProblemList,
): ParsedTextCsv {
  const text = decodeUtf8(bytes, file, problems);
  const labels: number[] = [];
  const texts: string[] = [];
  const lines: number[] = [];
  const at = (line: number) => ({ file, line });
  let rowIndex = 0;

  const syntaxError = forEachCsvRow(text, (fields, line) => {
    const isFirstRow = rowIndex++ === 0;
    const rawLabel = fields[0].trim();
    if (fields.length === 1) {
      problems.error(
        'missing-text-column',
        `${file} line ${line} has one column ("${preview(fields[0])}") but needs two: ` +
          `the label, a comma, then the text.`,
        at(line),
      );
      return;
    }
    if (fields.length > 2) {
      problems.error(
        'extra-columns',
        `${file} line ${line} has ${fields.length} columns but needs two (label,text). If the ` +
          `text contains commas, enclose it in double quotes: 1,"hello, world".`,
        at(line),
      );
      return;
    }
    if (!INTEGER.test(rawLabel)) {
      if (isFirstRow) {
        problems.error(
          'header-row',
          `${file} line ${line} looks like a header ("${preview(fields.join(','))}"). ` +
            `data.csv has no header row: delete line ${line}.`,
          at(line),
        );
        return;
      }
      const hint = /^[+-]?\d+\.0*$/.test(rawLabel)
        ? ` Write it without decimals (${rawLabel.replace(/\.0*$/, '')}).`
        : ' Column 1 must be the class number 0..n-1, column 2 the text.';
      problems.error(
        'label-not-integer',
        `${file} line ${line}: the label "${preview(rawLabel)}" is not an integer.${hint}`,
        at(line),
      );
      return;
    }
    const label = Number(rawLabel);
    if (label < 0) {
      problems.error(
        'label-negative',
        `${file} line ${line}: the label ${rawLabel} is negative. Labels are class numbers ` +
          `0..n-1.`,
        at(line),
      );
      return;
    }
    if (fields[1].trim() === '') {
      problems.error(
        'empty-text',
        `${file} line ${line}: the text (column 2) is empty. Remove the row or fill in its text.`,
        at(line),
      );
      return;
    }
    labels.push(label);
    texts.push(fields[1]);
    lines.push(line);
  });
  if (syntaxError) {
    problems.error('csv-syntax', `${file}: ${syntaxError.message}`, at(syntaxError.line));
  }

  // Rows left out for errors would make class counts and gaps misleading: report those first.
  const rowErrors = problems.hasErrors;
  const classCount = rowErrors ? maxPlusOne(labels) : checkLabels(labels, file, problems);
  return {
    labels: Int32Array.from(labels),
    texts,
    lines: Int32Array.from(lines),
    classCount,
  };
}

/** Labels must be 0..n-1 with every class present, and n >= 2. Returns n. */
function checkLabels(labels: readonly number[], file: string, problems: ProblemList): number {
  if (labels.length === 0) {
    problems.error('no-examples', `${file} has no rows. Add rows of the form label,text.`, {
      file,
    });
    return 0;
  }
  let max = 0;
  for (const label of labels) max = Math.max(max, label);
  if (max > labels.length) {
    // More classes than examples: some label is surely a typo; listing 10^6 gaps helps nobody.
    problems.error(
      'label-gap',
      `${file}: the largest label is ${max} but there are only ${labels.length} rows, so ` +
        `most class numbers are unused. Labels must run 0..n-1 for n classes.`,
      { file },
    );
    return max + 1;
  }
  const counts = new Int32Array(max + 1);
  for (const label of labels) counts[label]++;
  const missing: number[] = [];
  counts.forEach((count, label) => {
    if (count === 0) missing.push(label);
  });
  if (missing.length > 0) {
    problems.error(
      'label-gap',
      `${file}: labels must be consecutive class numbers 0..n-1, but ` +
        `${listNames(missing.map(String), 10)} never occur${missing.length === 1 ? 's' : ''} ` +
        `(labels go up to ${max}). Renumber the classes so that none is skipped.`,
      { file },
    );
  }
  const distinct = counts.filter((count) => count > 0).length;
  if (distinct < 2) {
    problems.error(
      'too-few-classes',
      `${file} has only one class (label ${max}, ${labels.length} rows). Classification ` +
        `needs at least 2 classes.`,
      { file },
    );
  }
  return max + 1;
}

function maxPlusOne(labels: readonly number[]): number {
  let max = -1;
  for (const label of labels) max = Math.max(max, label);
  return max + 1;
}

function decodeUtf8(bytes: Uint8Array, file: string, problems: ProblemList): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const text = new TextDecoder('utf-8').decode(bytes);
    const badLine = text.slice(0, text.indexOf('\ufffd')).split('\n').length;
    problems.error(
      'not-utf8',
      `${file} line ${badLine} is not valid UTF-8. Save the file as UTF-8 (in Excel: ` +
        `"CSV UTF-8").`,
      { file, line: badLine },
    );
    return text;
  }
}

function preview(s: string, max = 40): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}

/**
 * Reads one text classification channel. Throws a DatasetError listing every problem found;
 * warnings (stray files) come back in the dataset.
 */
export async function readTextDataset(dirOrSource: string | DatasetSource): Promise<TextDataset> {
  const source = toSource(dirOrSource);
  const problems = new ProblemList();
  const layout = detectLayout(await source.listFiles());
  if (layout.kind !== 'text') {
    const reason =
      layout.kind === 'unknown'
        ? layout.reason
        : `It holds ${layout.classes.length} sub-folders (an image classification layout).`;
    problems.error(
      'missing-data-csv',
      `No data.csv in ${source.root}. Text classification reads a file named data.csv ` +
        `(label,text rows, no header) at the top of the channel. ${reason}`,
      { file: source.root },
    );
    failWith(source.root, problems);
  }
  const file = source.location(TEXT_DATA_FILE);
  warnStrayTextFiles(layout.stray, source, problems);
  const parsed = parseTextCsv(await source.readFile(TEXT_DATA_FILE), file, problems);
  const warnings = throwIfErrors(source.root, problems);
  return {
    location: file,
    labels: parsed.labels,
    texts: parsed.texts,
    lines: parsed.lines,
    classNames: Array.from({ length: parsed.classCount }, (_, i) => String(i)),
    warnings,
  };
}

/** Files next to data.csv are ignored, with a warning. */
export function warnStrayTextFiles(
  stray: string[],
  source: DatasetSource,
  problems: ProblemList,
): void {
  if (stray.length === 0) return;
  problems.warning(
    'stray-file',
    `${source.root}: ignored ${stray.length} file${stray.length === 1 ? '' : 's'} next to ` +
      `data.csv (${listNames(stray)}). Only data.csv is read; move other files out of the ` +
      `channel to silence this.`,
    { file: source.root },
  );
}
