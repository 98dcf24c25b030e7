// The one place an error that reaches a client is counted and logged: frontdoor_errors_total by route
// and reason, frontdoor_limit_hits_total by the limits.* key that applied, and one log line carrying
// the errorId the client sees (with the detail only the log may show). Client mistakes (4xx) are
// rate-limited per reason: a flood of bad requests must not become a flood of log lines.
import type { Logger } from 'pino';
import type { ProxyError } from '../errors/proxy-error.js';
import type { Metrics } from './metrics.js';
import { createLogLimiter, type LogLimiter } from './log-limiter.js';

export interface ErrorReporter {
  /** Counts and logs one error; `log` defaults to the app's logger (pass a session's child logger). */
  report(err: ProxyError, fields?: Record<string, unknown>, log?: Logger): void;
  /** Counts a limit hit that is not an error answer (a stream ended for its buffer). */
  limitHit(limit: string): void;
  /** Rate limits other lines about client-caused events. */
  readonly limiter: LogLimiter;
}

export function createErrorReporter(metrics: Metrics, log: Logger): ErrorReporter {
  const limiter = createLogLimiter();
  return {
    limiter,
    limitHit(limit) {
      metrics.inc('frontdoor_limit_hits_total', { limit });
    },
    report(err, fields = {}, logger = log) {
      metrics.inc('frontdoor_errors_total', { route: String(fields.route ?? err.route ?? ''), reason: err.reason });
      if (err.limit) metrics.inc('frontdoor_limit_hits_total', { limit: err.limit });
      const line = { ...fields, ...err.logFields() };
      if (err.status >= 500) {
        logger.warn(line, err.message);
        return;
      }
      const suppressed = limiter.take(err.reason);
      if (suppressed === false) return;
      logger.info(suppressed > 0 ? { ...line, suppressed } : line, err.message);
    },
  };
}
