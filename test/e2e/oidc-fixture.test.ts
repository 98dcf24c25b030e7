// The test authorization server (a real oidc-provider) works with real clients, no proxy involved:
// its discovery documents name its issuer at every location a client looks, the MCP SDK's own
// client_credentials pieces get an RFC 9068 JWT for the RFC 8707 resource they name, introspection
// answers for opaque tokens, authorization code + PKCE completes headlessly, and the tokens the
// helper mints pass or fail jose's verification exactly as their one changed claim or key says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { discoverAuthorizationServerMetadata, exchangeAuthorization, fetchToken, startAuthorization } from '@modelcontextprotocol/sdk/client/auth.js';
import { startOidc, type OidcServer } from '../helpers/oidc.js';

const RESOURCE = 'http://127.0.0.1:5555/n8n/mcp';

async function verify(o: OidcServer, token: string, audience = RESOURCE) {
  // cooldownDuration 0: jose otherwise refuses to refetch the JWKS for 30 s, and these checks
  // rotate keys within milliseconds.
  const jwks = createRemoteJWKSet(new URL(`${o.issuer}/jwks`), { cooldownDuration: 0 });
  return (await jwtVerify(token, jwks, { issuer: o.issuer, audience, typ: 'at+jwt' })).payload;
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: res.status === 200 ? ((await res.json()) as Record<string, unknown>) : (await res.body?.cancel(), {}) };
}

test('a bare-origin issuer: RFC 8414 and OIDC discovery both name it, and the SDK finds it', async (t) => {
  const o = await startOidc(t);
  for (const url of [`${o.origin}/.well-known/oauth-authorization-server`, `${o.origin}/.well-known/openid-configuration`]) {
    const { status, body } = await getJson(url);
    assert.equal(status, 200, url);
    assert.equal(body.issuer, o.issuer);
    assert.equal(body.jwks_uri, `${o.issuer}/jwks`);
    assert.equal(body.token_endpoint, `${o.issuer}/token`);
    assert.equal(body.introspection_endpoint, `${o.issuer}/token/introspection`);
    assert.ok((body.grant_types_supported as string[]).includes('client_credentials'));
  }
  assert.equal((await discoverAuthorizationServerMetadata(o.issuer))?.issuer, o.issuer);
});

test('a path-ful issuer (Keycloak style): metadata at the RFC 8414 and OIDC locations, endpoints under the path', async (t) => {
  const o = await startOidc(t, { issuerPath: '/realms/mcp' });
  assert.equal(o.issuer, `${o.origin}/realms/mcp`);
  for (const url of [`${o.origin}/.well-known/oauth-authorization-server/realms/mcp`, `${o.issuer}/.well-known/openid-configuration`]) {
    const { status, body } = await getJson(url);
    assert.equal(status, 200, url);
    assert.equal(body.issuer, o.issuer);
    assert.equal(body.jwks_uri, `${o.issuer}/jwks`);
    assert.equal(body.token_endpoint, `${o.issuer}/token`);
  }
  // Nothing answers at the root: a client that ignores the issuer's path finds no metadata there.
  assert.equal((await getJson(`${o.origin}/.well-known/openid-configuration`)).status, 404);
  assert.equal((await getJson(`${o.origin}/.well-known/oauth-authorization-server`)).status, 404);
  assert.equal((await discoverAuthorizationServerMetadata(o.issuer))?.issuer, o.issuer);
});

test('--discovery oidc serves only OIDC discovery; the SDK falls back to it', async (t) => {
  const o = await startOidc(t, { issuerPath: '/realms/mcp', discovery: 'oidc' });
  assert.equal((await getJson(`${o.origin}/.well-known/oauth-authorization-server/realms/mcp`)).status, 404);
  assert.equal((await getJson(o.discoveryUrl)).body.issuer, o.issuer);
  assert.equal((await discoverAuthorizationServerMetadata(o.issuer))?.issuer, o.issuer);
  const before = (await o.stats()).discovery;
  await discoverAuthorizationServerMetadata(o.issuer);
  assert.equal((await o.stats()).discovery - before, 1, 'only the OIDC location reached the provider');
});

