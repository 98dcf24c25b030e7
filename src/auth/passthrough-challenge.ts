// The 401/403 a client gets on a route whose backend runs its own OAuth (auth.mode: passthrough),
// with the WWW-Authenticate challenge pointing at the proxy's Protected Resource Metadata, so the
// client's OAuth flow runs against the URL it connected to (MCP authorization: a 401 names the
// resource metadata). Elsewhere a backend's refusal stays a 502: clients must never start OAuth
// against a proxy that has none. Pure.
import { rewriteWwwAuthenticate } from './oauth-rewrite.js';
import type { ProxyError } from '../errors/proxy-error.js';

export function passthroughChallenge(err: ProxyError, prmUrl: string | undefined): { status: number; headers: Record<string, string> } | undefined {
  if (prmUrl === undefined) return undefined;
  const fresh = `Bearer resource_metadata="${prmUrl}"`;
  // The proxy asks for a credential itself: a request without one never reaches the backend.
  if (err.code === 'ERR_AUTH_REQUIRED') return { status: 401, headers: { 'www-authenticate': fresh } };
  // The backend refused the credential: its status and challenge, pointed at the proxy.
  if (err.code === 'ERR_BACKEND_AUTH' && err.upstream) {
    const header = err.upstream.wwwAuthenticate ? rewriteWwwAuthenticate(err.upstream.wwwAuthenticate, prmUrl) : fresh;
    return { status: err.upstream.status, headers: { 'www-authenticate': header } };
  }
  return undefined;
}
