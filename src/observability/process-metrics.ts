// The metrics every proxy process has: prom-client's default process metrics (CPU, resident memory,
// heap, event-loop lag, open files, handles), and what the proxy's counters mean and which labels
// they carry. docs/observability.md lists every metric with its labels and why each label is bounded.
import { createRequire } from 'node:module';
import type { Registry } from 'prom-client';
import type { Metrics } from './metrics.js';

type DefaultCollector = (registry: Registry, config: { eventLoopMonitoringPrecision: number }) => void;

/**
 * prom-client's default collectors (collectDefaultMetrics), all but `gc`: its PerformanceObserver runs
 * a callback for every garbage collection, and with the proxy's small young generation
 * (--max-semi-space-size=2) scavenges are frequent under load: ~1.5 µs of proxy CPU per call in the
 * bench's profile, for a figure the process's CPU and the event-loop lag already reflect. prom-client
 * offers no way to leave one out, so the collectors are loaded one by one (its files, version 15).
 */
const DEFAULT_COLLECTORS = [
  'processCpuTotal',
  'processStartTime',
  'osMemoryHeap',
  'processOpenFileDescriptors',
  'processMaxFileDescriptors',
  'eventLoopLag',
  'processResources',
  'processHandles',
  'processRequests',
  'heapSizeAndUsed',
  'heapSpacesSizeAndUsed',
  'version',
] as const;

/** [name, help, label names]: the label names matter where uses differ (sessions_started: face only on the legacy face). */
const COUNTERS: ReadonlyArray<readonly [string, string, readonly string[]]> = [
  ['frontdoor_errors_total', 'requests answered with an error, by reason', ['route', 'reason']],
  ['frontdoor_repairs_total', 'repairs the proxy made, by reason', ['route', 'reason']],
  ['frontdoor_backend_drops_total', 'backend channels lost', ['route', 'reason']],
  ['frontdoor_backend_reconnects_total', 'backend channels re-established with a replayed initialize', ['route']],
  ['frontdoor_backend_releases_total', 'backend channels released because nobody used them for backend.idleRelease', ['route']],
  ['frontdoor_backend_reopens_total', 'released backend channels re-opened with a replayed initialize for a request or a client stream', ['route']],
  ['frontdoor_limit_hits_total', 'requests, streams and messages refused or cut by a limit, by the limits.* key that applied', ['limit']],
  ['frontdoor_stray_responses_total', 'backend answers that matched no request of their link (dropped, never delivered)', ['route']],
  ['frontdoor_server_requests_refused_total', 'server→client requests refused because no single session may answer them, by reason', ['route', 'reason']],
  ['frontdoor_private_links_total', 'sessions of a shared sse/stdio route given a link of their own (their clients answer server requests)', ['route']],
  ['frontdoor_sessions_started_total', 'client sessions started (face label on the legacy face only)', ['route', 'face']],
  ['frontdoor_sessions_expired_total', 'sessions closed after sessions.idleTimeout without activity', []],
  [
    'frontdoor_sessions_ended_total',
    'sessions ended, by reason (client_delete, idle_timeout, client_stream_closed, backend reasons)',
    ['route', 'face', 'reason'],
  ],
  [
    'frontdoor_sessions_abandoned_total',
    'sessions that expired idle without a single request after their handshake: clients that reconnect with a new session and never close the old one',
    ['route', 'face'],
  ],
  ['frontdoor_http_requests_total', 'HTTP requests that reached a route, by endpoint', ['face']],
  ['frontdoor_tool_calls_total', 'tools/call requests by outcome (never by tool here: see frontdoor_request_duration_seconds)', ['route', 'outcome']],
  ['frontdoor_auth_failures_total', 'requests refused by the route guard (auth.mode apiKey or oauth), by reason', ['route', 'reason']],
  ['frontdoor_jwks_fetches_total', "fetches of an OAuth issuer's key set, by result", ['route', 'result']],
  ['frontdoor_introspections_total', 'RFC 7662 token introspection calls, by result', ['route', 'result']],
  ['frontdoor_input_rounds_total', 'InputRequiredResults sent to 2026-07-28 clients for a legacy backend asking for input during a call', ['route']],
  [
    'frontdoor_input_calls_total',
    'calls that asked a 2026-07-28 client for input, by how they ended (completed, failed, expired: mrtr.holdTimeout, cancelled)',
    ['route', 'outcome'],
  ],
  ['frontdoor_undeliverable_total', 'messages for a client that could not be delivered, by reason', ['route', 'reason']],
  ['frontdoor_oauth_passthrough_total', "OAuth requests relayed to a passthrough route's backend", ['route']],
];

export function describeProcessMetrics(metrics: Metrics): void {
  for (const [name, help, labels] of COUNTERS) metrics.describe(name, help, labels);
  // On the app's registry: process_resident_memory_bytes, process_cpu_seconds_total, nodejs_heap_size_used_bytes,
  // nodejs_external_memory_bytes, nodejs_eventloop_lag_seconds (sampled every 10 ms), process_open_fds, …
  const load = createRequire(import.meta.url);
  for (const name of DEFAULT_COLLECTORS) {
    (load(`prom-client/lib/metrics/${name}.js`) as DefaultCollector)(metrics.registry, { eventLoopMonitoringPrecision: 10 });
  }
  // The names these had before prom-client (dashboards and scripts read them).
  metrics.describe('nodejs_heap_used_bytes', 'V8 heap in use (same as nodejs_heap_size_used_bytes)');
  metrics.describe('nodejs_heap_total_bytes', 'V8 heap allocated (same as nodejs_heap_size_total_bytes)');
  metrics.gauge('nodejs_heap_used_bytes', () => process.memoryUsage().heapUsed);
  metrics.gauge('nodejs_heap_total_bytes', () => process.memoryUsage().heapTotal);
}
