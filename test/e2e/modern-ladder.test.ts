// The 2026-07-28 face's validation ladder and result shaping, in raw HTTP through the proxy in front of
// the legacy SSE fixture: each refusal's status, JSON-RPC code, echoed id and spec-defined data, one
// log line per refusal carrying the errorId the client saw; resultType and the caching hints on
// results; a stale Mcp-Session-Id is ignored on a modern request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';
import { envelope, modernMessages, modernRequest, postModern, MODERN_VERSION } from '../helpers/modern.js';
import type { Wire } from '../helpers/wire.js';

let proxy: RunningProxy;

before(async () => {
  const backend = await startFixture('legacy-sse-server');
  proxy = await startProxy(['--backend', backend.url, '--log-level', 'info']);
});

after(() => stopAll());

/** Posts, reads the JSON answer, and checks that the proxy logged the refusal once, with the body's errorId. */
async function refused(body: unknown, headers: Record<string, string | undefined> = {}): Promise<{ status: number; body: Wire }> {
  const res = await postModern(proxy.url, body, headers);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const answer = (await res.json()) as Wire;
  const errorId = answer.error?.data?.errorId;
  assert.equal(typeof errorId, 'string', `the refusal carries an errorId: ${JSON.stringify(answer)}`);
  const line = await proxy.waitForLine((l) => l.errorId === errorId);
  assert.equal(line.reason, answer.error.data.reason);
  assert.equal(proxy.lines.filter((l) => l.includes(errorId)).length, 1, 'logged exactly once');
  assert.equal(res.headers.get('mcp-session-id'), null);
  return { status: res.status, body: answer };
}

test('a missing standard header is 400 -32020 with the request id', async () => {
  const list = modernRequest(11, 'tools/list');
  let r = await refused(list, { 'mcp-protocol-version': undefined });
  assert.equal(r.status, 400);
  assert.equal(r.body.id, 11);
  assert.equal(r.body.error.code, -32020);
  assert.equal(r.body.error.data.header.name.toLowerCase(), 'mcp-protocol-version');

  r = await refused(modernRequest('twelve', 'tools/list'), { 'mcp-method': undefined });
  assert.equal(r.status, 400);
  assert.equal(r.body.id, 'twelve');
  assert.equal(r.body.error.code, -32020);
  assert.equal(r.body.error.data.header.name.toLowerCase(), 'mcp-method');

  r = await refused(modernRequest(13, 'tools/call', { name: 'echo', arguments: { text: 'x' } }), { 'mcp-name': undefined });
  assert.equal(r.status, 400);
  assert.equal(r.body.id, 13);
  assert.equal(r.body.error.code, -32020);
  assert.equal(r.body.error.data.header.name.toLowerCase(), 'mcp-name');

  // A header that contradicts the body is refused the same way.
  r = await refused(modernRequest(14, 'tools/list'), { 'mcp-method': 'prompts/list' });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, -32020);
});

test('an unsupported version in _meta is 400 -32022 naming the supported and the requested', async () => {
  const r = await refused(modernRequest(21, 'tools/list', {}, { version: '2099-01-01' }), { 'mcp-protocol-version': '2099-01-01' });
  assert.equal(r.status, 400);
  assert.equal(r.body.id, 21);
  assert.equal(r.body.error.code, -32022);
  assert.deepEqual(r.body.error.data.supported, [MODERN_VERSION]);
  assert.equal(r.body.error.data.requested, '2099-01-01');
});

test('removed methods are 404 -32601: initialize with a modern envelope, ping, logging/setLevel', async () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['initialize', { protocolVersion: MODERN_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } }],
    ['ping', {}],
    ['logging/setLevel', { level: 'info' }],
    ['resources/subscribe', { uri: 'demo://readme' }],
  ];
  for (const [i, [method, params]] of cases.entries()) {
    const r = await refused(modernRequest(30 + i, method, params));
    assert.equal(r.status, 404, method);
    assert.equal(r.body.id, 30 + i, method);
    assert.equal(r.body.error.code, -32601, method);
  }
});