test("the SDK's ClientCredentialsProvider gets a JWT for the resource it names, verifiable with the served JWKS", async (t) => {
  const o = await startOidc(t, { issuerPath: '/realms/mcp' });
  const metadata = await discoverAuthorizationServerMetadata(o.issuer);
  const principals = new Set<string>();
  for (const client of [o.clientA, o.clientB]) {
    const provider = new ClientCredentialsProvider({ clientId: client.id, clientSecret: client.secret!, expectedIssuer: o.issuer, scope: 'mcp:tools' });
    // The clients accept client_secret_basic only, so a token proves the SDK authenticated that way.
    const tokens = await fetchToken(provider, o.issuer, { metadata, resource: new URL(RESOURCE) });
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.scope, 'mcp:tools');
    assert.equal(decodeProtectedHeader(tokens.access_token).kid, 'key-a');
    const claims = await verify(o, tokens.access_token);
    assert.equal(claims.aud, RESOURCE);
    assert.equal(claims.iss, o.issuer);
    assert.equal(claims.sub, client.id);
    assert.equal(claims.client_id, client.id);
    assert.deepEqual(String(claims.scope).split(' '), ['mcp:tools']);
    assert.ok(claims.exp! > Date.now() / 1000);
    principals.add(`${claims.sub}/${claims.client_id}`);
  }
  assert.equal(principals.size, 2, 'client A and client B are two principals');
});

test('token requests: every scope asked for, a resource outside the allowed origins is refused', async (t) => {
  const o = await startOidc(t, { resourceOrigins: ['http://127.0.0.1:5555'] });
  const both = await o.clientCredentialsToken(o.clientA, RESOURCE, 'mcp:tools mcp:write');
  assert.deepEqual(String((await verify(o, both.access_token)).scope).split(' '), ['mcp:tools', 'mcp:write']);
  await assert.rejects(o.clientCredentialsToken(o.clientA, 'http://127.0.0.1:6666/mcp', 'mcp:tools'), /invalid_target/);
  // Without a resource there is no audience: oidc-provider issues an opaque token, never a JWT.
  const bare = await o.clientCredentialsToken(o.clientA, undefined, 'mcp:tools');
  assert.equal(bare.access_token.split('.').length, 1);
});

test('introspection: an opaque token is active with scope, sub, client_id and aud; others are not', async (t) => {
  const o = await startOidc(t);
  const opaque = await o.clientCredentialsToken(o.clientOpaque, RESOURCE, 'mcp:tools mcp:write');
  assert.equal(opaque.access_token.split('.').length, 1, 'not a JWT');
  const info = await o.introspect(opaque.access_token);
  assert.equal(info.active, true);
  assert.equal(info.scope, 'mcp:tools mcp:write');
  assert.equal(info.sub, o.clientOpaque.id);
  assert.equal(info.client_id, o.clientOpaque.id);
  assert.equal(info.aud, RESOURCE);
  assert.equal(info.iss, o.issuer);
  assert.deepEqual(await o.introspect('no-such-token'), { active: false });
  // Another client may not learn about a token that is not its own.
  assert.deepEqual(await o.introspect(opaque.access_token, o.clientA), { active: false });
  // oidc-provider refuses to introspect JWT access tokens (they are self-contained).
  const jwt = await o.clientCredentialsToken(o.clientA, RESOURCE, 'mcp:tools');
  await assert.rejects(o.introspect(jwt.access_token), /unsupported_token_type/);
});

