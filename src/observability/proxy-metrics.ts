// The proxy's metrics by route: request latency (client request → its answer leaves, by face, MCP
// method and tool), backend latency (request sent → answer received, by transport), errors, sessions
// by face, backend channel states, bytes in and out on both sides. Declared once per app; a route's
// series live as long as the app (by route path, across reloads), so its tool label budget
// (observability.metrics.maxToolLabels) is spent once. docs/observability.md lists them all.
import type { MetricsConfig } from '../config/observability-schema.js';
import { ClientBytes } from './client-bytes.js';
import type { Metrics } from './metrics.js';
import { RouteMetrics, type SharedInstruments } from './route-metrics.js';

/**
 * Seconds. A quick call through the proxy on loopback takes a few hundred microseconds, a tool may
 * run for minutes (limits.requestTimeout is 10 minutes by default): 250 µs to 5 minutes.
 */
export const DURATION_BUCKETS: readonly number[] = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

const COUNTERS: ReadonlyArray<readonly [string, string, readonly string[]]> = [
  [
    'frontdoor_request_errors_total',
    'client requests answered with a JSON-RPC error (outcome="error", by the proxy or the backend) or a tool result with isError (outcome="tool_error")',
    ['route', 'face', 'method', 'tool', 'outcome'],
  ],
  ['frontdoor_client_received_bytes_total', 'bytes received on client connections (HTTP heads and bodies), by the route of their requests', ['route']],
  ['frontdoor_client_sent_bytes_total', 'bytes sent on client connections (HTTP heads, bodies, SSE events), by the route of their requests', ['route']],
  ['frontdoor_backend_sent_bytes_total', 'bytes of the JSON-RPC messages sent to the backend (UTF-8, without HTTP or SSE framing)', ['route']],
  ['frontdoor_backend_received_bytes_total', 'bytes of the JSON-RPC messages received from the backend (UTF-8, without HTTP or SSE framing)', ['route']],
];

export class ProxyMetrics {
  private readonly routes = new Map<string, RouteMetrics>();
  private readonly instruments: SharedInstruments;

  constructor(metrics: Metrics, config: MetricsConfig) {
    for (const [name, help, labels] of COUNTERS) metrics.describe(name, help, labels);
    const clientBytes = new ClientBytes();
    metrics.onCollect(() => clientBytes.collect());
    this.instruments = {
      metrics,
      clientBytes,
      toolLabels: config.toolLabels,
      maxToolLabels: config.maxToolLabels,
      requestDuration: metrics.histogram(
        'frontdoor_request_duration_seconds',
        'client JSON-RPC requests, from the proxy taking the request to its answer leaving, by face, MCP method (_other for unknown methods) and, for tools/call, tool (_other past observability.metrics)',
        ['route', 'face', 'method', 'tool'],
        DURATION_BUCKETS,
      ),
      backendDuration: metrics.histogram(
        'frontdoor_backend_request_duration_seconds',
        'requests to the backend, from the link taking one to send to receiving its answer, by transport',
        ['route', 'transport'],
        DURATION_BUCKETS,
      ),
    };
    metrics.describe(
      'frontdoor_route_sessions',
      'live client sessions of a route, by face (streamable-http, legacy-sse, or modern: the seats of 2026-07-28 clients)',
    );
    metrics.gaugeSource('frontdoor_route_sessions', ['route', 'face'], (add) => {
      for (const route of this.routes.values()) route.readSessions(add);
    });
    metrics.describe('frontdoor_backend_channels', "backend channels of a route's links, by state (idle, opening, ready, reconnecting, released, reopening)");
    metrics.gaugeSource('frontdoor_backend_channels', ['route', 'state'], (add) => {
      for (const route of this.routes.values()) route.readChannels(add);
    });
  }

  /** The series of the route at `path` (made on first use, kept for the app's life). */
  route(path: string): RouteMetrics {
    let route = this.routes.get(path);
    if (route === undefined) {
      route = new RouteMetrics(this.instruments, path);
      this.routes.set(path, route);
    }
    return route;
  }
}