test('a malformed _meta is 400 -32602 naming the key; a claim without capabilities too', async () => {
  const noCaps = { jsonrpc: '2.0', id: 41, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN_VERSION } } };
  let r = await refused(noCaps);
  assert.equal(r.status, 400);
  assert.equal(r.body.id, 41);
  assert.equal(r.body.error.code, -32602);
  assert.equal(r.body.error.data.envelope.key, 'io.modelcontextprotocol/clientCapabilities');

  r = await refused(modernRequest(42, 'tools/list', {}, { logLevel: 'loud' }));
  assert.equal(r.status, 400);
  assert.equal(r.body.id, 42);
  assert.equal(r.body.error.code, -32602);
  assert.equal(r.body.error.data.envelope.key, 'io.modelcontextprotocol/logLevel');

  // No envelope at all under a modern version header: the missing envelope is named, never a handshake-era answer.
  r = await refused({ jsonrpc: '2.0', id: 43, method: 'tools/list', params: {} });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, -32602);
});

test('a batch with a claim is 400 -32600 with id null', async () => {
  const batch = [modernRequest(51, 'tools/list'), modernRequest(52, 'prompts/list')];
  const r = await refused(batch, { 'mcp-protocol-version': MODERN_VERSION });
  assert.equal(r.status, 400);
  assert.equal(r.body.id, null);
  assert.equal(r.body.error.code, -32600);
});

test('a notification with a claim is accepted and dropped (202)', async () => {
  const res = await postModern(proxy.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, _meta: envelope() } });
  assert.equal(res.status, 202);
  assert.equal(await res.text(), '');
});

/** One modern request answered 200, its single result. */
async function result(id: number, method: string, params: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Wire> {
  const res = await postModern(proxy.url, modernRequest(id, method, params), headers);
  assert.equal(res.status, 200, `${method}: ${res.status}`);
  assert.equal(res.headers.get('mcp-session-id'), null, `${method}: no session on the modern face`);
  const messages = await modernMessages(res);
  const answer = messages.find((m: Wire) => m.id === id);
  assert.ok(answer?.result, `${method}: ${JSON.stringify(messages)}`);
  return answer.result;
}

test('every result carries resultType; lists, reads and server/discover carry ttlMs and cacheScope', async () => {
  const cacheable = ['server/discover', 'tools/list', 'prompts/list', 'resources/list', 'resources/templates/list'];
  for (const [i, method] of cacheable.entries()) {
    const r = await result(60 + i, method);
    assert.equal(r.resultType, 'complete', method);
    assert.ok(Number.isInteger(r.ttlMs) && r.ttlMs >= 0, `${method} ttlMs: ${JSON.stringify(r)}`);
    assert.ok(['public', 'private'].includes(r.cacheScope), `${method} cacheScope: ${JSON.stringify(r)}`);
  }
  const read = await result(70, 'resources/read', { uri: 'demo://readme' });
  assert.equal(read.resultType, 'complete');
  assert.equal(typeof read.ttlMs, 'number');
  assert.equal(typeof read.cacheScope, 'string');

  const others: Array<[string, Record<string, unknown>]> = [
    ['tools/call', { name: 'echo', arguments: { text: 'shaped' } }],
    ['prompts/get', { name: 'greet', arguments: { name: 'bob' } }],
    ['completion/complete', { ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'name', value: 'a' } }],
  ];
  for (const [i, [method, params]] of others.entries()) {
    const r = await result(80 + i, method, params);
    assert.equal(r.resultType, 'complete', method);
    assert.equal(r.ttlMs, undefined, `${method} is not cacheable`);
    assert.equal(r._meta?.['io.modelcontextprotocol/serverInfo']?.name, 'legacy-sse-fixture', method);
  }
});

test('server/discover answers from the backend handshake: the modern version, capabilities, serverInfo', async () => {
  const r = await result(90, 'server/discover');
  assert.deepEqual(r.supportedVersions, [MODERN_VERSION]);
  assert.equal(r.serverInfo.name, 'legacy-sse-fixture');
  assert.ok(r.capabilities.tools, JSON.stringify(r.capabilities));
});

test('a modern request naming an unknown Mcp-Session-Id is served (the header is ignored), not 404', async () => {
  const r = await result(95, 'tools/list', {}, { 'mcp-session-id': 'no-such-session' });
  assert.ok(r.tools.some((t: Wire) => t.name === 'echo'));
});

test('the handshake era still works on the same endpoint: initialize without a claim mints a session', async () => {
  const res = await postModern(
    proxy.url,
    { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'old', version: '1' } } },
    { 'mcp-protocol-version': undefined, 'mcp-method': undefined },
  );
  assert.equal(res.status, 200);
  assert.ok(res.headers.get('mcp-session-id'));
  await res.text();
});
