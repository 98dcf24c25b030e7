// The metrics facade on prom-client, in process: counters by frozen and plain label objects land in the
// same series; bound series render exactly as prom-client's own calls would (the guard on the one file
// that knows prom-client's series layout); gauges read at scrape time; the tool and method labels of
// the request metrics stay bounded; client bytes follow a connection from route to route.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram, Registry } from 'prom-client';
import { Metrics } from '../../src/observability/metrics.js';
import { ProxyMetrics, DURATION_BUCKETS } from '../../src/observability/proxy-metrics.js';
import { ClientBytes, type ByteCounters } from '../../src/observability/client-bytes.js';
import { ToolCalls } from '../../src/policy/tool-calls.js';
import { ToolPolicy } from '../../src/policy/tool-policy.js';
import type { JsonRpcRequest, JsonRpcResponse } from '../../src/jsonrpc/message.js';
import { parseExposition, select, valueOf } from '../helpers/exposition.js';

test('facade: frozen and plain label objects count into one prom-client series; get reads it; describe sets HELP and label names', async () => {
  const m = new Metrics();
  m.describe('x_total', 'things that happened', ['route', 'face']);
  const frozen = Object.freeze({ route: '/' });
  m.inc('x_total', { route: '/' });
  m.inc('x_total', frozen);
  m.inc('x_total', frozen, 2);
  m.inc('x_total', { route: '/', face: 'legacy-sse' });
  m.inc('y_total');
  assert.equal(m.get('x_total', { route: '/' }), 4);
  assert.equal(m.get('x_total', { route: '/', face: 'legacy-sse' }), 1);
  assert.equal(m.get('x_total', { route: '/other' }), 0);
  assert.equal(m.get('never_total'), 0);
  const e = parseExposition(await m.render());
  assert.equal(e.types.get('x_total'), 'counter');
  assert.equal(valueOf(e, 'x_total', { route: '/' }), 4);
  assert.equal(valueOf(e, 'y_total'), 1);
  assert.match(await m.render(), /# HELP x_total things that happened\n/);
  // A label the counter was not declared with is refused (prom-client), so a mistake shows in a test.
  assert.throws(() => m.inc('x_total', { route: '/', reason: 'x' }), /reason/);
});

test('bound series render exactly as prom-client renders its own observations and increments', async () => {
  const m = new Metrics();
  const bind = m.histogram('h_seconds', 'h', ['route'], DURATION_BUCKETS);
  const series = bind({ route: '/' });
  m.describe('c_total', 'c', ['route']);
  const ref = new Registry();
  const h = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['route'], buckets: [...DURATION_BUCKETS], registers: [ref] });
  const c = new Counter({ name: 'c_total', help: 'c', labelNames: ['route'], registers: [ref] });
  // On bounds, between them, below the first, past the last.
  for (const v of [0, 0.0001, 0.00025, 0.0003, 0.001, 0.7, 1, 299.9, 300, 301, 1e4]) {
    series.observe(v);
    h.observe({ route: '/' }, v);
    m.inc('c_total', Object.freeze({ route: '/' }), v);
    c.inc({ route: '/' }, v);
  }
  assert.equal(await m.render(), await ref.metrics());
  // A second binding of the same labels shares the series.
  bind({ route: '/' }).observe(0.002);
  h.observe({ route: '/' }, 0.002);
  assert.equal(await m.render(), await ref.metrics());
});

test('gauges are read when rendered: a reader replaced, labelled sources added up and removed', async () => {
  const m = new Metrics();
  let n = 1;
  m.gauge('g', () => n);
  m.gauge('g', () => n * 10);
  const stopA = m.gaugeSource('fam', ['route', 'state'], (add) => add({ route: '/', state: 'ready' }, 2));
  m.gaugeSource('fam', ['route', 'state'], (add) => add({ route: '/', state: 'ready' }, 3));
  n = 2;
  let e = parseExposition(await m.render());
  assert.equal(valueOf(e, 'g'), 20);
  assert.equal(valueOf(e, 'fam', { route: '/', state: 'ready' }), 5);
  stopA();
  e = parseExposition(await m.render());
  assert.equal(valueOf(e, 'fam', { route: '/', state: 'ready' }), 3);
});

const POLICY = new ToolPolicy({ allow: ['*'], deny: [], scopes: {}, auditArguments: false });
let nextId = 1;

/** One request through a session's tool-call tracker, answered at once. */
function roundTrip(calls: ToolCalls, method: string, params: Record<string, unknown>, answer: Partial<JsonRpcResponse>): void {
  const request: JsonRpcRequest = { jsonrpc: '2.0', id: nextId++, method, params };
  const refused = calls.admit(request);
  if (refused) return;
  calls.settle({ jsonrpc: '2.0', id: request.id, ...answer } as JsonRpcResponse);
}

const call = (calls: ToolCalls, name: string, answer: Partial<JsonRpcResponse> = { result: { content: [] } }) =>
  roundTrip(calls, 'tools/call', { name, arguments: {} }, answer);

