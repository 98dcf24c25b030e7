// Errors name what happened, and every errorId a client is given is in a log line: the operator who
// gets a user's errorId must find it. A backend URL that names nothing is a configuration error
// (ERR_BACKEND_NOT_FOUND), not a lost session; errors while the proxy reconnects, and requests ended
// by their session closing, are logged with the errorId their clients received.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFixture, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';
import { initializeBody, messagesOf, post, rawSession } from '../helpers/http.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { metricValue, readMetrics } from '../helpers/metrics.js';

after(() => stopAll());

interface ErrorBody {
  id: number;
  error: { code: number; message: string; data: { code: string; reason: string; errorId: string } };
}

/** The proxy's error line carrying `errorId` (waits for it: the line may follow the answer). The audit line of a tools/call carries it too, at info, but names no error code. */
const loggedWith = (proxy: RunningProxy, errorId: string) => proxy.waitForLine((l) => l.errorId === errorId && typeof l.code === 'string', 10_000);

test('a backend URL that answers 404 is ERR_BACKEND_NOT_FOUND (a config error), with its errorId logged', async (t) => {
  const notFound = http.createServer((req, res) => {
    req.resume();
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Cannot GET');
  });
  await new Promise<void>((r) => notFound.listen(0, '127.0.0.1', r));
  t.after(() => notFound.close());
  const port = (notFound.address() as AddressInfo).port;
  const proxy = await startProxy(['--backend', `http://127.0.0.1:${port}/sse`]);
  t.after(() => proxy.stop());
  const res = await post(proxy.url, initializeBody(7));
  assert.equal(res.status, 502);
  const body = (await res.json()) as ErrorBody;
  assert.equal(body.id, 7);
  assert.equal(body.error.data.code, 'ERR_BACKEND_NOT_FOUND');
  assert.equal(body.error.data.reason, 'backend_not_found');
  assert.match(body.error.message, /HTTP 404/);
  const line = await loggedWith(proxy, body.error.data.errorId);
  assert.equal(line.code, 'ERR_BACKEND_NOT_FOUND');
});

test('while the backend is down and the proxy reconnects, the errors clients get are logged with their errorId', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const cfg = writeConfigFile({
    listen: { host: '127.0.0.1', port: 0 },
    routes: [{ path: '/', backend: { url: backend.url, timeouts: { connect: '500ms' }, reconnect: { giveUpAfter: 0 } } }],
  });
  t.after(() => cfg.dispose());
  const proxy = await startProxy(['--config', cfg.file]);
  t.after(() => proxy.stop());
  const session = await rawSession(proxy.url);
  await backend.stop();
  await proxy.waitForLine((l) => l.reason === 'backend_stream_ended' || l.reason === 'backend_stream_broken');
  const res = await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } }), {
    'mcp-session-id': session,
  });
  const [answer] = (await messagesOf(res)) as unknown as ErrorBody[];
  assert.equal(answer!.id, 5);
  assert.equal(answer!.error.data.code, 'ERR_BACKEND_UNAVAILABLE');
  assert.equal(answer!.error.data.reason, 'backend_reconnecting');
  await loggedWith(proxy, answer!.error.data.errorId);
});

test('a request still in flight when its session is deleted gets an error whose errorId is logged', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', backend.url]);
  t.after(() => proxy.stop());
  const session = await rawSession(proxy.url);
  // With a progress token the slow tool's first progress upgrades the POST to an SSE stream: its
  // head arriving says the call is running at the backend.
  const call = {
    jsonrpc: '2.0',
    id: 9,
    method: 'tools/call',
    params: { name: 'slow', arguments: { steps: 100, delayMs: 100 }, _meta: { progressToken: 'p' } },
  };
  const res = await post(proxy.url, JSON.stringify(call), { 'mcp-session-id': session });
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const del = await fetch(proxy.url, { method: 'DELETE', headers: { 'mcp-session-id': session } });
  assert.equal(del.status, 200);
  await del.text();
  const answer = ((await messagesOf(res)) as unknown as ErrorBody[]).find((m) => m.id === 9);
  assert.equal(answer!.id, 9);
  assert.equal(answer!.error.data.code, 'ERR_SESSION_CLOSED');
  await loggedWith(proxy, answer!.error.data.errorId);
});

test('session churn is visible: sessions ended by reason, and abandoned ones (expired without a request) counted apart', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', backend.url, '--idle-timeout', '1s']);
  t.after(() => proxy.stop());
  // A health check's pattern: initialize, then nothing, never DELETE.
  const abandoned = await rawSession(proxy.url);
  const used = await rawSession(proxy.url);
  const ping = await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }), { 'mcp-session-id': used });
  assert.equal(ping.status, 200);
  await ping.text();
  const closed = await rawSession(proxy.url);
  const del = await fetch(proxy.url, { method: 'DELETE', headers: { 'mcp-session-id': closed } });
  assert.equal(del.status, 200);
  await del.text();
  for (const id of [abandoned, used]) await proxy.waitForLine((l) => l.msg === 'session end' && l.sessionId === id && l.reason === 'idle_timeout');
  const text = await readMetrics(proxy.origin);
  const face = 'streamable-http';
  assert.equal(metricValue(text, 'frontdoor_sessions_ended_total', { route: '/', face, reason: 'idle_timeout' }), 2);
  assert.equal(metricValue(text, 'frontdoor_sessions_ended_total', { route: '/', face, reason: 'client_delete' }), 1);
  assert.equal(metricValue(text, 'frontdoor_sessions_abandoned_total', { route: '/', face }), 1);
});
