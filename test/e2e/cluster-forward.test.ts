// Forwarding between real replicas (a real redis-server, two proxy processes, the legacy SSE fixture):
// a session lives on replica B and its requests are sent to replica A, which forwards them. B
// advertises a TCP relay (test/helpers/tcp-relay.ts) as its address, so the test sees the
// connections A opens to B and can fail them as a real owner would. The `slow` tool with 0 steps
// counts its runs at the backend (/control/stats slowDone): a request lost shows as 0, a request
// delivered twice as 2.
import { test, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFixture, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';
import { counter, requireProgram, startRedis } from '../helpers/cluster.js';
import { messagesOf, post, rawSession } from '../helpers/http.js';
import { TcpRelay } from '../helpers/tcp-relay.js';

after(() => stopAll());

interface Pair {
  a: RunningProxy;
  b: RunningProxy;
  /** A session held by B. */
  sessionId: string;
  /** Runs of `slow` at the backend so far. */
  runs(): Promise<number>;
  /** One tools/call of `slow` sent to A (with extra headers): its HTTP status and the JSON-RPC answer. */
  call(id: number, headers?: Record<string, string>): Promise<{ status: number; text?: string; reason?: string }>;
}

async function replica(t: TestContext, dir: string, name: string, redisUrl: string, backendUrl: string, advertise?: string): Promise<RunningProxy> {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      'listen: { host: 127.0.0.1, port: 0 }',
      `store: ${redisUrl}`,
      `cluster: { heartbeat: 300ms, replicaTtl: 1200ms, drainTimeout: 10s${advertise ? `, advertise: "${advertise}"` : ''} }`,
      'routes:',
      '  - path: /',
      `    backend: { transport: sse, url: "${backendUrl}" }`,
      '',
    ].join('\n'),
  );
  const proxy = await startProxy(['--config', file]);
  t.after(() => proxy.stop());
  await proxy.waitForLine((l) => l.reason === 'replica_registered');
  return proxy;
}

/** Redis, the backend, replica A, and replica B behind `relay` when one is given. */
async function pair(t: TestContext, relay?: TcpRelay): Promise<Pair> {
  requireProgram('redis-server', '--version');
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-forward-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const redis = await startRedis();
  t.after(() => redis.proc.stop());
  const a = await replica(t, dir, 'a', redis.url, backend.url);
  const b = await replica(t, dir, 'b', redis.url, backend.url, relay?.url);
  relay?.target(Number(new URL(b.origin).port));
  const sessionId = await rawSession(`${b.origin}/mcp`);
  const stats = new URL('/control/stats', backend.url);
  return {
    a,
    b,
    sessionId,
    async runs() {
      const s = (await (await fetch(stats, { signal: AbortSignal.timeout(10_000) })).json()) as { slowDone: Record<string, number> };
      return Object.values(s.slowDone).reduce((x, y) => x + y, 0);
    },
    async call(id, headers = {}) {
      const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'slow', arguments: { steps: 0, delayMs: 0 } } });
      const res = await post(`${a.origin}/mcp`, body, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18', ...headers });
      const [m] = await messagesOf(res);
      return { status: res.status, text: m?.result?.content?.[0]?.text, reason: m?.error?.data?.reason };
    },
  };
}

test('30 calls through a replica that does not hold the session reach the owner on kept-alive connections', { timeout: 60_000 }, async (t) => {
  const relay = await TcpRelay.start();
  t.after(() => relay.close());
  const p = await pair(t, relay);
  for (let i = 1; i <= 30; i++) assert.deepEqual(await p.call(i), { status: 200, text: 'done 0', reason: undefined });
  assert.equal(await counter(p.a.origin, 'frontdoor_forwarded_total'), 30);
  assert.equal(await p.runs(), 30);
  // One connection per request before the pool; a second one may open if a request comes before
  // the previous answer's connection is back in the pool.
  assert.ok(relay.connections <= 2, `the owner accepted ${relay.connections} connections for 30 forwarded requests`);
});

test(
  'the owner closes a kept-alive connection as a request arrives on it: the request goes again on a new one and runs once',
  { timeout: 60_000 },
  async (t) => {
    const relay = await TcpRelay.start();
    t.after(() => relay.close());
    const p = await pair(t, relay);
    assert.equal((await p.call(1)).text, 'done 0');
    const [runs, connections] = [await p.runs(), relay.connections];
    relay.dropNextReused();
    assert.deepEqual(await p.call(2), { status: 200, text: 'done 0', reason: undefined });
    assert.equal((await p.runs()) - runs, 1, 'the tool ran once');
    assert.equal(relay.connections - connections, 1, 'on a new connection');
    assert.equal(await counter(p.a.origin, 'frontdoor_forward_retries_total'), 1);
  },
);

test('the owner reads a request and vanishes before answering: an error, never a second run; the session lives on', { timeout: 60_000 }, async (t) => {
  const relay = await TcpRelay.start();
  t.after(() => relay.close());
  const p = await pair(t, relay);
  assert.equal((await p.call(1)).text, 'done 0');
  const runs = await p.runs();
  relay.cutNextAnswer();
  const failed = await p.call(2);
  assert.deepEqual({ status: failed.status, reason: failed.reason }, { status: 502, reason: 'owner_replica_failed' });
  assert.equal((await p.runs()) - runs, 1, 'the owner ran it once; it was not sent again');
  assert.equal(await counter(p.a.origin, 'frontdoor_forward_retries_total'), 0);
  assert.deepEqual(await p.call(3), { status: 200, text: 'done 0', reason: undefined });
});

test('the owner is killed between two forwarded requests: the second is taken over and runs once', { timeout: 60_000 }, async (t) => {
  const p = await pair(t);
  assert.equal((await p.call(1)).text, 'done 0');
  assert.equal(await counter(p.a.origin, 'frontdoor_forward_connections_total'), 1, 'A holds a kept-alive connection to B');
  const runs = await p.runs();
  await p.b.stop('SIGKILL');
  assert.deepEqual(await p.call(2), { status: 200, text: 'done 0', reason: undefined });
  assert.equal((await p.runs()) - runs, 1, 'the tool ran once');
  assert.equal(await counter(p.a.origin, 'frontdoor_sessions_claimed_total'), 1, 'A took the session over');
});

test('a forwarded request that reaches a replica without the session goes once more to the owner, never a third time', { timeout: 60_000 }, async (t) => {
  const p = await pair(t);
  const runs = await p.runs();
  // As if replica r1 had forwarded it to A by mistake (a stale picture of where the session lives).
  assert.deepEqual(await p.call(1, { 'x-frontdoor-forwarded': 'r1' }), { status: 200, text: 'done 0', reason: undefined });
  assert.equal(await counter(p.b.origin, 'frontdoor_forwarded_received_total'), 1, 'A forwarded it to B');
  // Forwarded twice already: A answers itself (the session is not here) rather than a third hop.
  assert.equal((await p.call(2, { 'x-frontdoor-forwarded': 'r1, r2' })).status, 404);
  assert.equal(await counter(p.b.origin, 'frontdoor_forwarded_received_total'), 1);
  assert.equal((await p.runs()) - runs, 1);
});
