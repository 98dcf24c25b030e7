// The paths the OAuth passthrough relay asks a backend for. They are rebuilt from the classified
// probe, never copied from the request: registration, token and authorize endpoints and the
// protected resource metadata are fixed paths; authorization server and OpenID metadata keep their
// issuer path (`/.well-known/openid-configuration/realms/x`, `/realms/x/.well-known/…`) only when
// every segment of it is plain, with empty segments and a trailing slash dropped. Anything else is
// not relayed: the edge answers 400 (ERR_BAD_PATH). Pure.
import type { OAuthProbe } from '../http/oauth-probes.js';

const PRM = '/.well-known/oauth-protected-resource';
const ISSUER_DOCUMENTS = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'];
/**
 * Unreserved characters and percent-encoded octets, except `.` `/` `\` (dot segments and slashes
 * in disguise), `%` (a second round of decoding) and NUL. Issuer paths (Keycloak realms, tenant
 * ids, `v2.0`) fit.
 */
const PLAIN_SEGMENT = /^(?:[A-Za-z0-9\-._~]|%(?!2[eEfF]|5[cC]|25|00)[0-9A-Fa-f]{2})+$/;

/**
 * The backend path for an OAuth request to the proxy, or undefined when the proxy does not relay
 * it. `backendResourcePath` is the path of the backend's MCP URL (the resource its PRM names).
 */
export function oauthRelayPath(probe: OAuthProbe, path: string, backendResourcePath: string): string | undefined {
  if (probe.kind === 'endpoint') return probe.endpoint; // /tools/register → /register on the backend's origin
  if (path === PRM || path.startsWith(`${PRM}/`)) {
    // Path-suffixed PRM names the resource: ours is the route's /mcp, the backend's is its own path.
    return path.length > PRM.length ? `${PRM}${backendResourcePath === '/' ? '' : backendResourcePath}` : PRM;
  }
  for (const doc of ISSUER_DOCUMENTS) {
    if (path === doc) return doc;
    if (path.startsWith(`${doc}/`)) {
      const suffix = plainPath(path.slice(doc.length));
      return suffix === undefined ? undefined : `${doc}${suffix}`;
    }
    if (path.endsWith(doc)) {
      const prefix = plainPath(path.slice(0, -doc.length));
      return prefix === undefined ? undefined : `${prefix}${doc}`;
    }
  }
  return undefined;
}

/** `/a//b/` → `/a/b`, `` → ``; undefined when a segment is not plain or is only dots. */
function plainPath(p: string): string | undefined {
  const segments = p.split('/').filter((s) => s !== '');
  if (!segments.every((s) => PLAIN_SEGMENT.test(s) && !/^\.+$/.test(s))) return undefined;
  return segments.map((s) => `/${s}`).join('');
}
