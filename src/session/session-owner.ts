// Which principal a session belongs to (auth/principal.ts), checked on every request. On a route with
// authorization, a request without a principal is refused with 401 (the proxy never falls back to a
// credential from an earlier request), and one with another principal with 403. In passthrough the
// latest credential is kept for the proxy's own backend requests on the session's behalf (stream
// opens, replayed handshakes).
import { ProxyError } from '../errors/proxy-error.js';
import type { Principal } from '../auth/principal.js';

export class SessionOwner {
  private bound: string | undefined;
  private principal: Principal | undefined;

  /** `bound`: the principal of a session re-created from its store record (a takeover). */
  constructor(bound?: string) {
    this.bound = bound;
  }

  get id(): string | undefined {
    return this.bound;
  }

  get label(): string | undefined {
    return this.principal?.label;
  }

  /** Checks one request's principal; undefined when the request may go on. The first one binds. */
  check(principal: Principal | undefined): ProxyError | undefined {
    if (principal === undefined) {
      return new ProxyError(
        'ERR_AUTH_REQUIRED',
        'credentials_missing',
        'Unauthorized: this route needs authorization; every request must carry an Authorization header',
      );
    }
    if (this.bound !== undefined && principal.id !== this.bound) {
      return new ProxyError(
        'ERR_PRINCIPAL_MISMATCH',
        'principal_mismatch',
        'Forbidden: this session belongs to another principal; initialize a session of your own',
      );
    }
    this.bound = principal.id;
    this.principal = principal;
    return undefined;
  }

  /** Passthrough: the latest credential, for the proxy's own requests on the session's behalf. */
  credential(): string | undefined {
    return this.principal?.credential;
  }
}
