/**
 * Where a local training job lives on disk:
 *
 *   <store>/training-jobs/<name>/journal.jsonl   the job's events (the only state)
 *   <store>/training-jobs/<name>/output.log      everything the job's process printed
 *   <store>/training-jobs/<name>/runner.log      the runner's own diagnostics
 *   <store>/training-jobs/<name>/work/           what a SageMaker container sees as /opt/ml
 *
 * Any process - the extension, the CLI, the runner - can read and append; nothing is cached.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { inUseError, notFoundError } from '../../model/errors';
import { appendEvent, JournalReader, type JournalProblem } from './journal';
import {
  foldTrainingJob,
  isTrainingJobEvent,
  type TrainingJobEvent,
  type TrainingJobState,
} from '../training/events';

export interface TrainingJobRead {
  state: TrainingJobState;
  events: TrainingJobEvent[];
  problems: JournalProblem[];
}

export class TrainingJobStore {
  readonly jobsDir: string;
  /** Incremental readers, one per job, so repeated reads parse only what was appended. */
  private readonly readers = new Map<string, JournalReader<TrainingJobEvent>>();

  constructor(readonly root: string) {
    this.jobsDir = join(root, 'training-jobs');
  }

  jobDir(name: string): string {
    return join(this.jobsDir, name);
  }
  journalPath(name: string): string {
    return join(this.jobDir(name), 'journal.jsonl');
  }
  logPath(name: string): string {
    return join(this.jobDir(name), 'output.log');
  }
  runnerLogPath(name: string): string {
    return join(this.jobDir(name), 'runner.log');
  }
  workDir(name: string): string {
    return join(this.jobDir(name), 'work');
  }

  exists(name: string): boolean {
    return existsSync(this.journalPath(name));
  }

  /**
   * Creates the job's folder with its first event in one atomic rename, so a job either
   * exists whole or not at all, and two creators of one name cannot both win.
   */
  create(name: string, created: Extract<TrainingJobEvent, { type: 'Created' }>): void {
    mkdirSync(this.jobsDir, { recursive: true });
    if (this.exists(name)) throw duplicate(name);
    const staging = join(this.jobsDir, `.staging-${name}-${randomBytes(4).toString('hex')}`);
    mkdirSync(staging);
    try {
      writeFileSync(join(staging, 'journal.jsonl'), `${JSON.stringify(created)}\n`, {
        flush: true,
      });
      renameSync(staging, this.jobDir(name));
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw duplicate(name);
      throw err;
    }
  }

  append(name: string, event: TrainingJobEvent): void {
    appendEvent(this.journalPath(name), event);
  }

  read(name: string): TrainingJobRead {
    if (!this.exists(name)) {
      throw notFoundError(
        `Requested resource not found: training job ${JSON.stringify(name)} does not exist in ${this.root}.`,
      );
    }
    let reader = this.readers.get(name);
    if (!reader) {
      reader = new JournalReader(this.journalPath(name), isTrainingJobEvent);
      this.readers.set(name, reader);
    }
    const { events, problems } = reader.read();
    const state = foldTrainingJob(events);
    if (!state) {
      throw new Error(
        `The journal of training job ${name} (${this.journalPath(name)}) has no readable creation event` +
          (problems.length
            ? ` (${problems.map((p) => `line ${p.line}: ${p.message}`).join('; ')})`
            : '') +
          '; the job cannot be shown. Move the folder aside to clear it.',
      );
    }
    return { state, events, problems };
  }

  listNames(): string[] {
    if (!existsSync(this.jobsDir)) return [];
    return readdirSync(this.jobsDir).filter((name) => !name.startsWith('.') && this.exists(name));
  }
}

function duplicate(name: string) {
  return inUseError(
    `Training job ${JSON.stringify(name)} already exists; choose another TrainingJobName.`,
  );
}
