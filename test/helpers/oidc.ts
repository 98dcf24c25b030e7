// Starts the test authorization server (test/fixtures/oidc-server.ts, a real oidc-provider) and
// drives it: plain token and introspection requests, key rotation, a headless authorization code
// run, and tokens minted with its own signing key so a test can change exactly one claim (expired,
// wrong issuer, wrong audience) or the key (bad signature) and nothing else.
import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import type { FixtureClient, KeyState, PrivateJwk } from '../fixtures/oidc-provider-config.js';
import { startFixture, type RunningProcess } from './process.js';

export type { FixtureClient, PrivateJwk };

export interface OidcOptions {
  /** A path-ful issuer such as Keycloak's `/realms/mcp` (default: the bare origin). */
  issuerPath?: string;
  /** Which discovery documents answer (default both). */
  discovery?: 'both' | 'oidc' | 'oauth';
  /** Origins an RFC 8707 resource may name (default: any http loopback origin). */
  resourceOrigins?: string[];
  /** Access token lifetime in seconds (default 300). */
  tokenTtl?: number;
  /** Algorithm of the signing keys (default ES256). */
  alg?: 'ES256' | 'RS256';
}

export interface MintOptions {
  /**
   * Signing key: a (published, default), b (held back for rotation until rotateKeys publishes it) or
   * foreign (never published; it has key a's kid, so the signature is what fails).
   */
  key?: 'a' | 'b' | 'foreign';
  /** The header's kid (default: the key's own); `null` leaves it out. */
  kid?: string | null;
  /** The header's typ (default at+jwt, RFC 9068 §2.1). */
  typ?: string;
  /** `none`: an unsecured JWT (RFC 7519 §6), which a resource server must refuse. */
  alg?: 'none';
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
  [k: string]: unknown;
}

export interface AuthorizationResult {
  code: string;
  iss: string | null;
  state: string | null;
}

export interface OidcServer {
  proc: RunningProcess;
  issuer: string;
  origin: string;
  /** The OIDC discovery URL (answers unless discovery is `oauth`). */
  discoveryUrl: string;
  keys: { a: PrivateJwk; b: PrivateJwk; foreign: PrivateJwk };
  clientA: FixtureClient;
  clientB: FixtureClient;
  /** A service client whose access tokens are opaque (validated only by introspection). */
  clientOpaque: FixtureClient;
  introspector: FixtureClient;
  /** A public client (authorization code + PKCE) with loopback redirect `http://127.0.0.1/callback`, any port. */
  publicClient: FixtureClient;
  mintToken(claims?: Record<string, unknown>, opts?: MintOptions): Promise<string>;
  clientCredentialsToken(client: FixtureClient, resource?: string, scope?: string): Promise<TokenResponse>;
  introspect(token: string, by?: FixtureClient): Promise<Record<string, unknown>>;
  /** Changes which key signs new tokens and which keys the JWKS publishes. */
  rotateKeys(state: Partial<KeyState>): Promise<KeyState>;
  stats(): Promise<Record<'discovery' | 'jwks' | 'token' | 'introspection' | 'interactions', number>>;
  /** Follows an authorization request's redirects like a browser whose user logs in and consents. */
  authorize(authorizationUrl: string | URL, redirectUri: string): Promise<AuthorizationResult>;
}

async function signingKey(alg: 'ES256' | 'RS256', kid: string): Promise<PrivateJwk> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
}

const basic = (c: FixtureClient) => `Basic ${Buffer.from(`${encodeURIComponent(c.id)}:${encodeURIComponent(c.secret ?? '')}`).toString('base64')}`;

