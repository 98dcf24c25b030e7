// Auth passthrough, per session: which principal the session belongs to, and the latest credential
// it presented. Every client request must carry its own credential (a request without one is refused
// with 401: the proxy never falls back to a token stored from an earlier request), and it must speak
// for the principal that opened the session (403). The latest credential is kept only for the
// proxy's own backend requests on the session's behalf (stream opens, replayed handshakes).
import { ProxyError } from '../errors/proxy-error.js';
import { principalOf } from '../auth/principal.js';

export class SessionCredentials {
  private principal: string | undefined;
  private latest: string | undefined;

  /** Checks one request's credential; undefined when the request may go on. */
  check(authorization: string | undefined): ProxyError | undefined {
    if (authorization === undefined || authorization.trim() === '') {
      return new ProxyError(
        'ERR_AUTH_REQUIRED',
        'credentials_missing',
        'Unauthorized: this route passes authorization to its backend; every request must carry an Authorization header',
      );
    }
    const principal = principalOf(authorization);
    if (this.principal !== undefined && principal !== this.principal) {
      return new ProxyError(
        'ERR_PRINCIPAL_MISMATCH',
        'principal_mismatch',
        'Forbidden: this session belongs to another principal; initialize a session of your own',
      );
    }
    this.principal = principal;
    this.latest = authorization;
    return undefined;
  }

  /** For the proxy's own requests on the session's behalf. */
  current(): string | undefined {
    return this.latest;
  }
}
