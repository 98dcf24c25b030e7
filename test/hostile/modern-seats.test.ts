// Identity explosion on the 2026-07-28 face: every modern request with its own clientCapabilities is a
// new identity and asks for a seat (a backend session). Up to sessions.seats.max they are served; past
// it each one gets 503 + Retry-After with a JSON-RPC error echoing its id, counted once per refusal in
// frontdoor_limit_hits_total{limit="sessions.seats.max"} and logged once with its errorId. The refusals
// cost no memory, and a modern client and a handshake-era client that were there before keep working.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, startProxy, stopAll } from '../helpers/process.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { connectStreamable, textOf } from '../helpers/clients.js';
import { connectModern, modernMessages, modernRequest, postModern } from '../helpers/modern.js';
import { limitHits, metricValue, readMetrics } from '../helpers/metrics.js';
import { mb, memoryOf, peakGrowth, MB } from '../helpers/memory.js';

after(() => stopAll());

const MAX_SEATS = 20;
/** Refused identities sent after the bound is reached: enough that a per-refusal leak would show. */
const FLOOD = 1_500;
const CONCURRENCY = 16;
const GROWTH_LIMIT = 40 * MB;

interface Outcome {
  status: number;
  retryAfter: string | null;
  body: { id?: unknown; result?: unknown; error?: { code: number; data?: { code?: string; errorId?: string } } };
}

/** One tools/list of an identity of its own (the experimental key varies), 3 KB of capabilities. */
async function newIdentity(url: string, i: number): Promise<Outcome> {
  const capabilities = { experimental: { [`fd.identity.${i}`]: { pad: 'p'.repeat(3_000) } } };
  const res = await postModern(url, modernRequest(`req-${i}`, 'tools/list', {}, { capabilities, clientInfo: { name: 'explosion', version: '1.0.0' } }));
  // A quick answer is JSON; under load the proxy turns it into an SSE stream after 250 ms: both are read.
  const body = (await modernMessages(res)).find((m) => m?.id === `req-${i}`) as Outcome['body'];
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
}

async function inParallel(from: number, to: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < to) await fn(next++);
    }),
  );
}

test(
  `identity explosion: seats up to sessions.seats.max (${MAX_SEATS}), then 503 + Retry-After, memory bounded, other clients unaffected`,
  { timeout: 180_000 },
  async (t) => {
    const backend = await startFixture('legacy-sse-server');
    t.after(() => backend.stop());
    const cfg = writeConfigFile({
      listen: { port: 0 },
      sessions: { seats: { max: MAX_SEATS } },
      log: { level: 'info', format: 'json' },
      routes: [{ path: '/', backend: { url: backend.url } }],
    });
    t.after(() => cfg.dispose());
    const proxy = await startProxy(['--config', cfg.file]);
    t.after(() => proxy.stop());

    // Already there: a modern client (one seat) and a handshake-era client (a session, not a seat).
    const modern = await connectModern(proxy.url, { name: 'explosion-witness', version: '1.0.0' });
    t.after(() => modern.close());
    const legacy = await connectStreamable(proxy.url, 'explosion-legacy');
    t.after(() => legacy.close());
    assert.equal(textOf(await modern.client.callTool({ name: 'echo', arguments: { text: 'm0' } })), 'm0');
    const seatsBefore = metricValue(await readMetrics(proxy.origin), 'frontdoor_route_sessions', { route: '/', face: 'modern' }) ?? 0;
    assert.equal(seatsBefore, 1);

    // Up to the bound, in parallel: exactly MAX_SEATS - 1 new identities get a seat.
    const first: Outcome[] = [];
    await inParallel(0, MAX_SEATS + 20, async (i) => void first.push(await newIdentity(proxy.url, i)));
    const served = first.filter((o) => o.status === 200);
    const refused = first.filter((o) => o.status !== 200);
    assert.equal(served.length, MAX_SEATS - seatsBefore, JSON.stringify(first.map((o) => o.status)));
    for (const o of refused) {
      assert.equal(o.status, 503, JSON.stringify(o));
      assert.equal(o.retryAfter, '5');
      assert.match(String(o.body.id), /^req-\d+$/, 'the JSON-RPC error carries the request id');
      assert.equal(o.body.error?.data?.code, 'ERR_TOO_MANY_SESSIONS', JSON.stringify(o.body));
    }
    assert.equal(await limitHits(proxy.origin, 'sessions.seats.max'), refused.length);
    const errorId = refused[0]!.body.error!.data!.errorId!;
    await proxy.waitForLine((l) => l.errorId === errorId);
    assert.equal(proxy.lines.filter((l) => l.includes(errorId)).length, 1, 'one log line per refusal');

    // The flood past the bound: each refusal costs nothing that stays.
    const before = memoryOf(proxy.pid);
    let notRefused = 0;
    await inParallel(1_000, 1_000 + FLOOD, async (i) => {
      const o = await newIdentity(proxy.url, i);
      if (o.status !== 503 || o.body.id !== `req-${i}`) notRefused++;
    });
    const growth = peakGrowth(proxy.pid, before);
    t.diagnostic(`${FLOOD} refused identities: peak RSS growth ${mb(growth)}, RSS now ${mb(memoryOf(proxy.pid).rss)}`);
    assert.equal(notRefused, 0);
    assert.equal(await limitHits(proxy.origin, 'sessions.seats.max'), refused.length + FLOOD);
    assert.ok(growth < GROWTH_LIMIT, `peak RSS growth ${mb(growth)} over ${mb(GROWTH_LIMIT)}`);
    assert.equal(metricValue(await readMetrics(proxy.origin), 'frontdoor_route_sessions', { route: '/', face: 'modern' }), MAX_SEATS);

    // The clients that were there keep working; an identity that has a seat keeps it.
    assert.equal(textOf(await modern.client.callTool({ name: 'echo', arguments: { text: 'm1' } })), 'm1');
    assert.ok((await modern.client.listTools()).tools.some((tool) => tool.name === 'echo'));
    assert.equal(textOf(await legacy.client.callTool({ name: 'echo', arguments: { text: 'l1' } })), 'l1');
    const again = await newIdentity(proxy.url, served.length > 0 ? Number(String(served[0]!.body.id).slice(4)) : 0);
    assert.equal(again.status, 200, JSON.stringify(again));
    assert.equal(proxy.child.exitCode, null);
  },
);
