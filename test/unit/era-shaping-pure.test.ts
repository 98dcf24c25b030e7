// Table-driven tests of the 2026-07-28 era layer's codecs and shaping (src/era/): the header value
// codec (OWS, sentinel, case, bad Base64), x-mcp-header declarations and Mcp-Param-* checks, client
// capabilities, results (resultType, caching hints, serverInfo), errors and HTTP statuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHeaderValue, encodeHeaderValue } from '../../src/era/header-value.js';
import { buildParamHeaders, checkParamHeaders, scanParamHeaders } from '../../src/era/param-headers.js';
import { declares, discoverCapabilities, handshakeCapabilities, missingCapabilities, missingCapabilityRefusal } from '../../src/era/capabilities.js';
import { honouredFilter, parseListenFilter } from '../../src/era/listen-filter.js';
import { logLevelPasses } from '../../src/era/envelope.js';
import { answerStatus, shapeError, shapeResult, stripEnvelope } from '../../src/era/results.js';
import { isRefusal, refusalAnswer } from '../../src/era/refusal.js';

const b64 = (s: string) => `=?base64?${Buffer.from(s, 'utf8').toString('base64')}?=`;

test('decodeHeaderValue: OWS, literals, the Base64 sentinel and its failures', () => {
  const cases: Array<[string, string | { problem: string }]> = [
    ['tools/list', 'tools/list'],
    ['  tools/list\t', 'tools/list'],
    ['a b', 'a b'],
    ['', ''],
    [b64('hello'), 'hello'],
    [` ${b64('  padded  ')} `, '  padded  '],
    [b64('héllo wörld'), 'héllo wörld'],
    ['=?base64?aGVsbG8?=', { problem: 'bad_base64' }],
    ['=?base64?aGVs*G8=?=', { problem: 'bad_base64' }],
    ['=?base64?/w==?=', { problem: 'bad_utf8' }],
    ['=?BASE64?aGVsbG8=?=', '=?BASE64?aGVsbG8=?='],
    ['=?base64?aGVsbG8=', '=?base64?aGVsbG8='],
    ['aGVsbG8=?=', 'aGVsbG8=?='],
    ['h\u00e9', { problem: 'invalid_characters' }],
    ['a\u0001b', { problem: 'invalid_characters' }],
  ];
  for (const [raw, want] of cases) {
    const got = decodeHeaderValue(raw);
    if (typeof want === 'string') assert.deepEqual(got, { ok: true, value: want }, JSON.stringify(raw));
    else assert.deepEqual(got, { ok: false, problem: want.problem }, JSON.stringify(raw));
  }
});

test('encodeHeaderValue: literal when possible, else the sentinel; decode inverts it', () => {
  const cases: Array<[string, boolean]> = [
    ['echo', false],
    ['test://a b', false],
    [' lead', true],
    ['trail\t', true],
    ['héllo', true],
    ['line\nbreak', true],
    ['=?base64?eA==?=', true],
  ];
  for (const [value, encoded] of cases) {
    const h = encodeHeaderValue(value);
    assert.equal(h.startsWith('=?base64?'), encoded, value);
    assert.deepEqual(decodeHeaderValue(h), { ok: true, value }, value);
  }
});

test('scanParamHeaders: reachability, types, uniqueness', () => {
  const p = (type: string, name: unknown) => ({ type, 'x-mcp-header': name });
  const cases: Array<[string, unknown, string[], number]> = [
    ['a top-level string', { type: 'object', properties: { region: p('string', 'Region') } }, ['Region@region:string'], 0],
    ['integer and boolean', { properties: { n: p('integer', 'N'), f: p('boolean', 'F') } }, ['N@n:integer', 'F@f:boolean'], 0],
    ['nested through properties', { properties: { a: { type: 'object', properties: { b: p('string', 'B') } } } }, ['B@a.b:string'], 0],
    ['under items is invalid', { properties: { a: { type: 'array', items: { properties: { b: p('string', 'B') } } } } }, [], 1],
    ['under anyOf is invalid', { properties: { a: { anyOf: [{ properties: { b: p('string', 'B') } }] } } }, [], 1],
    ['under $defs is invalid', { $defs: { x: p('string', 'X') }, properties: { s: p('string', 'S') } }, ['S@s:string'], 1],
    ['on the root is invalid', { type: 'string', 'x-mcp-header': 'Root' }, [], 1],
    ['a number is not allowed', { properties: { n: p('number', 'N') } }, [], 1],
    ['an object is not allowed', { properties: { o: p('object', 'O') } }, [], 1],
    ['a type list is not allowed', { properties: { o: { type: ['string', 'null'], 'x-mcp-header': 'O' } } }, [], 1],
    ['a name that is no token', { properties: { s: p('string', 'Bad Name') } }, [], 1],
    ['a name that is not a string', { properties: { s: p('string', 7) } }, [], 1],
    ['duplicates (any case) drop both', { properties: { a: p('string', 'Dup'), b: p('string', 'DUP'), c: p('string', 'C') } }, ['C@c:string'], 2],
    ['no schema', undefined, [], 0],
  ];
  for (const [name, schema, want, problems] of cases) {
    const got = scanParamHeaders(schema);
    assert.deepEqual(
      got.headers.map((h) => `${h.name}@${h.path.join('.')}:${h.type}`),
      want,
      name,
    );
    assert.equal(got.problems.length, problems, name);
    assert.equal(got.valid, problems === 0, name);
  }
});

