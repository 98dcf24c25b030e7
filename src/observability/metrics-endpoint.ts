// GET /metrics: prom-client renders asynchronously (a metric's collector may await), so the edge pass
// hands the answer to this instead of returning a body.
import type { ServerResponse } from 'node:http';
import { toProxyError } from '../errors/proxy-error.js';
import { replyError } from '../http/reply.js';
import type { ErrorReporter } from './error-reporter.js';
import type { Metrics } from './metrics.js';

export function serveMetrics(metrics: Metrics, res: ServerResponse, errors: ErrorReporter): void {
  metrics.render().then(
    (body) => {
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    },
    (e: unknown) => {
      const err = toProxyError(e, 'ERR_INTERNAL', 'metrics_render_failed');
      errors.report(err, { path: '/metrics' });
      replyError(res, err);
    },
  );
}