test('tool labels: only listed tools matching toolLabels, at most maxToolLabels per route, else _other; methods bounded too', async () => {
  const m = new Metrics();
  const proxy = new ProxyMetrics(m, { toolLabels: ['e*', 'add'], maxToolLabels: 2 });
  const face = proxy.route('/r').face('streamable-http');
  const session = new ToolCalls(POLICY, () => undefined, face);
  const other = new ToolCalls(POLICY, () => undefined, proxy.route('/r').face('legacy-sse'));

  call(session, 'echo'); // before any tools/list: not listed yet
  roundTrip(session, 'tools/list', {}, { result: { tools: ['echo', 'add', 'e2', 'whoami', '_other'].map((name) => ({ name })) } });
  call(session, 'echo');
  call(other, 'echo'); // the route's labels serve every face
  call(session, 'add', { result: { content: [], isError: true } });
  call(session, 'e2'); // listed and matching, but the route has 2 labels already
  call(session, 'whoami'); // listed, not matching toolLabels
  call(session, 'evil', { error: { code: -32602, message: 'unknown tool' } }); // never listed
  call(session, '_other');
  roundTrip(session, 'foo/bar', {}, { error: { code: -32601, message: 'Method not found' } });
  roundTrip(session, 'ping', {}, { result: {} });
  call(session, 'echo');

  const e = parseExposition(await m.render());
  const count = (labels: Record<string, string>) => valueOf(e, 'frontdoor_request_duration_seconds_count', { route: '/r', ...labels });
  assert.equal(count({ face: 'streamable-http', method: 'tools/call', tool: 'echo' }), 2);
  assert.equal(count({ face: 'legacy-sse', method: 'tools/call', tool: 'echo' }), 1);
  assert.equal(count({ face: 'streamable-http', method: 'tools/call', tool: 'add' }), 1);
  assert.equal(count({ face: 'streamable-http', method: 'tools/call', tool: '_other' }), 5, 'echo before the list, e2, whoami, evil, _other');
  assert.equal(count({ face: 'streamable-http', method: '_other' }), 1);
  assert.equal(count({ face: 'streamable-http', method: 'ping' }), 1);
  assert.equal(count({ face: 'streamable-http', method: 'tools/list' }), 1);
  const tools = new Set(select(e, 'frontdoor_request_duration_seconds_count').map((s) => s.labels.tool));
  assert.deepEqual([...tools].sort(), [undefined, '_other', 'add', 'echo'].sort());
  assert.ok(!select(e, 'frontdoor_request_duration_seconds_count').some((s) => s.labels.method === 'foo/bar'));
  const errors = (labels: Record<string, string>) => valueOf(e, 'frontdoor_request_errors_total', { route: '/r', face: 'streamable-http', ...labels });
  assert.equal(errors({ method: 'tools/call', tool: 'add', outcome: 'tool_error' }), 1);
  assert.equal(errors({ method: 'tools/call', tool: '_other', outcome: 'error' }), 1);
  assert.equal(errors({ method: '_other', outcome: 'error' }), 1);
});

test('tool labels: maxToolLabels 0 and toolLabels [] give every call _other; a reloaded route keeps its budget', async () => {
  const m = new Metrics();
  const proxy = new ProxyMetrics(m, { toolLabels: [], maxToolLabels: 50 });
  const none = new ToolCalls(POLICY, () => undefined, proxy.route('/a').face('streamable-http'));
  roundTrip(none, 'tools/list', {}, { result: { tools: [{ name: 'echo' }] } });
  call(none, 'echo');
  const m2 = new Metrics();
  const capped = new ProxyMetrics(m2, { toolLabels: ['*'], maxToolLabels: 1 });
  const first = new ToolCalls(POLICY, () => undefined, capped.route('/b').face('streamable-http'));
  roundTrip(first, 'tools/list', {}, { result: { tools: [{ name: 'echo' }, { name: 'add' }] } });
  call(first, 'echo');
  // The same path again (a reload builds a new route runtime): same series, same budget.
  const again = new ToolCalls(POLICY, () => undefined, capped.route('/b').face('streamable-http'));
  roundTrip(again, 'tools/list', {}, { result: { tools: [{ name: 'echo' }, { name: 'add' }] } });
  call(again, 'add');
  const e1 = parseExposition(await m.render());
  assert.deepEqual(
    select(e1, 'frontdoor_request_duration_seconds_count', { method: 'tools/call' }).map((s) => s.labels.tool),
    ['_other'],
  );
  const e2 = parseExposition(await m2.render());
  assert.deepEqual(
    select(e2, 'frontdoor_request_duration_seconds_count', { method: 'tools/call' }).map((s) => [s.labels.tool, s.value]),
    [
      ['echo', 1],
      ['_other', 1],
    ],
  );
});

test('client bytes: a keep-alive connection counts to the route of its latest request, exactly', async (t) => {
  const bytes = new ClientBytes();
  const routes: Record<string, ByteCounters> = { '/a': { received: { value: 0 }, sent: { value: 0 } }, '/b': { received: { value: 0 }, sent: { value: 0 } } };
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    sockets.add(req.socket);
    bytes.request(req.socket, routes[req.url!]!);
    req.resume();
    req.on('end', () => res.end(req.url === '/a' ? 'x'.repeat(5000) : 'y'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const port = (server.address() as AddressInfo).port;
  const get = (path: string, body = '') =>
    new Promise<void>((resolve, reject) => {
      const req = http.request({ agent, host: '127.0.0.1', port, path, method: 'POST' }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(body);
    });
  await get('/a', 'z'.repeat(3000));
  await get('/b');
  await get('/b');
  bytes.collect();
  assert.equal(sockets.size, 1, 'one keep-alive connection carried all three');
  const [socket] = sockets;
  assert.ok(routes['/a']!.sent.value > 5000 && routes['/a']!.received.value > 3000);
  assert.ok(routes['/b']!.sent.value > 0 && routes['/b']!.sent.value < 1000);
  assert.ok(routes['/b']!.received.value > 0 && routes['/b']!.received.value < 1000);
  assert.equal(routes['/a']!.sent.value + routes['/b']!.sent.value, socket!.bytesWritten);
  assert.equal(routes['/a']!.received.value + routes['/b']!.received.value, socket!.bytesRead);
  const closed = new Promise((r) => socket!.once('close', r));
  agent.destroy();
  await closed;
  assert.equal(bytes.size, 0, 'a closed connection is forgotten');
});
