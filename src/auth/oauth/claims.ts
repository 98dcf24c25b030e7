// The principal an access token speaks for, from its claims. Pure.
//  - subject: `sub` (for client_credentials tokens RFC 9068 puts the client id there);
//  - client: `azp` (OIDC), `client_id` (RFC 9068, RFC 7662) or `appid` (Entra ID v1 tokens);
//  - scopes: `scope`, space-separated (RFC 9068, RFC 7662), and/or `scp`, a list or a string
//    (Okta, Entra ID).
import type { JWTPayload } from 'jose';
import type { Principal } from '../principal.js';

function words(v: unknown): string[] {
  if (typeof v === 'string') return v.split(' ').filter((w) => w !== '');
  if (Array.isArray(v)) return v.filter((w): w is string => typeof w === 'string');
  return [];
}

export function principalOfClaims(claims: JWTPayload & Record<string, unknown>, issuer: string): Principal {
  const client = [claims.azp, claims.client_id, claims.appid].find((v): v is string => typeof v === 'string');
  const subject = typeof claims.sub === 'string' ? claims.sub : (client ?? '');
  const iss = typeof claims.iss === 'string' ? claims.iss : issuer;
  return {
    id: `oauth:${iss}|${subject}|${client ?? ''}`,
    label: client !== undefined && client !== subject ? `${subject} (client ${client})` : subject,
    scopes: new Set([...words(claims.scope), ...words(claims.scp)]),
  };
}
