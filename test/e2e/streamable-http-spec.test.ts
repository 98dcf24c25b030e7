// The Streamable HTTP face, checked on the wire against the MUSTs and SHOULDs of spec 2025-03-26 …
// 2025-11-25 §Streamable HTTP (clauses cited per test), and bad input that must harm nothing else.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';
import { initializeBody, messagesOf, post, rawSession } from '../helpers/http.js';
import type { Wire } from '../helpers/wire.js';

const jsonOf = async (r: Response): Promise<Wire> => r.json();
let proxy: RunningProxy;
let sid: string;
const call = (id: number | string, text = 'x') => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text } } });

before(async () => {
  const backend = await startFixture('legacy-sse-server');
  proxy = await startProxy(['--backend', backend.url, '--max-body', '64kb']);
  sid = await rawSession(proxy.url);
});

after(() => stopAll());

test('initialize mints a visible-ASCII session id on the InitializeResult (Session Management)', async () => {
  const res = await post(proxy.url, initializeBody(7));
  assert.equal(res.status, 200);
  const id = res.headers.get('mcp-session-id');
  assert.match(id ?? '', /^[\x21-\x7e]{16,}$/);
  const [msg] = await messagesOf(res);
  assert.equal(msg.id, 7);
  assert.equal(msg.result.serverInfo.name, 'legacy-sse-fixture');
});

test('a notification gets 202 with an empty body (Sending Messages)', async () => {
  const res = await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' }), { 'mcp-session-id': sid });
  assert.equal(res.status, 202);
  assert.equal(await res.text(), '');
});

test('a request is answered as JSON or SSE according to Accept (Sending Messages)', async () => {
  const asJson = await post(proxy.url, call(1, 'j'), { 'mcp-session-id': sid, accept: 'application/json' });
  assert.equal(asJson.status, 200);
  assert.match(asJson.headers.get('content-type') ?? '', /application\/json/);
  assert.equal((await messagesOf(asJson))[0].result.content[0].text, 'j');

  const asSse = await post(proxy.url, call(2, 's'), { 'mcp-session-id': sid, accept: 'text/event-stream' });
  assert.equal(asSse.status, 200);
  assert.match(asSse.headers.get('content-type') ?? '', /text\/event-stream/);
  assert.equal(asSse.headers.get('x-accel-buffering'), 'no');
  assert.match(asSse.headers.get('cache-control') ?? '', /no-transform/);
  const msgs = await messagesOf(asSse);
  assert.equal(msgs.at(-1).id, 2);
  assert.equal(msgs.at(-1).result.content[0].text, 's');
});

test('a POST stream carries progress before the response, then ends (Sending Messages)', async () => {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 'p',
    method: 'tools/call',
    params: { name: 'slow', arguments: { steps: 2, delayMs: 20 }, _meta: { progressToken: 'tok' } },
  });
  const res = await post(proxy.url, body, { 'mcp-session-id': sid });
  const msgs = await messagesOf(res);
  assert.deepEqual(
    msgs.map((m) => m.method ?? `response:${m.id}`),
    ['notifications/progress', 'notifications/progress', 'response:p'],
  );
});

test('missing session id → 400; unknown session id → 404 with -32001 (Session Management)', async () => {
  const missing = await post(proxy.url, call(3));
  assert.equal(missing.status, 400);
  assert.equal((await jsonOf(missing)).id, 3);
  const unknown = await post(proxy.url, call(4), { 'mcp-session-id': 'no-such-session' });
  assert.equal(unknown.status, 404);
  const body = await jsonOf(unknown);
  assert.equal(body.error.code, -32001);
  // Refused before its body is read (a stalled upload must not cost memory), so the id is unknown.
  assert.equal(body.id, null);
});

