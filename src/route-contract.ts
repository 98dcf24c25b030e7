// What a live route is to the rest of the app (RouteRuntime), and what it is built from (RouteDeps):
// the contract between the route runtime (route-runtime.ts) and the app that builds and dispatches to
// it. Types only.
import type { StateKey } from './frontends/modern-http/mrtr.js';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Config, RouteConfig } from './config/schema.js';
import type { BackendConnector } from './backends/channel.js';
import type { StreamableHttpContext } from './frontends/streamable-http/handler.js';
import type { LegacySseContext } from './frontends/legacy-sse/handler.js';
import type { KeepAlive } from './frontends/sse-stream.js';
import type { BodyLimits } from './http/body.js';
import type { ErrorReporter } from './observability/error-reporter.js';
import type { RouteEndpoint } from './http/edge-passes.js';
import type { Metrics } from './observability/metrics.js';
import type { RouteMetrics } from './observability/route-metrics.js';
import type { OAuthPassthrough } from './auth/oauth-passthrough.js';
import type { RouteAuth } from './auth/route-auth.js';
import type { Session } from './session/session.js';
import type { RequestIds } from './link/request-ids.js';
import type { SessionRegistry } from './session/registry.js';
import type { EventLog } from './session/event-log.js';
import type { Face } from './store/store.js';

/** The faces a session is made for: the two handshake-era faces, and the seats of the 2026-07-28 face. */
export type SessionFace = Face | 'modern';
import type { Tracing } from './observability/tracing/tracing.js';

/** Scale-out hooks (a shared store): record a session when it starts, forget it when it ends. */
export interface SessionHooks {
  sessionStarted(session: Session, face: Face, route: string): Promise<void>;
  sessionClosed(session: Session, face: Face, reason: string): void;
}

export interface RouteRuntime extends RouteEndpoint {
  readonly config: RouteConfig;
  readonly connector: BackendConnector;
  readonly frontend: StreamableHttpContext;
  readonly legacy: LegacySseContext;
  /** Undefined for stdio backends. */
  readonly backendUrl: URL | undefined;
  /** The route's series of the request, backend, session and byte metrics. */
  readonly routeMetrics: RouteMetrics;
  /** Loaded only for routes with auth.mode: passthrough (http-proxy stays out of memory otherwise). */
  readonly passthrough: Promise<OAuthPassthrough> | undefined;
  /** Who may use the route, and which of its tools they see. */
  readonly auth: RouteAuth;
  /**
   * A new session of this route; `id` re-creates a session taken over from another replica. With
   * `req`, the session counts against the session caps of its client (throws ProxyError over them).
   */
  createSession(opts: { id?: string; face: SessionFace; req?: IncomingMessage; principal?: string }): Session;
  /** Live sessions created by this route. */
  readonly sessionCount: () => number;
  /** Launches the backend `command` of an HTTP backend, if any. */
  launch(): Promise<void>;
  /** Stops new sessions; disposes once the last session ends (at once when there is none). */
  drain(): void;
  readonly draining: () => boolean;
  /** Releases the connector, the launched process and the OAuth relay. */
  dispose(): Promise<void>;
}

export interface RouteDeps {
  config: Config;
  configDir: string | undefined;
  log: Logger;
  metrics: Metrics;
  sessions: SessionRegistry;
  keepAlive: KeepAlive;
  /** Bounds of every POST body (size, time, shared budget). */
  body: BodyLimits;
  errors: ErrorReporter;
  publicPrefix(req: IncomingMessage): string;
  publicBase(req: IncomingMessage): string;
  /** The client's address (the peer, or what a trusted proxy says), for the per-client session cap. */
  clientAddress(req: IncomingMessage): string;
  /** Backend request ids, unique in the process (every link of every route draws from it). */
  ids: RequestIds;
  /** Set once the app joined a cluster (store: redis://…). */
  hooks(): SessionHooks | undefined;
  eventLog(): EventLog;
  /** OpenTelemetry spans of MCP requests (TRACING_OFF: only the client's context is passed on). */
  tracing: Tracing;
  /** The series of the route at a path (kept across reloads). */
  routeMetrics(path: string): RouteMetrics;
  /** The process's requestState key and replica id (mrtr.stateSecret or random), for every route. */
  stateKey: StateKey;
}