test('checkParamHeaders and buildParamHeaders: presence, absence, agreement, encoding', () => {
  const decls = scanParamHeaders({
    properties: {
      region: { type: 'string', 'x-mcp-header': 'Region' },
      n: { type: 'integer', 'x-mcp-header': 'N' },
      f: { type: 'boolean', 'x-mcp-header': 'F' },
    },
  }).headers;
  const cases: Array<[string, Record<string, unknown>, Record<string, string>, string | undefined]> = [
    ['all agree', { region: 'eu', n: 7, f: true }, { 'mcp-param-region': 'eu', 'mcp-param-n': '7', 'mcp-param-f': 'true' }, undefined],
    ['nothing given, nothing sent', {}, {}, undefined],
    ['undeclared headers are ignored', {}, { 'mcp-param-other': 'x' }, undefined],
    ['null forbids the header', { region: null }, { 'mcp-param-region': 'eu' }, 'header_unexpected'],
    ['absent forbids the header', {}, { 'mcp-param-n': '1' }, 'header_unexpected'],
    ['a value needs its header', { region: 'eu' }, {}, 'header_missing'],
    ['a different value', { region: 'eu' }, { 'mcp-param-region': 'us' }, 'header_mismatch'],
    ['values are case-sensitive', { region: 'eu' }, { 'mcp-param-region': 'EU' }, 'header_mismatch'],
    ['OWS around the value', { region: 'eu' }, { 'mcp-param-region': ' eu\t' }, undefined],
    ['a valid sentinel', { region: 'Zürich' }, { 'mcp-param-region': b64('Zürich') }, undefined],
    ['a sentinel with bad padding', { region: 'eu' }, { 'mcp-param-region': '=?base64?ZXU?=' }, 'header_bad_base64'],
    ['a sentinel with a non-alphabet character', { region: 'eu' }, { 'mcp-param-region': '=?base64?ZX#=?=' }, 'header_bad_base64'],
    ['no suffix: a literal', { region: '=?base64?ZXU=' }, { 'mcp-param-region': '=?base64?ZXU=' }, undefined],
    ['integers compare as numbers', { n: 7 }, { 'mcp-param-n': '7' }, undefined],
    ['an integer with a sign', { n: -3 }, { 'mcp-param-n': '-3' }, undefined],
    ['42.0 equals 42', { n: 7 }, { 'mcp-param-n': '7.0' }, undefined],
    ['an integer header that is no number', { n: 7 }, { 'mcp-param-n': '7x' }, 'header_mismatch'],
    ['a different integer', { n: 7 }, { 'mcp-param-n': '8' }, 'header_mismatch'],
    ['a boolean spelled otherwise', { f: true }, { 'mcp-param-f': 'True' }, 'header_mismatch'],
  ];
  for (const [name, args, headers, reason] of cases) {
    const got = checkParamHeaders(decls, args, headers);
    assert.equal(got?.reason, reason, name);
    if (got) assert.equal(refusalAnswer(got, 1, 'e').body.error?.code, -32020, name);
  }
  assert.deepEqual(buildParamHeaders(decls, { region: ' x', n: 7, f: false }), { 'Mcp-Param-Region': b64(' x'), 'Mcp-Param-N': '7', 'Mcp-Param-F': 'false' });
  assert.deepEqual(buildParamHeaders(decls, { region: null }), {});
});

