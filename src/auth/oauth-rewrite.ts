// URL rewriting for a backend that runs its own OAuth, seen through the proxy (see
// docs/protocol-rules.md, Authorization): clients check that Protected Resource Metadata names the
// URL they connected to (TS SDK `checkResourceAllowed`: same origin and path prefix), and that AS
// metadata's `issuer` matches the URL they fetched it from (RFC 8414 §3.3). So the backend's own URLs
// become the proxy's public ones; an authorization server on another origin is left alone. Pure.

export interface OAuthRewrite {
  /** The backend's origin, e.g. http://127.0.0.1:9121 */
  backendOrigin: string;
  /** The proxy's public origin, e.g. https://mcp.example.com */
  proxyOrigin: string;
  /** The proxy's public MCP URL of the route, e.g. https://mcp.example.com/tools/mcp */
  proxyResource: string;
}

/** Replaces the backend origin at the start of every string value, recursively. */
function rebase(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return value === from || value.startsWith(`${from}/`) || value.startsWith(`${from}?`) ? to + value.slice(from.length) : value;
  if (Array.isArray(value)) return value.map((v) => rebase(v, from, to));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = rebase(v, from, to);
    return out;
  }
  return value;
}

/** RFC 9728 Protected Resource Metadata: `resource` is the proxy's MCP URL. */
export function rewriteProtectedResourceMetadata(doc: Record<string, unknown>, r: OAuthRewrite): Record<string, unknown> {
  const out = rebase(doc, r.backendOrigin, r.proxyOrigin) as Record<string, unknown>;
  out.resource = r.proxyResource;
  return out;
}

/** RFC 8414 / OIDC metadata: only rewritten when the backend is its own authorization server. */
export function rewriteAuthorizationServerMetadata(doc: Record<string, unknown>, r: OAuthRewrite): Record<string, unknown> {
  const issuer = typeof doc.issuer === 'string' ? doc.issuer : '';
  if (!(issuer === r.backendOrigin || issuer.startsWith(`${r.backendOrigin}/`))) return doc;
  return rebase(doc, r.backendOrigin, r.proxyOrigin) as Record<string, unknown>;
}

/** `WWW-Authenticate: Bearer resource_metadata="…"` points at the proxy's own PRM URL. */
export function rewriteWwwAuthenticate(header: string, prmUrl: string): string {
  return header.replace(/resource_metadata="[^"]*"/g, `resource_metadata="${prmUrl}"`);
}

/** The proxy's path-suffixed PRM URL for an MCP URL (RFC 9728 §3.1). */
export function protectedResourceMetadataUrl(resource: string): string {
  const u = new URL(resource);
  return `${u.origin}/.well-known/oauth-protected-resource${u.pathname === '/' ? '' : u.pathname}`;
}
