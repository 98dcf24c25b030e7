// WWW-Authenticate challenges (RFC 6750 §3; MCP authorization: a 401 names the Protected Resource
// Metadata, RFC 9728 §5.1, and the scopes the client should ask for). Pure.

export interface BearerChallenge {
  resourceMetadata?: string;
  scope?: readonly string[];
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  description?: string;
  realm?: string;
}

/** An auth-param value as a quoted-string: backslash and double quote escaped (RFC 9110 §5.6.4). */
function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function bearerChallenge(c: BearerChallenge): string {
  const params: string[] = [];
  if (c.realm !== undefined) params.push(`realm=${quoted(c.realm)}`);
  if (c.error !== undefined) params.push(`error=${quoted(c.error)}`);
  if (c.description !== undefined) params.push(`error_description=${quoted(c.description)}`);
  if (c.scope !== undefined && c.scope.length > 0) params.push(`scope=${quoted(c.scope.join(' '))}`);
  if (c.resourceMetadata !== undefined) params.push(`resource_metadata=${quoted(c.resourceMetadata)}`);
  return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`;
}

/** The credential in `Authorization: Bearer <token>` (scheme case-insensitive), or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const m = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization);
  return m ? m[1] : undefined;
}
