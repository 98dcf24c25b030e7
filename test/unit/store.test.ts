// The store contract, on the in-memory implementation: records merge, deletes compare the owner,
// a takeover succeeds only for the expected owner once its registration is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/store/memory-store.js';
import { isRedisUrl } from '../../src/store/store.js';

test('claimSession: only when the expected owner is dead, and only once', async () => {
  const store = new MemoryStore();
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

test('deleteSession compares the owner; heartbeat reports a lapsed registration', async () => {
  const store = new MemoryStore();
  await store.putSession({ id: 's', owner: 'a', route: '/', face: 'legacy-sse', createdAt: 1 }, 60_000);
  await store.deleteSession('s', 'b');
  assert.ok(await store.getSession('s'));
  await store.deleteSession('s', 'a');
  assert.equal(await store.getSession('s'), undefined);
  assert.equal(await store.heartbeat({ id: 'r', address: 'http://r', startedAt: 0 }, 60_000), false);
  assert.equal(await store.heartbeat({ id: 'r', address: 'http://r', startedAt: 0 }, 60_000), true);
  assert.equal(isRedisUrl('memory'), false);
  assert.equal(isRedisUrl('redis://127.0.0.1:6379'), true);
});

test('restoreSession re-writes a missing record or one we own, never one another replica claimed', async () => {
  const store = new MemoryStore();
  const record = { id: 's', owner: 'a', route: '/', face: 'streamable-http' as const, createdAt: 1, initialize: { protocolVersion: '2025-06-18' } };
  assert.equal(await store.restoreSession(record, 60_000), 'restored', 'missing: written');
  assert.equal((await store.getSession('s'))?.owner, 'a');
  assert.equal(await store.restoreSession({ ...record, protocolVersion: '2025-06-18' }, 60_000), 'restored', 'ours: re-written');
  assert.equal((await store.getSession('s'))?.protocolVersion, '2025-06-18');
  assert.equal(await store.claimSession('s', 'a', 'b', 60_000), 'claimed');
  assert.equal(await store.restoreSession(record, 60_000), 'owner_changed');
  assert.equal((await store.getSession('s'))?.owner, 'b', 'the claim stands');
});
