/**
 * RFC 4180 CSV through csv-parse, row by row with the line each row starts on, so that every
 * message can point at a line of the user's file (a quoted field may span lines, so rows and
 * lines differ).
 *
 * Accepted as spreadsheet programs and pandas write it: LF, CRLF or CR line ends, a UTF-8 byte
 * order mark, blank lines (skipped), quotes inside an unquoted field (kept as they are).
 * Rejected: a quoted field that is never closed.
 */
import { CsvError, parse } from 'csv-parse/sync';

export interface CsvSyntaxError {
  line: number;
  message: string;
}

/**
 * Calls `onRow` for every non-blank row. Returns the syntax error if the file has one; no row
 * is delivered then: an unbalanced quote shifts every later row, so they would only mislead.
 */
export function forEachCsvRow(
  text: string,
  onRow: (fields: string[], line: number) => void,
): CsvSyntaxError | undefined {
  const bytes = Buffer.from(text, 'utf8');
  const lines = new LineIndex(bytes);
  // Where each record ends (csv-parse counts bytes, delimiter included): the next one starts there.
  const ends: number[] = [];
  let rows: string[][];
  try {
    rows = parse(bytes, {
      bom: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      on_record: (record: string[], context: { bytes: number }) => {
        ends.push(context.bytes);
        return record;
      },
    }) as string[][];
  } catch (err) {
    if (err instanceof CsvError && err.code === 'CSV_QUOTE_NOT_CLOSED') {
      const line = lines.lineOf(ends.length ? ends[ends.length - 1] : 0);
      return {
        line,
        message:
          `a quoted field opened on line ${line} is never closed. ` +
          `Check that line for an unbalanced double quote: a quote inside quoted text ` +
          `must be doubled ("").`,
      };
    }
    return { line: (err as { lines?: number }).lines ?? 0, message: (err as Error).message };
  }
  rows.forEach((record, index) => onRow(record, lines.lineOf(index === 0 ? 0 : ends[index - 1])));
  return undefined;
}

/** Line numbers of byte offsets: LF, CRLF and a lone CR each end a line. */
class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly bytes: Buffer) {
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i];
      if (c === 0x0a || (c === 0x0d && bytes[i + 1] !== 0x0a)) this.starts.push(i + 1);
    }
  }

  /** The line of the first content at or after `offset` (blank lines and a BOM are skipped). */
  lineOf(offset: number): number {
    let at = offset;
    if (at === 0 && this.bytes[0] === 0xef && this.bytes[1] === 0xbb && this.bytes[2] === 0xbf)
      at = 3;
    while (at < this.bytes.length && (this.bytes[at] === 0x0a || this.bytes[at] === 0x0d)) at++;
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

/** Quotes a field when needed (for writing data.csv files, e.g. in tests and examples). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
