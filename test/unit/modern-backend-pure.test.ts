// The pure translation of a 2026-07-28-only backend for handshake-era clients (src/backends/modern-http/):
// era evidence in a refused initialize, the envelope and the mirrored headers, the InitializeResult made
// from server/discover, result shaping, the listen filter, and InputRequiredResult → input requests → retry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modernRevisionsOf } from '../../src/backends/modern-http/era-evidence.js';
import { clientSideOf, requestHeaders, withEnvelope } from '../../src/backends/modern-http/outbound.js';
import { handshakeResult, initializeResult, listenFilter } from '../../src/backends/modern-http/inbound.js';
import { inputRefused, inputRequiredOf, retryParams } from '../../src/backends/modern-http/input-rounds.js';
import { askClient, InputWaiters } from '../../src/backends/modern-http/input-waiters.js';
import { ToolHeaders } from '../../src/era/tool-headers.js';
import { isProxyError, ProxyError } from '../../src/errors/proxy-error.js';
import { ERROR_CATALOGUE } from '../../src/errors/catalogue.js';
import type { JsonRpcRequest } from '../../src/jsonrpc/message.js';

const rpcError = (code: number, data?: unknown) => JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code, message: 'x', ...(data ? { data } : {}) } });

test('era evidence: only a refusal naming per-request revisions alone switches the era', () => {
  assert.deepEqual(modernRevisionsOf(400, rpcError(-32022, { supported: ['2026-07-28'], requested: '2025-11-25' })), ['2026-07-28']);
  assert.deepEqual(modernRevisionsOf(404, rpcError(-32601, { supported: ['2026-07-28'] })), ['2026-07-28']);
  assert.deepEqual(modernRevisionsOf(400, rpcError(-32022, { supported: ['2026-07-28', '2027-01-01'] })), ['2026-07-28', '2027-01-01']);
  // A 2025 server refusing a version names handshake revisions: it wants initialize, not a switch.
  assert.equal(modernRevisionsOf(400, rpcError(-32022, { supported: ['2025-11-25', '2026-07-28'] })), undefined);
  assert.equal(modernRevisionsOf(400, rpcError(-32602)), undefined);
  assert.equal(modernRevisionsOf(400, rpcError(-32022, { supported: ['2099-01-01'] })), undefined, 'no revision we speak');
  assert.equal(modernRevisionsOf(400, 'Bad Request'), undefined);
  assert.equal(modernRevisionsOf(403, rpcError(-32022, { supported: ['2026-07-28'] })), undefined, 'an auth wall is never era evidence');
  assert.equal(modernRevisionsOf(200, rpcError(-32600, { supported: ['2026-07-28'] })), undefined);
  assert.deepEqual(modernRevisionsOf(200, rpcError(-32022, { supported: ['2026-07-28'] })), ['2026-07-28']);
});

test('envelope: the client side of initialize rides in every request; its own _meta stays', () => {
  const client = clientSideOf({ protocolVersion: '2025-06-18', capabilities: { sampling: {} }, clientInfo: { name: 'c', version: '1' } });
  const params = withEnvelope({ name: 't', _meta: { progressToken: 5, traceparent: 'tp' } }, client);
  assert.deepEqual(params, {
    name: 't',
    _meta: {
      progressToken: 5,
      traceparent: 'tp',
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': { sampling: {} },
      'io.modelcontextprotocol/clientInfo': { name: 'c', version: '1' },
    },
  });
  const leveled = withEnvelope(undefined, { ...client, logLevel: 'warning' });
  assert.equal((leveled._meta as Record<string, unknown>)['io.modelcontextprotocol/logLevel'], 'warning');
  // Malformed parts of initialize are left out, never guessed.
  assert.deepEqual(clientSideOf({ capabilities: 'x', clientInfo: { name: 1 } }), { capabilities: {}, clientInfo: undefined, logLevel: undefined });
});

