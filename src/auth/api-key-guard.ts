// auth.mode apiKey: static keys, sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`.
// Compared in constant time: both sides are hashed first (equal lengths for timingSafeEqual) and
// every key is compared, so timing tells neither which key nor how much of it matched. Keys are
// never logged: the principal is a fingerprint. A 401 here carries no OAuth metadata: clients
// configure the header (`claude mcp add --header`), there is no flow to start.
import type { IncomingMessage } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ProxyError } from '../errors/proxy-error.js';
import type { Metrics } from '../observability/metrics.js';
import type { Guard } from './guard.js';
import { bearerChallenge } from './challenge.js';
import { fingerprint, NO_SCOPES, type Principal } from './principal.js';

const REALM = 'mcp-frontdoor';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The key a request presents: X-API-Key wins over Authorization (a client may send both). */
function presentedKey(req: IncomingMessage): string | undefined {
  const header = req.headers['x-api-key'];
  const direct = Array.isArray(header) ? header[0] : header;
  if (direct !== undefined && direct.trim() !== '') return direct.trim();
  const m = /^bearer\s+(.+)$/i.exec(req.headers.authorization?.trim() ?? '');
  return m ? m[1]!.trim() : undefined;
}

export function createApiKeyGuard(keys: readonly string[], route: string, metrics: Metrics): Guard {
  const digests = keys.map(digest);
  const principals: Principal[] = keys.map((k) => {
    const fp = fingerprint(k, 12);
    return { id: `key:${fp}`, label: `key ${fp}`, scopes: NO_SCOPES };
  });
  const refuse = (reason: string, sent: boolean) => {
    metrics.inc('frontdoor_auth_failures_total', { route, reason });
    return new ProxyError(
      sent ? 'ERR_AUTH_INVALID' : 'ERR_AUTH_REQUIRED',
      reason,
      sent ? 'Unauthorized: the API key is not valid for this route' : 'Unauthorized: this route needs an API key (Authorization: Bearer <key> or X-API-Key)',
      { headers: { 'www-authenticate': bearerChallenge({ realm: REALM, ...(sent ? { error: 'invalid_token' as const } : {}) }) } },
    );
  };
  return {
    mode: 'apiKey',
    authenticate(req) {
      const key = presentedKey(req);
      if (key === undefined) throw refuse('credentials_missing', false);
      const d = digest(key);
      let match = -1;
      for (let i = 0; i < digests.length; i++) if (timingSafeEqual(d, digests[i]!) && match < 0) match = i;
      if (match < 0) throw refuse('invalid_key', true);
      return principals[match];
    },
    insufficientScope: () => new ProxyError('ERR_AUTH_SCOPE', 'insufficient_scope', 'Forbidden: API keys carry no scopes'),
    close: () => undefined,
  };
}
