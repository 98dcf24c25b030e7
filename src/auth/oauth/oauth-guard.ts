// auth.mode oauth: the proxy as an OAuth 2.1 resource server (MCP authorization). Every request of
// both faces carries `Authorization: Bearer <access token>`: a JWT checked here (signature from the
// issuer's JWKS, iss, aud, exp/nbf with leeway), or, with auth.introspection, an opaque token checked
// by the issuer (RFC 7662). Tokens in the query string are never read (OAuth 2.1 §5.1.2). No token
// or a bad one → 401 with a challenge naming the Protected Resource Metadata; a good one without the
// route's scopes → 403 insufficient_scope. The token is never forwarded: the backend gets only the
// route's backend.headers (MCP authorization forbids token passthrough).
import type { IncomingMessage } from 'node:http';
import { jwtVerify, type JWTPayload } from 'jose';
import type { Logger } from 'pino';
import type { BackendHttpClient } from '../../backends/http-client.js';
import type { OAuthConfig } from '../../config/auth-schema.js';
import { ProxyError } from '../../errors/proxy-error.js';
import type { Metrics } from '../../observability/metrics.js';
import { bearerChallenge, bearerToken } from '../challenge.js';
import type { Guard, RequestTarget } from '../guard.js';
import type { Principal } from '../principal.js';
import { FetchJsonError } from './fetch-json.js';
import { discoverIssuer, sameIssuer, type IssuerMetadata } from './issuer-metadata.js';
import { Introspector } from './introspection.js';
import { KeySet } from './key-set.js';
import { tokenRefusal } from './token-refusal.js';
import { principalOfClaims } from './claims.js';
import { VerifiedTokens } from './verified-tokens.js';

/** A JWS in compact form has three dot-separated parts; anything else is an opaque token. */
const isJwt = (token: string) => token.split('.').length === 3;

const METADATA_MAX_AGE_MS = 60 * 60_000;
const METADATA_RETRY_MS = 5_000;
const AS_TIMEOUT_MS = 5_000;

export interface OAuthGuardOptions {
  config: OAuthConfig;
  route: string;
  http: BackendHttpClient;
  log: Logger;
  metrics: Metrics;
}

