// The oauth guard, loaded when an oauth route is created rather than when the proxy starts: jose and
// the verification code are ~3.6 MB of heap that routes without OAuth never need (docs/performance.md).
// The load starts at once; a request that comes before it finished waits for it.
import type { Guard } from '../guard.js';
import type { OAuthGuardOptions } from './oauth-guard.js';

export function createLazyOAuthGuard(o: OAuthGuardOptions): Guard {
  let real: Guard | undefined;
  let closed = false;
  const loading = import('./oauth-guard.js').then((m) => {
    real = m.createOAuthGuard(o);
    if (closed) real.close();
    return real;
  });
  // A failed load surfaces on the first request (authenticate rejects), never as an unhandled rejection.
  loading.catch(() => undefined);
  return {
    mode: 'oauth',
    authenticate: (req, target) => (real ? real.authenticate(req, target) : loading.then((g) => g.authenticate(req, target))),
    insufficientScope(target, scopes) {
      // Only asked after authenticate accepted a token, so the guard is loaded by then.
      if (!real) throw new Error('the oauth guard is not loaded yet');
      return real.insufficientScope(target, scopes);
    },
    close() {
      closed = true;
      real?.close();
    },
  };
}
