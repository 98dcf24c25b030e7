// Who a request speaks for. A session belongs to the principal that opened it: a request on it with
// another principal's credential is refused (403), whatever the session id.
//  - auth.mode oauth: the token's issuer, subject and client (verified);
//  - auth.mode apiKey: a fingerprint of the key (verified);
//  - auth.mode passthrough: read from the credential WITHOUT verifying it. The backend verifies every
//    token itself (each request carries its own), so a forged token gains nothing here; reading the
//    claims lets the binding survive token refresh. Anything not JWT-shaped (opaque tokens, Basic) is
//    a hash of the whole value: a new opaque token is a new principal.
// The credential itself is never logged, and kept only in passthrough (the backend needs it).
import { createHash } from 'node:crypto';

export interface Principal {
  /** What a session is bound to and a store record keeps: never a secret. */
  readonly id: string;
  /** For log and audit lines: the subject, or a key's fingerprint. */
  readonly label: string;
  /** Scopes the credential grants (oauth); empty otherwise. */
  readonly scopes: ReadonlySet<string>;
  /** auth.mode passthrough only: the client's Authorization header, sent to the backend. */
  readonly credential?: string;
}

export const NO_SCOPES: ReadonlySet<string> = new Set();

/** SHA-256, base64url, cut to `chars`: enough to tell values apart, never enough to recover one. */
export function fingerprint(value: string, chars = 16): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, chars);
}

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

/** auth.mode passthrough: the principal a credential claims to be (unverified; see above). */
export function passthroughPrincipal(authorization: string): Principal {
  const m = /^bearer\s+(\S+)$/i.exec(authorization.trim());
  const claims = m ? jwtClaims(m[1]!) : undefined;
  if (claims && typeof claims.sub === 'string') {
    return { id: `jwt:${String(claims.iss ?? '')}|${claims.sub}`, label: claims.sub, scopes: NO_SCOPES, credential: authorization };
  }
  const hash = createHash('sha256').update(authorization).digest('base64url');
  return { id: `hash:${hash}`, label: `credential ${hash.slice(0, 8)}`, scopes: NO_SCOPES, credential: authorization };
}
