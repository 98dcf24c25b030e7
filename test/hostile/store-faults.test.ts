// The shared store failing under the replicas (issue 8, Faults): a real redis-server killed, stalled
// (SIGSTOP) and restarted empty under two real replicas. While it is unreachable: /readyz 503, new
// sessions 503 + Retry-After at once, a replica's own sessions keep working, another replica's
// sessions 503; nothing started during the outage runs later. When it returns empty, the replicas
// re-write their records and sessions from before the outage are served through any replica again.
// Also, with the memory store: an initialize whose client left never becomes a session.
import { test, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { startFixture, startProxy, stopAll, type RunningProcess } from '../helpers/process.js';
import { connectSse, connectStreamable, textOf } from '../helpers/clients.js';
import { counter, gauge, startRedis, startReplica, type Replica } from '../helpers/cluster.js';
import { initializeBody, JSON_AND_SSE, messagesOf, rawSession } from '../helpers/http.js';

after(() => stopAll());

/** Every request of the test has a client-side deadline: a proxy that hangs fails the test. */
const CLIENT_DEADLINE_MS = 10_000;

function send(url: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(url, { signal: AbortSignal.timeout(CLIENT_DEADLINE_MS), ...init });
}

function initialize(url: string, signal?: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: JSON_AND_SSE },
    body: initializeBody(),
    signal: signal ?? AbortSignal.timeout(CLIENT_DEADLINE_MS),
  });
}

function callTool(url: string, sessionId: string, text: string): Promise<Response> {
  return send(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: JSON_AND_SSE, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { text } } }),
  });
}

/** Polls `probe` until it returns true; bounded in time (and so in count). */
async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const readyz = async (r: Replica) => (await send(new URL('/readyz', r.origin).href)).status;

async function assertStoreUnavailable(res: Response, what: string): Promise<void> {
  assert.equal(res.status, 503, `${what}: 503`);
  assert.ok(Number(res.headers.get('retry-after')) >= 1, `${what}: Retry-After`);
  const body = (await res.json()) as { error?: { data?: { code?: string; errorId?: string } } };
  assert.equal(body.error?.data?.code, 'ERR_STORE_UNAVAILABLE', `${what}: a JSON-RPC error naming the store`);
  assert.ok(body.error?.data?.errorId, `${what}: an errorId to find the log line`);
}

async function twoReplicas(t: TestContext) {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-store-faults-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = await startRedis();
  const redis: { proc: RunningProcess; url: string; port: number } = first;
  // The test replaces the process on restart: stop whichever runs at the end (SIGCONT first, in case it was stopped).
  t.after(async () => {
    try {
      process.kill(redis.proc.pid, 'SIGCONT');
    } catch {
      /* already gone */
    }
    await redis.proc.stop();
  });
  const a = await startReplica(dir, 0, first.url, backend.url);
  t.after(() => a.stop());
  const b = await startReplica(dir, 1, first.url, backend.url);
  t.after(() => b.stop());
  return { redis, a, b };
}