async function postForm(url: string, form: Record<string, string>, client: FixtureClient): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client), accept: 'application/json' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function startOidc(t: { after: (fn: () => Promise<unknown>) => void }, opts: OidcOptions = {}): Promise<OidcServer> {
  const alg = opts.alg ?? 'ES256';
  const keys = { a: await signingKey(alg, 'key-a'), b: await signingKey(alg, 'key-b'), foreign: await signingKey(alg, 'key-a') };
  const secret = () => randomBytes(18).toString('base64url');
  const clientA: FixtureClient = { id: 'client-a', kind: 'service', secret: secret() };
  const clientB: FixtureClient = { id: 'client-b', kind: 'service', secret: secret() };
  const clientOpaque: FixtureClient = { id: 'client-opaque', kind: 'service', secret: secret(), opaque: true };
  const introspector: FixtureClient = { id: 'introspector', kind: 'introspector', secret: secret() };
  const publicClient: FixtureClient = { id: 'public-cli', kind: 'public', redirectUris: ['http://127.0.0.1/callback'] };
  const args = ['--discovery', opts.discovery ?? 'both', '--token-ttl', String(opts.tokenTtl ?? 300)];
  if (opts.issuerPath) args.push('--issuer-path', opts.issuerPath);
  for (const o of opts.resourceOrigins ?? []) args.push('--resource-origin', o);
  // Keys and secrets travel in the environment, not argv: argv is visible to every local user.
  const proc = await startFixture('oidc-server', args, {
    env: {
      OIDC_FIXTURE_KEYS: JSON.stringify([keys.a, keys.b]),
      OIDC_FIXTURE_CLIENTS: JSON.stringify([clientA, clientB, clientOpaque, introspector, publicClient]),
    },
  });
  t.after(() => proc.stop());
  const line = await proc.waitForLine((l) => typeof l.issuer === 'string');
  const issuer = line.issuer as string;
  const origin = line.origin as string;
  const endpoint = (p: string) => `${issuer}${p}`;

  const mintToken = async (claims: Record<string, unknown> = {}, mint: MintOptions = {}): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = { iss: issuer, sub: clientA.id, client_id: clientA.id, scope: 'mcp:tools', iat: now, exp: now + 300, jti: randomUUID() };
    // A claim given as undefined is left out (e.g. a token without exp).
    for (const [k, v] of Object.entries(claims)) {
      if (v === undefined) delete payload[k];
      else payload[k] = v;
    }
    if (mint.alg === 'none') return new UnsecuredJWT(payload).encode();
    const jwk = keys[mint.key ?? 'a'];
    const header: { alg: string; typ: string; kid?: string } = { alg: jwk.alg!, typ: mint.typ ?? 'at+jwt' };
    if (mint.kid !== null) header.kid = mint.kid ?? jwk.kid;
    return new SignJWT(payload).setProtectedHeader(header).sign(await importJWK(jwk, jwk.alg));
  };

  const clientCredentialsToken = async (client: FixtureClient, resource?: string, scope?: string): Promise<TokenResponse> => {
    const form: Record<string, string> = { grant_type: 'client_credentials' };
    if (resource !== undefined) form.resource = resource;
    if (scope !== undefined) form.scope = scope;
    const { status, body } = await postForm(endpoint('/token'), form, client);
    if (status !== 200) throw new Error(`token request for ${client.id} failed: ${status} ${JSON.stringify(body)}`);
    return body as TokenResponse;
  };

  const introspect = async (token: string, by: FixtureClient = introspector) => {
    const { status, body } = await postForm(endpoint('/token/introspection'), { token }, by);
    if (status !== 200) throw new Error(`introspection failed: ${status} ${JSON.stringify(body)}`);
    return body;
  };

  const rotateKeys = async (state: Partial<KeyState>): Promise<KeyState> => {
    const res = await fetch(`${origin}/control/keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(state) });
    if (res.status !== 200) throw new Error(`key rotation refused: ${await res.text()}`);
    return (await res.json()) as KeyState;
  };

  const stats = async () => (await (await fetch(`${origin}/control/stats`)).json()) as Awaited<ReturnType<OidcServer['stats']>>;

  const authorize = async (authorizationUrl: string | URL, redirectUri: string): Promise<AuthorizationResult> => {
    // A minimal cookie jar: every cookie goes back to this one origin (oidc-provider keeps the
    // interaction's state in cookies between its redirects, as a browser would carry them).
    const jar = new Map<string, string>();
    let url = new URL(authorizationUrl);
    for (let hop = 0; hop < 12; hop++) {
      const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair!.indexOf('=');
        jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1));
      }
      const location = res.headers.get('location');
      const body = await res.text();
      if (!location) throw new Error(`authorization stopped at ${url.href} (${res.status}): ${body.slice(0, 500)}`);
      url = new URL(location, url);
      if (`${url.origin}${url.pathname}` === redirectUri) {
        const error = url.searchParams.get('error');
        if (error) throw new Error(`authorization failed: ${error} ${url.searchParams.get('error_description') ?? ''}`);
        return { code: url.searchParams.get('code')!, iss: url.searchParams.get('iss'), state: url.searchParams.get('state') };
      }
    }
    throw new Error(`authorization did not reach ${redirectUri} within 12 redirects`);
  };

  return {
    proc,
    issuer,
    origin,
    discoveryUrl: endpoint('/.well-known/openid-configuration'),
    keys,
    clientA,
    clientB,
    clientOpaque,
    introspector,
    publicClient,
    mintToken,
    clientCredentialsToken,
    introspect,
    rotateKeys,
    stats,
    authorize,
  };
}
