// Shaping what a legacy backend answers into a 2026-07-28 answer: resultType, caching hints,
// serverInfo, error codes, and the HTTP status of the answer. Pure; inputs are never mutated.
import { RPC_INVALID_PARAMS, RPC_METHOD_NOT_FOUND, RPC_MISSING_CLIENT_CAPABILITY, type JsonRpcErrorObject } from '../jsonrpc/message.js';
import { ENVELOPE_PREFIX, META_SERVER_INFO } from './envelope.js';
import { CACHEABLE_METHODS, MRTR_METHODS } from './methods.js';

export type ResultType = 'complete' | 'input_required';
export type CacheScope = 'public' | 'private';

export interface CacheHint {
  ttlMs: number;
  cacheScope: CacheScope;
}

/** MCP 2026-07-28, Server Utilities, Caching: what the TS SDK v2 server uses when a handler gives none. */
export const DEFAULT_CACHE_HINT: CacheHint = Object.freeze({ ttlMs: 0, cacheScope: 'private' });

/** 2025-11-25's "resource not found", which 2026-07-28 MUST NOT emit (Basic, Error Codes). */
export const RPC_RESOURCE_NOT_FOUND_2025 = -32002;

export interface ShapeOptions {
  /** The backend's serverInfo, stamped into result `_meta` (Basic, `_meta`: SHOULD on every result). */
  serverInfo?: { name: string; version: string } | undefined;
  /** The route's hint for this method, used when the backend gave no valid one. */
  cache?: CacheHint | undefined;
  /** The request carried inputResponses/requestState: its result MUST NOT be cached (Caching). */
  retry?: boolean;
  /** The answer depends on who asks (a per-principal tool filter): never `public`. */
  forcePrivate?: boolean;
}

export function validCacheHint(r: Record<string, unknown>): CacheHint | undefined {
  const { ttlMs, cacheScope } = r;
  if (typeof ttlMs !== 'number' || !Number.isInteger(ttlMs) || ttlMs < 0) return undefined;
  if (cacheScope !== 'public' && cacheScope !== 'private') return undefined;
  return { ttlMs, cacheScope };
}

function resultTypeOf(method: string, r: Record<string, unknown>): ResultType {
  // MCP 2026-07-28, Multi Round-Trip Requests: only tools/call, prompts/get, resources/read may ask for input.
  return r.resultType === 'input_required' && MRTR_METHODS.has(method) ? 'input_required' : 'complete';
}

/** MCP 2026-07-28, Basic, Result Responses: every result carries resultType; cacheable ones carry hints. */
export function shapeResult(method: string, result: Record<string, unknown>, opts: ShapeOptions = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...result, resultType: resultTypeOf(method, result) };
  if (out.resultType === 'input_required') {
    delete out.ttlMs;
    delete out.cacheScope;
  } else if (CACHEABLE_METHODS.has(method)) {
    let hint = opts.retry === true ? DEFAULT_CACHE_HINT : (validCacheHint(result) ?? opts.cache ?? DEFAULT_CACHE_HINT);
    if (opts.forcePrivate === true && hint.cacheScope === 'public') hint = { ttlMs: hint.ttlMs, cacheScope: 'private' };
    out.ttlMs = hint.ttlMs;
    out.cacheScope = hint.cacheScope;
  }
  const meta = typeof result._meta === 'object' && result._meta !== null ? (result._meta as Record<string, unknown>) : undefined;
  if (opts.serverInfo !== undefined && meta?.[META_SERVER_INFO] === undefined) out._meta = { ...meta, [META_SERVER_INFO]: opts.serverInfo };
  return out;
}

/**
 * A backend's error as a 2026-07-28 error: -32002 becomes -32602, and a resources/read not-found
 * names its URI (MCP 2026-07-28, Server, Resources, Error Handling: -32602 SHOULD carry data.uri).
 */
export function shapeError(method: string, params: Record<string, unknown> | undefined, error: JsonRpcErrorObject): JsonRpcErrorObject {
  const notFound = error.code === RPC_RESOURCE_NOT_FOUND_2025;
  if (!notFound && !(method === 'resources/read' && error.code === RPC_INVALID_PARAMS)) return error;
  const uri = method === 'resources/read' && typeof params?.uri === 'string' ? params.uri : undefined;
  const data = typeof error.data === 'object' && error.data !== null && !Array.isArray(error.data) ? (error.data as Record<string, unknown>) : {};
  const out: JsonRpcErrorObject = { ...error, code: RPC_INVALID_PARAMS };
  if (uri !== undefined && data.uri === undefined) out.data = { ...data, uri };
  return out;
}

/**
 * The HTTP status of a modern answer while the response is uncommitted (the TS SDK v2 server's
 * in-band rule): 404 for -32601 (Streamable HTTP, Protocol Version Header), 400 for -32021
 * wherever it arises, 200 for everything else. Once a stream has started the status is already 200.
 */
export function answerStatus(error: JsonRpcErrorObject | undefined, committed = false): number {
  if (committed || error === undefined) return 200;
  if (error.code === RPC_METHOD_NOT_FOUND) return 404;
  if (error.code === RPC_MISSING_CLIENT_CAPABILITY) return 400;
  return 200;
}

/**
 * The params a legacy backend receives for a modern request: the spec's envelope keys, inputResponses
 * and requestState removed; everything else (progressToken, trace context, vendor `_meta`) kept.
 * Returns the same object when there is nothing to remove.
 */
export function stripEnvelope(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (params === undefined) return undefined;
  const meta = typeof params._meta === 'object' && params._meta !== null ? (params._meta as Record<string, unknown>) : undefined;
  const metaKeys = meta === undefined ? [] : Object.keys(meta).filter((k) => k.startsWith(ENVELOPE_PREFIX));
  if (metaKeys.length === 0 && !('inputResponses' in params) && !('requestState' in params)) return params;
  const out: Record<string, unknown> = { ...params };
  delete out.inputResponses;
  delete out.requestState;
  if (meta !== undefined && metaKeys.length > 0) {
    const m = { ...meta };
    for (const k of metaKeys) delete m[k];
    if (Object.keys(m).length === 0) delete out._meta;
    else out._meta = m;
  }
  return out;
}
