// limits.streamBufferBytes and streamStallTimeout: a client that keeps a stream open but stops
// reading it while the backend floods (40 MB of notifications) gets that stream ended and counted;
// the proxy's memory stays bounded, other sessions are served, and the client resumes with
// Last-Event-ID from the event log. On the legacy face the stream is the session: both end.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { stopAll } from '../helpers/process.js';
import { startHostileStack } from '../helpers/hostile-stack.js';
import { limitHits, waitForLimitHit } from '../helpers/metrics.js';
import { openStream, type StreamEvent } from '../helpers/http-stream.js';
import { openLegacySession } from '../helpers/legacy-session.js';
import { rawSession } from '../helpers/http.js';
import { callTool, resultText } from '../helpers/rpc.js';
import { connectStreamable, textOf } from '../helpers/clients.js';
import { MB, mb, memoryOf, peakGrowth } from '../helpers/memory.js';

after(() => stopAll());

const LIMITS = { streamBufferBytes: '256kb', streamStallTimeout: '1s' };
// ~1000 flood events can sit in loopback socket buffers past the last one the client read; the log
// keeps more than that so they stay resumable (the defaults, 1000 events and 4 MB, would drop them:
// the client would then get a fresh stream, as it must when a replay would be partial).
const SESSIONS = { eventLog: { maxEvents: 5000, maxBytes: '64mb' } };
const FLOOD = { count: 4000, bytes: 10_000 };
const VERSION = '2025-06-18';

/** A flood notification's index and whether it belongs to the big flood (the data is `<i>:<pad>`). */
function floodIndex(e: StreamEvent): { big: boolean; i: number } | undefined {
  // Only the head is searched: the big flood's events are 10 kB each.
  const m = /"data":"(\d+):/.exec(e.data.slice(0, 400));
  return m ? { big: e.data.length > 1000, i: Number(m[1]) } : undefined;
}

test('Streamable HTTP: a GET stream not read while the backend floods is ended; memory bounded; others served; resumable', async (t) => {
  const { proxy, fixture } = await startHostileStack(t, { limits: LIMITS, sessions: SESSIONS });
  const sid = await rawSession(proxy.url, VERSION);
  const headers = { 'mcp-session-id': sid, 'mcp-protocol-version': VERSION };
  const get = await openStream(proxy.url, headers);
  t.after(() => get.close());
  assert.equal(get.status, 200);
  // One notification read normally: its id is where the client will resume from.
  const warm = await callTool(proxy.url, sid, 1, 'flood', { count: 1, bytes: 10 }, { accept: 'application/json' });
  assert.equal(resultText(warm.response), 'flooded 1');
  const lastRead = await get.waitForEvent((e) => floodIndex(e)?.big === false);
  assert.ok(lastRead.id, 'events of the GET stream carry ids');
  const memBefore = memoryOf(proxy.pid);
  const hitsBefore = await limitHits(proxy.origin, 'streamBufferBytes');

  get.pause();
  // A JSON-only POST: the flood's notifications can only go to the GET stream (or the session buffer).
  const flood = callTool(proxy.url, sid, 2, 'flood', FLOOD, { accept: 'application/json', timeoutMs: 90_000 });
  await waitForLimitHit(proxy.origin, 'streamBufferBytes', hitsBefore, 30_000);

  // Another session is served while this one floods.
  const other = await connectStreamable(proxy.url, 'bystander');
  t.after(() => other.close());
  assert.equal(textOf(await other.client.callTool({ name: 'echo', arguments: { text: 'served' } })), 'served');

  const done = await flood;
  assert.equal(resultText(done.response), `flooded ${FLOOD.count}`);
  const flooded = await fixture!.waitForLine((l) => l.flooded === FLOOD.count, 30_000);
  assert.ok((flooded.bytes as number) >= 40_000_000, 'the backend sent 40 MB');
  const growth = peakGrowth(proxy.pid, memBefore);
  assert.ok(growth < 150 * MB, `proxy RSS grew by ${mb(growth)} while 40 MB flooded a stream nobody read`);

  // The stream was ended: once the client reads again it sees the end, not an endless stream.
  get.resume();
  assert.equal(await get.waitEnded(20_000), 'ended', 'the unread GET stream was not ended');

  // Resuming from the last event the client read before it stopped gives the next ones, in order.
  const resumed = await openStream(proxy.url, { ...headers, 'last-event-id': lastRead.id });
  t.after(() => resumed.close());
  assert.equal(resumed.status, 200);
  const bigIndices = () =>
    resumed.events
      .map(floodIndex)
      .filter((f) => f?.big)
      .map((f) => f!.i);
  await resumed.waitUntil(() => bigIndices().length >= 5, 15_000);
  const firstFive = bigIndices().slice(0, 5);
  assert.deepEqual(firstFive, [0, 1, 2, 3, 4], 'the resumed stream starts right after the last event read');
  assert.ok(!resumed.events.some((e) => floodIndex(e)?.big === false), 'an event the client had read came again');
});

test('legacy face: an /sse stream not read while the backend floods is ended with its session; memory bounded', async (t) => {
  const { proxy, fixture } = await startHostileStack(t, { limits: LIMITS });
  const legacy = await openLegacySession(proxy.origin);
  t.after(() => legacy.stream.close());
  const backendOpened = await fixture!.waitForLine((l) => typeof l.sse_open === 'string');
  const memBefore = memoryOf(proxy.pid);
  const hitsBefore = await limitHits(proxy.origin, 'streamBufferBytes');

  legacy.stream.pause();
  assert.equal(await legacy.send({ id: 1, method: 'tools/call', params: { name: 'flood', arguments: FLOOD } }), 202);
  await waitForLimitHit(proxy.origin, 'streamBufferBytes', hitsBefore, 30_000);
  // The session ended: the proxy let go of its backend stream.
  await fixture!.waitForLine((l) => l.sse_closed === backendOpened.sse_open, 30_000);
  const growth = peakGrowth(proxy.pid, memBefore);
  assert.ok(growth < 150 * MB, `proxy RSS grew by ${mb(growth)} while a legacy stream was not read`);

  legacy.stream.resume();
  assert.equal(await legacy.stream.waitEnded(20_000), 'ended', 'the unread /sse stream was not ended');
  const after = await fetch(legacy.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
  });
  await after.text();
  assert.equal(after.status, 404, 'the session outlived its stream');
});
