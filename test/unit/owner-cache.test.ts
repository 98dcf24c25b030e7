// The owner cache of forwarding (src/cluster/owner-cache.ts): an owner is remembered for its lifetime
// from the moment the store named it (a use does not extend it), and the oldest entries go first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OwnerCache } from '../../src/cluster/owner-cache.js';

const b = { id: 'b', host: '127.0.0.1', port: 2 };

test('an owner is remembered for its lifetime from when the store named it, not from its last use', () => {
  const cache = new OwnerCache(1000);
  cache.set('s1', b, 0);
  assert.deepEqual(cache.get('s1', 999), b);
  assert.equal(cache.get('s1', 1000), undefined, 'expired');
  assert.equal(cache.size, 0, 'an expired entry is dropped when read');
  cache.set('s1', b, 2000);
  cache.delete('s1');
  assert.equal(cache.get('s1', 2001), undefined);
});

test('beyond its size the oldest entries go first; naming an owner again makes it the newest', () => {
  const cache = new OwnerCache(60_000, 3);
  for (const id of ['s1', 's2', 's3']) cache.set(id, b, 0);
  cache.set('s1', b, 1);
  cache.set('s4', b, 2);
  assert.equal(cache.size, 3);
  assert.equal(cache.get('s2', 3), undefined, 's2 was the oldest');
  for (const id of ['s1', 's3', 's4']) assert.deepEqual(cache.get(id, 3), b, id);
});