test('capabilities: what an input request needs against what _meta declared', () => {
  const cases: Array<[string, Record<string, unknown>, string, Record<string, unknown> | undefined, Record<string, unknown> | undefined]> = [
    ['sampling declared', { sampling: {} }, 'sampling/createMessage', {}, undefined],
    ['sampling missing', {}, 'sampling/createMessage', {}, { sampling: {} }],
    ['sampling with tools needs sampling.tools', { sampling: {} }, 'sampling/createMessage', { tools: [] }, { sampling: { tools: {} } }],
    ['sampling.tools declared', { sampling: { tools: {} } }, 'sampling/createMessage', { toolChoice: { mode: 'auto' } }, undefined],
    ['bare elicitation means form', { elicitation: {} }, 'elicitation/create', { mode: 'form' }, undefined],
    ['no mode means form', { elicitation: { form: {} } }, 'elicitation/create', {}, undefined],
    ['bare elicitation is not url', { elicitation: {} }, 'elicitation/create', { mode: 'url' }, { elicitation: { url: {} } }],
    ['url declared without form', { elicitation: { url: {} } }, 'elicitation/create', {}, { elicitation: { form: {} } }],
    ['url declared', { elicitation: { url: {} } }, 'elicitation/create', { mode: 'url' }, undefined],
    ['elicitation missing', { sampling: {} }, 'elicitation/create', {}, { elicitation: { form: {} } }],
    ['roots declared', { roots: { listChanged: true } }, 'roots/list', undefined, undefined],
    ['roots missing', {}, 'roots/list', undefined, { roots: {} }],
    ['a capability must be an object', { roots: true }, 'roots/list', undefined, { roots: {} }],
    ['ping needs nothing', {}, 'ping', undefined, undefined],
  ];
  for (const [name, declared, method, params, want] of cases) assert.deepEqual(missingCapabilities(declared, method, params), want, name);
  assert.equal(declares({ sampling: {} }, { sampling: {} }), true);
  const answer = refusalAnswer(missingCapabilityRefusal({ sampling: {} }), 'r', 'e');
  assert.deepEqual([answer.status, answer.body.id, answer.body.error?.code], [400, 'r', -32021]);
  assert.deepEqual((answer.body.error?.data as Record<string, unknown>).requiredCapabilities, { sampling: {} });
  assert.deepEqual(handshakeCapabilities({ sampling: {}, extensions: { a: {} }, roots: { listChanged: true }, elicitation: 'x' }), {
    roots: { listChanged: true },
    sampling: {},
  });
  assert.deepEqual(discoverCapabilities({ tools: { listChanged: true }, tasks: {} }), { tools: { listChanged: true } });
  const server = { tools: { listChanged: true }, resources: { subscribe: true } };
  assert.deepEqual(
    honouredFilter({ toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true, resourceSubscriptions: ['a', 'a', 'b'] }, server),
    {
      toolsListChanged: true,
      resourceSubscriptions: ['a', 'b'],
    },
  );
  assert.deepEqual(honouredFilter({ resourceSubscriptions: ['a'] }, { resources: { listChanged: true } }), {});
});

test('shapeResult: resultType, caching hints, serverInfo', () => {
  const info = { name: 'srv', version: '1' };
  const cases: Array<[string, string, Record<string, unknown>, Parameters<typeof shapeResult>[2], Record<string, unknown>]> = [
    ['a plain result gets complete', 'tools/call', { content: [] }, {}, { content: [], resultType: 'complete' }],
    ['a cacheable one gets the default hints', 'tools/list', { tools: [] }, {}, { tools: [], resultType: 'complete', ttlMs: 0, cacheScope: 'private' }],
    [
      'valid backend hints are kept',
      'prompts/list',
      { prompts: [], ttlMs: 5, cacheScope: 'public' },
      {},
      { prompts: [], resultType: 'complete', ttlMs: 5, cacheScope: 'public' },
    ],
    [
      'invalid backend hints give way to the route',
      'resources/list',
      { ttlMs: -1, cacheScope: 'x' },
      { cache: { ttlMs: 9, cacheScope: 'public' } },
      { resultType: 'complete', ttlMs: 9, cacheScope: 'public' },
    ],
    [
      'a retry is never cached',
      'resources/read',
      { contents: [], ttlMs: 5, cacheScope: 'public' },
      { retry: true },
      { contents: [], resultType: 'complete', ttlMs: 0, cacheScope: 'private' },
    ],
    [
      'a per-principal answer is private',
      'tools/list',
      { ttlMs: 5, cacheScope: 'public' },
      { forcePrivate: true },
      { resultType: 'complete', ttlMs: 5, cacheScope: 'private' },
    ],
    ['input_required keeps no hints', 'tools/call', { resultType: 'input_required', ttlMs: 1, cacheScope: 'public' }, {}, { resultType: 'input_required' }],
    ['input_required only on MRTR methods', 'tools/list', { resultType: 'input_required' }, {}, { resultType: 'complete', ttlMs: 0, cacheScope: 'private' }],
    [
      'serverInfo is stamped',
      'completion/complete',
      { _meta: { a: 1 } },
      { serverInfo: info },
      { resultType: 'complete', _meta: { a: 1, 'io.modelcontextprotocol/serverInfo': info } },
    ],
    [
      'a backend serverInfo wins',
      'tools/call',
      { _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'b' } } },
      { serverInfo: info },
      { resultType: 'complete', _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'b' } } },
    ],
  ];
  for (const [name, method, result, opts, want] of cases) assert.deepEqual(shapeResult(method, result, opts), want, name);
});

