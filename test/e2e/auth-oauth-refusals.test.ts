// auth.mode oauth refusals, each with a token the real authorization server's key signed and one
// thing wrong (or a real token from the server): the right status, the RFC 6750 challenge, a
// JSON-RPC error with an errorId, the reason counted; nothing reaches the backend. Then key rotation,
// opaque tokens through RFC 7662 introspection, and an unreachable authorization server.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { challengeParams, startAuthStack, type AuthStack } from '../helpers/auth-stack.js';
import { initializeBody, post } from '../helpers/http.js';
import { metricValue, readMetrics } from '../helpers/metrics.js';
import { fileScope } from '../helpers/file-scope.js';

let stack: AuthStack;
const scope = fileScope();

before(async () => {
  stack = await startAuthStack(scope, (oidc, backendUrl) => [
    { path: '/', backend: { url: backendUrl }, auth: { mode: 'oauth', issuer: oidc.issuer, scopes: ['mcp:tools'], jwksCooldown: '200ms' } },
    {
      path: '/opaque',
      backend: { url: backendUrl },
      auth: { mode: 'oauth', issuer: oidc.issuer, introspection: { clientId: oidc.introspector.id, clientSecret: oidc.introspector.secret!, cacheTtl: '1s' } },
    },
    { path: '/down', backend: { url: backendUrl }, auth: { mode: 'oauth', issuer: 'http://127.0.0.1:1' } },
  ]);
});

const now = () => Math.floor(Date.now() / 1000);

async function attempt(token: string | undefined, url = stack.proxy.url) {
  const res = await post(url, initializeBody(), token === undefined ? {} : { authorization: token });
  const body = (await res.json()) as { error?: { data: { code: string; reason: string; errorId: string } } };
  return { status: res.status, challenge: challengeParams(res.headers.get('www-authenticate')), body, retryAfter: res.headers.get('retry-after') };
}

test('every kind of bad token is a 401 invalid_token (or 403 insufficient_scope), counted by reason', async () => {
  const aud = stack.proxy.url;
  const o = stack.oidc;
  const cases: Array<[string, Promise<string>, number, string]> = [
    ['expired', o.mintToken({ aud, exp: now() - 120 }), 401, 'token_expired'],
    ['not yet valid', o.mintToken({ aud, nbf: now() + 600 }), 401, 'token_not_yet_valid'],
    ['wrong issuer', o.mintToken({ aud, iss: 'http://127.0.0.1:1/realms/other' }), 401, 'wrong_issuer'],
    ['wrong audience', o.mintToken({ aud: 'http://127.0.0.1:5555/other/mcp' }), 401, 'wrong_audience'],
    ['bad signature', o.mintToken({ aud }, { key: 'foreign' }), 401, 'bad_signature'],
    ['unknown key', o.mintToken({ aud }, { key: 'foreign', kid: 'key-x' }), 401, 'unknown_key'],
    ['unsecured', o.mintToken({ aud }, { alg: 'none' }), 401, 'algorithm_not_allowed'],
    ['missing scope', o.mintToken({ aud, scope: 'openid' }), 403, 'insufficient_scope'],
    ['opaque, no introspection', Promise.resolve('not-a-jwt-at-all'), 401, 'opaque_token'],
  ];
  for (const [name, token, status, reason] of cases) {
    const r = await attempt(`Bearer ${await token}`);
    assert.equal(r.status, status, name);
    assert.equal(r.challenge.error, status === 401 ? 'invalid_token' : 'insufficient_scope', name);
    assert.equal(r.challenge.resource_metadata, `${stack.proxy.origin}/.well-known/oauth-protected-resource/mcp`, name);
    assert.equal(r.body.error?.data.reason, reason, name);
    assert.match(r.body.error?.data.errorId ?? '', /^[0-9a-f]{12}$/, name);
  }
  // RFC 6750 §3.1: another scheme is no token at all (no error code); a malformed Bearer is a 400.
  const scheme = await attempt('Basic YWxpY2U6c2VjcmV0');
  assert.equal(scheme.status, 401);
  assert.equal(scheme.challenge.error, undefined);
  assert.equal(scheme.body.error?.data.reason, 'unsupported_scheme');
  const malformed = await attempt('Bearer two words');
  assert.equal(malformed.status, 400);
  assert.equal(malformed.challenge.error, 'invalid_request');
  assert.equal(malformed.body.error?.data.code, 'ERR_AUTH_MALFORMED');
  const metrics = await readMetrics(stack.proxy.origin);
  for (const reason of ['token_expired', 'wrong_issuer', 'wrong_audience', 'bad_signature', 'insufficient_scope']) {
    assert.ok((metricValue(metrics, 'frontdoor_auth_failures_total', { route: '/', reason }) ?? 0) >= 1, reason);
  }
  // The first test of the file: nothing has been accepted yet, so the backend has seen nobody.
  assert.equal(await stack.backendConnections(), 0, 'no refused request reached the backend');
});

