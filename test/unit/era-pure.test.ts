// Table-driven tests of the 2026-07-28 era layer's classifier and validation ladder (src/era/):
// every cell of era detection, every ladder refusal with its HTTP status, JSON-RPC code, data and id,
// and the catalogue entries the modern face uses. Header codecs and result shaping are in
// era-shaping-pure.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyEra, type InboundPost } from '../../src/era/classify.js';
import { admitModern } from '../../src/era/ladder.js';
import { isRefusal, refusalAnswer } from '../../src/era/refusal.js';
import { ERROR_CATALOGUE, modernRpcCode, type ErrorCode } from '../../src/errors/catalogue.js';
import { isRequest, type JsonRpcMessage, type JsonRpcRequest } from '../../src/jsonrpc/message.js';

const V = '2026-07-28';
const PV = 'io.modelcontextprotocol/protocolVersion';
const CAPS = 'io.modelcontextprotocol/clientCapabilities';
const meta = (extra: Record<string, unknown> = {}) => ({ [PV]: V, [CAPS]: {}, ...extra });
const req = (method: string, params?: Record<string, unknown>, id: string | number = 7): JsonRpcRequest =>
  params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
const note = (method: string, params?: Record<string, unknown>): JsonRpcMessage => ({ jsonrpc: '2.0', method, ...(params ? { params } : {}) });
const post = (messages: JsonRpcMessage[], headers: Record<string, string> = {}, httpMethod = 'POST', batch = messages.length > 1): InboundPost => ({
  httpMethod,
  headers,
  messages,
  batch,
});
const modernHeaders = (method: string, extra: Record<string, string> = {}) => ({ 'mcp-protocol-version': V, 'mcp-method': method, ...extra });

type Expect = 'legacy' | 'modern' | { status: number; rpc: number; id: string | number | null; data?: Record<string, unknown> };

