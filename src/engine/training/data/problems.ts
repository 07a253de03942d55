/**
 * What the dataset checks report. Every problem is a full sentence that says what is wrong,
 * where (file and line, or image), and what to do, so the extension and the CLI can show it as
 * it is. Errors stop a job before it starts; warnings are returned next to the data.
 */

export type Severity = 'error' | 'warning';

export type ProblemCode =
  | 'unknown-layout'
  | 'missing-data-csv'
  | 'not-utf8'
  | 'csv-syntax'
  | 'missing-text-column'
  | 'extra-columns'
  | 'header-row'
  | 'label-not-integer'
  | 'label-negative'
  | 'label-gap'
  | 'empty-text'
  | 'no-examples'
  | 'too-few-classes'
  | 'empty-class'
  | 'not-an-image'
  | 'corrupt-image'
  | 'stray-file'
  | 'nested-file'
  | 'single-example-class'
  | 'validation-classes-differ'
  | 'invalid-option'
  | 'too-large';

export interface DatasetProblem {
  severity: Severity;
  code: ProblemCode;
  message: string;
  /** Where, as shown to the user: a file path (local) or URI (S3). */
  file?: string;
  /** 1-based line in a CSV file, where the row starts. */
  line?: number;
}

/** Problems of one kind beyond this many are counted in one summary line, not listed. */
export const MAX_LISTED_PER_CODE = 10;

/**
 * Collects problems, listing the first few of each kind: a data.csv with 50,000 bad rows
 * should give a readable message, not 50,000 lines.
 */
export class ProblemList {
  private readonly listed: DatasetProblem[] = [];
  private readonly unlisted = new Map<string, { problem: DatasetProblem; count: number }>();
  private readonly perKind = new Map<string, number>();

  add(problem: DatasetProblem): void {
    const kind = `${problem.severity}:${problem.code}`;
    const seen = this.perKind.get(kind) ?? 0;
    this.perKind.set(kind, seen + 1);
    if (seen < MAX_LISTED_PER_CODE) {
      this.listed.push(problem);
      return;
    }
    const entry = this.unlisted.get(kind);
    if (entry) entry.count++;
    else this.unlisted.set(kind, { problem, count: 1 });
  }

  error(code: ProblemCode, message: string, where: { file?: string; line?: number } = {}): void {
    this.add({ severity: 'error', code, message, ...where });
  }

  warning(code: ProblemCode, message: string, where: { file?: string; line?: number } = {}): void {
    this.add({ severity: 'warning', code, message, ...where });
  }

  addAll(problems: readonly DatasetProblem[]): void {
    for (const problem of problems) this.add(problem);
  }

  get hasErrors(): boolean {
    return this.listed.some((p) => p.severity === 'error');
  }

  /** How many problems of a kind were added, listed or not. */
  count(code: ProblemCode, severity: Severity = 'error'): number {
    return this.perKind.get(`${severity}:${code}`) ?? 0;
  }

  /** The listed problems plus one "and N more" line per kind that overflowed. */
  result(): { errors: DatasetProblem[]; warnings: DatasetProblem[] } {
    const all = [...this.listed];
    for (const { problem, count } of this.unlisted.values()) {
      all.push({
        severity: problem.severity,
        code: problem.code,
        message: `... and ${count} more like this (${problem.code}).`,
        ...(problem.file === undefined ? {} : { file: problem.file }),
      });
    }
    return {
      errors: all.filter((p) => p.severity === 'error'),
      warnings: all.filter((p) => p.severity === 'warning'),
    };
  }
}

/** Thrown when a dataset cannot be used; carries every error and warning found. */
export class DatasetError extends Error {
  constructor(
    readonly location: string,
    readonly errors: DatasetProblem[],
    readonly warnings: DatasetProblem[] = [],
  ) {
    const noun = errors.length === 1 ? 'problem' : 'problems';
    super(
      `The dataset at ${location} cannot be used (${errors.length} ${noun}):\n` +
        errors.map((p) => `- ${p.message}`).join('\n'),
    );
    this.name = 'DatasetError';
  }
}

/** Throws a DatasetError if the list holds errors; returns the warnings otherwise. */
export function throwIfErrors(location: string, problems: ProblemList): DatasetProblem[] {
  const { errors, warnings } = problems.result();
  if (errors.length > 0) throw new DatasetError(location, errors, warnings);
  return warnings;
}

/** Throws a DatasetError with what the list holds (for problems that stop reading at once). */
export function failWith(location: string, problems: ProblemList): never {
  const { errors, warnings } = problems.result();
  throw new DatasetError(location, errors, warnings);
}
