// The metrics every proxy process has: what its counters mean, and its memory.
import type { Metrics } from './metrics.js';

export function describeProcessMetrics(metrics: Metrics): void {
  metrics.describe('frontdoor_errors_total', 'requests answered with an error, by reason');
  metrics.describe('frontdoor_repairs_total', 'repairs the proxy made, by reason');
  metrics.describe('frontdoor_backend_drops_total', 'backend channels lost');
  metrics.describe('frontdoor_backend_reconnects_total', 'backend channels re-established with a replayed initialize');
  metrics.describe('frontdoor_limit_hits_total', 'requests, streams and messages refused or cut by a limit, by the limits.* key that applied');
  metrics.describe('frontdoor_stray_responses_total', 'backend answers that matched no request of their link (dropped, never delivered)');
  metrics.describe('frontdoor_server_requests_refused_total', 'server→client requests refused because no single session may answer them, by reason');
  metrics.describe('frontdoor_private_links_total', 'sessions of a shared sse/stdio route given a link of their own (their clients answer server requests)');
  metrics.describe(
    'frontdoor_sessions_ended_total',
    'sessions ended, by route, face and reason (client_delete, idle_timeout, client_stream_closed, backend reasons)',
  );
  metrics.describe(
    'frontdoor_sessions_abandoned_total',
    'sessions that expired idle without a single request after their handshake: clients that reconnect with a new session and never close the old one',
  );
  metrics.gauge('process_resident_memory_bytes', () => process.memoryUsage.rss());
  metrics.gauge('nodejs_heap_used_bytes', () => process.memoryUsage().heapUsed);
  metrics.gauge('nodejs_heap_total_bytes', () => process.memoryUsage().heapTotal);
  metrics.gauge('nodejs_external_memory_bytes', () => process.memoryUsage().external);
}
