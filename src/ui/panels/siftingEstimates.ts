/**
 * The tuning request editor's smart-sifting estimates: one profile process at a time
 * (`runner.js sifting-estimate`, so ONNX Runtime stays out of the extension host). A newer
 * request stops the one running; its answer would be stale anyway.
 */
import type { SiftingEstimateRequest } from '../../engine/builtin/siftingEstimateRequest';
import { runSiftingEstimateProcess } from '../../engine/builtin/siftingEstimateProcess';
import type { EditorOutbound } from './protocol/editor';

type EstimateMessage = Extract<EditorOutbound, { type: 'siftingEstimate' }>;

/** Errors are shown on one line beside the options; the protocol bounds them too. */
const MAX_ERROR = 2000;

export class SiftingEstimates {
  private next: { seq: number; request: SiftingEstimateRequest } | undefined;
  private current: AbortController | undefined;
  private draining: Promise<void> | undefined;
  private disposed = false;

  constructor(
    private readonly runnerPath: string,
    private readonly post: (message: EstimateMessage) => void,
    private readonly timeoutMs?: number,
  ) {}

  /** Asks for an estimate; the answer is posted with the same seq. */
  request(seq: number, request: SiftingEstimateRequest): void {
    if (this.disposed) return;
    this.next = { seq, request };
    this.current?.abort();
    this.draining ??= this.drain();
  }

  /** Settles when no profile runs (for tests). */
  get idle(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    while (this.next && !this.disposed) {
      const { seq, request } = this.next;
      this.next = undefined;
      const controller = new AbortController();
      this.current = controller;
      const result = await runSiftingEstimateProcess(request, {
        runnerPath: this.runnerPath,
        signal: controller.signal,
        ...(this.timeoutMs !== undefined ? { timeoutMs: this.timeoutMs } : {}),
      });
      this.current = undefined;
      // Replaced by a newer request while it ran: dropped.
      if (controller.signal.aborted || this.disposed) continue;
      this.post({
        type: 'siftingEstimate',
        seq,
        result: result.ok ? result : { ...result, error: result.error.slice(0, MAX_ERROR) },
      });
    }
    this.draining = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.next = undefined;
    this.current?.abort();
  }
}
