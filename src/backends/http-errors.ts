// Turns HTTP answers and network failures of a backend into ProxyErrors with a reason a user can act on.
import { ProxyError } from '../errors/proxy-error.js';
import type { ErrorCode } from '../errors/catalogue.js';

export function backendHttpError(status: number, what: string, body: string, wwwAuthenticate?: string): ProxyError {
  const snippet = body.replace(/\s+/g, ' ').trim().slice(0, 160);
  const tail = snippet ? `: ${snippet}` : '';
  if (status === 401 || status === 403) {
    // Never relayed as 401/403: clients would start an OAuth flow against us (spec notes §5.1).
    return new ProxyError('ERR_BACKEND_AUTH', 'backend_auth_failed', `the backend refused ${what} with HTTP ${status} (it needs credentials the proxy does not hold; set backend headers, or auth.mode: passthrough if it runs its own OAuth)${tail}`, {
      upstream: { status, ...(wwwAuthenticate ? { wwwAuthenticate } : {}) },
    });
  }
  if (status === 404 || status === 410) {
    return new ProxyError('ERR_BACKEND_SESSION_LOST', 'backend_not_found', `the backend answered ${what} with HTTP ${status}${tail}`);
  }
  return new ProxyError('ERR_BACKEND_REJECTED', 'backend_http_error', `the backend answered ${what} with HTTP ${status}${tail}`);
}

export function networkError(e: unknown, what: string, code: ErrorCode = 'ERR_BACKEND_UNAVAILABLE'): ProxyError {
  const err = e as { code?: string; message?: string; cause?: { code?: string } };
  const detail = err.cause?.code ?? err.code ?? err.message ?? String(e);
  if (detail === 'ERR_BACKEND_HTTP_TIMEOUT') {
    return new ProxyError('ERR_BACKEND_TIMEOUT', 'backend_timeout', `${what} timed out (${detail})`, { cause: e });
  }
  const reason = code === 'ERR_BACKEND_DISCONNECTED' ? 'backend_stream_broken' : 'backend_unreachable';
  return new ProxyError(code, reason, `${what} failed: ${detail}`, { cause: e });
}
