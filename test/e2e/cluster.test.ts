// Scale-out (docs/architecture.md, Store and cluster) with a real redis-server and a real
// round-robin load balancer (haproxy) in front of three replicas: any replica serves any session on
// both faces, a killed replica's sessions are taken over, a SIGTERM drains. No skips: CI installs
// redis-server and haproxy (.ci/run).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startFixture, stopAll } from '../helpers/process.js';
import { connectSse, connectStreamable, progressSignal, textOf, type TestClient } from '../helpers/clients.js';
import { counter, startCluster, type TestCluster } from '../helpers/cluster.js';
import { openLegacy, SseReader } from '../helpers/sse-reader.js';
import { post, rawSession } from '../helpers/http.js';

after(() => stopAll());

const SESSIONS = 20;
const CALLS = 50;

async function ownerOf(cluster: TestCluster, sessionId: string): Promise<string | undefined> {
  const client = createClient({ url: cluster.redisUrl });
  await client.connect();
  try {
    return (await client.hGet(`frontdoor:s:${sessionId}`, 'owner')) ?? undefined;
  } finally {
    await client.close();
  }
}

test('20 sessions × 50 calls on each face through a round-robin balancer: no errors, every replica serves', { timeout: 60_000 }, async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const cluster = await startCluster(backend.url);
  t.after(() => cluster.stop());
  const streamable = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => connectStreamable(`${cluster.lbOrigin}/mcp`, `s${i}`)));
  t.after(() => Promise.all(streamable.map((c) => c.close())));
  const legacy = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => connectSse(`${cluster.lbOrigin}/sse`, `l${i}`)));
  t.after(() => Promise.all(legacy.map((c) => c.close())));
  let errors = 0;
  const loop = async (client: TestClient['client'], tag: string) => {
    for (let i = 0; i < CALLS; i++) {
      try {
        const text = textOf(await client.callTool({ name: 'echo', arguments: { text: `${tag}-${i}` } }));
        if (text !== `${tag}-${i}`) errors++;
      } catch {
        errors++;
      }
    }
  };
  const started = Date.now();
  await Promise.all([...streamable.map((c, i) => loop(c.client, `s${i}`)), ...legacy.map((c, i) => loop(c.client, `l${i}`))]);
  const ms = Date.now() - started;
  const perReplica = await Promise.all(
    cluster.replicas.map(async (r) => ({
      requests: await counter(r.origin, 'frontdoor_http_requests_total'),
      forwarded: await counter(r.origin, 'frontdoor_forwarded_total'),
      received: await counter(r.origin, 'frontdoor_forwarded_received_total'),
    })),
  );
  console.log(`cluster: ${2 * SESSIONS * CALLS} calls in ${ms} ms, ${errors} errors; per replica ${JSON.stringify(perReplica)}`);
  assert.equal(errors, 0);
  for (const r of perReplica) {
    assert.ok(r.requests > 100, 'every replica took a share of the requests');
    assert.ok(r.forwarded > 0, 'every replica forwarded requests to owners');
    assert.ok(r.received > 0, 'every replica served forwarded requests');
  }
});

test('legacy split: GET /sse held by replica A, POST /messages sent to replica B, answers on A’s stream', { timeout: 30_000 }, async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const cluster = await startCluster(backend.url);
  t.after(() => cluster.stop());
  const [a, b] = cluster.replicas as [TestCluster['replicas'][number], TestCluster['replicas'][number]];
  const { reader, rawEndpoint } = await openLegacy(`${a.origin}/sse`);
  t.after(() => reader.cancel());
  const sessionId = new URL(rawEndpoint, a.origin).searchParams.get('sessionId')!;
  assert.equal(await ownerOf(cluster, sessionId), a.replicaId);
  const atB = `${b.origin}${rawEndpoint}`;
  const init = await post(
    atB,
    JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'split', version: '1' } },
    }),
  );
  assert.equal(init.status, 202);
  await init.text();
  const first = await reader.message();
  assert.equal(first.id, 1);
  assert.ok(first.result.serverInfo);
  const ack = await post(atB, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  assert.equal(ack.status, 202);
  await ack.text();
  const call = await post(atB, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'split' } } }));
  assert.equal(call.status, 202);
  await call.text();
  const answer = await reader.message();
  assert.equal(answer.id, 2);
  assert.equal(answer.result.content[0].text, 'split');
  assert.ok((await counter(b.origin, 'frontdoor_forwarded_total')) >= 3, 'B forwarded the POSTs to A');
  assert.ok((await counter(a.origin, 'frontdoor_forwarded_received_total')) >= 3);
});

