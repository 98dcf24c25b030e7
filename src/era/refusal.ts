// A refusal on the 2026-07-28 face as a value: the catalogue code, a reason, a message and the
// error.data the spec defines for it. Pure: the face turns it into a ProxyError (errorId, log line)
// and answers with `refusalAnswer`.
import { ERROR_CATALOGUE, modernRpcCode, type ErrorCode } from '../errors/catalogue.js';
import { errorResponse, type JsonRpcId, type JsonRpcResponse } from '../jsonrpc/message.js';

export interface Refusal {
  code: ErrorCode;
  /** snake_case, for logs and metrics. */
  reason: string;
  /** A lowercase sentence for humans. */
  message: string;
  /** Spec-defined error.data fields (e.g. `supported`/`requested` for -32022). */
  data?: Record<string, unknown>;
  /** The config key of the bound that refused it (frontdoor_limit_hits_total), if a bound did. */
  limit?: string;
}

export interface RefusalAnswer {
  status: number;
  body: JsonRpcResponse;
}

export function refusal(code: ErrorCode, reason: string, message: string, data?: Record<string, unknown>): Refusal {
  return data === undefined ? { code, reason, message } : { code, reason, message, data };
}

/**
 * The HTTP status and JSON-RPC body of a refusal. The id is the request's whenever it could be read
 * (MCP 2026-07-28, Basic, Error Responses); our taxonomy rides in error.data beside the spec's fields.
 */
export function refusalAnswer(r: Refusal, id: JsonRpcId | null, errorId: string): RefusalAnswer {
  const data = { ...r.data, code: r.code, reason: r.reason, errorId };
  return { status: ERROR_CATALOGUE[r.code].status, body: errorResponse(id, modernRpcCode(r.code), r.message, data) };
}

export function isRefusal(v: unknown): v is Refusal {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.code === 'string' && typeof r.reason === 'string' && typeof r.message === 'string';
}
