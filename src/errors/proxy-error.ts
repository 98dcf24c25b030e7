// The one local error type. `reason` is a snake_case word for logs and metrics; `message` is a
// lowercase sentence for humans that names what was expected (docs/architecture.md, Errors).
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
  /** The `limits.*` key that refused the request, counted in frontdoor_limit_hits_total. */
  readonly limit: string | undefined;
  /**
   * What only the log may show: a backend's answer body, its internal URL, a stdio server's stderr.
   * Clients see `message`, which names the route and the status but never backend internals.
   */
  readonly detail: string | undefined;
  /** The route it happened on; set by whoever knows it, shown to the client in the message. */
  route: string | undefined;

  constructor(
    code: ErrorCode,
    reason: string,
    message: string,
    opts: { cause?: unknown; headers?: Record<string, string>; upstream?: { status: number; wwwAuthenticate?: string }; limit?: string; detail?: string } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProxyError';
    this.code = code;
    this.reason = reason;
    this.errorId = randomBytes(6).toString('hex');
    this.headers = opts.headers;
    this.upstream = opts.upstream;
    this.limit = opts.limit;
    this.detail = opts.detail;
    this.route = undefined;
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }

  toJsonRpc(id: JsonRpcId | null): JsonRpcResponse {
    const message = this.route === undefined ? this.message : `${this.message} (route ${this.route})`;
    return errorResponse(id, ERROR_CATALOGUE[this.code].rpcCode, message, {
      code: this.code,
      reason: this.reason,
      errorId: this.errorId,
      ...(this.route === undefined ? {} : { route: this.route }),
    });
  }

  /** The fields of the one log line about this error (the client's errorId is in it). */
  logFields(): Record<string, unknown> {
    return {
      reason: this.reason,
      code: this.code,
      errorId: this.errorId,
      status: this.status,
      ...(this.route === undefined ? {} : { route: this.route }),
      ...(this.limit === undefined ? {} : { limit: this.limit }),
      ...(this.detail === undefined ? {} : { detail: this.detail }),
    };
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
