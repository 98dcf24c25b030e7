// What a Streamable HTTP backend's refusal (a non-2xx answer) means, as a ProxyError. Pure.
import { backendHttpError, backendSessionLost } from '../http-errors.js';
import type { ProxyError } from '../../errors/proxy-error.js';

/**
 * `ERR_BACKEND_SESSION_LOST` means the backend no longer knows the session we sent: the channel is
 * over and the session must re-initialize. 404 is the spec's answer for an ended session (MCP
 * 2025-11-25, Streamable HTTP, Session Management); the SDK's example servers, and the many servers
 * copied from them, answer 400 "No valid session ID provided" instead, so a 400 that talks about the
 * session counts too.
 * 401/403 become ERR_BACKEND_AUTH (never relayed as such: clients would start OAuth against us).
 */
export function refusalError(status: number, body: string, what: string, wwwAuthenticate: string | undefined, sentWithSession: boolean): ProxyError {
  if (sentWithSession && (status === 404 || status === 410 || (status === 400 && /session/i.test(body)))) return backendSessionLost(status, what);
  return backendHttpError(status, what, body, wwwAuthenticate);
}
