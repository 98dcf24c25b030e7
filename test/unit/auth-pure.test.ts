// The pure pieces of route authorization: tool globs and scopes, the per-session tool gate and its
// audit entries, challenges, bearer parsing, token refusal reasons, principals from claims,
// discovery URLs, API-key matching and session ownership.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { ToolPolicy } from '../../src/policy/tool-policy.js';
import { ToolCalls, type AuditEntry } from '../../src/policy/tool-calls.js';
import { toolsSchema, authSchema } from '../../src/config/auth-schema.js';
import { bearerChallenge, bearerToken } from '../../src/auth/challenge.js';
import { tokenRefusal } from '../../src/auth/oauth/token-refusal.js';
import { principalOfClaims } from '../../src/auth/oauth/claims.js';
import { discoveryUrls } from '../../src/auth/oauth/issuer-metadata.js';
import { createApiKeyGuard } from '../../src/auth/api-key-guard.js';
import { SessionOwner } from '../../src/session/session-owner.js';
import { VerifiedTokens } from '../../src/auth/oauth/verified-tokens.js';
import { passthroughPrincipal, NO_SCOPES } from '../../src/auth/principal.js';
import { Metrics } from '../../src/observability/metrics.js';
import { isProxyError } from '../../src/errors/proxy-error.js';
import { metricValue } from '../helpers/metrics.js';

const policy = (tools: Record<string, unknown>) => new ToolPolicy(toolsSchema.parse(tools));
const call = (id: number, name: unknown) => ({ jsonrpc: '2.0' as const, id, method: 'tools/call', params: { name, arguments: { x: 1 } } });

test('tool globs: * and ? only, anchored, regex characters literal; deny wins; non-strings hidden when restricted', () => {
  const p = policy({ allow: ['get_*', 'a?d', 'x.y'], deny: ['get_secret*'] });
  assert.deepEqual(
    ['get_user', 'get_secret_key', 'add', 'aad', 'adds', 'x.y', 'xzy', 'get'].map((n) => p.visible(n)),
    [true, false, true, true, false, true, false, false],
  );
  assert.equal(p.visible(undefined), false);
  assert.equal(p.restricts, true);
  const open = policy({});
  assert.equal(open.restricts, false);
  assert.equal(open.visible(42), true, 'an unrestricted route leaves odd names to the backend');
});

test('per-tool scopes: the union over every matching glob; toolScopes lists them once', () => {
  const p = policy({ scopes: { 'write_*': ['mcp:write'], '*_admin': ['mcp:admin', 'mcp:write'] } });
  assert.deepEqual(p.scopesFor('write_admin').sort(), ['mcp:admin', 'mcp:write']);
  assert.deepEqual(p.scopesFor('read'), []);
  assert.deepEqual([...p.toolScopes].sort(), ['mcp:admin', 'mcp:write']);
});

