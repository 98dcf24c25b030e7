// Log lines caused by clients, rate-limited per reason: a flood of bad requests must not become a
// flood of log lines (disk, log shipping costs). Each event is still counted in metrics; the first
// lines of a burst are logged in full, the rest are summed into the next line that gets through.

/** Lines per reason per window. */
const LINES_PER_WINDOW = 20;
const WINDOW_MS = 10_000;

export interface LogLimiter {
  /**
   * Whether a line for `key` may be logged now: false when it is to be suppressed, else the number
   * of lines suppressed since the last one (to log as `suppressed`).
   */
  take(key: string): number | false;
}

export function createLogLimiter(opts: { linesPerWindow?: number; windowMs?: number } = {}): LogLimiter {
  const limit = opts.linesPerWindow ?? LINES_PER_WINDOW;
  const windowMs = opts.windowMs ?? WINDOW_MS;
  // One entry per reason: reasons are fixed by the code, so this map stays small.
  const windows = new Map<string, { start: number; lines: number; suppressed: number }>();
  return {
    take(key) {
      const now = Date.now();
      let w = windows.get(key);
      let carried = 0;
      if (!w || now - w.start >= windowMs) {
        carried = w?.suppressed ?? 0;
        w = { start: now, lines: 0, suppressed: 0 };
        windows.set(key, w);
      }
      if (w.lines >= limit) {
        w.suppressed++;
        return false;
      }
      w.lines++;
      return carried;
    },
  };
}
