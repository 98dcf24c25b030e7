// What a session is built with, and who the proxy says it is when it handshakes for a client.
import type { Logger } from 'pino';
import type { Linker } from '../link/linker.js';
import type { Metrics } from '../observability/metrics.js';
import type { ErrorReporter } from '../observability/error-reporter.js';
import type { Session } from './session.js';
import type { ToolPolicy } from '../policy/tool-policy.js';
import type { AuditEntry, RequestObserver } from '../policy/tool-calls.js';
import type { RouteTracing } from '../observability/tracing/tracing.js';

export interface SessionOptions {
  route: string;
  /** The route's links: the session joins one at `initialize`. */
  linker: Linker;
  log: Logger;
  metrics: Metrics;
  errors: ErrorReporter;
  maxBufferedMessages: number;
  /** limits.streamBufferBytes: bytes queued for one client stream (and held for a client with none). */
  streamBufferBytes: number;
  /** limits.streamStallTimeout: how long a paused backend waits for a client stream to make progress. */
  streamStallTimeoutMs: number;
  /** Inject `notifications/initialized` when a client skips it; drop duplicates (repairs.handshake). */
  repairHandshake: boolean;
  /** Lend the client's Authorization header to the backend (route auth.mode: passthrough). */
  passCredentials: boolean;
  /** Every request must speak for a principal, the one that opened the session (auth.mode not none). */
  requireAuth: boolean;
  /** A session re-created from its store record (takeover) is bound to the principal it had. */
  principal?: string | undefined;
  /** The route's tool policy (tools.*): hidden tools, filtered lists. */
  tools: ToolPolicy;
  /** Spans of the session's requests, or only the client's trace context passed on (tracing off). */
  tracing?: RouteTracing;
  /** One line per tools/call (principal, tool, outcome, duration). */
  audit(session: Session, entry: AuditEntry): void;
  /** Times every client request to its answer (the request metrics of the route and face). */
  requests?: RequestObserver;
  /** Counts a repair; `first` is true the first time this session makes it (log once per session). */
  onRepair(session: Session, reason: string, detail: Record<string, unknown>, first: boolean): void;
  onClosed(session: Session, reason: string): void;
  /** The client's address, when the session counts against the per-client cap. */
  client?: string | undefined;
  /** A given client-facing id: a session taken over from another replica keeps the id it had there. */
  id?: string | undefined;
  /** Awaited once the backend accepted the handshake, before the client sees the answer (scale-out: records the session). */
  onStarted?(session: Session): Promise<void>;
}

/** Who the proxy says it is when it must handshake for a client that never sent `initialize`. */
export const DEFAULT_CLIENT_INFO = { name: 'mcp-frontdoor', version: '1' };