test('ToolCalls: a hidden tool is answered with -32602 and audited as denied; lists are filtered; calls audited once', () => {
  const entries: AuditEntry[] = [];
  const calls = new ToolCalls(policy({ deny: ['rm*'], auditArguments: true }), (e) => entries.push(e));
  const refused = calls.admit(call(1, 'rm_all'));
  assert.equal(refused?.error?.code, -32602);
  assert.equal(refused?.error?.message, 'Tool rm_all not found');
  assert.equal(entries[0]?.outcome, 'denied');
  assert.equal(calls.admit({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), undefined);
  const listed = calls.settle({ jsonrpc: '2.0', id: 2, result: { tools: [{ name: 'rm_all' }, { name: 'ls' }, 'junk'], nextCursor: 'c' } });
  assert.deepEqual(listed.result, { tools: [{ name: 'ls' }], nextCursor: 'c' });
  assert.equal(calls.admit(call(3, 'ls')), undefined);
  calls.settle({ jsonrpc: '2.0', id: 3, result: { content: [], isError: true } });
  calls.settle({ jsonrpc: '2.0', id: 3, result: { content: [] } }); // a second answer is not audited again
  assert.equal(entries.length, 2);
  assert.equal(entries[1]?.outcome, 'tool_error');
  assert.deepEqual(entries[1]?.arguments, { x: 1 });
  assert.equal(calls.admit(call(4, 'ls')), undefined);
  calls.settle({ jsonrpc: '2.0', id: '4', result: {} }); // another id type is another request
  calls.settle({ jsonrpc: '2.0', id: 4, error: { code: -32603, message: 'x', data: { errorId: 'abc' } } });
  assert.deepEqual({ outcome: entries[2]?.outcome, code: entries[2]?.errorCode, id: entries[2]?.errorId }, { outcome: 'error', code: -32603, id: 'abc' });
});

test('challenges: RFC 6750 parameters, quoted and escaped; bearer tokens parsed strictly', () => {
  assert.equal(bearerChallenge({}), 'Bearer');
  assert.equal(
    bearerChallenge({
      error: 'invalid_token',
      description: 'say "hi" \\ bye',
      scope: ['a', 'b'],
      resourceMetadata: 'https://x/.well-known/oauth-protected-resource/mcp',
    }),
    'Bearer error="invalid_token", error_description="say \\"hi\\" \\\\ bye", scope="a b", resource_metadata="https://x/.well-known/oauth-protected-resource/mcp"',
  );
  assert.equal(bearerToken('Bearer abc.def-ghi_~+/='), 'abc.def-ghi_~+/=');
  assert.equal(bearerToken('bearer  abc'), 'abc');
  for (const bad of [undefined, 'Basic abc', 'Bearer', 'Bearer a b', 'Bearer a"b', 'Bearerabc']) assert.equal(bearerToken(bad), undefined, String(bad));
});

test('token refusals: jose error codes and claims map to reasons; unknown errors map to none', () => {
  assert.equal(tokenRefusal({ code: 'ERR_JWT_EXPIRED' })?.reason, 'token_expired');
  assert.equal(tokenRefusal({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' })?.reason, 'wrong_audience');
  assert.equal(tokenRefusal({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iss' })?.reason, 'wrong_issuer');
  assert.equal(tokenRefusal({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'zzz' })?.reason, 'invalid_claims');
  assert.equal(tokenRefusal(new Error('boom')), undefined);
});

test('principals from claims: subject, client (azp, client_id, appid), scopes from scope and scp', () => {
  const p = principalOfClaims({ iss: 'https://i', sub: 'u1', azp: 'app', scope: 'a b', scp: ['c'] }, 'https://i');
  assert.equal(p.id, 'oauth:https://i|u1|app');
  assert.equal(p.label, 'u1 (client app)');
  assert.deepEqual([...p.scopes].sort(), ['a', 'b', 'c']);
  const service = principalOfClaims({ iss: 'https://i', client_id: 'svc' }, 'https://i');
  assert.equal(service.id, 'oauth:https://i|svc|svc');
  assert.equal(service.label, 'svc');
  const entra = principalOfClaims({ sub: 'x', appid: 'y', scp: 'r w' }, 'https://i');
  assert.equal(entra.id, 'oauth:https://i|x|y');
  assert.deepEqual([...entra.scopes], ['r', 'w']);
});

test('discovery URLs: RFC 8414 with the path inserted, then OIDC inserted and appended, no duplicates', () => {
  assert.deepEqual(discoveryUrls('https://idp.example.com/realms/mcp/').map(String), [
    'https://idp.example.com/.well-known/oauth-authorization-server/realms/mcp',
    'https://idp.example.com/.well-known/openid-configuration/realms/mcp',
    'https://idp.example.com/realms/mcp/.well-known/openid-configuration',
  ]);
  assert.deepEqual(discoveryUrls('https://tenant.auth0.com/').map(String), [
    'https://tenant.auth0.com/.well-known/oauth-authorization-server',
    'https://tenant.auth0.com/.well-known/openid-configuration',
  ]);
});

test('API keys: Bearer or X-API-Key, exact match only, a fingerprint as principal, counted failures', async () => {
  const metrics = new Metrics();
  const guard = createApiKeyGuard(['k'.repeat(20), 'm'.repeat(20)], '/r', metrics);
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
  const target = () => ({ resource: 'x', metadataUrl: 'y', audiences: [] });
  const one = guard.authenticate(req({ authorization: `Bearer ${'k'.repeat(20)}` }), target);
  const two = guard.authenticate(req({ 'x-api-key': 'm'.repeat(20) }), target);
  assert.ok(one && !(one instanceof Promise) && two && !(two instanceof Promise));
  assert.notEqual(one.id, two.id);
  assert.ok(!one.id.includes('kkkk') && !one.label.includes('kkkk'), 'the key itself is not the principal');
  const refusals: Array<[Record<string, string>, string]> = [
    [{}, 'credentials_missing'],
    [{ authorization: `Basic ${'k'.repeat(20)}` }, 'credentials_missing'],
    [{ authorization: `Bearer ${'k'.repeat(19)}` }, 'invalid_key'],
    [{ 'x-api-key': `${'k'.repeat(20)}x` }, 'invalid_key'],
  ];
  for (const [headers, reason] of refusals) {
    assert.throws(
      () => guard.authenticate(req(headers), target),
      (e: unknown) => isProxyError(e) && e.status === 401 && e.reason === reason,
      JSON.stringify(headers),
    );
  }
  assert.equal(metricValue(await metrics.render(), 'frontdoor_auth_failures_total', { route: '/r', reason: 'invalid_key' }), 2);
});

test('session ownership: the first principal binds; missing is 401, another is 403; a record binds it up front', () => {
  const owner = new SessionOwner();
  assert.equal(owner.check(undefined)?.status, 401);
  const alice = { id: 'a', label: 'alice', scopes: NO_SCOPES };
  assert.equal(owner.check(alice), undefined);
  assert.equal(owner.check({ id: 'b', label: 'bob', scopes: NO_SCOPES })?.status, 403);
  assert.equal(owner.check(alice), undefined);
  const taken = new SessionOwner('b');
  assert.equal(taken.check(alice)?.code, 'ERR_PRINCIPAL_MISMATCH');
  const pass = passthroughPrincipal('Bearer opaque');
  assert.equal(pass.credential, 'Bearer opaque');
  assert.ok(pass.id.startsWith('hash:'));
});

test('auth config: a missing mode is none; unknown modes and bad keys are refused', () => {
  assert.equal(authSchema.parse({}).mode, 'none');
  assert.equal(authSchema.safeParse({ mode: 'jwt' }).success, false);
  assert.equal(authSchema.safeParse({ mode: 'apiKey', keys: [''] }).success, false);
  assert.equal(authSchema.safeParse({ mode: 'oauth', issuer: 'http://idp.example.com' }).success, false, 'http issuer off loopback');
  assert.equal(authSchema.safeParse({ mode: 'oauth', issuer: 'http://127.0.0.1:8080' }).success, true);
});

test('verified tokens: kept until their expiry, per audience set; an expired token is never kept', () => {
  const cache = new VerifiedTokens();
  const p = { id: 'a', label: 'a', scopes: NO_SCOPES };
  const k1 = cache.key('tok', ['https://x/mcp', 'https://x/sse']);
  const k2 = cache.key('tok', ['https://y/mcp', 'https://y/sse']);
  assert.notEqual(k1, k2, 'a token checked for one audience set is not trusted for another');
  cache.set(k1, p, Math.floor(Date.now() / 1000) + 60);
  assert.equal(cache.get(k1), p);
  assert.equal(cache.get(k2), undefined);
  const k3 = cache.key('old', []);
  cache.set(k3, p, Math.floor(Date.now() / 1000) - 1);
  assert.equal(cache.get(k3), undefined);
});
