// The legacy HTTP+SSE face: SDK SSE clients and raw legacy clients reach backends through it,
// with the endpoint event relative and prefix-preserving, and handshake repair for clients that skip
// `initialized` or never send `initialize`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFixture, startProxy, stopAll } from '../helpers/process.js';
import { connectSse, textOf } from '../helpers/clients.js';
import { openLegacy } from '../helpers/sse-reader.js';
import { initializeBody } from '../helpers/http.js';

after(() => stopAll());

const postJson = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const sseUrlOf = (mcpUrl: string, prefix = '') => new URL(`${prefix}/sse`, mcpUrl).href;

test('the SDK SSE client reaches a legacy backend through the legacy face: tools, progress, sampling, resources', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', backend.url]);
  t.after(() => proxy.stop());
  const { client, close } = await connectSse(sseUrlOf(proxy.url));
  t.after(close);
  assert.equal(client.getServerVersion()?.name, 'legacy-sse-fixture');
  assert.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'via sse face' } })), 'via sse face');
  const progress: number[] = [];
  await client.callTool({ name: 'slow', arguments: { steps: 2, delayMs: 20 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
  assert.deepEqual(progress, [1, 2]);
  assert.equal(textOf(await client.callTool({ name: 'sample', arguments: { prompt: 'q' } })), 'sampled: q');
  const read = await client.readResource({ uri: 'demo://items/3' });
  assert.equal((read.contents[0] as { text: string }).text, 'item 3');
});

test('the endpoint event is relative, same-origin, and keeps the route prefix and X-Forwarded-Prefix', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-legacy-'));
  const file = path.join(dir, 'f.yaml');
  writeFileSync(file, `listen: { port: 0 }\nroutes:\n  - path: /tools\n    backend: { url: "${backend.url}" }\n`);
  const proxy = await startProxy(['--config', file]);
  t.after(() => proxy.stop());
  assert.ok(proxy.url.endsWith('/tools/mcp'));
  const plain = await openLegacy(new URL('/tools/sse', proxy.url).href);
  t.after(() => plain.reader.cancel());
  assert.match(plain.rawEndpoint, /^\/tools\/messages\?sessionId=[\x21-\x7e]+$/);
  const behind = await openLegacy(new URL('/tools/sse', proxy.url).href, { 'x-forwarded-prefix': '/gateway' });
  t.after(() => behind.reader.cancel());
  assert.match(behind.rawEndpoint, /^\/gateway\/tools\/messages\?sessionId=/);
});

test('POST variants: /message, trailing slash, session_id; unknown session is 404, never 401', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', backend.url]);
  t.after(() => proxy.stop());
  const { reader, endpoint } = await openLegacy(sseUrlOf(proxy.url));
  t.after(() => reader.cancel());
  const id = new URL(endpoint).searchParams.get('sessionId')!;
  const init = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: initializeBody(1, '2024-11-05') });
  assert.equal(init.status, 202);
  assert.equal((await reader.message()).result.serverInfo.name, 'legacy-sse-fixture');
  const variants = [`/message?sessionId=${id}`, `/messages/?session_id=${id}`, `/message/?sessionId=${id}`];
  for (const [i, v] of variants.entries()) {
    const res = await postJson(new URL(v, proxy.url).href, { jsonrpc: '2.0', id: 10 + i, method: 'ping' });
    assert.equal(res.status, 202, v);
    assert.deepEqual((await reader.message()).id, 10 + i);
  }
  const unknown = await postJson(new URL('/messages?sessionId=nope', proxy.url).href, { jsonrpc: '2.0', id: 1, method: 'ping' });
  assert.equal(unknown.status, 404);
  const missing = await postJson(new URL('/messages', proxy.url).href, { jsonrpc: '2.0', id: 1, method: 'ping' });
  assert.equal(missing.status, 400);
});

test('legacy face + strict backend: a client that skips initialized is served (initialized injected)', async (t) => {
  const backend = await startFixture('quirky-sse-server', ['--strict']);
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', backend.url]);
  t.after(() => proxy.stop());
  const { reader, endpoint } = await openLegacy(sseUrlOf(proxy.url));
  t.after(() => reader.cancel());
  await postJson(endpoint, JSON.parse(initializeBody(1, '2024-11-05')));
  assert.ok((await reader.message()).result);
  await postJson(endpoint, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'strict ok' } } });
  const answer = await reader.message();
  assert.equal(answer.id, 2);
  assert.equal(answer.result.content[0].text, 'strict ok');
});

test('a legacy client that never sends initialize: the proxy handshakes for it with a default identity', async (t) => {
  const backend = await startFixture('quirky-sse-server', ['--strict']);
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', backend.url]);
  t.after(() => proxy.stop());
  const { reader, endpoint } = await openLegacy(sseUrlOf(proxy.url));
  t.after(() => reader.cancel());
  await postJson(endpoint, { jsonrpc: '2.0', id: 'x', method: 'tools/call', params: { name: 'echo', arguments: { text: 'no init' } } });
  const answer = await reader.message();
  assert.equal(answer.id, 'x');
  assert.equal(answer.result.content[0].text, 'no init');
  const received = (await (await fetch(new URL('/control/received', backend.url))).json()) as string[][];
  assert.deepEqual(received.at(-1), ['initialize', 'notifications/initialized', 'tools/call']);
  await proxy.waitForLine((l) => l.reason === 'initialize_synthesized');
});
