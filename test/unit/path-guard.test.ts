// The edge's path guard and the OAuth relay's path rule, table-driven. The relay rule is checked
// on its own too: it must refuse every traversal even if the edge guard were not in front of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unsafePathReason } from '../../src/http/path-guard.js';
import { oauthRelayPath } from '../../src/auth/relay-path.js';
import { classifyOAuthProbe } from '../../src/http/oauth-probes.js';

const AS = '/.well-known/oauth-authorization-server';
const OIDC = '/.well-known/openid-configuration';
const PRM = '/.well-known/oauth-protected-resource';

const TRAVERSALS = [
  `${AS}/../../_stats`,
  `${AS}/./x`,
  `${AS}/%2e%2e/_stats`,
  `${AS}/%2E%2e/_stats`,
  `${AS}/.%2E/_stats`,
  `${AS}/%2e./_stats`,
  `${AS}/%2e/_stats`,
  `${AS}/..;/_stats`,
  `${AS}/..;jsessionid=1/_stats`,
  `${AS}\\..\\_stats`,
  `${AS}/..%5c_stats`,
  `${AS}/..%5C_stats`,
  `${AS}/..%2f_stats`,
  `${AS}/..%2F_stats`,
  `${OIDC}/..`,
  `/..${OIDC}`,
  `/a/%2e%2e${OIDC}`,
];

test('unsafePathReason: dot segments, backslashes and encoded slashes, in every spelling', () => {
  for (const p of TRAVERSALS) assert.notEqual(unsafePathReason(p), undefined, p);
  assert.equal(unsafePathReason('/a/../b'), 'path_dot_segment');
  assert.equal(unsafePathReason('/a\\b'), 'path_backslash');
  assert.equal(unsafePathReason('/a%2Fb'), 'path_encoded_slash');
  assert.equal(unsafePathReason('/a%5cb'), 'path_encoded_slash');
  // Plain paths, including the ones path repairs serve and dots inside a segment.
  for (const p of [
    '/',
    '/mcp',
    '/mcp/',
    '//mcp',
    '/tools/tools/mcp',
    '/sse',
    '/messages/',
    '/healthz',
    AS,
    `${AS}/realms/x`,
    `${OIDC}/v2.0`,
    '/...',
    '/.well-known',
    '/a..b/c.',
    '/%41',
  ]) {
    assert.equal(unsafePathReason(p), undefined, p);
  }
});

test('oauthRelayPath: known shapes only, rebuilt from plain segments; every traversal refused on its own', () => {
  const relay = (p: string, backendPath = '/sse') => {
    const probe = classifyOAuthProbe(p, ['/', '/tools']);
    return probe ? oauthRelayPath(probe, p, backendPath) : undefined;
  };
  assert.equal(relay(AS), AS);
  assert.equal(relay(`${AS}/`), AS);
  assert.equal(relay(`${AS}//realms//demo/`), `${AS}/realms/demo`);
  assert.equal(relay(`${OIDC}/tenant-1/v2.0`), `${OIDC}/tenant-1/v2.0`);
  assert.equal(relay(`/realms/demo${OIDC}`), `/realms/demo${OIDC}`);
  assert.equal(relay(`/r%C3%A9alm${OIDC}`), `/r%C3%A9alm${OIDC}`);
  assert.equal(relay(PRM), PRM);
  assert.equal(relay(`${PRM}/tools/mcp`), `${PRM}/sse`);
  assert.equal(relay(`${PRM}/mcp`, '/'), PRM);
  assert.equal(relay(`${PRM}/../../_stats`), `${PRM}/sse`, 'PRM is a fixed path whatever the suffix');
  assert.equal(relay('/tools/register'), '/register');
  assert.equal(relay('/token'), '/token');
  for (const p of TRAVERSALS) assert.equal(relay(p), undefined, p);
  for (const p of [`${AS}/%252e%252e/_stats`, `${AS}/%00/x`, `${AS}/a;b`, `${AS}/...`, `http://evil.example${OIDC}`, `${AS}/a b`]) {
    assert.equal(relay(p), undefined, p);
  }
});
