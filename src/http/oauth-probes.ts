// Answers for the OAuth discovery probes clients send to servers that use no authorization
// (docs/protocol-rules.md, Authorization). A plain-text or HTML 404 there makes Claude Code and
// other TS-SDK clients fail with "HTTP 404: Invalid OAuth error response", and the user goes
// hunting for an OAuth problem that does not exist. JSON bodies with a clear `error_description`
// end the probe cleanly. No fake metadata document is ever served: it would start a flow that
// cannot complete. Pure.

const WELL_KNOWN = ['/.well-known/oauth-protected-resource', '/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'];
const OAUTH_ENDPOINTS = ['/register', '/token', '/authorize'];

export const NO_AUTH_DESCRIPTION = 'This MCP server does not use OAuth: no authorization is required. Connect without authentication.';

export type OAuthProbe = { kind: 'metadata' } | { kind: 'endpoint'; endpoint: string };

/** Classifies a path as an OAuth probe; `prefixes` are the route prefixes ("/" or "/tools"). */
export function classifyOAuthProbe(path: string, prefixes: readonly string[]): OAuthProbe | undefined {
  // RFC 8414 / RFC 9728 / OIDC: /.well-known/<name> and /.well-known/<name>/<resource path>
  for (const w of WELL_KNOWN) if (path === w || path.startsWith(`${w}/`)) return { kind: 'metadata' };
  // OIDC's path-appended form: /<path>/.well-known/openid-configuration (and the same for RFC 8414)
  if (path.endsWith('/.well-known/openid-configuration') || path.endsWith('/.well-known/oauth-authorization-server')) return { kind: 'metadata' };
  // The default endpoints a TS-SDK client falls back to when metadata is absent (MCP 2025-03-26,
  // Authorization), at the origin or under a route prefix.
  for (const prefix of prefixes) {
    for (const e of OAUTH_ENDPOINTS) {
      const full = prefix === '/' ? e : `${prefix}${e}`;
      if (path === full || path === e) return { kind: 'endpoint', endpoint: e };
    }
  }
  return undefined;
}

const DESCRIPTIONS = {
  none: NO_AUTH_DESCRIPTION,
  passthrough: NO_AUTH_DESCRIPTION,
  apiKey: 'This MCP server uses an API key, not OAuth: send Authorization: Bearer <key> or X-API-Key: <key>.',
  mixed: "This proxy's routes authorize differently: connect to the MCP endpoint you want; a 401 from it says how (its resource_metadata, or an API key).",
  oauth:
    'This MCP server is an OAuth protected resource: its authorization server is named in the Protected Resource Metadata that the resource_metadata parameter of its 401 WWW-Authenticate header points to.',
} as const;

export function oauthProbeBody(probe: OAuthProbe, mode: keyof typeof DESCRIPTIONS = 'none'): { error: string; error_description: string } {
  // RFC 6749 §5.2 error shape for the endpoints, so clients print the description.
  return { error: probe.kind === 'metadata' ? 'not_found' : 'invalid_request', error_description: DESCRIPTIONS[mode] };
}
