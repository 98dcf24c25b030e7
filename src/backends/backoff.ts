// The one backoff of the proxy: exponential from an initial delay to a maximum, with ±20 % jitter so
// that many sessions (or replicas) that lost one backend do not come back in step. Cancellable, so a
// closing link never waits. Used for re-establishing a link's channel and for reopening a Streamable
// HTTP backend's streams.

export class Backoff {
  private delay: number;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {
    this.delay = initialMs;
  }

  reset(): void {
    this.delay = this.initialMs;
  }

  /** The next delay (±20 %), doubling the one after it up to the maximum. */
  next(): number {
    const ms = this.delay * (0.8 + Math.random() * 0.4);
    this.delay = Math.min(this.delay * 2, this.maxMs);
    return ms;
  }

  /** Waits the next delay; `atLeast` (a server's SSE `retry`) is honoured when longer. */
  wait(atLeast = 0, signal?: AbortSignal): Promise<void> {
    const ms = Math.max(this.next(), atLeast);
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(this.timer);
        signal?.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      this.timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.wake?.();
  }
}