test('kill -9 of a replica mid-loop: every session continues; only calls in flight at the kill fail', { timeout: 60_000 }, async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const cluster = await startCluster(backend.url);
  t.after(() => cluster.stop());
  const clients = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => connectStreamable(`${cluster.lbOrigin}/mcp`, `k${i}`)));
  t.after(() => Promise.all(clients.map((c) => c.close())));
  const victim = cluster.replicas[1]!;
  const owned = (await Promise.all(clients.map((c) => ownerOf(cluster, c.transport.sessionId!)))).filter((o) => o === victim.replicaId).length;
  assert.ok(owned > 0, 'the victim owns some sessions');
  let done = 0;
  let errors = 0;
  let killed: Promise<unknown> | undefined;
  const loop = async (c: TestClient, tag: string) => {
    let lastOk = -1;
    for (let i = 0; i < CALLS; i++) {
      try {
        const text = textOf(await c.client.callTool({ name: 'echo', arguments: { text: `${tag}-${i}` } }));
        if (text === `${tag}-${i}`) lastOk = i;
        else errors++;
      } catch {
        errors++;
      }
      if (++done === Math.floor((SESSIONS * CALLS) / 3)) killed = victim.stop('SIGKILL');
    }
    return lastOk;
  };
  const lastOk = await Promise.all(clients.map((c, i) => loop(c, `k${i}`)));
  await killed;
  const claimed =
    (await counter(cluster.replicas[0]!.origin, 'frontdoor_sessions_claimed_total')) +
    (await counter(cluster.replicas[2]!.origin, 'frontdoor_sessions_claimed_total'));
  console.log(`kill -9: ${SESSIONS * CALLS} calls, ${errors} failed (in flight at the kill), victim owned ${owned} sessions, ${claimed} taken over`);
  assert.ok(
    lastOk.every((i) => i === CALLS - 1),
    'every session kept working to its last call',
  );
  assert.ok(errors <= SESSIONS, `at most one failure per session (got ${errors})`);
  assert.equal(claimed, owned, 'every session of the dead replica was taken over once');
  for (const c of clients) assert.ok(c.transport.sessionId, 'the session id never changed');
});

test('SIGTERM of a replica: /readyz false first, the in-flight call completes, its sessions continue elsewhere', { timeout: 60_000 }, async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const cluster = await startCluster(backend.url);
  t.after(() => cluster.stop());
  const clients = await Promise.all(Array.from({ length: 6 }, (_, i) => connectStreamable(`${cluster.lbOrigin}/mcp`, `t${i}`)));
  t.after(() => Promise.all(clients.map((c) => c.close())));
  const victim = cluster.replicas[0]!;
  const owners = await Promise.all(clients.map((c) => ownerOf(cluster, c.transport.sessionId!)));
  const mine = clients.filter((_, i) => owners[i] === victim.replicaId);
  assert.ok(mine.length > 0, 'the victim owns some sessions');
  const ids = clients.map((c) => c.transport.sessionId);

  // SIGTERM once the call runs at the backend (its first progress), not after a guessed delay.
  const running = progressSignal();
  const slow = mine[0]!.client.callTool({ name: 'slow', arguments: { steps: 10, delayMs: 150 } }, undefined, { onprogress: running.onprogress });
  await running.started;
  process.kill(victim.pid, 'SIGTERM');
  // The drain starts right after the replica logs its shutdown.
  await victim.waitForLine((l) => l.msg === 'shutting down');
  const ready = (await fetch(new URL('/readyz', victim.origin))).status;
  assert.equal(ready, 503, '/readyz turned false while the replica drains');
  const result = await slow;
  assert.ok(!(result as { isError?: boolean }).isError, 'the in-flight call completed');
  assert.equal(await victim.stop(), 0, 'the replica exited cleanly');

  for (const [i, c] of clients.entries()) {
    assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: `after-${i}` } })), `after-${i}`);
    assert.equal(c.transport.sessionId, ids[i]);
  }
  for (const c of mine) assert.notEqual(await ownerOf(cluster, c.transport.sessionId!), victim.replicaId, 'taken over by a live replica');
});

