// The store contract, on the in-memory implementation and on Redis (a real redis-server): records
// merge, deletes compare the owner, a takeover succeeds only for the expected owner once its
// registration is gone, a re-write after an outage never takes back a claimed record; and the
// guard's deadline turns a store that never answers into ERR_STORE_UNAVAILABLE.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { MemoryStore } from '../../src/store/memory-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { GuardedStore } from '../../src/store/guarded-store.js';
import { isProxyError } from '../../src/errors/proxy-error.js';
import { Metrics } from '../../src/observability/metrics.js';
import { isRedisUrl, type SessionStore } from '../../src/store/store.js';
import { startRedis } from '../helpers/cluster.js';
import { stopAll } from '../helpers/process.js';

after(() => stopAll());

async function redisStore(t: { after(fn: () => unknown): void }): Promise<SessionStore> {
  const redis = await startRedis();
  t.after(() => redis.proc.stop());
  const store = await RedisStore.connect(redis.url);
  t.after(() => store.close());
  return store;
}

const stores: Array<[string, (t: { after(fn: () => unknown): void }) => Promise<SessionStore>]> = [
  ['memory', async () => new MemoryStore()],
  ['redis', redisStore],
];

for (const [kind, make] of stores) {
  test(`${kind}: claimSession only when the expected owner is dead, and only once`, async (t) => {
    const store = await make(t);
    await store.heartbeat({ id: 'a', address: 'http://a', startedAt: 0 }, 60_000);
    await store.putSession({ id: 's1', owner: 'a', route: '/', face: 'streamable-http', createdAt: 1, initialize: { protocolVersion: '2025-06-18' } }, 60_000);
    assert.equal(await store.claimSession('s1', 'a', 'b', 60_000), 'owner_alive');
    await store.deregister('a');
    assert.equal(await store.claimSession('s1', 'x', 'b', 60_000), 'owner_changed');
    assert.equal(await store.claimSession('s1', 'a', 'b', 60_000), 'claimed');
    assert.equal(await store.claimSession('s1', 'a', 'c', 60_000), 'owner_changed');
    assert.equal((await store.getSession('s1'))?.owner, 'b');
    assert.deepEqual((await store.getSession('s1'))?.initialize, { protocolVersion: '2025-06-18' });
    assert.equal(await store.claimSession('nope', 'a', 'b', 60_000), 'missing');
  });

  test(`${kind}: deleteSession compares the owner; heartbeat reports a lapsed registration; touch creates nothing`, async (t) => {
    const store = await make(t);
    await store.putSession({ id: 's', owner: 'a', route: '/', face: 'legacy-sse', createdAt: 1 }, 60_000);
    await store.deleteSession('s', 'b');
    assert.ok(await store.getSession('s'));
    await store.deleteSession('s', 'a');
    assert.equal(await store.getSession('s'), undefined);
    assert.equal(await store.heartbeat({ id: 'r', address: 'http://r', startedAt: 0 }, 60_000), false);
    assert.equal(await store.heartbeat({ id: 'r', address: 'http://r', startedAt: 0 }, 60_000), true);
    await store.putSession({ id: 'kept', owner: 'a', route: '/', face: 'streamable-http', createdAt: 1 }, 60_000);
    await store.touchSessions(['kept', 'absent'], 60_000);
    assert.equal((await store.getSession('kept'))?.owner, 'a', 'a touched record is kept');
    assert.equal(await store.getSession('absent'), undefined, 'touching a missing record does not create it');
  });

  test(`${kind}: restoreSession re-writes a missing record or one we own, never one another replica claimed`, async (t) => {
    const store = await make(t);
    const record = { id: 's', owner: 'a', route: '/', face: 'streamable-http' as const, createdAt: 1, initialize: { protocolVersion: '2025-06-18' } };
    assert.equal(await store.restoreSession(record, 60_000), 'restored', 'missing: written');
    assert.equal((await store.getSession('s'))?.owner, 'a');
    assert.deepEqual((await store.getSession('s'))?.initialize, { protocolVersion: '2025-06-18' });
    assert.equal(await store.restoreSession({ ...record, protocolVersion: '2025-06-18' }, 60_000), 'restored', 'ours: re-written');
    assert.equal((await store.getSession('s'))?.protocolVersion, '2025-06-18');
    assert.equal(await store.claimSession('s', 'a', 'b', 60_000), 'claimed');
    assert.equal(await store.restoreSession(record, 60_000), 'owner_changed');
    assert.equal((await store.getSession('s'))?.owner, 'b', 'the claim stands');
  });
}

test('GuardedStore: an operation that never answers fails after the deadline with ERR_STORE_UNAVAILABLE and marks the store down until one succeeds', async () => {
  const inner = new MemoryStore();
  let hang = true;
  const slow = Object.create(inner) as MemoryStore;
  slow.getSession = (id) => (hang ? new Promise(() => undefined) : inner.getSession(id));
  const metrics = new Metrics();
  const store = new GuardedStore(slow, { timeoutMs: 50, log: pino({ level: 'silent' }), metrics, onReconnected: () => undefined });
  assert.equal(store.available, true);
  const err = await store.getSession('x').then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(isProxyError(err) && err.code === 'ERR_STORE_UNAVAILABLE' && err.status === 503, 'a 503 error');
  assert.ok(isProxyError(err) && err.headers?.['retry-after'], 'with Retry-After');
  assert.equal(store.available, false);
  assert.equal(metrics.get('frontdoor_store_failures_total', { op: 'get_session' }), 1);
  assert.match(await metrics.render(), /frontdoor_store_up 0/);
  hang = false;
  assert.equal(await store.getSession('x'), undefined);
  assert.equal(store.available, true);
  assert.equal(isRedisUrl('memory'), false);
  assert.equal(isRedisUrl('redis://127.0.0.1:6379'), true);
});