test('a real token from the server for this resource is accepted; one for another resource is not', async () => {
  const good = await stack.oidc.clientCredentialsToken(stack.oidc.clientA, stack.proxy.url, 'mcp:tools');
  assert.equal((await attempt(`Bearer ${good.access_token}`)).status, 200);
  const other = await stack.oidc.clientCredentialsToken(stack.oidc.clientA, 'http://127.0.0.1:9/elsewhere/mcp', 'mcp:tools');
  const r = await attempt(`Bearer ${other.access_token}`);
  assert.equal(r.status, 401);
  assert.equal(r.body.error?.data.reason, 'wrong_audience');
});

test('key rotation: a token signed by a newly published key is accepted after one JWKS fetch', async () => {
  const aud = stack.proxy.url;
  assert.equal((await attempt(`Bearer ${await stack.oidc.mintToken({ aud })}`)).status, 200, 'key a works, keys are cached');
  const before = metricValue(await readMetrics(stack.proxy.origin), 'frontdoor_jwks_fetches_total', { route: '/', result: 'ok' }) ?? 0;
  await stack.oidc.rotateKeys({ publish: ['key-a', 'key-b'], sign: 'key-b' });
  const signedByB = await stack.oidc.mintToken({ aud }, { key: 'b' });
  // The first attempt may fall inside auth.jwksCooldown (200 ms here) of the last fetch: polled,
  // bounded in time, until the refetch has happened.
  let status = 0;
  const deadline = Date.now() + 5_000;
  while (status !== 200 && Date.now() < deadline) {
    status = (await attempt(`Bearer ${signedByB}`)).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 50)); // the cooldown's passing is what is under test
  }
  assert.equal(status, 200);
  const after = metricValue(await readMetrics(stack.proxy.origin), 'frontdoor_jwks_fetches_total', { route: '/', result: 'ok' }) ?? 0;
  assert.ok(after > before, `the key set was fetched again (${before} → ${after})`);
  await stack.oidc.rotateKeys({ publish: ['key-a'], sign: 'key-a' });
});

test('opaque tokens through introspection: active accepted (and cached), inactive refused', async () => {
  const url = `${stack.proxy.origin}/opaque/mcp`;
  const opaque = await stack.oidc.clientCredentialsToken(stack.oidc.clientOpaque, url, 'mcp:tools');
  assert.ok(opaque.access_token.split('.').length !== 3, 'the server issued an opaque token');
  const calls = async () => (await stack.oidc.stats()).introspection;
  const first = await calls();
  assert.equal((await attempt(`Bearer ${opaque.access_token}`, url)).status, 200);
  assert.equal((await attempt(`Bearer ${opaque.access_token}`, url)).status, 200);
  assert.equal((await calls()) - first, 1, 'the second request used the cached answer');
  const r = await attempt('Bearer made-up-opaque-token', url);
  assert.equal(r.status, 401);
  assert.equal(r.body.error?.data.reason, 'token_inactive');
});

test('an authorization server that cannot be reached: 503 with Retry-After, never a 401 loop', async () => {
  const token = await stack.oidc.mintToken({ aud: `${stack.proxy.origin}/down/mcp` });
  const r = await attempt(`Bearer ${token}`, `${stack.proxy.origin}/down/mcp`);
  assert.equal(r.status, 503);
  assert.equal(r.retryAfter, '5');
  assert.equal(r.body.error?.data.code, 'ERR_AUTH_UNAVAILABLE');
  // Other routes keep working meanwhile.
  assert.equal((await attempt(`Bearer ${await stack.oidc.mintToken({ aud: stack.proxy.url })}`)).status, 200);
});