test('classifyEra: every cell of era detection', () => {
  const list = req('tools/list', { _meta: meta() });
  const cases: Array<[string, InboundPost, Expect]> = [
    ['GET is legacy even with a modern header', post([], { 'mcp-protocol-version': V }, 'GET', false), 'legacy'],
    ['DELETE is legacy', post([], {}, 'DELETE', false), 'legacy'],
    ['an all-legacy batch stays legacy', post([req('tools/list', {}, 1), req('prompts/list', {}, 2)]), 'legacy'],
    ['a batch with a claimed element is refused, id null', post([req('tools/list', {}, 1), list]), { status: 400, rpc: -32600, id: null }],
    [
      'a batch under a modern header is refused',
      post([req('a', {}, 1), req('b', {}, 2)], { 'mcp-protocol-version': V }),
      { status: 400, rpc: -32600, id: null },
    ],
    ['a posted response is legacy', post([{ jsonrpc: '2.0', id: 1, result: {} }], { 'mcp-protocol-version': V }), 'legacy'],
    ['initialize without claim or header', post([req('initialize', { protocolVersion: '2025-11-25' })]), 'legacy'],
    ['initialize with a legacy header', post([req('initialize', {})], { 'mcp-protocol-version': '2025-06-18' }), 'legacy'],
    [
      'initialize without claim under a modern header: -32020',
      post([req('initialize', {})], { 'mcp-protocol-version': V }),
      { status: 400, rpc: -32020, id: 7 },
    ],
    ['initialize with a valid claim is modern', post([req('initialize', { _meta: meta() })], modernHeaders('initialize')), 'modern'],
    ['initialize with a legacy-version claim is legacy', post([req('initialize', { _meta: meta({ [PV]: '2025-11-25' }) })]), 'legacy'],
    ['initialize with a claim but no capabilities is legacy', post([req('initialize', { _meta: { [PV]: V } })]), 'legacy'],
    ['a claim with its header is modern', post([list], modernHeaders('tools/list')), 'modern'],
    ['a claim without any header is modern (ladder refuses later)', post([list]), 'modern'],
    ['a claim the header contradicts: -32020', post([list], { 'mcp-protocol-version': 'v999.0.0' }), { status: 400, rpc: -32020, id: 7 }],
    [
      'an unknown version in claim and header is modern',
      post([req('x', { _meta: meta({ [PV]: 'v999.0.0' }) })], { 'mcp-protocol-version': 'v999.0.0' }),
      'modern',
    ],
    [
      'a malformed envelope behind a claim: -32602, never legacy',
      post([req('tools/list', { _meta: { [PV]: V } })], modernHeaders('tools/list')),
      { status: 400, rpc: -32602, id: 7 },
    ],
    [
      'a malformed envelope wins over a contradicting header',
      post([req('tools/list', { _meta: { [PV]: V } })], { 'mcp-protocol-version': 'v9' }),
      { status: 400, rpc: -32602, id: 7 },
    ],
    ['a claim whose Mcp-Method names another method: -32020', post([list], modernHeaders('prompts/list')), { status: 400, rpc: -32020, id: 7 }],
    [
      'a notification with a non-string claim: -32602, id null',
      post([note('notifications/x', { _meta: { [PV]: 1 } })]),
      { status: 400, rpc: -32602, id: null },
    ],
    [
      'a notification whose Mcp-Method disagrees: -32020',
      post([note('notifications/x')], modernHeaders('notifications/y')),
      { status: 400, rpc: -32020, id: null },
    ],
    [
      'a modern header without _meta: -32602 naming _meta',
      post([req('server/discover', {}, 'a')], modernHeaders('server/discover')),
      { status: 400, rpc: -32602, id: 'a', data: { envelope: { key: '_meta', problem: 'missing' } } },
    ],
    [
      'a modern header, _meta without protocolVersion: -32602',
      post([req('server/discover', { _meta: { [CAPS]: {} } })], modernHeaders('server/discover')),
      { status: 400, rpc: -32602, id: 7, data: { envelope: { key: PV, problem: 'missing' } } },
    ],
    ['a modern header with OWS still counts', post([req('tools/list', {})], { 'mcp-protocol-version': ` ${V}\t` }), { status: 400, rpc: -32602, id: 7 }],
    ['a notification under a modern header is modern', post([note('notifications/initialized')], { 'mcp-protocol-version': V }), 'modern'],
    ['a notification with a claim is modern', post([note('notifications/x', { _meta: meta() })]), 'modern'],
    ['a legacy request with a legacy header', post([req('tools/list', {})], { 'mcp-protocol-version': '2025-11-25' }), 'legacy'],
    [
      'an unknown header without a claim stays legacy (the face refuses it as today)',
      post([req('tools/list', {})], { 'mcp-protocol-version': 'v999' }),
      'legacy',
    ],
    ['no header, no claim', post([req('tools/list')]), 'legacy'],
  ];
  for (const [name, input, want] of cases) {
    const got = classifyEra(input);
    if (want === 'legacy' || want === 'modern') {
      assert.equal(got.era, want, name);
      // A modern request hands its parsed envelope on, so the ladder reads `_meta` once.
      if (got.era === 'modern') assert.equal(got.envelope !== undefined, isRequest(got.message), name);
      continue;
    }
    assert.equal(got.era, 'reject', name);
    if (got.era !== 'reject') continue;
    const answer = refusalAnswer(got.refusal, got.id, 'e1');
    assert.equal(answer.status, want.status, name);
    assert.equal(answer.body.error?.code, want.rpc, name);
    assert.equal(answer.body.id, want.id, name);
    if (want.data) assert.deepEqual(pick(answer.body.error?.data, Object.keys(want.data)), want.data, name);
  }
});

function pick(data: unknown, keys: string[]): Record<string, unknown> {
  const d = data as Record<string, unknown>;
  return Object.fromEntries(keys.map((k) => [k, d[k]]));
}

type Ladder = 'forward' | 'discover' | 'listen' | { status: number; rpc: number; data?: Record<string, unknown> };

