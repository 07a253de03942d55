/**
 * Append-only JSONL journals: the local engine's only source of truth.
 *
 * Each event is one line, written with a single `write` on a file opened with O_APPEND and
 * fsync'd, so concurrent writers (the job's runner, a `stop` from another process) never
 * interleave bytes, and a crash can at worst leave a torn last line. Readers fold the lines
 * into state; a line that does not parse is skipped and reported, never fatal, so the rest
 * of a job's history is never lost.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';

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
  return new JournalReader(file, isEvent).read();
}

/**
 * Reads a journal incrementally: each read parses only the bytes appended since the last
 * one, so watching a chatty job costs what it wrote, not the size of its whole history.
 */
export class JournalReader<T> {
  private offset = 0;
  private line = 0;
  private events: T[] = [];
  private problems: JournalProblem[] = [];
  /** The last consumed line and where it starts: if those bytes change, the file was rewritten. */
  private lastLine = Buffer.alloc(0);
  private lastLineStart = 0;

  constructor(
    readonly file: string,
    private readonly isEvent: (value: unknown) => value is T,
  ) {}

  read(): JournalRead<T> {
    const fd = openSync(this.file, 'r');
    let appended: Buffer;
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset || !this.prefixUnchanged(fd)) this.reset();
      appended = Buffer.alloc(size - this.offset);
      readSync(fd, appended, 0, appended.length, this.offset);
    } finally {
      closeSync(fd);
    }
    // Consume complete lines only; a partial last line is reported now and re-read later.
    const complete = appended.lastIndexOf(0x0a) + 1;
    let start = 0;
    while (start < complete) {
      const end = appended.indexOf(0x0a, start);
      this.line++;
      this.parse(
        appended.subarray(start, end).toString('utf8'),
        this.line,
        this.events,
        this.problems,
        false,
      );
      this.lastLine = Buffer.from(appended.subarray(start, end + 1));
      this.lastLineStart = this.offset + start;
      start = end + 1;
    }
    this.offset += complete;
    const events = [...this.events];
    const problems = [...this.problems];
    const tail = appended.subarray(complete).toString('utf8');
    if (tail.trim() !== '') this.parse(tail, this.line + 1, events, problems, true);
    return { events, problems };
  }

  private prefixUnchanged(fd: number): boolean {
    if (this.offset === 0) return true;
    const current = Buffer.alloc(this.lastLine.length);
    readSync(fd, current, 0, current.length, this.lastLineStart);
    return current.equals(this.lastLine);
  }

  private reset(): void {
    this.offset = 0;
    this.line = 0;
    this.events = [];
    this.problems = [];
    this.lastLine = Buffer.alloc(0);
    this.lastLineStart = 0;
  }

  private parse(
    line: string,
    number: number,
    events: T[],
    problems: JournalProblem[],
    isTornTail: boolean,
  ): void {
    if (line.trim() === '') return;
    try {
      const value: unknown = JSON.parse(line);
      if (this.isEvent(value)) events.push(value);
      else problems.push({ file: this.file, line: number, message: 'not a known event; skipped' });
    } catch (err) {
      problems.push({
        file: this.file,
        line: number,
        message: isTornTail
          ? 'incomplete last line (the writer was interrupted mid-write); skipped'
          : `corrupt line (${(err as Error).message}); skipped - the other events are intact`,
      });
    }
  }
}

/** A guard for journal events: an object whose `type` is one of `types`, with a `time` string. */
export function eventGuard<T>(types: readonly string[]): (value: unknown) => value is T {
  const known = new Set(types);
  return (value: unknown): value is T =>
    typeof value === 'object' &&
    value !== null &&
    known.has((value as { type?: unknown }).type as string) &&
    typeof (value as { time?: unknown }).time === 'string';
}