test('MCP-Protocol-Version: absent is accepted, unknown → 400 (Protocol Version Header)', async () => {
  const absent = await post(proxy.url, call(5), { 'mcp-session-id': sid });
  assert.equal(absent.status, 200);
  await absent.text();
  const known = await post(proxy.url, call(6), { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
  assert.equal(known.status, 200);
  await known.text();
  const bad = await post(proxy.url, call(7), { 'mcp-session-id': sid, 'mcp-protocol-version': '1999-01-01' });
  assert.equal(bad.status, 400);
  assert.match((await jsonOf(bad)).error.message, /MCP-Protocol-Version/);
});

test('batches are accepted only in a 2025-03-26 session (2025-03-26, Batching)', async () => {
  const old = await rawSession(proxy.url, '2025-03-26');
  const batch = `[${call('a', 'one')},${call('b', 'two')},{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}]`;
  const res = await post(proxy.url, batch, { 'mcp-session-id': old, 'mcp-protocol-version': '2025-03-26' });
  assert.equal(res.status, 200);
  const msgs = await messagesOf(res);
  assert.deepEqual(msgs.map((m) => [m.id, m.result.content[0].text]).sort(), [
    ['a', 'one'],
    ['b', 'two'],
  ]);

  const refused = await post(proxy.url, batch, { 'mcp-session-id': sid });
  assert.equal(refused.status, 400);
  assert.equal((await jsonOf(refused)).error.code, -32600);

  const initInBatch = await post(proxy.url, `[${initializeBody(1, '2025-03-26')}]`);
  assert.equal(initInBatch.status, 400);
  await initInBatch.text();
});

test('GET opens the standalone stream; a session-less GET is a legacy client (Listening for Messages, Backwards Compatibility)', async (t) => {
  const legacy = new AbortController();
  t.after(() => legacy.abort());
  const noSession = await fetch(proxy.url, { headers: { accept: 'text/event-stream' }, signal: legacy.signal });
  assert.equal(noSession.status, 200);
  const first = await noSession.body!.getReader().read();
  assert.match(new TextDecoder().decode(first.value), /^event: endpoint\ndata: \/messages\?sessionId=/);
  legacy.abort();
  const notAcceptable = await fetch(proxy.url, { headers: { accept: 'application/json', 'mcp-session-id': sid } });
  assert.equal(notAcceptable.status, 406);
  await notAcceptable.text();

  const ac = new AbortController();
  t.after(() => ac.abort());
  const stream = await fetch(proxy.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sid }, signal: ac.signal });
  assert.equal(stream.status, 200);
  assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
  // A server-initiated notification (resources/updated after a subscribe) arrives on the GET stream.
  const sub = await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 's1', method: 'resources/subscribe', params: { uri: 'demo://readme' } }), {
    'mcp-session-id': sid,
  });
  await sub.text();
  const touch = await post(
    proxy.url,
    JSON.stringify({ jsonrpc: '2.0', id: 't1', method: 'tools/call', params: { name: 'touch_resource', arguments: { uri: 'demo://readme' } } }),
    { 'mcp-session-id': sid, accept: 'application/json' },
  );
  await touch.text();
  const reader = stream.body!.getReader();
  let seen = '';
  const decoder = new TextDecoder();
  while (!seen.includes('notifications/resources/updated')) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += decoder.decode(value);
  }
  assert.match(seen, /notifications\/resources\/updated/);
  ac.abort();
});

test('DELETE ends the session; its id then gets 404 (Session Management)', async () => {
  const id = await rawSession(proxy.url);
  const del = await fetch(proxy.url, { method: 'DELETE', headers: { 'mcp-session-id': id } });
  assert.equal(del.status, 200);
  const after = await post(proxy.url, call(8), { 'mcp-session-id': id });
  assert.equal(after.status, 404);
  await after.text();
});

test('Host and Origin are validated with loopback defaults (Security Warning)', async () => {
  const evilOrigin = await post(proxy.url, initializeBody(), { origin: 'http://evil.example.com' });
  assert.equal(evilOrigin.status, 403);
  await evilOrigin.text();
  const goodOrigin = await post(proxy.url, initializeBody(), { origin: 'http://localhost:6274' });
  assert.equal(goodOrigin.status, 200);
  assert.equal(goodOrigin.headers.get('access-control-allow-origin'), 'http://localhost:6274');
  await goodOrigin.text();
  // fetch() forbids setting Host, so use node:http for the rebinding case.
  const { request } = await import('node:http');
  const status = await new Promise<number>((resolve, reject) => {
    const u = new URL(proxy.url);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { host: 'evil.example.com', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(initializeBody());
  });
  assert.equal(status, 403);
});

test('a 2026-07-28 server/discover probe gets 400 with a non-modern error (2026-07-28, Backward Compatibility)', async () => {
  const res = await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 'd', method: 'server/discover', params: {} }), {
    'mcp-protocol-version': '2026-07-28',
  });
  // The unknown version is itself a 400; without the header the probe is still refused with -32600.
  assert.equal(res.status, 400);
  await res.text();
  const plain = await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 'd', method: 'server/discover', params: {} }));
  assert.equal(plain.status, 400);
  const body = await jsonOf(plain);
  assert.equal(body.error.code, -32600);
  assert.match(body.error.message, /initialize/);
});

