// Table-driven tests of the pure repair pieces: path matching, OAuth probe classification and the
// OAuth URL rewrites, when the handshake repair sends `initialized`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchPath } from '../../src/http/route-paths.js';
import { classifyOAuthProbe } from '../../src/http/oauth-probes.js';
import { needsInitialized } from '../../src/session/handshake-repair.js';
import {
  protectedResourceMetadataUrl,
  rewriteAuthorizationServerMetadata,
  rewriteProtectedResourceMetadata,
  rewriteWwwAuthenticate,
} from '../../src/auth/oauth-rewrite.js';

const root = { prefix: '/', repairPaths: true };
const tools = { prefix: '/tools', repairPaths: true };
const strict = { prefix: '/', repairPaths: false };
const q = (method: string, path: string, extra: Partial<{ acceptsEventStream: boolean; hasSession: boolean }> = {}) => ({
  method,
  path,
  acceptsEventStream: false,
  hasSession: false,
  ...extra,
});

test('matchPath: exact faces, repairs, and the switch', () => {
  const cases: Array<[typeof root, ReturnType<typeof q>, string | undefined, string | undefined]> = [
    [root, q('POST', '/mcp'), 'mcp', undefined],
    [root, q('GET', '/sse'), 'sse', undefined],
    [root, q('POST', '/messages/'), 'messages', undefined],
    [root, q('POST', '/message'), 'messages', undefined],
    [root, q('POST', '/sse'), 'mcp', 'post_to_sse_served_as_mcp'],
    [root, q('DELETE', '/sse', { hasSession: true }), 'mcp', 'sse_url_used_as_mcp'],
    [root, q('GET', '/sse', { hasSession: true, acceptsEventStream: true }), 'mcp', 'sse_url_used_as_mcp'],
    [root, q('POST', '/'), 'mcp', 'post_to_root_served_as_mcp'],
    [root, q('GET', '/mcp', { acceptsEventStream: true }), 'sse', 'legacy_get_on_mcp'],
    [root, q('GET', '/mcp', { acceptsEventStream: true, hasSession: true }), 'mcp', undefined],
    [root, q('GET', '/', { acceptsEventStream: true }), 'sse', 'legacy_get_on_mcp'],
    [root, q('POST', '/mcp/'), 'mcp', 'mcp_path_normalized'],
    [root, q('POST', '//mcp'), 'mcp', 'mcp_path_normalized'],
    [tools, q('POST', '/tools/tools/mcp'), 'mcp', 'doubled_prefix'],
    [tools, q('GET', '/tools/sse'), 'sse', undefined],
    [tools, q('POST', '/tools'), 'mcp', 'post_to_root_served_as_mcp'],
    [strict, q('POST', '/mcp/'), undefined, undefined],
    [strict, q('POST', '/sse'), 'sse', undefined],
    [strict, q('GET', '/mcp', { acceptsEventStream: true }), 'mcp', undefined],
  ];
  for (const [route, query, face, repair] of cases) {
    const m = matchPath([route], query);
    assert.equal(m?.kind, face, `${route.prefix} ${query.method} ${query.path}`);
    assert.equal(m?.repair, repair, `${route.prefix} ${query.method} ${query.path}`);
  }
  assert.equal(matchPath([tools], q('POST', '/other/mcp')), undefined);
});

test('classifyOAuthProbe', () => {
  for (const p of [
    '/.well-known/oauth-protected-resource',
    '/.well-known/oauth-protected-resource/mcp',
    '/.well-known/oauth-authorization-server/mcp',
    '/.well-known/openid-configuration',
    '/mcp/.well-known/openid-configuration',
  ]) {
    assert.equal(classifyOAuthProbe(p, ['/'])?.kind, 'metadata', p);
  }
  assert.deepEqual(classifyOAuthProbe('/register', ['/']), { kind: 'endpoint', endpoint: '/register' });
  assert.deepEqual(classifyOAuthProbe('/tools/token', ['/tools']), { kind: 'endpoint', endpoint: '/token' });
  assert.equal(classifyOAuthProbe('/mcp', ['/']), undefined);
  assert.equal(classifyOAuthProbe('/.well-known/security.txt', ['/']), undefined);
});

test('OAuth rewrites: backend URLs become the proxy, foreign authorization servers stay', () => {
  const r = { backendOrigin: 'http://10.0.0.5:9121', proxyOrigin: 'https://mcp.example.com', proxyResource: 'https://mcp.example.com/tools/mcp' };
  assert.deepEqual(
    rewriteProtectedResourceMetadata({ resource: 'http://10.0.0.5:9121/sse', authorization_servers: ['http://10.0.0.5:9121', 'https://login.example.org'] }, r),
    {
      resource: 'https://mcp.example.com/tools/mcp',
      authorization_servers: ['https://mcp.example.com', 'https://login.example.org'],
    },
  );
  assert.deepEqual(
    rewriteAuthorizationServerMetadata(
      { issuer: 'http://10.0.0.5:9121', token_endpoint: 'http://10.0.0.5:9121/token', jwks_uri: 'http://10.0.0.5:91210/x' },
      r,
    ),
    {
      issuer: 'https://mcp.example.com',
      token_endpoint: 'https://mcp.example.com/token',
      jwks_uri: 'http://10.0.0.5:91210/x',
    },
  );
  const foreign = { issuer: 'https://login.example.org', token_endpoint: 'https://login.example.org/token' };
  assert.deepEqual(rewriteAuthorizationServerMetadata(foreign, r), foreign);
  assert.equal(
    rewriteWwwAuthenticate('Bearer error="invalid_token", resource_metadata="http://10.0.0.5:9121/x"', 'https://p/y'),
    'Bearer error="invalid_token", resource_metadata="https://p/y"',
  );
  assert.equal(protectedResourceMetadataUrl('https://mcp.example.com/tools/mcp'), 'https://mcp.example.com/.well-known/oauth-protected-resource/tools/mcp');
});

test('needsInitialized: any request, ping included, unless the client sends initialized itself', () => {
  const req = (method: string) => ({ jsonrpc: '2.0' as const, id: 1, method });
  const initialized = { jsonrpc: '2.0' as const, method: 'notifications/initialized' };
  assert.equal(needsInitialized([req('tools/list')]), true);
  // python-sdk < 1.14 refuses a ping before initialized (and < 1.9.4 ends the session for it).
  assert.equal(needsInitialized([req('ping')]), true);
  assert.equal(needsInitialized([initialized, req('tools/list')]), false);
  assert.equal(needsInitialized([{ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } }]), false);
  assert.equal(needsInitialized([{ jsonrpc: '2.0', id: 3, result: {} }]), false);
});
