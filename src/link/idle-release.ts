// backend.idleRelease: the clock that lets a link give back a backend channel nobody uses. Clients
// leave sessions behind all the time (a health check initializes, lists tools and never sends DELETE:
// docs/quirks.md), and each such session held a backend connection or process until
// sessions.idleTimeout. Every request, answer and client stream of the link restarts the clock; when
// it runs out and the link is idle (asked through `idle()`), `release()` is called. A link that is
// busy when the clock runs out is asked again one delay later, so a release never depends on every
// end of activity being reported: a missed restart costs at most one more delay.
//
// One timer per link, re-armed only when it fires: a restart is a timestamp write, so a session used
// every few milliseconds costs no timer churn.
export class IdleClock {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;

  constructor(
    private readonly delayMs: number,
    private readonly idle: () => boolean,
    private readonly release: () => void,
  ) {}

  /** Activity: the delay starts again from now. */
  restart(): void {
    if (this.delayMs <= 0) return;
    this.last = Date.now();
    if (!this.timer) this.arm(this.delayMs);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.fire(), ms);
    // A pending release must not keep the process alive (tests, `doctor`, a drain).
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    const left = this.last + this.delayMs - Date.now();
    if (left > 0) return this.arm(left);
    if (this.idle()) this.release();
    else this.arm(this.delayMs);
  }

  /** The link ended or released its channel: nothing to wait for until the next activity. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
