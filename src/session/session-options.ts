// What a session is built with, and the messages the proxy sends on a client's behalf.
import type { Logger } from 'pino';
import type { BackendConnector } from '../backends/channel.js';
import type { Metrics } from '../observability/metrics.js';
import type { ErrorReporter } from '../observability/error-reporter.js';
import type { Session } from './session.js';

export interface SessionOptions {
  route: string;
  connector: BackendConnector;
  log: Logger;
  metrics: Metrics;
  connectTimeoutMs: number;
  reconnectInitialDelayMs: number;
  reconnectMaxDelayMs: number;
  /** Close the session when reconnecting has failed for this long (0: never). */
  reconnectGiveUpMs: number;
  maxBufferedMessages: number;
  /** limits.streamBufferBytes: bytes queued for one client stream (and held for a client with none). */
  streamBufferBytes: number;
  /** limits.streamStallTimeout: how long a paused backend waits for a client stream to drain. */
  streamStallTimeoutMs: number;
  /** How long the backend may take to answer a request; progress restarts it (limits.requestTimeout). */
  requestTimeoutMs: number;
  errors: ErrorReporter;
  /** Inject `notifications/initialized` when a client skips it; drop duplicates (spec notes §4.2). */
  repairHandshake: boolean;
  /** Lend the client's Authorization header to the backend (route auth.mode: passthrough). */
  passCredentials: boolean;
  /** Counts a repair; `first` is true the first time this session makes it (log once per session). */
  onRepair(session: Session, reason: string, detail: Record<string, unknown>, first: boolean): void;
  onClosed(session: Session, reason: string): void;
  /** The client's address, when the session counts against the per-client cap. */
  client?: string | undefined;
  /** A given client-facing id: a session taken over from another replica keeps the id it had there. */
  id?: string;
  /** Awaited once the backend accepted the handshake, before the client sees the answer (scale-out: records the session). */
  onStarted?(session: Session): Promise<void>;
}

/** Who the proxy says it is when it must handshake for a client that never sent `initialize`. */
export const DEFAULT_CLIENT_INFO = { name: 'mcp-frontdoor', version: '1' };
export const INITIALIZED = { jsonrpc: '2.0', method: 'notifications/initialized' } as const;