test('admitModern: the ladder, each refusal with status, code, data and the echoed id', () => {
  const call = (name: string, extra: Record<string, unknown> = {}) => req('tools/call', { name, arguments: {}, _meta: meta(extra) }, 'id-1');
  const cases: Array<[string, JsonRpcRequest, Record<string, string>, Ladder]> = [
    ['tools/list is forwarded', req('tools/list', { _meta: meta() }), modernHeaders('tools/list'), 'forward'],
    ['server/discover is answered here', req('server/discover', { _meta: meta() }), modernHeaders('server/discover'), 'discover'],
    [
      'subscriptions/listen is answered here',
      req('subscriptions/listen', { _meta: meta(), notifications: {} }),
      modernHeaders('subscriptions/listen'),
      'listen',
    ],
    ['an unknown method goes to the backend', req('unknown/method', { _meta: meta() }), modernHeaders('unknown/method'), 'forward'],
    [
      'clientCapabilities missing',
      req('tools/list', { _meta: { [PV]: V } }),
      modernHeaders('tools/list'),
      { status: 400, rpc: -32602, data: { envelope: { key: CAPS, problem: 'missing' } } },
    ],
    ['clientCapabilities not an object', req('tools/list', { _meta: { [PV]: V, [CAPS]: [] } }), modernHeaders('tools/list'), { status: 400, rpc: -32602 }],
    ['protocolVersion not a string', req('tools/list', { _meta: { [PV]: 2026, [CAPS]: {} } }), modernHeaders('tools/list'), { status: 400, rpc: -32602 }],
    [
      'clientCapabilities over 4 KB',
      req('tools/list', { _meta: meta({ [CAPS]: { x: { y: 'z'.repeat(5000) } } }) }),
      modernHeaders('tools/list'),
      { status: 400, rpc: -32602 },
    ],
    [
      'clientInfo without a version',
      req('tools/list', { _meta: meta({ 'io.modelcontextprotocol/clientInfo': { name: 'c' } }) }),
      modernHeaders('tools/list'),
      { status: 400, rpc: -32602 },
    ],
    ['clientInfo absent is fine', req('server/discover', { _meta: meta() }), modernHeaders('server/discover'), 'discover'],
    [
      'an unknown logLevel',
      req('tools/list', { _meta: meta({ 'io.modelcontextprotocol/logLevel': 'loud' }) }),
      modernHeaders('tools/list'),
      { status: 400, rpc: -32602 },
    ],
    ['a known logLevel', req('tools/list', { _meta: meta({ 'io.modelcontextprotocol/logLevel': 'info' }) }), modernHeaders('tools/list'), 'forward'],
    [
      'an unserved version: -32022 with supported and requested',
      req('server/discover', { _meta: meta({ [PV]: 'v999.0.0' }) }),
      { 'mcp-protocol-version': 'v999.0.0', 'mcp-method': 'server/discover' },
      { status: 400, rpc: -32022, data: { supported: [V], requested: 'v999.0.0' } },
    ],
    ['a legacy version claimed: -32022', req('tools/list', { _meta: meta({ [PV]: '2025-11-25' }) }), modernHeaders('tools/list'), { status: 400, rpc: -32022 }],
    [
      'MCP-Protocol-Version missing: -32020',
      req('tools/list', { _meta: meta() }),
      { 'mcp-method': 'tools/list' },
      { status: 400, rpc: -32020, data: { header: { name: 'MCP-Protocol-Version', problem: 'missing' } } },
    ],
    ['Mcp-Method missing', req('tools/list', { _meta: meta() }), { 'mcp-protocol-version': V }, { status: 400, rpc: -32020 }],
    ['Mcp-Method in upper case', req('tools/list', { _meta: meta() }), modernHeaders('TOOLS/LIST'), { status: 400, rpc: -32020 }],
    ['Mcp-Method naming another method', req('tools/list', { _meta: meta() }), modernHeaders('prompts/list'), { status: 400, rpc: -32020 }],
    ['Mcp-Method with optional whitespace', req('tools/list', { _meta: meta() }), modernHeaders('  tools/list \t'), 'forward'],
    [
      'Mcp-Name missing on tools/call',
      call('echo'),
      modernHeaders('tools/call'),
      { status: 400, rpc: -32020, data: { header: { name: 'Mcp-Name', problem: 'missing' } } },
    ],
    ['Mcp-Name naming another tool', call('echo'), modernHeaders('tools/call', { 'mcp-name': 'add' }), { status: 400, rpc: -32020 }],
    ['Mcp-Name in another case', call('echo'), modernHeaders('tools/call', { 'mcp-name': 'ECHO' }), { status: 400, rpc: -32020 }],
    ['Mcp-Name matching', call('echo'), modernHeaders('tools/call', { 'mcp-name': ' echo ' }), 'forward'],
    [
      'Mcp-Name as a Base64 sentinel',
      call('héllo'),
      modernHeaders('tools/call', { 'mcp-name': `=?base64?${Buffer.from('héllo').toString('base64')}?=` }),
      'forward',
    ],
    ['Mcp-Name with bad Base64', call('echo'), modernHeaders('tools/call', { 'mcp-name': '=?base64?ZWNobw?=' }), { status: 400, rpc: -32020 }],
    [
      'Mcp-Name when the body has no name is left to the handler',
      req('tools/call', { _meta: meta() }),
      modernHeaders('tools/call', { 'mcp-name': 'x' }),
      'forward',
    ],
    ['Mcp-Name on prompts/get', req('prompts/get', { name: 'p', _meta: meta() }), modernHeaders('prompts/get', { 'mcp-name': 'p' }), 'forward'],
    [
      'Mcp-Name is the uri on resources/read',
      req('resources/read', { uri: 'test://a', _meta: meta() }),
      modernHeaders('resources/read', { 'mcp-name': 'test://a' }),
      'forward',
    ],
    [
      'resources/read without Mcp-Name',
      req('resources/read', { uri: 'test://a', _meta: meta() }),
      modernHeaders('resources/read'),
      { status: 400, rpc: -32020 },
    ],
    ['initialize (removed): 404 -32601', req('initialize', { _meta: meta() }), modernHeaders('initialize'), { status: 404, rpc: -32601 }],
    ['ping (removed)', req('ping', { _meta: meta() }), modernHeaders('ping'), { status: 404, rpc: -32601 }],
    ['logging/setLevel (removed)', req('logging/setLevel', { level: 'info', _meta: meta() }), modernHeaders('logging/setLevel'), { status: 404, rpc: -32601 }],
    [
      'resources/subscribe (removed)',
      req('resources/subscribe', { uri: 'x', _meta: meta() }),
      modernHeaders('resources/subscribe'),
      { status: 404, rpc: -32601 },
    ],
    [
      'resources/unsubscribe (removed)',
      req('resources/unsubscribe', { uri: 'x', _meta: meta() }),
      modernHeaders('resources/unsubscribe'),
      { status: 404, rpc: -32601 },
    ],
  ];
  for (const [name, request, headers, want] of cases) {
    const got = admitModern(request, headers);
    if (typeof want === 'string') {
      assert.ok(!isRefusal(got), `${name}: ${JSON.stringify(got)}`);
      if (!isRefusal(got)) assert.equal(got.disposition, want, name);
      continue;
    }
    assert.ok(isRefusal(got), name);
    if (!isRefusal(got)) continue;
    const answer = refusalAnswer(got, request.id, 'e2');
    assert.equal(answer.status, want.status, name);
    assert.equal(answer.body.error?.code, want.rpc, name);
    assert.equal(answer.body.id, request.id, name);
    const data = answer.body.error?.data as Record<string, unknown>;
    assert.equal(data.errorId, 'e2', name);
    assert.equal(data.code, got.code, name);
    if (want.data) assert.deepEqual(pick(data, Object.keys(want.data)), want.data, name);
  }
});

