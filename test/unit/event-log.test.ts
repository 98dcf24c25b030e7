// The event logs behind resumable streams: ids, replay after an id, count and age bounds, unknown ids
// (in memory; in Redis when the machine has a redis-server).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryEventLog } from '../../src/session/memory-event-log.js';
import { eventId, parseEventId } from '../../src/session/event-log.js';
import { createClient } from 'redis';
import pino from 'pino';
import { RedisEventLog, type RedisStreamsClient } from '../../src/session/event-log-redis.js';
import { startRedis } from '../helpers/cluster.js';
import { stopAll } from '../helpers/process.js';

after(() => stopAll());

const note = (n: number) => ({ jsonrpc: '2.0' as const, method: 'notifications/message', params: { n } });

function clockedLog(limits: { maxEvents?: number; maxAgeMs?: number; maxBytes?: number } = {}) {
  let now = 1_000_000;
  const log = new MemoryEventLog(limits, () => now);
  return { log, advance: (ms: number) => (now += ms) };
}

test('event ids are unique across the streams of a session, ordered within a stream, visible ASCII', () => {
  const { log } = clockedLog();
  const g = log.openStream('s1', 'get');
  const p = log.openStream('s1', 'post');
  const ids = [
    g.append(note(1), JSON.stringify(note(1))),
    p.append(note(2), JSON.stringify(note(2))),
    g.append(note(3), JSON.stringify(note(3))),
    p.append(note(4), JSON.stringify(note(4))),
  ];
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[\x21-\x7e]+$/);
  assert.notEqual(g.streamId, p.streamId);
  assert.ok(g.streamId.startsWith('g') && p.streamId.startsWith('p'));
  const gSeqs = [ids[0]!, ids[2]!].map((id) => parseEventId(id)!.seq);
  assert.deepEqual(gSeqs, [1, 2]);
  assert.equal(g.primingId, eventId(g.streamId, 0));
  // A stream id is never reused, not even by another session of the same log.
  assert.notEqual(log.openStream('s2', 'get').streamId, g.streamId);
  log.close();
});

test("replayAfter returns only that stream's later events, in order", async () => {
  const { log } = clockedLog();
  const g = log.openStream('s1', 'get');
  const p = log.openStream('s1', 'post');
  const g1 = g.append(note(1), JSON.stringify(note(1)));
  p.append(note(100), JSON.stringify(note(100)));
  const g2 = g.append(note(2), JSON.stringify(note(2)));
  const g3 = g.append(note(3), JSON.stringify(note(3)));
  const r = await log.replayAfter('s1', g1);
  assert.ok(r);
  assert.equal(r.streamId, g.streamId);
  assert.equal(r.kind, 'get');
  assert.deepEqual(
    r.events.map((e) => e.id),
    [g2, g3],
  );
  assert.deepEqual(
    r.events.map((e) => (e.message as unknown as { params: { n: number } }).params.n),
    [2, 3],
  );
  assert.equal(r.lastSeq, 3);
  // From the priming id: everything; from the newest: nothing.
  assert.equal((await log.replayAfter('s1', g.primingId))!.events.length, 3);
  assert.deepEqual((await log.replayAfter('s1', g3))!.events, []);
  // The post stream's own replay.
  const rp = await log.replayAfter('s1', p.primingId);
  assert.equal(rp!.kind, 'post');
  assert.equal(rp!.events.length, 1);
  log.close();
});

test('unknown, malformed, foreign-session and future ids give undefined', async () => {
  const { log } = clockedLog();
  const g = log.openStream('s1', 'get');
  const id = g.append(note(1), JSON.stringify(note(1)));
  assert.equal(await log.replayAfter('s1', 'g999:1'), undefined);
  assert.equal(await log.replayAfter('s1', 'garbage'), undefined);
  assert.equal(await log.replayAfter('s1', ''), undefined);
  assert.equal(await log.replayAfter('other', id), undefined);
  assert.equal(await log.replayAfter('s1', eventId(g.streamId, 5)), undefined);
  log.forget('s1');
  assert.equal(await log.replayAfter('s1', id), undefined);
  log.close();
});

test('the byte bound drops the oldest events of the session, whatever their count', async () => {
  const { log } = clockedLog({ maxBytes: 400 });
  const g = log.openStream('s1', 'get');
  const big = (n: number) => ({ jsonrpc: '2.0' as const, method: 'notifications/message', params: { n, data: 'x'.repeat(100) } });
  const ids = [1, 2, 3, 4].map((n) => g.append(big(n), JSON.stringify(big(n))));
  assert.equal(await log.replayAfter('s1', ids[0]!), undefined, 'event 2 was dropped for bytes: resuming after 1 would lose it');
  const r = await log.replayAfter('s1', ids[1]!);
  assert.deepEqual(
    r?.events.map((e) => e.id),
    [ids[2], ids[3]],
  );
  log.close();
});

