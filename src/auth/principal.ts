// Who a credential speaks for, so that a session stays with the principal that opened it: a request
// on a session with another principal's credential is refused (403), whatever the session id.
// - A JWT-shaped bearer token: its issuer and subject, read WITHOUT verifying the signature. On a
//   passthrough route the backend verifies every token itself (each request carries its own), so a
//   forged token gains nothing here; and reading the claims lets the binding survive token refresh,
//   when the same user presents a new token.
// - Anything else (opaque tokens, API keys, Basic): a hash of the whole value. A new opaque token is
//   a new principal: the client must open a new session after a refresh.
// Pure; the credential itself is never kept or logged.
import { createHash } from 'node:crypto';

function jwtClaims(token: string): { iss?: unknown; sub?: unknown } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1]!.length === 0 || parts[1]!.length > 8192) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    return typeof claims === 'object' && claims !== null ? (claims as { iss?: unknown; sub?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

export function principalOf(authorization: string): string {
  const m = /^bearer\s+(\S+)$/i.exec(authorization.trim());
  const claims = m ? jwtClaims(m[1]!) : undefined;
  if (claims && typeof claims.sub === 'string') return `jwt:${String(claims.iss ?? '')}|${claims.sub}`;
  return `hash:${createHash('sha256').update(authorization).digest('base64url')}`;
}