test('catalogue: the modern codes, their statuses, and the modern wire code', () => {
  const cases: Array<[ErrorCode, number, number, number]> = [
    ['ERR_HEADER_MISMATCH', 400, -32020, -32020],
    ['ERR_MISSING_CLIENT_CAPABILITY', 400, -32021, -32021],
    ['ERR_UNSUPPORTED_PROTOCOL_VERSION', 400, -32022, -32022],
    ['ERR_META_INVALID', 400, -32602, -32602],
    ['ERR_METHOD_NOT_FOUND', 404, -32601, -32601],
    ['ERR_REQUEST_STATE_INVALID', 200, -32602, -32602],
    ['ERR_INPUT_RESPONSES_INVALID', 200, -32602, -32602],
    ['ERR_INPUT_CAPACITY', 200, -32603, -32603],
    ['ERR_INPUT_TIMEOUT', 200, -32603, -32603],
    ['ERR_SUBSCRIPTION_LIMIT', 200, -32603, -32603],
    // The legacy sub-range never reaches a modern client (2026-07-28, Basic, Error Codes).
    ['ERR_SESSION_REQUIRED', 400, -32000, -32600],
    ['ERR_SESSION_NOT_FOUND', 404, -32001, -32600],
    ['ERR_ORIGIN_REJECTED', 403, -32000, -32600],
    ['ERR_BACKEND_UNAVAILABLE', 502, -32603, -32603],
  ];
  for (const [code, status, rpc, modern] of cases) {
    assert.equal(ERROR_CATALOGUE[code].status, status, code);
    assert.equal(ERROR_CATALOGUE[code].rpcCode, rpc, code);
    assert.equal(modernRpcCode(code), modern, code);
  }
  for (const code of Object.keys(ERROR_CATALOGUE) as ErrorCode[]) {
    const m = modernRpcCode(code);
    assert.ok(!(m <= -32000 && m >= -32019), `${code} must not use the legacy sub-range on the modern face`);
  }
});
