/**
 * Change notification for the aws backend: SageMaker has no push, so one poller per backend
 * takes a snapshot of the recent jobs and calls the listeners when it differs from the last
 * one. It polls every `activeMs` while any job is InProgress or Stopping, otherwise it starts
 * at `idleMs` and slows down by half each quiet poll up to `maxIdleMs`; after a failed poll
 * (throttling, network) it backs off exponentially up to `maxIdleMs`. It runs only while
 * someone listens - no request before the first subscribe or after the last dispose - and its
 * timers never keep the process alive. Watching again after a pause starts from a new
 * baseline: what changed meanwhile is the new listener's to read, not a change to report.
 */

export interface PollIntervals {
  /** While jobs are running (default 5 s). */
  activeMs: number;
  /** First interval when nothing runs (default 30 s). */
  idleMs: number;
  /** The slowest interval, idle or after errors (default 5 min). */
  maxIdleMs: number;
}

export const DEFAULT_POLL_INTERVALS: PollIntervals = {
  activeMs: 5_000,
  idleMs: 30_000,
  maxIdleMs: 300_000,
};

export interface Snapshot {
  /** Equal strings: nothing changed. */
  fingerprint: string;
  /** Whether any job is still moving (InProgress, Stopping). */
  active: boolean;
}

export class ChangePoller {
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private last: string | undefined;
  private interval: number;
  private failures = 0;
  private polling = false;
  /** Bumped when the last listener leaves, so a poll still in flight is ignored. */
  private generation = 0;

  constructor(
    private readonly snapshot: () => Promise<Snapshot>,
    private readonly intervals: PollIntervals = DEFAULT_POLL_INTERVALS,
  ) {
    this.interval = intervals.activeMs;
  }

  subscribe(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    // The first poll only takes the baseline, so it runs at once.
    if (this.listeners.size === 1 && !this.polling)
      this.schedule(this.last === undefined ? 0 : this.interval);
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.listeners.delete(listener);
        if (this.listeners.size === 0) this.pause();
      },
    };
  }

  /** Something changed on our side (a job created or stopped): tell listeners, poll fast again. */
  changed(): void {
    this.interval = this.intervals.activeMs;
    this.emit();
    if (this.listeners.size > 0 && !this.polling) this.schedule(this.interval);
  }

  /** Nobody listens: no more polls, and the next subscribe takes a new baseline at once. */
  private pause(): void {
    this.stop();
    this.generation++;
    this.last = undefined;
    this.failures = 0;
    this.interval = this.intervals.activeMs;
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    this.stop();
    this.timer = setTimeout(() => void this.poll(), ms);
    this.timer.unref?.();
  }

  private emit(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch {
        // a failing listener must not stop the others, nor the poller
      }
    }
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    if (this.listeners.size === 0) return;
    this.polling = true;
    const generation = this.generation;
    // Paused while this poll was out: a listener that came since takes a new baseline at once.
    let next = 0;
    try {
      const { fingerprint, active } = await this.snapshot();
      if (generation !== this.generation) return;
      this.failures = 0;
      const changed = this.last !== undefined && fingerprint !== this.last;
      this.last = fingerprint;
      if (active || changed) this.interval = this.intervals.activeMs;
      else
        this.interval = Math.min(
          this.intervals.maxIdleMs,
          this.interval < this.intervals.idleMs
            ? this.intervals.idleMs
            : Math.round(this.interval * 1.5),
        );
      next = this.interval;
      if (changed) this.emit();
    } catch {
      if (generation !== this.generation) return;
      this.failures++;
      next = Math.min(
        this.intervals.maxIdleMs,
        this.intervals.activeMs * 2 ** Math.min(this.failures, 16),
      );
    } finally {
      this.polling = false;
      if (this.listeners.size > 0) this.schedule(next);
    }
  }
}