test('bad input gets the right status and JSON-RPC error, and harms no other session', async () => {
  const cases: Array<[string, () => Promise<Response>, number, number | undefined]> = [
    ['malformed JSON', () => post(proxy.url, '{"jsonrpc":', { 'mcp-session-id': sid }), 400, -32700],
    ['not JSON-RPC', () => post(proxy.url, '{"hello":"world"}', { 'mcp-session-id': sid }), 400, -32600],
    ['wrong content type', () => post(proxy.url, call(9), { 'mcp-session-id': sid, 'content-type': 'text/plain' }), 415, -32000],
    ['unacceptable Accept', () => post(proxy.url, call(10), { 'mcp-session-id': sid, accept: 'text/html' }), 406, -32000],
    ['body over the limit', () => post(proxy.url, call(11, 'x'.repeat(70_000)), { 'mcp-session-id': sid }), 413, -32000],
    ['unknown session', () => post(proxy.url, call(12), { 'mcp-session-id': 'nope' }), 404, -32001],
    ['PUT', () => fetch(proxy.url, { method: 'PUT' }), 405, -32000],
    ['unknown path', () => fetch(new URL('/nowhere', proxy.url), { method: 'POST', body: '{}' }), 404, undefined],
  ];
  for (const [name, send, status, code] of cases) {
    const res = await send();
    assert.equal(res.status, status, name);
    const body = await jsonOf(res);
    if (code !== undefined) assert.equal(body.error.code, code, name);
    assert.equal(body.jsonrpc, '2.0', name);
  }
  // The existing session still works, and so does the process.
  const ok = await post(proxy.url, call(13, 'still here'), { 'mcp-session-id': sid });
  assert.equal((await messagesOf(ok))[0].result.content[0].text, 'still here');
  assert.equal(proxy.child.exitCode, null);
});

test('the proxy answers health and metrics', async () => {
  const health = await fetch(new URL('/healthz', proxy.url));
  assert.deepEqual(await jsonOf(health), { status: 'ok' });
  const metrics = await (await fetch(new URL('/metrics', proxy.url))).text();
  assert.match(metrics, /frontdoor_sessions_started_total/);
  assert.match(metrics, /frontdoor_errors_total\{reason="parse_error",route="\/"\} 1/);
});

test('a server message with no client stream open is buffered and delivered on the next stream (none dropped)', async (t) => {
  const id = await rawSession(proxy.url);
  const headers = { 'mcp-session-id': id, accept: 'application/json' };
  await (await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri: 'demo://readme' } }), headers)).text();
  // JSON-only answers cannot carry the notification, and there is no GET stream: it must wait.
  const touch = await post(
    proxy.url,
    JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'touch_resource', arguments: { uri: 'demo://readme' } } }),
    headers,
  );
  assert.match(touch.headers.get('content-type') ?? '', /application\/json/);
  await touch.text();
  const ac = new AbortController();
  t.after(() => ac.abort());
  const stream = await fetch(proxy.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': id }, signal: ac.signal });
  const reader = stream.body!.getReader();
  const decoder = new TextDecoder();
  let seen = '';
  while (!seen.includes('\n\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += decoder.decode(value);
  }
  const msg = JSON.parse(
    seen
      .split('\n')
      .find((l) => l.startsWith('data:'))!
      .slice(5),
  );
  assert.equal(msg.method, 'notifications/resources/updated');
  assert.equal(msg.params.uri, 'demo://readme');
  ac.abort();
});
