/**
 * Demand-driven change notification. On the aws backend `watchChanges` is a poller that sends
 * ListTrainingJobs and ListHyperParameterTuningJobs every few seconds, so it should run only
 * while something that shows jobs is on screen: consumers acquire the watch (a visible tree
 * view or panel, a progress notification, a followed log) and the backend is subscribed
 * while at least one holds it. A source that is free to watch (the local store's file
 * watcher) is subscribed regardless. Plain TypeScript, no vscode, so it is unit-tested alone.
 */

export interface Watchable {
  watchChanges(listener: () => void): { dispose(): void };
}

export class JobWatch {
  private readonly holders = new Map<number, string>();
  private nextId = 0;
  private source: Watchable | undefined;
  private always = false;
  private subscription: { dispose(): void } | undefined;
  /** Whether the current source was watched before: a new subscription after a gap. */
  private watchedBefore = false;

  /** `onChange` hears the source's changes, and one more when watching resumes after a gap. */
  constructor(private readonly onChange: () => void) {}

  /** Watches `source` from now on (none: undefined); `always` ignores demand. */
  setSource(source: Watchable | undefined, always: boolean): void {
    this.unsubscribe();
    this.source = source;
    this.always = always;
    this.watchedBefore = false;
    this.update();
  }

  /** Keeps the source watched until the result is disposed (`reason` names the holder). */
  acquire(reason: string): { dispose(): void } {
    const id = this.nextId++;
    this.holders.set(id, reason);
    this.update();
    return {
      dispose: () => {
        if (this.holders.delete(id)) this.update();
      },
    };
  }

  /** Whether the source is subscribed now. */
  get watching(): boolean {
    return this.subscription !== undefined;
  }

  /** Who holds the watch (for tests and the log). */
  get reasons(): string[] {
    return [...this.holders.values()];
  }

  dispose(): void {
    this.holders.clear();
    this.source = undefined;
    this.unsubscribe();
  }

  private update(): void {
    const wanted = this.source !== undefined && (this.always || this.holders.size > 0);
    if (wanted && !this.subscription) {
      const resumed = this.watchedBefore;
      this.subscription = this.source!.watchChanges(() => this.onChange());
      this.watchedBefore = true;
      // Nobody heard what changed while unwatched: whoever shows jobs now reads once.
      if (resumed) this.onChange();
    } else if (!wanted) {
      this.unsubscribe();
    }
  }

  private unsubscribe(): void {
    const subscription = this.subscription;
    this.subscription = undefined;
    subscription?.dispose();
  }
}
