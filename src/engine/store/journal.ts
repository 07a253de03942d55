/**
 * Append-only JSONL journals: the local engine's only source of truth.
 *
 * Each event is one line, written with a single `write` on a file opened with O_APPEND and
 * fsync'd, so concurrent writers (the job's runner, a `stop` from another process) never
 * interleave bytes, and a crash can at worst leave a torn last line. Readers fold the lines
 * into state; a line that does not parse is skipped and reported, never fatal, so the rest
 * of a job's history is never lost.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface JournalProblem {
  file: string;
  line: number;
  message: string;
}

export interface JournalRead<T> {
  events: T[];
  problems: JournalProblem[];
}

/** Appends events durably. A torn tail left by a crash is closed off with a newline first. */
export function appendEvents(file: string, events: readonly object[]): void {
  if (events.length === 0) return;
  const fd = openSync(file, 'a+');
  try {
    let prefix = '';
    const size = fstatSync(fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    const text = prefix + events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function appendEvent(file: string, event: object): void {
  appendEvents(file, [event]);
}

export function readJournal<T>(
  file: string,
  isEvent: (value: unknown) => value is T,
): JournalRead<T> {
  const text = readFileSync(file, 'utf8');
  const events: T[] = [];
  const problems: JournalProblem[] = [];
  const lines = text.split('\n');
  const tornTail = !text.endsWith('\n') && lines[lines.length - 1] !== '';
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const isLast = index === lines.length - 1;
    try {
      const value: unknown = JSON.parse(line);
      if (isEvent(value)) events.push(value);
      else problems.push({ file, line: index + 1, message: 'not a known event; skipped' });
    } catch (err) {
      problems.push({
        file,
        line: index + 1,
        message:
          isLast && tornTail
            ? 'incomplete last line (the writer was interrupted mid-write); skipped'
            : `corrupt line (${(err as Error).message}); skipped - the other events are intact`,
      });
    }
  });
  return { events, problems };
}

/** Writes a whole file atomically: a temp file in the same folder, fsync'd, then renamed. */
export function writeFileAtomic(file: string, data: string | Buffer): void {
  const temp = join(
    dirname(file),
    `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

export function readJsonIfExists<T>(file: string): T | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}
