// Real misbehaving backends behind the proxy: a strict `initialized` gate, CRLF streams, streams
// closed on a timer, Starlette's trailing-slash redirect, a Host/Origin guard.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFixture, startProxy, stopAll } from '../helpers/process.js';
import { initializeBody, messagesOf, post } from '../helpers/http.js';
import { connectStreamable, textOf } from '../helpers/clients.js';

after(() => stopAll());

const callEcho = (id: number, text: string) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text } } });

async function received(backendUrl: string): Promise<string[][]> {
  return (await (await fetch(new URL('/control/received', backendUrl))).json()) as string[][];
}

/** initialize over raw HTTP and never send notifications/initialized, like Claude Code's SSE client. */
async function sessionWithoutInitialized(url: string): Promise<string> {
  const res = await post(url, initializeBody(1, '2025-06-18'));
  assert.equal(res.status, 200);
  await res.text();
  return res.headers.get('mcp-session-id')!;
}

test('a strict backend serves a client that skips notifications/initialized: the proxy injects it once', async (t) => {
  const backend = await startFixture('quirky-sse-server', ['--strict']);
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', backend.url]);
  t.after(() => proxy.stop());
  const sid = await sessionWithoutInitialized(proxy.url);
  const ping = await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }), { 'mcp-session-id': sid });
  // A ping brings the injection too: python-sdk < 1.14 refuses a ping before initialized.
  assert.deepEqual((await messagesOf(ping))[0].result, {});
  for (const [i, text] of ['one', 'two'].entries()) {
    const res = await post(proxy.url, callEcho(10 + i, text), { 'mcp-session-id': sid });
    const [msg] = await messagesOf(res);
    assert.equal(msg.error, undefined, JSON.stringify(msg.error));
    assert.equal(msg.result.content[0].text, text);
  }
  // A late initialized from the client is not forwarded a second time.
  const late = await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), { 'mcp-session-id': sid });
  assert.equal(late.status, 202);
  await late.text();
  const [conn] = await received(backend.url);
  assert.deepEqual(conn, ['initialize', 'notifications/initialized', 'ping', 'tools/call', 'tools/call']);
  const repair = await proxy.waitForLine((l) => l.reason === 'initialized_injected');
  assert.equal(repair.sessionId, sid);
  assert.equal(repair.before, 'ping');
  const metrics = await (await fetch(new URL('/metrics', proxy.url))).text();
  assert.match(metrics, /frontdoor_repairs_total\{reason="initialized_injected",route="\/"\} 1/);
  assert.match(metrics, /frontdoor_repairs_total\{reason="duplicate_initialized_dropped",route="\/"\} 1/);
});

test('with repairs.handshake off the strict backend refuses the call (the switch works)', async (t) => {
  const backend = await startFixture('quirky-sse-server', ['--strict']);
  t.after(() => backend.stop());
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-repairs-'));
  const file = path.join(dir, 'frontdoor.yaml');
  writeFileSync(file, `listen: { port: 0 }\nroutes:\n  - path: /\n    backend: { url: "${backend.url}" }\n    repairs: { handshake: false }\n`);
  const proxy = await startProxy(['--config', file]);
  t.after(() => proxy.stop());
  const sid = await sessionWithoutInitialized(proxy.url);
  const [msg] = await messagesOf(await post(proxy.url, callEcho(3, 'x'), { 'mcp-session-id': sid }));
  assert.equal(msg.error.code, -32602);
});

test('a backend that closes its stream on a timer is reconnected and re-handshaken without the client noticing', async (t) => {
  const backend = await startFixture('quirky-sse-server', ['--strict', '--close-after-ms', '300', '--crlf']);
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', backend.url]);
  t.after(() => proxy.stop());
  const c = await connectStreamable(proxy.url);
  t.after(() => c.close());
  const sessionId = c.transport.sessionId;
  for (let i = 0; i < 3; i++) {
    assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: `call ${i}` } })), `call ${i}`);
    await proxy.waitForLine((l) => l.reason === 'backend_reconnected' && proxy.lines.filter((x) => x.includes('backend_reconnected')).length > i);
  }
  assert.equal(c.transport.sessionId, sessionId);
  const conns = await received(backend.url);
  assert.ok(conns.length >= 3);
  // Every new backend connection got the client's handshake replayed before any call.
  for (const conn of conns.slice(1)) if (conn.length > 0) assert.deepEqual(conn.slice(0, 2), ['initialize', 'notifications/initialized']);
});

test('a 307 from /messages to /messages/ is followed with the body', async (t) => {
  const backend = await startFixture('quirky-sse-server', ['--redirect-messages']);
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', backend.url]);
  t.after(() => proxy.stop());
  const c = await connectStreamable(proxy.url);
  t.after(() => c.close());
  assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: 'redirected' } })), 'redirected');
  await proxy.waitForLine((l) => l.reason === 'backend_redirect_followed');
});

test('a backend that guards Host/Origin gets its own Host and no Origin, even when the client sends one', async (t) => {
  const backend = await startFixture('quirky-sse-server', ['--guard-host']);
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', backend.url]);
  t.after(() => proxy.stop());
  const res = await post(proxy.url, initializeBody(1), { origin: 'http://localhost:6274' });
  assert.equal(res.status, 200);
  const sid = res.headers.get('mcp-session-id')!;
  await res.text();
  const [msg] = await messagesOf(await post(proxy.url, callEcho(2, 'guarded'), { 'mcp-session-id': sid, origin: 'http://localhost:6274' }));
  assert.equal(msg.result.content[0].text, 'guarded');
});

test('a backend 401 never reaches the client as 401: it is a 502 naming the auth failure', async (t) => {
  const backend = await startFixture('quirky-sse-server', ['--auth', '401', '--resource-metadata', 'http://127.0.0.1:1/.well-known/oauth-protected-resource']);
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', backend.url]);
  t.after(() => proxy.stop());
  const res = await post(proxy.url, initializeBody(5));
  assert.equal(res.status, 502);
  assert.equal(res.headers.get('www-authenticate'), null);
  const body = (await res.json()) as { id: number; error: { data: { code: string }; message: string } };
  assert.equal(body.id, 5);
  assert.equal(body.error.data.code, 'ERR_BACKEND_AUTH');
  assert.match(body.error.message, /HTTP 401/);
});
