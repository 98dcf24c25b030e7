// The one local error type. `reason` is a snake_case word for logs and metrics; `message` is a
// lowercase sentence for humans that names what was expected (design §7, §8).
import { randomBytes } from 'node:crypto';
import { ERROR_CATALOGUE, type ErrorCode } from './catalogue.js';
import { errorResponse, type JsonRpcId, type JsonRpcResponse } from '../jsonrpc/message.js';

export class ProxyError extends Error {
  readonly code: ErrorCode;
  readonly reason: string;
  /** Short id shared by the log line and the client's error.data, to find one in the other. */
  readonly errorId: string;
  /** Extra wire headers (e.g. `Allow` on 405). */
  readonly headers: Record<string, string> | undefined;
  /** What the backend answered, when the error is its HTTP refusal (auth passthrough relays a 401). */
  readonly upstream: { status: number; wwwAuthenticate?: string } | undefined;

  constructor(
    code: ErrorCode,
    reason: string,
    message: string,
    opts: { cause?: unknown; headers?: Record<string, string>; upstream?: { status: number; wwwAuthenticate?: string } } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProxyError';
    this.code = code;
    this.reason = reason;
    this.errorId = randomBytes(6).toString('hex');
    this.headers = opts.headers;
    this.upstream = opts.upstream;
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }

  toJsonRpc(id: JsonRpcId | null): JsonRpcResponse {
    return errorResponse(id, ERROR_CATALOGUE[this.code].rpcCode, this.message, {
      code: this.code,
      reason: this.reason,
      errorId: this.errorId,
    });
  }
}

export function isProxyError(e: unknown): e is ProxyError {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'ProxyError' && 'code' in e;
}

/** Wraps anything thrown into a ProxyError, keeping ProxyErrors as they are. */
export function toProxyError(e: unknown, code: ErrorCode = 'ERR_INTERNAL', reason = 'internal_error'): ProxyError {
  if (isProxyError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new ProxyError(code, reason, message, { cause: e });
}
