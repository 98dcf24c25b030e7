// Exponential backoff with jitter for reconnects, cancellable so a closing session never waits.

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

  /** Waits the current delay (±20 %), then doubles it up to the maximum. */
  wait(): Promise<void> {
    const ms = this.delay * (0.8 + Math.random() * 0.4);
    this.delay = Math.min(this.delay * 2, this.maxMs);
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.wake?.();
  }
}
