// Turns HTTP answers and network failures of a backend into ProxyErrors with a reason a user can act
// on. What the client sees names the HTTP status and the route (added where the route is known),
// never the backend's internal URL or its answer body: an HTML error page or a stack trace may hold
// internals, and the client is not the backend's operator. Those go to the log line (`detail`) that
// carries the same errorId.
import { ProxyError } from '../errors/proxy-error.js';
import type { ErrorCode } from '../errors/catalogue.js';

/** The start of an answer body, on one line, for the log. */
export function bodySnippet(body: string): string {
  return body.replace(/\s+/g, ' ').trim().slice(0, 300);
}

function detailOf(what: string, body: string): string {
  const snippet = bodySnippet(body);
  return snippet ? `${what}: ${snippet}` : what;
}

/** `what` names the request for the log, e.g. "POST http://10.0.0.7:9121/messages?…". */
export function backendHttpError(status: number, what: string, body: string, wwwAuthenticate?: string): ProxyError {
  const detail = detailOf(`${what} → HTTP ${status}`, body);
  if (status === 401 || status === 403) {
    // Never relayed as 401/403: clients would start an OAuth flow against a proxy that has none.
    return new ProxyError(
      'ERR_BACKEND_AUTH',
      'backend_auth_failed',
      `the backend refused the request with HTTP ${status}: it needs credentials the proxy does not hold (set backend headers, or auth.mode: passthrough if it runs its own OAuth)`,
      {
        upstream: { status, ...(wwwAuthenticate ? { wwwAuthenticate } : {}) },
        detail,
      },
    );
  }
  if (status === 404 || status === 410) {
    // Where no backend session was involved (opening the SSE stream, a session-less POST), a 404 says
    // the URL names nothing: a config error, not a lost session. Callers that sent a session decide
    // otherwise (backendSessionLost).
    return new ProxyError('ERR_BACKEND_NOT_FOUND', 'backend_not_found', `the backend answered HTTP ${status} (is the route's backend url right?)`, { detail });
  }
  return new ProxyError('ERR_BACKEND_REJECTED', 'backend_http_error', `the backend answered HTTP ${status}`, { detail });
}

export function networkError(e: unknown, what: string, code: ErrorCode = 'ERR_BACKEND_UNAVAILABLE'): ProxyError {
  const err = e as { code?: string; message?: string; cause?: { code?: string } };
  const cause = err.cause?.code ?? err.code ?? err.message ?? String(e);
  const detail = `${what} failed: ${cause}`;
  if (cause === 'ERR_BACKEND_HTTP_TIMEOUT') {
    return new ProxyError('ERR_BACKEND_TIMEOUT', 'backend_timeout', 'the backend did not answer in time', { cause: e, detail });
  }
  // The error code (ECONNREFUSED, ECONNRESET…) says what went wrong without saying where.
  const shown = /^E[A-Z_]+$/.test(cause) ? ` (${cause})` : '';
  if (code === 'ERR_BACKEND_DISCONNECTED') {
    return new ProxyError(code, 'backend_stream_broken', `the connection to the backend broke${shown}`, { cause: e, detail });
  }
  return new ProxyError(code, 'backend_unreachable', `the backend is unreachable${shown}`, { cause: e, detail });
}

/** A 404/410 to a request that carried a backend session: the backend no longer knows that session. */
export function backendSessionLost(status: number, what: string): ProxyError {
  return new ProxyError(
    'ERR_BACKEND_SESSION_LOST',
    'backend_session_expired',
    `the backend no longer knows this session (HTTP ${status}); the proxy starts a new one`,
    {
      detail: `${what} → HTTP ${status}`,
    },
  );
}
