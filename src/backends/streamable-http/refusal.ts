// What a Streamable HTTP backend's refusal (a non-2xx answer) means, as a ProxyError. Pure.
import { ProxyError } from '../../errors/proxy-error.js';
import { backendHttpError } from '../http-errors.js';

/**
 * `ERR_BACKEND_SESSION_LOST` means the backend no longer knows the session we sent: the channel is
 * over and the session must re-initialize. 404 is the spec's answer for an ended session
 * (2025-11-25 L211-212); the SDK's example servers, and the many servers copied from them, answer
 * 400 "No valid session ID provided" instead, so a 400 that talks about the session counts too.
 * 401/403 become ERR_BACKEND_AUTH (never relayed as such: clients would start OAuth against us).
 */
export function refusalError(status: number, body: string, what: string, wwwAuthenticate: string | undefined, sentWithSession: boolean): ProxyError {
  if (sentWithSession && (status === 404 || status === 410 || (status === 400 && /session/i.test(body)))) {
    return new ProxyError('ERR_BACKEND_SESSION_LOST', 'backend_session_expired', `the backend no longer knows this session (HTTP ${status} on ${what}); the proxy starts a new one`);
  }
  if (status === 404 || status === 410) {
    const snippet = body.replace(/\s+/g, ' ').trim().slice(0, 160);
    return new ProxyError('ERR_BACKEND_REJECTED', 'backend_not_found', `the backend answered ${what} with HTTP ${status} (is this its MCP endpoint?)${snippet ? `: ${snippet}` : ''}`);
  }
  return backendHttpError(status, what, body, wwwAuthenticate);
}