test('the count bound drops the oldest events of the session; a replay that would miss some is refused', async () => {
  const { log } = clockedLog({ maxEvents: 3 });
  const g = log.openStream('s1', 'get');
  const ids = [1, 2, 3, 4, 5].map((n) => g.append(note(n), JSON.stringify(note(n))));
  // Events 1 and 2 are gone: resuming after 1 would skip 2, so it is refused; after 2 is complete.
  assert.equal(await log.replayAfter('s1', ids[0]!), undefined);
  assert.equal(await log.replayAfter('s1', g.primingId), undefined);
  const r = await log.replayAfter('s1', ids[1]!);
  assert.deepEqual(
    r!.events.map((e) => e.id),
    ids.slice(2),
  );
  log.close();
});

test('the age bound drops old events', async () => {
  const { log, advance } = clockedLog({ maxAgeMs: 1000 });
  const g = log.openStream('s1', 'get');
  const a = g.append(note(1), JSON.stringify(note(1)));
  advance(600);
  const b = g.append(note(2), JSON.stringify(note(2)));
  advance(600); // a is 1200 ms old, b 600 ms
  assert.equal(await log.replayAfter('s1', g.primingId), undefined);
  const r = await log.replayAfter('s1', a);
  assert.deepEqual(
    r!.events.map((e) => e.id),
    [b],
  );
  advance(1000);
  assert.deepEqual((await log.replayAfter('s1', b))!.events, []);
  log.close();
});

test('a continued stream goes on with the next sequence numbers', async () => {
  const { log } = clockedLog();
  const g = log.openStream('s1', 'get');
  const first = g.append(note(1), JSON.stringify(note(1)));
  g.append(note(2), JSON.stringify(note(2)));
  const r = await log.replayAfter('s1', first);
  const next = log.continueStream('s1', r!);
  assert.equal(next.streamId, g.streamId);
  const third = next.append(note(3), JSON.stringify(note(3)));
  assert.equal(parseEventId(third)!.seq, 3);
  assert.deepEqual(
    (await log.replayAfter('s1', first))!.events.map((e) => parseEventId(e.id)!.seq),
    [2, 3],
  );
  log.close();
});

// The Redis log against a real redis-server (.ci/run installs it; without it this test fails).

test('RedisEventLog: ids, replay after an id, count bound, unknown ids, forget', async (t) => {
  const redis = await startRedis();
  t.after(() => redis.proc.stop());
  const client = createClient({ url: redis.url });
  client.on('error', () => undefined); // t.after hooks run in order: the server stops before this client
  await client.connect();
  t.after(() => client.destroy());
  const streamsClient: RedisStreamsClient = client; // the store's client type fits
  const log = new RedisEventLog(streamsClient, pino({ level: 'silent' }), { maxEvents: 3 }, `t${redis.port}:`);
  const g = log.openStream('s1', 'get');
  const p = log.openStream('s1', 'post');
  const g1 = g.append(note(1), JSON.stringify(note(1)));
  p.append(note(100), JSON.stringify(note(100)));
  const g2 = g.append(note(2), JSON.stringify(note(2)));
  const r = await log.replayAfter('s1', g1);
  assert.deepEqual(
    r!.events.map((e) => e.id),
    [g2],
  );
  assert.equal(r!.kind, 'get');
  assert.equal(r!.lastSeq, 2);
  const next = log.continueStream('s1', r!);
  const g3 = next.append(note(3), JSON.stringify(note(3)));
  const g4 = next.append(note(4), JSON.stringify(note(4)));
  // maxEvents 3: g1 and the POST event are trimmed; g2, g3, g4 remain, so resuming after g1 is still complete.
  assert.deepEqual(
    (await log.replayAfter('s1', g1))!.events.map((e) => e.id),
    [g2, g3, g4],
  );
  assert.equal(await log.replayAfter('s1', g.primingId), undefined);
  assert.equal(await log.replayAfter('s1', p.primingId), undefined);
  assert.equal(await log.replayAfter('s1', 'nonsense'), undefined);
  assert.notEqual(new RedisEventLog(streamsClient, pino({ level: 'silent' })).openStream('s1', 'get').streamId, g.streamId);
  log.forget('s1');
  assert.equal(await log.replayAfter('s1', g2), undefined);
});
