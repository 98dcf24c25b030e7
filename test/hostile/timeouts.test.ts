// limits.headersTimeout, bodyTimeout and keepAliveTimeout: sockets that send nothing, half a header
// block, or a chunked body that never ends are closed (the last one with a 408 and a JSON-RPC error),
// an idle keep-alive connection is closed, and open SSE streams on both faces are not affected.
// The limits are set to 1 s; every wait is for an event (a close, a response) with a 20 s deadline.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { stopAll } from '../helpers/process.js';
import { startHostileStack } from '../helpers/hostile-stack.js';
import { connectRaw, postHead } from '../helpers/raw-socket.js';
import { limitHits, waitForLimitHit, waitForMetric } from '../helpers/metrics.js';
import { openStream } from '../helpers/http-stream.js';
import { openLegacySession } from '../helpers/legacy-session.js';
import { rawSession } from '../helpers/http.js';
import { callTool } from '../helpers/rpc.js';

after(() => stopAll());

const LIMITS = { headersTimeout: '1s', bodyTimeout: '1s', keepAliveTimeout: '1s' };
const CLOSE_DEADLINE_MS = 20_000;

test('a connection that never sends a byte is closed', async (t) => {
  const { proxy } = await startHostileStack(t, { limits: LIMITS });
  const conn = await connectRaw(proxy.origin);
  t.after(() => conn.destroy());
  assert.equal(await conn.waitClosed(CLOSE_DEADLINE_MS), true, 'the silent socket was still open after 20 s');
});

test('a connection that sends half its headers and stops is closed, and counted as headersTimeout', async (t) => {
  const { proxy } = await startHostileStack(t, { limits: LIMITS });
  const before = await limitHits(proxy.origin, 'headersTimeout');
  const conn = await connectRaw(proxy.origin);
  t.after(() => conn.destroy());
  conn.write(`POST /mcp HTTP/1.1\r\nhost: ${new URL(proxy.origin).host}\r\ncontent-type: appl`);
  assert.equal(await conn.waitClosed(CLOSE_DEADLINE_MS), true, 'the partial-header socket was still open after 20 s');
  await waitForLimitHit(proxy.origin, 'headersTimeout', before, 5_000);
});

test('a chunked POST whose body never ends gets 408 with ERR_REQUEST_TIMEOUT, is closed, and counted as bodyTimeout', async (t) => {
  const { proxy } = await startHostileStack(t, { limits: LIMITS });
  const before = await limitHits(proxy.origin, 'bodyTimeout');
  const conn = await connectRaw(proxy.origin);
  t.after(() => conn.destroy());
  // No session: the proxy must read the body to know whether it is an initialize.
  conn.write(
    postHead('/mcp', new URL(proxy.origin).host, {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'transfer-encoding': 'chunked',
    }),
  );
  conn.write('8\r\n{"jsonrp\r\n');
  const res = await conn.waitResponse(CLOSE_DEADLINE_MS);
  assert.ok(res, `no answer within 20 s to a body that never ends; received: ${JSON.stringify(conn.received().slice(0, 200))}`);
  assert.equal(res.status, 408);
  const body = JSON.parse(res.body);
  assert.equal(body.jsonrpc, '2.0');
  assert.equal(body.error.data.code, 'ERR_REQUEST_TIMEOUT');
  assert.equal(await conn.waitClosed(CLOSE_DEADLINE_MS), true, 'the socket stayed open after the 408');
  await waitForLimitHit(proxy.origin, 'bodyTimeout', before, 5_000);
});

test('an idle keep-alive connection is closed after keepAliveTimeout', async (t) => {
  const { proxy } = await startHostileStack(t, { limits: LIMITS });
  const conn = await connectRaw(proxy.origin);
  t.after(() => conn.destroy());
  conn.write(`GET /healthz HTTP/1.1\r\nhost: ${new URL(proxy.origin).host}\r\nconnection: keep-alive\r\n\r\n`);
  const res = await conn.waitResponse(10_000);
  assert.equal(res?.status, 200);
  assert.equal(await conn.waitClosed(CLOSE_DEADLINE_MS), true, 'the idle keep-alive socket was still open after 20 s');
  // The gauge that shows it: only the connection reading the metrics is left open.
  await waitForMetric(proxy.origin, 'frontdoor_http_connections', {}, (v) => v !== undefined && v <= 1, CLOSE_DEADLINE_MS);
});

test('open SSE streams of both faces outlive several multiples of every timeout and still deliver', async (t) => {
  const { proxy } = await startHostileStack(t, { limits: LIMITS });
  const legacy = await openLegacySession(proxy.origin);
  t.after(() => legacy.stream.close());
  const sid = await rawSession(proxy.url);
  const get = await openStream(proxy.url, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' });
  t.after(() => get.close());
  assert.equal(get.status, 200);

  // A clock made of events: four silent sockets closed one after the other by the proxy, each after
  // at least one timeout (1 s), while both streams carry nothing (keep-alives come every 15 s).
  for (let i = 0; i < 4; i++) {
    const idle = await connectRaw(proxy.origin);
    t.after(() => idle.destroy());
    assert.equal(await idle.waitClosed(CLOSE_DEADLINE_MS), true, `silent socket ${i} was not closed`);
  }

  assert.equal(await legacy.send({ id: 7, method: 'tools/call', params: { name: 'echo', arguments: { text: 'still here' } } }), 202);
  const answer = await legacy.answer(7);
  assert.equal(answer.result.content[0].text, 'still here');

  const flood = await callTool(proxy.url, sid, 8, 'flood', { count: 1, bytes: 5 }, { accept: 'application/json' });
  assert.equal(flood.response?.result?.content?.[0]?.text, 'flooded 1');
  const note = await get.waitForEvent((e) => e.data.includes('"logger":"flood"'));
  assert.match(note.data, /"data":"0:xxxxx"/);
  assert.equal(await get.waitEnded(0), 'open');
  assert.equal(await legacy.stream.waitEnded(0), 'open');
});