test('shapeError, answerStatus, stripEnvelope', () => {
  assert.deepEqual(shapeError('resources/read', { uri: 'test://x' }, { code: -32002, message: 'nf' }), {
    code: -32602,
    message: 'nf',
    data: { uri: 'test://x' },
  });
  assert.deepEqual(shapeError('resources/read', { uri: 'test://x' }, { code: -32602, message: 'nf', data: { uri: 'u' } }), {
    code: -32602,
    message: 'nf',
    data: { uri: 'u' },
  });
  assert.deepEqual(shapeError('tools/call', {}, { code: -32002, message: 'nf' }), { code: -32602, message: 'nf' });
  assert.deepEqual(shapeError('tools/call', {}, { code: -32602, message: 'bad' }), { code: -32602, message: 'bad' });
  const statuses: Array<[number | undefined, boolean, number]> = [
    [undefined, false, 200],
    [-32601, false, 404],
    [-32021, false, 400],
    [-32602, false, 200],
    [-32603, false, 200],
    [-32601, true, 200],
  ];
  for (const [code, committed, want] of statuses) {
    assert.equal(answerStatus(code === undefined ? undefined : { code, message: 'm' }, committed), want, `${code} ${committed}`);
  }
  const p = { name: 't', arguments: {}, _meta: { progressToken: 1, 'io.modelcontextprotocol/protocolVersion': 'v', traceparent: 'tp' } };
  assert.deepEqual(stripEnvelope({ ...p, inputResponses: {}, requestState: 's' }), {
    name: 't',
    arguments: {},
    _meta: { progressToken: 1, traceparent: 'tp' },
  });
  assert.deepEqual(stripEnvelope({ _meta: { 'io.modelcontextprotocol/clientCapabilities': {} } }), {});
  const untouched = { name: 't', _meta: { progressToken: 2 } };
  assert.equal(stripEnvelope(untouched), untouched);
});

test('parseListenFilter and logLevelPasses', () => {
  const filters: Array<[string, Record<string, unknown> | undefined, Record<string, unknown> | 'refused']> = [
    ['no params', undefined, 'refused'],
    ['notifications missing', {}, 'refused'],
    ['notifications not an object', { notifications: [] }, 'refused'],
    ['an empty filter', { notifications: {} }, {}],
    ['false flags are dropped', { notifications: { toolsListChanged: true, promptsListChanged: false } }, { toolsListChanged: true }],
    ['a flag that is no boolean', { notifications: { toolsListChanged: 'yes' } }, 'refused'],
    ['URIs deduplicated', { notifications: { resourceSubscriptions: ['a', 'a', 'b'] } }, { resourceSubscriptions: ['a', 'b'] }],
    ['URIs must be strings', { notifications: { resourceSubscriptions: ['a', 1] } }, 'refused'],
    ['too many URIs', { notifications: { resourceSubscriptions: Array.from({ length: 257 }, (_, i) => `u${i}`) } }, 'refused'],
  ];
  for (const [name, params, want] of filters) {
    const got = parseListenFilter(params);
    if (want === 'refused') assert.equal(isRefusal(got) && refusalAnswer(got, 1, 'e').body.error?.code, -32602, name);
    else assert.deepEqual(got, want, name);
  }
  const levels: Array<[Parameters<typeof logLevelPasses>[0], unknown, boolean]> = [
    [undefined, 'emergency', false],
    ['info', 'info', true],
    ['info', 'debug', false],
    ['info', 'error', true],
    ['warning', 'notice', false],
    ['debug', 'loud', false],
  ];
  for (const [requested, level, want] of levels) assert.equal(logLevelPasses(requested, level), want, `${requested} ${String(level)}`);
});
