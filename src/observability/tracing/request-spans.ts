// One session's requests in flight, traced: a SERVER span per client request (continuing the client's
// context) and a CLIENT span per backend exchange, its child, whose context the backend receives in
// `params._meta`, so one trace runs client → proxy → server. Only the OpenTelemetry API is used here;
// the tracer comes from the SDK that start-tracing.ts set up. Entries live from the request to its
// answer (every request is answered: by the backend, on expiry, or when the session closes).
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, createTraceState, trace, type Context, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import type { ProxyError } from '../../errors/proxy-error.js';
import { isRequest, type JsonRpcId, type JsonRpcMessage, type JsonRpcResponse } from '../../jsonrpc/message.js';
import { messageTrace, passThrough, withTraceMeta, type ClientTrace } from './client-context.js';
import { backendOutcome, clientOutcome, requestAttributes, spanName, ATTR, CANCELLED, type Attributes, type Outcome } from './span-attributes.js';
import { formatTraceparent } from './trace-context.js';
import type { SessionTracer, TracedSession } from './tracing.js';

interface Pending {
  server: Span;
  backend: Span | undefined;
}

const keyOf = (id: JsonRpcId) => `${typeof id}:${String(id)}`;

function remoteSpanContext(c: ClientTrace): SpanContext {
  return {
    traceId: c.parent.traceId,
    spanId: c.parent.spanId,
    traceFlags: c.parent.flags,
    isRemote: true,
    ...(c.tracestate === undefined ? {} : { traceState: createTraceState(c.tracestate) }),
  };
}

function finish(span: Span, outcome: Outcome): void {
  if (span.isRecording()) {
    span.setAttributes(outcome.attributes);
    // The conventions: status ERROR whenever error.type is set (a tool error too), described by the JSON-RPC message.
    if (outcome.outcome === 'error' || outcome.outcome === 'tool_error')
      span.setStatus({ code: SpanStatusCode.ERROR, ...(outcome.message === undefined ? {} : { message: outcome.message }) });
  }
  span.end();
}

function end(entry: Pending, server: Outcome, backend: Outcome): void {
  if (entry.backend) finish(entry.backend, backend);
  finish(entry.server, server);
}

/** The constant attributes a route face gives its sessions' spans. */
export interface SpanDefaults {
  server: Attributes;
  backend: Attributes;
}

export class RequestSpans implements SessionTracer {
  /** Created with the first request and dropped with the last answer: an idle session holds no map. */
  private pending: Map<string, Pending> | undefined;

  constructor(
    private readonly tracer: Tracer,
    private readonly defaults: SpanDefaults,
    private readonly session: TracedSession,
  ) {}

  outbound<M extends JsonRpcMessage>(m: M, header: ClientTrace | undefined, forward: boolean): M {
    if (!('method' in m)) return m;
    if (!isRequest(m)) {
      // MCP cancellation: no answer will come, so the request's spans end now (not at limits.requestTimeout).
      const requestId = m.method === 'notifications/cancelled' ? m.params?.requestId : undefined;
      if (typeof requestId === 'string' || typeof requestId === 'number') this.cancelled(requestId);
      return passThrough(m, header) as M;
    }
    const t = messageTrace(m, header);
    const parent: Context = t.parent ? trace.setSpanContext(ROOT_CONTEXT, remoteSpanContext(t.parent)) : ROOT_CONTEXT;
    const name = spanName(m);
    const attributes = requestAttributes(m, this.session.protocolVersion);
    const server = this.tracer.startSpan(
      name,
      {
        kind: SpanKind.SERVER,
        attributes: { ...this.defaults.server, ...attributes, [ATTR.sessionId]: this.session.id, [ATTR.requestId]: String(m.id) },
        // The MCP conventions: the message's context is the parent; the HTTP request's, when another, a link.
        ...(t.transport ? { links: [{ context: remoteSpanContext(t.transport) }] } : {}),
      },
      parent,
    );
    const pending = (this.pending ??= new Map());
    const key = keyOf(m.id);
    // A client that reuses the id of a request still in flight breaks JSON-RPC; its older spans end here.
    const previous = pending.get(key);
    if (previous) {
      const reused = clientOutcome({ jsonrpc: '2.0', id: m.id, error: { code: -32600, message: 'request id reused while in flight' } }, undefined);
      end(previous, reused, reused);
    }
    if (!forward) {
      pending.set(key, { server, backend: undefined });
      return passThrough(m, header) as M;
    }
    const backend = this.tracer.startSpan(
      name,
      { kind: SpanKind.CLIENT, attributes: { ...this.defaults.backend, ...attributes } },
      trace.setSpan(ROOT_CONTEXT, server),
    );
    pending.set(key, { server, backend });
    const sc = backend.spanContext();
    return withTraceMeta(m, formatTraceparent(sc.traceId, sc.spanId, sc.traceFlags), sc.traceState?.serialize() || undefined) as M;
  }

  answered(response: JsonRpcResponse, error?: ProxyError): void {
    const entry = response.id === null ? undefined : this.take(response.id);
    if (entry) end(entry, clientOutcome(response, error), backendOutcome(response, error));
  }

  private cancelled(id: JsonRpcId): void {
    const entry = this.take(id);
    if (entry) end(entry, CANCELLED, CANCELLED);
  }

  private take(id: JsonRpcId): Pending | undefined {
    const key = keyOf(id);
    const entry = this.pending?.get(key);
    if (!entry) return undefined;
    this.pending!.delete(key);
    if (this.pending!.size === 0) this.pending = undefined;
    return entry;
  }
}
