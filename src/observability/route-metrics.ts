// One route's series of the proxy metrics (proxy-metrics.ts declares them): its request latency per
// face, method and tool, its backend latency, sessions by face, backend channel states, and bytes. Each
// series is bound once and kept here, so that timing a request is a map lookup and an addition.
import type { HistogramSeries, CounterSeries } from './prom-series.js';
import type { Labels, Metrics } from './metrics.js';
import { methodLabel } from './mcp-methods.js';
import { ToolLabels } from './tool-labels.js';
import type { ByteCounters, ClientBytes } from './client-bytes.js';
import type { Socket } from 'node:net';

/** How a request ended, as the audit says it (policy/tool-calls.ts). */
export type RequestOutcome = 'ok' | 'tool_error' | 'error' | 'denied' | 'insufficient_scope';

/** The instruments every route shares (one per app). */
export interface SharedInstruments {
  metrics: Metrics;
  requestDuration(labels: Labels): HistogramSeries;
  backendDuration(labels: Labels): HistogramSeries;
  clientBytes: ClientBytes;
  toolLabels: readonly string[];
  maxToolLabels: number;
}

/** The channel states reported, every one always (a series that comes and goes is hard to alert on). */
export const CHANNEL_STATES = ['idle', 'opening', 'ready', 'reconnecting', 'released', 'reopening'] as const;

/** A session's requests on one face of the route: what the session's tool-call tracker reports to. */
export class FaceRequests {
  private readonly methods = new Map<string, HistogramSeries>();
  private readonly tools = new Map<string, HistogramSeries>();

  constructor(
    private readonly route: RouteMetrics,
    readonly face: string,
  ) {}

  /** A request answered after `seconds` (the answer is on its way to the client). */
  answered(method: string, tool: string | undefined, seconds: number, outcome: RequestOutcome): void {
    const isCall = method === 'tools/call';
    const label = isCall ? this.route.tools.labelOf(tool) : methodLabel(method);
    const table = isCall ? this.tools : this.methods;
    let series = table.get(label);
    if (series === undefined) {
      series = this.route.instruments.requestDuration(this.labels(method, label));
      table.set(label, series);
    }
    series.observe(seconds);
    if (outcome !== 'ok') {
      const labels = { ...this.labels(method, label), outcome: outcome === 'tool_error' ? 'tool_error' : 'error' };
      this.route.instruments.metrics.inc('frontdoor_request_errors_total', labels);
    }
  }

  /** A backend's tools/list result (every session of the route learns from it). */
  listed(result: unknown): void {
    this.route.tools.listedIn(result);
  }

  private labels(method: string, label: string): Labels {
    const base = { route: this.route.path, face: this.face };
    return method === 'tools/call' ? { ...base, method, tool: label } : { ...base, method: label };
  }
}

export class RouteMetrics {
  readonly tools: ToolLabels;
  private readonly faces = new Map<string, FaceRequests>();
  private readonly backends = new Map<string, HistogramSeries>();
  private readonly sessions = new Map<string, number>();
  private readonly channelSources = new Set<() => Iterable<string>>();
  /** Backend message bytes (the transports count them: backends/channel.ts MessageLimits). */
  readonly backendTraffic: { sent(bytes: number): void; received(bytes: number): void };
  private readonly clientCounters: ByteCounters;

  constructor(
    readonly instruments: SharedInstruments,
    readonly path: string,
  ) {
    this.tools = new ToolLabels(instruments.toolLabels, instruments.maxToolLabels);
    const labels = Object.freeze({ route: path });
    const m = instruments.metrics;
    const sent: CounterSeries = m.series('frontdoor_backend_sent_bytes_total', labels);
    const received: CounterSeries = m.series('frontdoor_backend_received_bytes_total', labels);
    this.backendTraffic = {
      sent: (bytes) => void (sent.value += bytes),
      received: (bytes) => void (received.value += bytes),
    };
    this.clientCounters = { received: m.series('frontdoor_client_received_bytes_total', labels), sent: m.series('frontdoor_client_sent_bytes_total', labels) };
  }

  /** The request tracker of the route's sessions on `face`. */
  face(face: string): FaceRequests {
    let f = this.faces.get(face);
    if (f === undefined) {
      f = new FaceRequests(this, face);
      this.faces.set(face, f);
    }
    return f;
  }

  /** The backend latency series of the route's transport. */
  backendLatency(transport: string): HistogramSeries {
    let series = this.backends.get(transport);
    if (series === undefined) {
      series = this.instruments.backendDuration({ route: this.path, transport });
      this.backends.set(transport, series);
    }
    return series;
  }

  /** A client request of this route arrived on `socket` (its bytes are the route's from now on). */
  clientRequest(socket: Socket): void {
    this.instruments.clientBytes.request(socket, this.clientCounters);
  }

  sessionOpened(face: string): void {
    this.sessions.set(face, (this.sessions.get(face) ?? 0) + 1);
  }

  sessionClosed(face: string): void {
    this.sessions.set(face, (this.sessions.get(face) ?? 1) - 1);
  }

  /** Reports the states of a set of backend channels (a route's links) until the returned function is called. */
  channels(states: () => Iterable<string>): () => void {
    this.channelSources.add(states);
    return () => this.channelSources.delete(states);
  }

  /** Gauge readings: sessions by face. */
  readSessions(add: (labels: Labels, value: number) => void): void {
    for (const [face, n] of this.sessions) add({ route: this.path, face }, n);
  }

  /** Gauge readings: backend channels by state (routes that never had a channel source report none). */
  readChannels(add: (labels: Labels, value: number) => void): void {
    if (this.channelSources.size === 0) return;
    const counts = new Map<string, number>(CHANNEL_STATES.map((s) => [s, 0]));
    for (const source of this.channelSources) for (const state of source()) if (counts.has(state)) counts.set(state, counts.get(state)! + 1);
    for (const [state, n] of counts) add({ route: this.path, state }, n);
  }
}