test('Redis killed, then restarted empty: 503s while down, own sessions keep working, records re-written after', { timeout: 120_000 }, async (t) => {
  const { redis, a, b } = await twoReplicas(t);
  const owned = await connectStreamable(a.url, 'owned-by-a');
  t.after(() => owned.client.close());
  const sidA = owned.transport.sessionId!;
  const legacy = await connectSse(`${a.origin}/sse`, 'legacy-on-a');
  t.after(() => legacy.close());
  const sidB = await rawSession(b.url);
  // Before the outage each replica serves the other's session by forwarding.
  assert.equal((await callTool(b.url, sidA, 'before')).status, 200);
  const sessionsBefore = { a: await gauge(a.origin, 'frontdoor_sessions'), b: await gauge(b.origin, 'frontdoor_sessions') };

  await redis.proc.stop('SIGKILL');
  for (const r of [a, b]) await until(async () => (await readyz(r)) === 503, `/readyz 503 on ${r.replicaId}`);
  assert.equal(await gauge(a.origin, 'frontdoor_store_up'), 0);

  await assertStoreUnavailable(await initialize(a.url), 'initialize during the outage');
  await assertStoreUnavailable(await send(`${b.origin}/sse`, { headers: { accept: 'text/event-stream' } }), 'GET /sse during the outage');
  // Sessions a replica holds do not need the store.
  assert.equal(textOf(await owned.client.callTool({ name: 'echo', arguments: { text: 'during' } })), 'during');
  assert.equal(textOf(await legacy.client.callTool({ name: 'echo', arguments: { text: 'legacy-during' } })), 'legacy-during');
  // Only the store knows where another replica's session lives.
  await assertStoreUnavailable(await callTool(a.url, sidB, 'elsewhere'), 'a session held by the other replica');
  // A client that gives up on its initialize during the outage.
  await initialize(b.url, AbortSignal.timeout(200))
    .then((r) => r.text())
    .catch(() => undefined);
  assert.ok((await counter(a.origin, 'frontdoor_store_failures_total')) > 0, 'store failures are counted');

  const restarted = await startRedis(redis.port);
  Object.assign(redis, restarted);
  const client = createClient({ url: restarted.url });
  client.on('error', () => undefined); // the test stops this Redis before the client in t.after
  await client.connect();
  t.after(() => client.close().catch(() => undefined));
  // Both replicas register again and re-write the records of the sessions they hold.
  await until(async () => (await client.hGet(`frontdoor:s:${sidA}`, 'owner')) === a.replicaId, "the record of A's session re-written");
  await until(async () => (await client.hGet(`frontdoor:s:${sidB}`, 'owner')) === b.replicaId, "the record of B's session re-written");
  assert.equal(await client.exists(`frontdoor:r:${a.replicaId}`), 1, 'A registered again');
  for (const r of [a, b]) await until(async () => (await readyz(r)) === 200, `/readyz 200 on ${r.replicaId}`);
  assert.equal(await gauge(b.origin, 'frontdoor_store_up'), 1);

  // Sessions from before the outage are served through the other replica again (forwarded, not 404).
  const forwardedBefore = await counter(b.origin, 'frontdoor_forwarded_total');
  const res = await callTool(b.url, sidA, 'after');
  assert.equal(res.status, 200, "A's session through B");
  assert.equal(textOf((await messagesOf(res))[0].result), 'after');
  assert.equal(await counter(b.origin, 'frontdoor_forwarded_total'), forwardedBefore + 1, 'B forwarded it to A');
  assert.equal((await callTool(a.url, sidB, 'after')).status, 200, "B's session through A");
  // Nothing started during the outage came to life afterwards: no extra session, no extra record.
  assert.equal(await gauge(a.origin, 'frontdoor_sessions'), sessionsBefore.a);
  assert.equal(await gauge(b.origin, 'frontdoor_sessions'), sessionsBefore.b);
  const records = await client.keys('frontdoor:s:*');
  assert.equal(records.length, sessionsBefore.a + sessionsBefore.b, `one record per live session (${records.join(', ')})`);
  // New sessions are taken again.
  assert.equal((await initialize(b.url)).status, 200);
});

test(
  'Redis stalled (SIGSTOP): store operations miss their deadline, a new session gets 503, and the replica recovers on SIGCONT',
  { timeout: 60_000 },
  async (t) => {
    const { redis, a, b } = await twoReplicas(t);
    const sidB = await rawSession(b.url);
    process.kill(redis.proc.pid, 'SIGSTOP');
    // No answer at all from Redis: only the deadline (cluster.storeTimeout) ends the wait.
    const res = await initialize(a.url);
    assert.equal(res.status, 503);
    assert.ok(res.headers.get('retry-after'));
    await res.text();
    await until(async () => (await readyz(a)) === 503, '/readyz 503 on A');
    await assertStoreUnavailable(await callTool(a.url, sidB, 'stalled'), 'a session held by the other replica');
    process.kill(redis.proc.pid, 'SIGCONT');
    await until(async () => (await readyz(a)) === 200, '/readyz 200 on A after SIGCONT');
    // Served: forwarded to B, or taken over by A if B's registration expired during the stall.
    assert.equal((await callTool(a.url, sidB, 'back')).status, 200, "B's session is served again");
    // The initialize refused during the stall left no session behind, on either replica or in the store.
    await until(async () => (await gauge(a.origin, 'frontdoor_sessions')) + (await gauge(b.origin, 'frontdoor_sessions')) === 1, 'one session in all');
    const client = createClient({ url: redis.url });
    client.on('error', () => undefined); // the test stops this Redis before the client in t.after
    await client.connect();
    t.after(() => client.close().catch(() => undefined));
    await until(async () => (await client.keys('frontdoor:s:*')).length === 1, "only B's record in the store");
  },
);

test('memory store: an initialize whose client left while the backend was slow never becomes a session', { timeout: 60_000 }, async (t) => {
  const backend = await startFixture('quirky-sse-server', ['--initialize-delay-ms', '1500']);
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', backend.url]);
  t.after(() => proxy.stop());
  const controller = new AbortController();
  t.after(() => controller.abort());
  const pending = initialize(proxy.url, controller.signal).catch(() => undefined);
  // The backend has the initialize (it answers 1.5 s later): the client gives up now.
  const controlUrl = new URL('/control/received', backend.url).href;
  await until(async () => JSON.stringify(await (await send(controlUrl)).json()).includes('"initialize"'), 'the backend to receive initialize');
  controller.abort();
  await pending;
  await proxy.waitForLine((l) => l.reason === 'client_gone');
  assert.equal(await gauge(proxy.origin, 'frontdoor_sessions'), 0, 'no session for a client that left');
  assert.equal(await counter(proxy.origin, 'frontdoor_sessions_started_total'), 0);
});