test('headers: version, method, name (sentinel-encoded when needed) and learnt Mcp-Param-*', () => {
  assert.deepEqual(requestHeaders('tools/list', {}), { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' });
  assert.equal(requestHeaders('resources/read', { uri: 'test://a' })['mcp-name'], 'test://a');
  assert.equal(requestHeaders('prompts/get', { name: 'café' })['mcp-name'], '=?base64?Y2Fmw6k=?=');
  const tools = new ToolHeaders();
  const problems = tools.learn({
    tools: [
      { name: 'geo', inputSchema: { type: 'object', properties: { region: { type: 'string', 'x-mcp-header': 'Region' }, n: { type: 'integer' } } } },
      { name: 'bad', inputSchema: { type: 'object', properties: { x: { type: 'number', 'x-mcp-header': 'X' } } } },
    ],
  });
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /^bad: /);
  const h = requestHeaders('tools/call', { name: 'geo', arguments: { region: 'eu west ', n: 2 } }, tools.of('geo'));
  assert.equal(h['mcp-name'], 'geo');
  assert.equal(h['mcp-param-region'], '=?base64?ZXUgd2VzdCA=?=', 'trailing whitespace is sentinel-encoded');
  assert.deepEqual(tools.of('other'), []);
  assert.equal(requestHeaders('tools/call', { name: 'geo', arguments: {} }, tools.of('geo'))['mcp-param-region'], undefined);
});

test('initialize from server/discover: the version the client asked for when the proxy serves it', () => {
  const discover = {
    resultType: 'complete',
    ttlMs: 0,
    cacheScope: 'private',
    supportedVersions: ['2026-07-28'],
    capabilities: { tools: { listChanged: true }, logging: {} },
    instructions: 'be nice',
    _meta: { 'io.modelcontextprotocol/serverInfo': { name: 's', version: '2' } },
  };
  assert.deepEqual(initializeResult(discover, '2025-06-18'), {
    protocolVersion: '2025-06-18',
    capabilities: { tools: { listChanged: true }, logging: {} },
    serverInfo: { name: 's', version: '2' },
    instructions: 'be nice',
  });
  assert.equal(initializeResult(discover, '2026-07-28').protocolVersion, '2025-11-25');
  assert.equal(initializeResult(discover, 'nonsense').protocolVersion, '2025-11-25');
  assert.deepEqual(initializeResult({ capabilities: {} }, '2025-11-25').serverInfo, { name: 'unknown', version: '0' });
});

test('results lose resultType and caching hints; the listen filter follows capabilities and subscriptions', () => {
  const r = { content: [], resultType: 'complete', ttlMs: 5, cacheScope: 'public', _meta: { a: 1 } };
  assert.deepEqual(handshakeResult(r), { content: [], _meta: { a: 1 } });
  const plain = { content: [] };
  assert.equal(handshakeResult(plain), plain);
  const caps = { tools: { listChanged: true }, prompts: {}, resources: { subscribe: true, listChanged: true } };
  assert.deepEqual(listenFilter(caps, []), { toolsListChanged: true, resourcesListChanged: true });
  assert.deepEqual(listenFilter(caps, ['test://w']), { toolsListChanged: true, resourcesListChanged: true, resourceSubscriptions: ['test://w'] });
  assert.deepEqual(listenFilter({ resources: {} }, ['test://w']), {}, 'no subscribe capability: nothing to listen for');
});

test('InputRequiredResult: parsed, refused when malformed, retried with inputResponses and the echoed requestState', () => {
  const ask = inputRequiredOf('tools/call', {
    resultType: 'input_required',
    inputRequests: { who: { method: 'elicitation/create', params: { message: 'name?' } }, roots: { method: 'roots/list' } },
    requestState: 'opaque',
  });
  assert.ok(ask && !(ask instanceof ProxyError));
  assert.deepEqual(ask.requests, [
    { key: 'who', method: 'elicitation/create', params: { message: 'name?' } },
    { key: 'roots', method: 'roots/list', params: undefined },
  ]);
  assert.equal(inputRequiredOf('tools/call', { resultType: 'complete' }), undefined);
  assert.equal(inputRequiredOf('tools/call', { content: [] }), undefined);
  for (const bad of [
    { resultType: 'input_required' },
    { resultType: 'input_required', inputRequests: { k: { method: 'tools/call' } } },
    { resultType: 'input_required', inputRequests: [], requestState: 1 },
  ]) {
    const e = inputRequiredOf('tools/call', bad);
    assert.ok(isProxyError(e), JSON.stringify(bad));
  }
  assert.ok(isProxyError(inputRequiredOf('tools/list', { resultType: 'input_required', requestState: 's' })), 'only MRTR methods may ask');

  const original = { name: 't', _meta: { progressToken: 1 }, inputResponses: { old: {} }, requestState: 'older' };
  assert.deepEqual(retryParams(original, new Map([['who', { action: 'accept', content: { name: 'Ada' } }]]), 'opaque'), {
    name: 't',
    _meta: { progressToken: 1 },
    inputResponses: { who: { action: 'accept', content: { name: 'Ada' } } },
    requestState: 'opaque',
  });
  assert.deepEqual(retryParams({ name: 't' }, new Map(), undefined), { name: 't' });
  const refused = inputRefused({ key: 'who', method: 'elicitation/create', params: undefined }, { code: -32601, message: 'Method not found' });
  assert.equal(refused.code, 'ERR_INPUT_REFUSED');
  assert.equal(ERROR_CATALOGUE.ERR_INPUT_REFUSED.rpcCode, -32603);
  assert.match(refused.message, /elicitation\/create.*"who".*Method not found \(-32601\)/);
});

test('askClient: one server→client request per input, answers keyed in the asked order; an error refuses; cancellation ends the wait', async () => {
  const waiters = new InputWaiters('t');
  const sent: JsonRpcRequest[] = [];
  const requests = [
    { key: 'a', method: 'roots/list', params: undefined },
    { key: 'b', method: 'sampling/createMessage', params: { maxTokens: 1, messages: [] } },
  ];
  const abort = new AbortController();
  const done = askClient(waiters, requests, { deliver: (r) => sent.push(r), signal: abort.signal, timeoutMs: 10_000 });
  assert.deepEqual(
    sent.map((r) => [r.method, typeof r.id]),
    [
      ['roots/list', 'string'],
      ['sampling/createMessage', 'string'],
    ],
  );
  assert.notEqual(sent[0]!.id, sent[1]!.id);
  assert.equal(waiters.answer({ jsonrpc: '2.0', id: 'nobody', result: {} }), false);
  waiters.answer({ jsonrpc: '2.0', id: sent[1]!.id, result: { model: 'm' } });
  waiters.answer({ jsonrpc: '2.0', id: sent[0]!.id, result: { roots: [] } });
  assert.deepEqual(
    [...(await done).entries()],
    [
      ['a', { roots: [] }],
      ['b', { model: 'm' }],
    ],
  );
  assert.equal(waiters.size, 0);

  sent.length = 0;
  const refused = askClient(waiters, requests, { deliver: (r) => sent.push(r), signal: abort.signal, timeoutMs: 10_000 });
  waiters.answer({ jsonrpc: '2.0', id: sent[0]!.id, error: { code: -32601, message: 'no roots here' } });
  await assert.rejects(refused, (e: ProxyError) => e.code === 'ERR_INPUT_REFUSED' && /no roots here/.test(e.message));
  assert.equal(waiters.size, 0, 'the other waiter is gone too: a late answer is dropped');

  const cancelled = askClient(waiters, requests, { deliver: () => undefined, signal: abort.signal, timeoutMs: 10_000 });
  abort.abort();
  await assert.rejects(cancelled, (e: ProxyError) => e.reason === 'request_cancelled');
  assert.equal(waiters.size, 0);
});
