/**
 * A folder of journaled jobs of one kind (training jobs, tuning jobs):
 *
 *   <store>/<kind>/<name>/journal.jsonl   the job's events, the only state
 *   <store>/<kind>/<name>/runner.log      its runner's own diagnostics
 *
 * Any process - the extension, the CLI, a runner - can read and append. Reads are
 * incremental (one JournalReader per job), so re-reading a chatty job costs what it appended.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { appendEvent, JournalReader, type JournalProblem } from './journal';

export interface JobRead<Event, State> {
  state: State;
  events: Event[];
  problems: JournalProblem[];
}

export interface JobKind<Event, State> {
  /** Folder name under the store root, e.g. "training-jobs". */
  folder: string;
  isEvent(value: unknown): value is Event;
  fold(events: readonly Event[]): State | undefined;
  /** For messages: "training job", "tuning job". */
  noun: string;
  notFound(name: string, root: string): Error;
  duplicate(name: string): Error;
}

export class JobStore<Event extends object, State> {
  readonly jobsDir: string;
  private readonly readers = new Map<string, JournalReader<Event>>();

  constructor(
    readonly root: string,
    private readonly kind: JobKind<Event, State>,
  ) {
    this.jobsDir = join(root, kind.folder);
  }

  jobDir(name: string): string {
    return join(this.jobsDir, name);
  }
  journalPath(name: string): string {
    return join(this.jobDir(name), 'journal.jsonl');
  }
  runnerLogPath(name: string): string {
    return join(this.jobDir(name), 'runner.log');
  }

  exists(name: string): boolean {
    return existsSync(this.journalPath(name));
  }

  /**
   * Creates the job's folder with its first event in one atomic rename, so a job either
   * exists whole or not at all, and two creators of one name cannot both win.
   */
  create(name: string, first: Event): void {
    mkdirSync(this.jobsDir, { recursive: true });
    if (this.exists(name)) throw this.kind.duplicate(name);
    const staging = join(this.jobsDir, `.staging-${name}-${randomBytes(4).toString('hex')}`);
    mkdirSync(staging);
    try {
      writeFileSync(join(staging, 'journal.jsonl'), `${JSON.stringify(first)}\n`, { flush: true });
      renameSync(staging, this.jobDir(name));
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw this.kind.duplicate(name);
      throw err;
    }
  }

  append(name: string, event: Event): void {
    appendEvent(this.journalPath(name), event);
  }

  read(name: string): JobRead<Event, State> {
    if (!this.exists(name)) throw this.kind.notFound(name, this.root);
    let reader = this.readers.get(name);
    if (!reader) {
      reader = new JournalReader(this.journalPath(name), (v): v is Event => this.kind.isEvent(v));
      this.readers.set(name, reader);
    }
    const { events, problems } = reader.read();
    const state = this.kind.fold(events);
    if (!state) {
      throw new Error(
        `The journal of ${this.kind.noun} ${name} (${this.journalPath(name)}) has no readable creation event` +
          (problems.length
            ? ` (${problems.map((p) => `line ${p.line}: ${p.message}`).join('; ')})`
            : '') +
          '; it cannot be shown. Move the folder aside to clear it.',
      );
    }
    return { state, events, problems };
  }

  listNames(): string[] {
    if (!existsSync(this.jobsDir)) return [];
    return readdirSync(this.jobsDir).filter((name) => !name.startsWith('.') && this.exists(name));
  }
}