test('minted tokens: valid with key a, and each negative variant fails for its own reason', async (t) => {
  const o = await startOidc(t);
  const now = Math.floor(Date.now() / 1000);
  const good = await verify(o, await o.mintToken({ aud: RESOURCE, sub: 'alice' }));
  assert.equal(good.sub, 'alice');
  await assert.rejects(verify(o, await o.mintToken({ aud: RESOURCE, exp: now - 120 })), errors.JWTExpired);
  await assert.rejects(verify(o, await o.mintToken({ aud: RESOURCE, nbf: now + 600 })), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'nbf' });
  await assert.rejects(verify(o, await o.mintToken({ aud: RESOURCE, iss: 'http://127.0.0.1:1/realms/other' })), { claim: 'iss' });
  await assert.rejects(verify(o, await o.mintToken({ aud: 'http://127.0.0.1:5555/other/mcp' })), { claim: 'aud' });
  await assert.rejects(verify(o, await o.mintToken({ aud: RESOURCE }, { key: 'foreign' })), errors.JWSSignatureVerificationFailed);
  await assert.rejects(verify(o, await o.mintToken({ aud: RESOURCE }, { key: 'b' })), errors.JWKSNoMatchingKey);
  await assert.rejects(verify(o, await o.mintToken({ aud: RESOURCE }, { alg: 'none' })), errors.JOSENotSupported);
});

test('key rotation: key b is published, then signs real tokens, then key a is retired', async (t) => {
  const o = await startOidc(t);
  const early = await o.clientCredentialsToken(o.clientA, RESOURCE, 'mcp:tools');
  await o.rotateKeys({ publish: ['key-a', 'key-b'] });
  await verify(o, await o.mintToken({ aud: RESOURCE }, { key: 'b' }));
  await o.rotateKeys({ sign: 'key-b' });
  const late = await o.clientCredentialsToken(o.clientA, RESOURCE, 'mcp:tools');
  assert.equal(decodeProtectedHeader(late.access_token).kid, 'key-b');
  await verify(o, late.access_token);
  await verify(o, early.access_token);
  await o.rotateKeys({ publish: ['key-b'] });
  await assert.rejects(verify(o, early.access_token), errors.JWKSNoMatchingKey);
  await verify(o, late.access_token);
  const { keys } = (await getJson(`${o.issuer}/jwks`)).body as { keys: Array<Record<string, unknown>> };
  assert.deepEqual(
    keys.map((k) => k.kid),
    ['key-b'],
  );
  assert.ok(!keys.some((k) => 'd' in k), 'no private key material is served');
  await assert.rejects(o.rotateKeys({ sign: 'key-z' }), /unknown kid/);
});

test('authorization code + PKCE with the SDK: the user logs in and consents headlessly; the token is for the user', async (t) => {
  const o = await startOidc(t, { issuerPath: '/realms/mcp' });
  const metadata = await discoverAuthorizationServerMetadata(o.issuer);
  const redirectUri = 'http://127.0.0.1:43917/callback';
  const clientInformation = { client_id: o.publicClient.id };
  for (const user of ['alice', 'bob']) {
    const { authorizationUrl, codeVerifier } = await startAuthorization(o.issuer, {
      metadata,
      clientInformation,
      redirectUrl: redirectUri,
      scope: 'mcp:tools',
      state: `state-${user}`,
      resource: new URL(RESOURCE),
    });
    if (user !== 'alice') authorizationUrl.searchParams.set('login_hint', user);
    const { code, iss, state } = await o.authorize(authorizationUrl, redirectUri);
    assert.equal(iss, o.issuer, 'RFC 9207 iss in the authorization response');
    assert.equal(state, `state-${user}`);
    const tokens = await exchangeAuthorization(o.issuer, {
      metadata,
      clientInformation,
      authorizationCode: code,
      codeVerifier,
      redirectUri,
      resource: new URL(RESOURCE),
    });
    const claims = await verify(o, tokens.access_token);
    assert.equal(claims.sub, user);
    assert.equal(claims.client_id, o.publicClient.id);
    assert.equal(claims.scope, 'mcp:tools');
  }
  // PKCE is enforced: the right code with a wrong verifier is refused.
  const { authorizationUrl } = await startAuthorization(o.issuer, {
    metadata,
    clientInformation,
    redirectUrl: redirectUri,
    scope: 'mcp:tools',
    resource: new URL(RESOURCE),
  });
  const { code } = await o.authorize(authorizationUrl, redirectUri);
  await assert.rejects(
    exchangeAuthorization(o.issuer, {
      metadata,
      clientInformation,
      authorizationCode: code,
      codeVerifier: 'x'.repeat(43),
      redirectUri,
      resource: new URL(RESOURCE),
    }),
    /PKCE|grant/i,
  );
});