export function createOAuthGuard(o: OAuthGuardOptions): Guard {
  const { config, route, metrics } = o;
  // The issuer's metadata: discovered on first use, re-read hourly. While a re-read fails the last good
  // document keeps serving (an IdP blip must not fail requests whose keys are cached); with none yet,
  // a failure is retried at most every METADATA_RETRY_MS and requests meanwhile fail fast (503).
  let current: IssuerMetadata | undefined;
  let checkedAt = 0;
  let failure: { at: number; error: unknown } | undefined;
  let pending: Promise<IssuerMetadata> | undefined;
  const issuerMetadata = (): Promise<IssuerMetadata> => {
    const now = Date.now();
    const due = !current || now - checkedAt > METADATA_MAX_AGE_MS;
    if (due && !pending && (!failure || now - failure.at > METADATA_RETRY_MS)) {
      pending = discoverIssuer(config.issuer, o.http, AS_TIMEOUT_MS)
        .then(
          (m) => {
            current = m;
            checkedAt = Date.now();
            failure = undefined;
            return m;
          },
          (e: unknown) => {
            failure = { at: Date.now(), error: e };
            o.log.warn(
              { reason: 'issuer_discovery_failed', issuer: config.issuer, err: (e as Error).message },
              "could not read the authorization server's metadata",
            );
            throw e;
          },
        )
        .finally(() => (pending = undefined));
      // A refresh runs in the background while a document is at hand.
      if (current) pending.catch(() => undefined);
    }
    if (current) return Promise.resolve(current);
    return pending ?? Promise.reject(failure?.error instanceof Error ? failure.error : new FetchJsonError('the issuer metadata is unavailable'));
  };
  const keys = new KeySet({
    location: async () => (await issuerMetadata()).jwksUri,
    http: o.http,
    timeoutMs: AS_TIMEOUT_MS,
    cooldownMs: config.jwksCooldown,
    log: o.log,
    onFetch: (result) => metrics.inc('frontdoor_jwks_fetches_total', { route, result }),
  });
  const introspector = config.introspection
    ? new Introspector({
        endpoint: async () => {
          if (config.introspection!.endpoint) return new URL(config.introspection!.endpoint);
          const found = (await issuerMetadata()).introspectionEndpoint;
          if (!found) throw new FetchJsonError(`${config.issuer} advertises no introspection_endpoint; set auth.introspection.endpoint`);
          return found;
        },
        clientId: config.introspection.clientId,
        clientSecret: config.introspection.clientSecret,
        http: o.http,
        timeoutMs: AS_TIMEOUT_MS,
        cacheTtlMs: config.introspection.cacheTtl,
        onCall: (result) => metrics.inc('frontdoor_introspections_total', { route, result }),
      })
    : undefined;

  const verified = new VerifiedTokens();

  /**
   * RFC 6750 §3.1: no token (or another scheme) → 401 without an error code; a malformed request →
   * 400 invalid_request; a token that is not valid → 401 invalid_token. Every one names the metadata.
   */
  const fail = (
    target: RequestTarget,
    reason: string,
    description: string | undefined,
    error: 'invalid_token' | 'invalid_request' = 'invalid_token',
  ): ProxyError => {
    metrics.inc('frontdoor_auth_failures_total', { route, reason });
    const sent = description !== undefined;
    const challenge = bearerChallenge({
      resourceMetadata: target.metadataUrl,
      scope: config.scopes,
      ...(sent ? { error, description } : {}),
    });
    return new ProxyError(
      !sent ? 'ERR_AUTH_REQUIRED' : error === 'invalid_request' ? 'ERR_AUTH_MALFORMED' : 'ERR_AUTH_INVALID',
      reason,
      sent
        ? `${error === 'invalid_request' ? 'Bad Request' : 'Unauthorized'}: ${description}`
        : 'Unauthorized: this route needs an OAuth access token (Authorization: Bearer)',
      { headers: { 'www-authenticate': challenge } },
    );
  };
  const insufficientScope = (target: RequestTarget, scopes: readonly string[]): ProxyError => {
    metrics.inc('frontdoor_auth_failures_total', { route, reason: 'insufficient_scope' });
    const description = `this needs the scope${scopes.length === 1 ? '' : 's'} ${scopes.join(' ')}`;
    return new ProxyError('ERR_AUTH_SCOPE', 'insufficient_scope', `Forbidden: ${description}`, {
      headers: { 'www-authenticate': bearerChallenge({ error: 'insufficient_scope', description, scope: scopes, resourceMetadata: target.metadataUrl }) },
    });
  };
  const unavailable = (e: unknown): ProxyError => {
    metrics.inc('frontdoor_auth_failures_total', { route, reason: 'authorization_server_unavailable' });
    return new ProxyError(
      'ERR_AUTH_UNAVAILABLE',
      'authorization_server_unavailable',
      'Service Unavailable: the authorization server cannot be reached to check the token; retry',
      {
        headers: { 'retry-after': '5' },
        detail: (e as Error).message,
      },
    );
  };

  /** The claims of a valid token, from its signature or from introspection. */
  const claimsOf = async (token: string, target: RequestTarget): Promise<JWTPayload> => {
    if (isJwt(token)) {
      const { payload } = await jwtVerify(token, keys.key, {
        issuer: (await issuerMetadata()).issuer,
        audience: [...target.audiences],
        algorithms: config.algorithms,
        clockTolerance: Math.ceil(config.clockTolerance / 1000),
        requiredClaims: ['exp'],
      });
      return payload;
    }
    if (!introspector) throw fail(target, 'opaque_token', 'the access token is not a JWT, and this route accepts only JWT access tokens');
    const answer = await introspector.introspect(token);
    if (!answer.active) throw fail(target, 'token_inactive', 'the access token is not active (expired or revoked)');
    const aud = typeof answer.aud === 'string' ? [answer.aud] : Array.isArray(answer.aud) ? answer.aud : [];
    if (!aud.some((a) => target.audiences.includes(String(a))))
      throw fail(target, 'wrong_audience', 'the access token is not meant for this resource (audience)');
    if (answer.iss !== undefined && !sameIssuer(String(answer.iss), config.issuer))
      throw fail(target, 'wrong_issuer', 'the access token was issued by another authorization server');
    return answer as JWTPayload;
  };

  return {
    mode: 'oauth',
    async authenticate(req: IncomingMessage, targetOf: () => RequestTarget): Promise<Principal> {
      const target = targetOf();
      const header = req.headers.authorization;
      if (header === undefined || header.trim() === '') throw fail(target, 'credentials_missing', undefined);
      if (!/^bearer(\s|$)/i.test(header.trim())) throw fail(target, 'unsupported_scheme', undefined);
      const token = bearerToken(header);
      if (token === undefined) throw fail(target, 'malformed_request', 'expected Authorization: Bearer <access token>', 'invalid_request');
      const key = verified.key(token, target.audiences);
      let principal = verified.get(key);
      if (!principal) {
        let claims: JWTPayload;
        try {
          claims = await claimsOf(token, target);
        } catch (e) {
          if (e instanceof ProxyError) throw e;
          if (e instanceof FetchJsonError) throw unavailable(e);
          const refusal = tokenRefusal(e);
          if (refusal) throw fail(target, refusal.reason, refusal.description);
          throw fail(target, 'invalid_token', 'the access token is not valid');
        }
        principal = principalOfClaims(claims, config.issuer);
        // Opaque tokens are cached by the introspector, for introspection.cacheTtl (revocation).
        if (isJwt(token)) verified.set(key, principal, claims.exp);
      }
      const missing = config.scopes.filter((s) => !principal.scopes.has(s));
      if (missing.length > 0) throw insufficientScope(target, config.scopes);
      return principal;
    },
    insufficientScope,
    close: () => undefined,
  };
}
