// What the rest of the proxy sees of tracing: one `Tracing` for the process (handed through the app,
// never a global), a `RouteTracing` per route face, and a `SessionTracer` per session that begins a
// request's spans as it goes to the backend and ends them as its answer goes to the client. With
// tracing off (the default) no OpenTelemetry module is loaded at all: sessions get `PASS_THROUGH`,
// which only hands the client's own trace context on to the backend.
import { toProxyError, type ProxyError } from '../../errors/proxy-error.js';
import type { JsonRpcId, JsonRpcMessage, JsonRpcResponse } from '../../jsonrpc/message.js';
import { passThrough, type ClientTrace } from './client-context.js';
import type { RouteFacts } from './span-attributes.js';

/** What a session tracer reads of its session. */
export interface TracedSession {
  readonly id: string;
  readonly protocolVersion: string | undefined;
}

export interface SessionTracer {
  /**
   * A client message on its way to the backend, after the tool policy. Returns the message to forward,
   * with the trace context the backend should continue in `params._meta`. A request begins its server
   * span here, and its backend span too when `forward` (false: the proxy answers it itself).
   * Notifications and responses get no span.
   */
  outbound<M extends JsonRpcMessage>(m: M, header: ClientTrace | undefined, forward: boolean): M;
  /** The answer to a client request, on its way to the client: the request's spans end. */
  answered(response: JsonRpcResponse, error?: ProxyError): void;
}

export interface RouteTracing {
  /** The tracer of one session (a session makes it on its first message). */
  session(session: TracedSession): SessionTracer;
}

export interface Tracing {
  readonly enabled: boolean;
  /** Made once per route and face. */
  route(facts: RouteFacts): RouteTracing;
  /** Exports the spans still buffered and stops the exporter (SIGTERM, after the drain). */
  shutdown(): Promise<void>;
}

/** Ends the spans of a client's `initialize` when the session's start settles (a failed start is an error answer). */
export function answerWhenSettled(tracer: SessionTracer, startup: Promise<JsonRpcResponse>, id: JsonRpcId): void {
  startup.then(
    (response) => tracer.answered(response),
    (e: unknown) => {
      const err = toProxyError(e);
      tracer.answered(err.toJsonRpc(id), err);
    },
  );
}

/** Tracing off: the client's valid context reaches the backend unchanged; nothing is recorded. */
export const PASS_THROUGH: SessionTracer = {
  outbound: (m, header) => ('method' in m ? (passThrough(m, header) as typeof m) : m),
  answered: () => undefined,
};

const ROUTE_OFF: RouteTracing = { session: () => PASS_THROUGH };

export const TRACING_OFF: Tracing = {
  enabled: false,
  route: () => ROUTE_OFF,
  shutdown: () => Promise.resolve(),
};
