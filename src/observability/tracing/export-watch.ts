// The exporter, watched: an export that fails (collector down, refused, timed out) is logged, rate-
// limited, instead of vanishing into the SDK's diagnostics (which log nothing unless a global diag
// logger is registered, and the proxy registers no globals).
import type { Logger } from 'pino';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { createLogLimiter } from '../log-limiter.js';
import { redactUrlsInText } from '../redact-url.js';

/** At most a few lines a minute: a collector that is down fails every batch. */
const LIMITS = { linesPerWindow: 3, windowMs: 60_000 };

export function watchExports(exporter: SpanExporter, log: Logger, shownUrl: string): SpanExporter {
  const limiter = createLogLimiter(LIMITS);
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        // ExportResultCode.SUCCESS is 0 (@opentelemetry/core), not imported for one constant.
        if (result.code !== 0) {
          const suppressed = limiter.take('trace_export_failed');
          if (suppressed !== false) {
            const why = redactUrlsInText(result.error?.message ?? 'unknown error');
            log.warn(
              { reason: 'trace_export_failed', spans: spans.length, endpoint: shownUrl, suppressed },
              `could not export ${spans.length} spans to ${shownUrl}: ${why}`,
            );
          }
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}
