// The trace context a client sends with a message: the `traceparent`/`tracestate` headers of its HTTP
// request, and `params._meta.traceparent`/`tracestate` of the message itself (the MCP semantic
// conventions' carrier, which newer MCP SDKs read and write; unprefixed keys, as SEP-414 defines them).
// The message's own wins: one HTTP request can carry several messages, and a message outlives its HTTP
// request (retries, resumed streams). Anything malformed is dropped, never an error. Pure.
import type { IncomingHttpHeaders } from 'node:http';
import type { JsonRpcNotification, JsonRpcRequest } from '../../jsonrpc/message.js';
import { parseTraceparent, validTracestate, type TraceParent } from './trace-context.js';
import { asJsonObject } from '../../jsonrpc/json-object.js';

/** A valid context from a client: the header or `_meta` values as given, and the parsed traceparent. */
export interface ClientTrace {
  readonly traceparent: string;
  readonly parent: TraceParent;
  /** Undefined when absent or invalid (an invalid tracestate does not void the traceparent). */
  readonly tracestate: string | undefined;
}

/** The context of a client's HTTP request, when its `traceparent` header is valid (a repeated header is not). */
export function headerTrace(headers: IncomingHttpHeaders): ClientTrace | undefined {
  const traceparent = headers.traceparent;
  if (traceparent === undefined) return undefined;
  const parent = parseTraceparent(traceparent);
  return parent && { traceparent: traceparent as string, parent, tracestate: validTracestate(headers.tracestate) };
}

export type MessageWithParams = JsonRpcRequest | JsonRpcNotification;

/** What a message's trace context is, once both carriers are read. */
export interface MessageTrace {
  /** The parent to continue: `_meta`'s when valid, else the HTTP request's. */
  readonly parent: ClientTrace | undefined;
  /** The HTTP request's context when `_meta` named another one (a span link, as the MCP conventions advise). */
  readonly transport: ClientTrace | undefined;
  /** `_meta` holds trace values that cannot go on as they are (malformed, or a tracestate without its traceparent). */
  readonly rewrite: boolean;
}

const NONE: MessageTrace = { parent: undefined, transport: undefined, rewrite: false };

function metaOf(m: MessageWithParams): Record<string, unknown> | undefined {
  const meta = m.params?._meta;
  return asJsonObject(meta);
}

/** Reads both carriers of one client message. */
export function messageTrace(m: MessageWithParams, header: ClientTrace | undefined): MessageTrace {
  const meta = metaOf(m);
  if (meta === undefined || (meta.traceparent === undefined && meta.tracestate === undefined)) return header ? { ...NONE, parent: header } : NONE;
  const parent = parseTraceparent(meta.traceparent);
  if (!parent) return { parent: header, transport: undefined, rewrite: true };
  const tracestate = validTracestate(meta.tracestate);
  const own: ClientTrace = { traceparent: meta.traceparent as string, parent, tracestate };
  const other = header && (header.parent.traceId !== parent.traceId || header.parent.spanId !== parent.spanId) ? header : undefined;
  return { parent: own, transport: other, rewrite: meta.tracestate !== undefined && tracestate === undefined };
}

/**
 * The message with `params._meta.traceparent`/`tracestate` set to the given values (removed when
 * undefined); the other `_meta` keys (progressToken, baggage, vendor keys) untouched.
 */
export function withTraceMeta<M extends MessageWithParams>(m: M, traceparent: string | undefined, tracestate: string | undefined): M {
  // Copied key by key rather than spread and `delete`d: a delete turns an object into a slow
  // dictionary, and with tracing on this runs for every request.
  const old = metaOf(m);
  const meta: Record<string, unknown> = {};
  let keys = 0;
  for (const k in old) {
    if (k === 'traceparent' || k === 'tracestate') continue;
    meta[k] = old[k];
    keys++;
  }
  if (traceparent !== undefined) {
    meta.traceparent = traceparent;
    if (tracestate !== undefined) meta.tracestate = tracestate;
    keys++;
  }
  const params: Record<string, unknown> = {};
  for (const k in m.params) if (k !== '_meta') params[k] = m.params[k];
  if (keys > 0) params._meta = meta;
  return { ...m, params };
}

/**
 * Tracing off: the client's valid context reaches the backend as it was sent, so the server can
 * continue the client's trace; a header context is copied into `_meta` (the backend never sees the
 * client's headers); malformed values are dropped. The common message (no context at all) is returned
 * as it is, at the cost of two property reads.
 */
export function passThrough<M extends MessageWithParams>(m: M, header: ClientTrace | undefined): M {
  if (header === undefined && m.params?._meta === undefined) return m;
  const t = messageTrace(m, header);
  // Unchanged unless `_meta` needs cleaning or the header's context must be copied into it.
  if (!t.rewrite && (t.parent === undefined || t.parent !== header)) return m;
  return withTraceMeta(m, t.parent?.traceparent, t.parent?.tracestate);
}
