// Request bodies are refused before they are read when their headers already say no (a
// Content-Length over limits.maxBodyBytes, an unknown session), and bodies being received at once are
// bounded over every client by limits.maxBufferedBodyBytes: stalled uploads past the budget get 503
// with Retry-After while the proxy's memory stays flat and a normal client still works.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { stopAll } from '../helpers/process.js';
import { startHostileStack } from '../helpers/hostile-stack.js';
import { connectRaw, firstResponses, postHead, type RawConnection } from '../helpers/raw-socket.js';
import { limitHits, waitForLimitHit } from '../helpers/metrics.js';
import { connectStreamable, textOf } from '../helpers/clients.js';
import { MB, mb, memoryOf, peakGrowth } from '../helpers/memory.js';

after(() => stopAll());

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
/** Longer than any wait below: an answer that comes is the limit's, not a timeout's. */
const LONG_BODY_TIMEOUT = '60s';

test('a Content-Length over limits.maxBodyBytes is refused with 413 before the body is sent', async (t) => {
  const { proxy } = await startHostileStack(t, { limits: { maxBodyBytes: '1mb', bodyTimeout: LONG_BODY_TIMEOUT } });
  const before = await limitHits(proxy.origin, 'maxBodyBytes');
  const conn = await connectRaw(proxy.origin);
  t.after(() => conn.destroy());
  conn.write(postHead('/mcp', new URL(proxy.origin).host, { ...JSON_HEADERS, 'content-length': 2 * MB }));
  const res = await conn.waitResponse(10_000);
  assert.ok(res, 'no answer to the headers of an oversized body');
  assert.equal(res.status, 413);
  const body = JSON.parse(res.body);
  assert.equal(body.error.data.code, 'ERR_BODY_TOO_LARGE');
  assert.match(body.error.message, /limits\.maxBodyBytes/);
  await waitForLimitHit(proxy.origin, 'maxBodyBytes', before, 5_000);
});

test('a POST naming an unknown session is refused with 404 before its body is read, on both faces', async (t) => {
  const { proxy } = await startHostileStack(t, { limits: { bodyTimeout: LONG_BODY_TIMEOUT } });
  const host = new URL(proxy.origin).host;

  const mcp = await connectRaw(proxy.origin);
  t.after(() => mcp.destroy());
  mcp.write(postHead('/mcp', host, { ...JSON_HEADERS, 'mcp-session-id': randomUUID(), 'mcp-protocol-version': '2025-06-18', 'content-length': 100_000 }));
  const res = await mcp.waitResponse(10_000);
  assert.ok(res, 'no answer within 10 s: the proxy waited for the body of a request it must refuse');
  assert.equal(res.status, 404);
  assert.equal(JSON.parse(res.body).error.code, -32001);

  // The legacy face: the session is in the query string, known before any body byte.
  const legacy = await connectRaw(proxy.origin);
  t.after(() => legacy.destroy());
  legacy.write(postHead(`/messages?sessionId=${randomUUID()}`, host, { 'content-type': 'application/json', 'content-length': 100_000 }));
  const res2 = await legacy.waitResponse(10_000);
  assert.ok(res2, 'no answer within 10 s on the legacy face');
  assert.equal(res2.status, 404);
});

test('stalled uploads past limits.maxBufferedBodyBytes get 503 + Retry-After; memory stays flat; a normal client works', async (t) => {
  const { proxy } = await startHostileStack(t, { limits: { maxBufferedBodyBytes: '4mb', bodyTimeout: LONG_BODY_TIMEOUT } });
  const host = new URL(proxy.origin).host;
  const warm = await connectStreamable(proxy.url, 'warm-up');
  t.after(() => warm.close());
  await warm.client.callTool({ name: 'echo', arguments: { text: 'warm' } });
  await warm.close();
  const memBefore = memoryOf(proxy.pid);
  const before = await limitHits(proxy.origin, 'maxBufferedBodyBytes');

  // 20 uploads declaring 1 MB each (under maxBodyBytes, 4 MB) that send half of it and stall: 10 MB
  // of bodies against a 4 MB budget.
  const half = Buffer.alloc(MB / 2, 0x20);
  const conns: RawConnection[] = [];
  for (let i = 0; i < 20; i++) {
    const conn = await connectRaw(proxy.origin);
    t.after(() => conn.destroy());
    conn.write(postHead('/mcp', host, { ...JSON_HEADERS, 'content-length': MB }));
    conn.write(half);
    conns.push(conn);
  }
  // However the budget is counted (declared lengths or bytes received), at most 8 half-bodies fit.
  const answered = await firstResponses(conns, 12, 20_000);
  assert.ok(answered.length >= 12, `only ${answered.length} of 20 stalled uploads were refused (at most 8 fit in 4 MB)`);
  for (const r of answered) {
    assert.equal(r.status, 503);
    assert.ok(r.headers['retry-after'], 'a 503 without Retry-After');
    assert.equal(JSON.parse(r.body).error.data.code, 'ERR_OVERLOADED');
  }
  await waitForLimitHit(proxy.origin, 'maxBufferedBodyBytes', before, 5_000);

  // Meanwhile, with the admitted uploads still stalled, an ordinary client works.
  const client = await connectStreamable(proxy.url, 'normal');
  t.after(() => client.close());
  assert.equal(textOf(await client.client.callTool({ name: 'echo', arguments: { text: 'unaffected' } })), 'unaffected');

  const growth = peakGrowth(proxy.pid, memBefore);
  assert.ok(growth < 100 * MB, `proxy RSS grew by ${mb(growth)} while 20 uploads stalled`);
});
