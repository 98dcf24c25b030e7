// Sessions survive what backends do: a dropped stream, a restart, odd endpoint events; idle sessions
// expire and release their backend; a backend that is down gets a clear 502, never a hang.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startFixture, startProxy, stopAll } from '../helpers/process.js';
import { connectStreamable, eventually, progressSignal, textOf } from '../helpers/clients.js';
import { initializeBody, messagesOf, post, rawSession } from '../helpers/http.js';

after(() => stopAll());

const whoami = async (c: Awaited<ReturnType<typeof connectStreamable>>) =>
  JSON.parse(textOf(await c.client.callTool({ name: 'whoami', arguments: {} }))) as { pid: number; connection: number };

async function control(backendUrl: string, what: 'drop' | 'exit'): Promise<void> {
  const res = await fetch(new URL(`/control/${what}`, backendUrl), { method: 'POST' });
  await res.text();
}

async function stats(backendUrl: string): Promise<{ connections: number; open: number; posts: number }> {
  return (await (await fetch(new URL('/control/stats', backendUrl))).json()) as { connections: number; open: number; posts: number };
}

test('a dropped backend stream is reconnected and the handshake replayed; the session keeps its id', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', backend.url]);
  t.after(() => proxy.stop());
  const c = await connectStreamable(proxy.url);
  t.after(() => c.close());
  const sessionId = c.transport.sessionId;
  const first = await whoami(c);
  await control(backend.url, 'drop');
  await proxy.waitForLine((l) => l.reason === 'backend_reconnected');
  const second = await whoami(c);
  assert.equal(c.transport.sessionId, sessionId);
  assert.equal(second.pid, first.pid);
  assert.ok(second.connection > first.connection, 'a new backend connection serves the session');
  const metrics = await (await fetch(new URL('/metrics', proxy.url))).text();
  assert.match(metrics, /frontdoor_backend_reconnects_total\{route="\/"\} 1/);
});

test('a backend restart mid-session: the in-flight call fails naming the cause, later calls succeed on the same session', async (t) => {
  let backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const port = new URL(backend.url).port;
  const proxy = await startProxy(['--backend', backend.url]);
  t.after(() => proxy.stop());
  const c = await connectStreamable(proxy.url);
  t.after(() => c.close());
  const sessionId = c.transport.sessionId;
  const before = await whoami(c);

  // The backend exits once the call runs there (its first progress): the call is in flight, not queued.
  const running = progressSignal();
  const inFlight = c.client.callTool({ name: 'slow', arguments: { steps: 100, delayMs: 100 } }, undefined, { onprogress: running.onprogress });
  await running.started;
  await control(backend.url, 'exit');
  await assert.rejects(inFlight, /backend connection dropped/);
  await backend.stop();

  backend = await startFixture('legacy-sse-server', ['--port', port]);
  await proxy.waitForLine((l) => l.reason === 'backend_reconnected', 30_000);
  const after = await whoami(c);
  assert.notEqual(after.pid, before.pid, 'a new backend process');
  assert.equal(c.transport.sessionId, sessionId);
  assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: 'back' } })), 'back');
});

for (const style of ['absolute-wrong-host', 'python'] as const) {
  test(`an endpoint event in the ${style} style is resolved against the backend URL`, async (t) => {
    const backend = await startFixture('legacy-sse-server', ['--endpoint-style', style]);
    t.after(() => backend.stop());
    const proxy = await startProxy(['--backend', backend.url]);
    t.after(() => proxy.stop());
    const c = await connectStreamable(proxy.url);
    t.after(() => c.close());
    assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: style } })), style);
    if (style === 'absolute-wrong-host') {
      const repair = await proxy.waitForLine((l) => l.reason === 'endpoint_origin_rewritten');
      assert.equal(repair.from, `http://0.0.0.0:${new URL(backend.url).port}`);
    }
  });
}

test('idle sessions expire and close their backend connection; an open GET stream keeps a session alive', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', backend.url, '--idle-timeout', '300ms']);
  t.after(() => proxy.stop());
  const idle = await rawSession(proxy.url);
  const watched = await rawSession(proxy.url);
  const ac = new AbortController();
  const stream = await fetch(proxy.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': watched }, signal: ac.signal });
  t.after(() => ac.abort());
  assert.equal(stream.status, 200);
  await proxy.waitForLine((l) => l.msg === 'session end' && l.sessionId === idle && l.reason === 'idle_timeout');
  const res = await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' }), { 'mcp-session-id': idle });
  assert.equal(res.status, 404);
  await res.text();
  const alive = await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'ping' }), { 'mcp-session-id': watched });
  assert.equal(alive.status, 200);
  assert.deepEqual((await messagesOf(alive))[0].result, {});
  ac.abort();
  // Once its stream is gone, the watched session expires too, and the backend has no stream left.
  await eventually(() => proxy.lines.some((l) => l.includes('"idle_timeout"') && l.includes(watched)), 'the watched session to expire');
  let s = await stats(backend.url);
  const deadline = Date.now() + 10_000;
  while (s.open > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    s = await stats(backend.url);
  }
  assert.equal(s.open, 0, 'every backend stream was closed');
});

test('a backend that is down at initialize gets the client a 502 with a JSON-RPC error, at once', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const proxy = await startProxy(['--backend', `http://127.0.0.1:${port}/sse`]);
  t.after(() => proxy.stop());
  const res = await post(proxy.url, initializeBody(42));
  assert.equal(res.status, 502);
  assert.equal(res.headers.get('mcp-session-id'), null);
  const body = (await res.json()) as { id: number; error: { code: number; message: string; data: { code: string } } };
  assert.equal(body.id, 42);
  assert.equal(body.error.code, -32603);
  assert.equal(body.error.data.code, 'ERR_BACKEND_UNAVAILABLE');
  assert.match(body.error.message, /ECONNREFUSED/);
});

test('resource subscriptions are renewed on the new backend connection after a drop', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', backend.url]);
  t.after(() => proxy.stop());
  const c = await connectStreamable(proxy.url);
  t.after(() => c.close());
  await c.client.subscribeResource({ uri: 'demo://readme' });
  await control(backend.url, 'drop');
  await proxy.waitForLine((l) => l.reason === 'backend_reconnected');
  await c.client.callTool({ name: 'touch_resource', arguments: { uri: 'demo://readme' } });
  await eventually(() => c.updates.includes('demo://readme'), 'resources/updated after the reconnect');
});
