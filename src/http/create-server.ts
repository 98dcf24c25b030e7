// The proxy's HTTP server with the time and connection bounds of limits.*: how long a client may
// take to send its headers and its body, how long an idle keep-alive connection stays, and how many
// connections the open-file limit can hold. Responses (SSE streams) are not bounded in time here.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Limits } from '../config/schema.js';
import type { SessionCaps } from '../limits/session-caps.js';
import type { ErrorReporter } from '../observability/error-reporter.js';
import type { Metrics } from '../observability/metrics.js';
import { handleClientError } from './client-errors.js';

export function createHttpServer(
  limits: Limits,
  caps: SessionCaps,
  errors: ErrorReporter,
  metrics: Metrics,
  onRequest: (req: IncomingMessage, res: ServerResponse) => void,
): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeout,
      // Node's own bound on receiving a whole request, a backstop behind readBody's bodyTimeout.
      requestTimeout: limits.headersTimeout + limits.bodyTimeout + 1_000,
      // How often Node checks those two: often enough that they are late by a fraction of themselves.
      connectionsCheckingInterval: Math.min(1_000, Math.max(50, Math.floor(Math.min(limits.headersTimeout, limits.bodyTimeout) / 4))),
    },
    onRequest,
  );
  // Idle keep-alive connections go after a few seconds; SSE responses are never idle in that sense.
  server.keepAliveTimeout = limits.keepAliveTimeout;
  // Refuse connections beyond what the descriptors hold, rather than fail to accept (EMFILE) at random.
  if (caps.maxConnections !== undefined) server.maxConnections = caps.maxConnections;
  server.on('clientError', (err, socket) => handleClientError(err, socket as Socket, errors));
  // Open client connections: what limits.keepAliveTimeout and limits.headersTimeout keep down.
  let open = 0;
  server.on('connection', (socket: Socket) => {
    open++;
    socket.on('close', () => open--); // 'close' comes once; on() spares a once() wrapper per connection
  });
  metrics.gauge('frontdoor_http_connections', () => open);
  if (caps.maxConnections !== undefined) metrics.gauge('frontdoor_http_connections_limit', () => caps.maxConnections ?? 0);
  metrics.describe('frontdoor_http_connections_dropped_total', 'connections refused because the open-file limit cannot hold more');
  server.on('drop', () => metrics.inc('frontdoor_http_connections_dropped_total'));
  return server;
}