test('Last-Event-ID resume through another replica after the owner died: the missed events, none twice', { timeout: 60_000 }, async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const cluster = await startCluster(backend.url);
  t.after(() => cluster.stop());
  const redis = createClient({ url: cluster.redisUrl });
  redis.on('error', () => undefined); // t.after hooks run in order: the cluster's redis-server stops before this client
  await redis.connect();
  t.after(() => redis.destroy());
  const [a, b] = [cluster.replicas[0]!, cluster.replicas[1]!];
  const sid = await rawSession(a.url, '2025-11-25');
  const headers = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
  const call = (id: number, method: string, params: Record<string, unknown>) =>
    post(a.url, JSON.stringify({ jsonrpc: '2.0', id, method, params }), { ...headers, accept: 'application/json' }).then((r) => r.text());
  await call(1, 'resources/subscribe', { uri: 'demo://readme' });
  const res = await fetch(a.url, { headers: { ...headers, accept: 'text/event-stream' } });
  const reader = new SseReader(res);
  t.after(() => reader.cancel());
  for (let i = 0; i < 3; i++) await call(10 + i, 'tools/call', { name: 'touch_resource', arguments: { uri: 'demo://readme' } });
  // The client reads the first update only; the other two were written and logged, never read.
  let first;
  do first = await reader.next();
  while (!first.data.includes('resources/updated'));
  assert.ok(first.id, 'events carry ids');
  reader.cancel();
  // Every update is in the Redis log before the owner dies.
  const key = `frontdoor:events:${sid}`;
  // Read the stream as Redis fills it (XREAD BLOCK): no polling.
  let logged = 0;
  for (let last = '0'; logged < 3;) {
    const read = (await redis.xRead({ key, id: last }, { BLOCK: 10_000, COUNT: 10 })) as Array<{ messages: Array<{ id: string }> }> | null;
    const entries = read?.[0]?.messages ?? [];
    if (entries.length === 0) break;
    logged += entries.length;
    last = entries.at(-1)!.id;
  }
  assert.ok(logged >= 3, 'three events logged');
  await a.stop('SIGKILL');

  const resumed = await fetch(b.url, { headers: { ...headers, accept: 'text/event-stream', 'last-event-id': first.id! } });
  assert.equal(resumed.status, 200);
  const again = new SseReader(resumed);
  t.after(() => again.cancel());
  const ids: string[] = [];
  while (ids.length < 2) {
    const ev = await again.next();
    if (ev.data.includes('resources/updated')) ids.push(ev.id!);
  }
  assert.equal(new Set([first.id, ...ids]).size, 3, 'no event twice');
  // Nothing else was missed: the next event is live, not a replay, on the taken-over session.
  await post(b.url, JSON.stringify({ jsonrpc: '2.0', id: 20, method: 'tools/call', params: { name: 'add_tool', arguments: { name: 'after_failover' } } }), {
    ...headers,
    accept: 'application/json',
  }).then((r) => r.text());
  let live;
  do live = await again.next();
  while (!live.data.includes('list_changed'));
  assert.ok(live.id && !ids.includes(live.id) && live.id !== first.id);
});
