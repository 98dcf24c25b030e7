// Component tests of the 2026-07-28 face's in-process parts: Seats (sharing per identity, a seat of its
// own for calls that may ask for input, the two bounds, closed seats, failed opens), ToolHeaders (what
// tools/list teaches about x-mcp-header) and the listen stream's `wanted` filter. Seats are driven with
// stand-in seats: Seats reads only their busy counters and whether they are closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Seats } from '../../src/frontends/modern-http/seats.js';
import type { Seat } from '../../src/frontends/modern-http/seat.js';
import { MAX_TOOLS_REMEMBERED, ToolHeaders } from '../../src/era/tool-headers.js';
import { wanted } from '../../src/frontends/modern-http/listen-stream.js';
import { ProxyError } from '../../src/errors/proxy-error.js';
import type { JsonRpcNotification } from '../../src/jsonrpc/message.js';

interface StandIn {
  name: string;
  closed: boolean;
  running: number;
  callsAskingInput: number;
}

function harness(maxSeats: number, maxSeatsPerIdentity: number) {
  const hits: string[] = [];
  const seats = new Seats({ maxSeats, maxSeatsPerIdentity }, (limit) => hits.push(limit));
  let opened = 0;
  /** An `open` that handshakes at once (or when `gate` resolves). */
  const opener = (gate?: Promise<void>) => async (): Promise<Seat> => {
    const seat: StandIn = { name: `seat${++opened}`, closed: false, running: 0, callsAskingInput: 0 };
    if (gate) await gate;
    return seat as unknown as Seat;
  };
  const take = (key: string, asksInput = false, gate?: Promise<void>) => seats.acquire(key, asksInput, opener(gate)) as unknown as Promise<StandIn>;
  return { seats, hits, take, opened: () => opened };
}

test('Seats: requests of one identity share a seat; concurrent first requests share one handshake', async () => {
  const h = harness(10, 4);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const a = h.take('alice', false, gate);
  const b = h.take('alice', false, gate);
  release();
  const [sa, sb] = await Promise.all([a, b]);
  assert.equal(sa, sb);
  assert.equal(h.opened(), 1);
  assert.equal(await h.take('alice'), sa);
  assert.notEqual(await h.take('bob'), sa, 'another identity, another seat');
  assert.equal(h.seats.size, 2);
  assert.deepEqual(h.hits, []);
});

test('Seats: a call that may ask for input gets a seat no other such call uses; others take the least busy', async () => {
  const h = harness(10, 4);
  const first = await h.take('alice', true);
  first.callsAskingInput = 1;
  first.running = 1;
  const second = await h.take('alice', true);
  assert.notEqual(second, first);
  assert.equal(await h.take('alice'), second, 'a plain request goes to the least busy seat');
  first.callsAskingInput = 0;
  assert.equal(await h.take('alice', true), first, 'a seat whose input call ended is free again');
});

test('Seats: past maxPerIdentity a call shares the least busy seat and counts a limit hit', async () => {
  const h = harness(10, 2);
  const s1 = await h.take('alice', true);
  s1.callsAskingInput = 1;
  s1.running = 3;
  const s2 = await h.take('alice', true);
  s2.callsAskingInput = 1;
  s2.running = 1;
  assert.equal(await h.take('alice', true), s2);
  assert.deepEqual(h.hits, ['sessions.seats.maxPerIdentity']);
  assert.equal(h.opened(), 2);
});

test('Seats: seats being opened count against maxPerIdentity (a burst of first calls opens one seat)', async () => {
  const h = harness(10, 1);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const calls = [h.take('alice', true, gate), h.take('alice', true, gate), h.take('alice', true, gate)];
  release();
  const got = await Promise.all(calls);
  assert.equal(h.opened(), 1);
  assert.ok(got.every((s) => s === got[0]));
  assert.deepEqual(h.hits, ['sessions.seats.maxPerIdentity', 'sessions.seats.maxPerIdentity']);
});

test('Seats: at sessions.seats.max a new identity gets a 503 with Retry-After, counted once (by the error reporter)', async () => {
  const h = harness(1, 4);
  const alice = await h.take('alice');
  await assert.rejects(h.take('bob'), (e: unknown) => {
    assert.ok(e instanceof ProxyError);
    assert.equal(e.status, 503);
    assert.equal(e.limit, 'sessions.seats.max');
    assert.ok(Number(e.headers?.['retry-after']) > 0);
    return true;
  });
  assert.deepEqual(h.hits, [], 'the ProxyError carries the limit; Seats does not count it again');
  // An identity with a seat shares it at the bound instead (counted here: no error answer carries it).
  alice.callsAskingInput = 1;
  assert.equal(await h.take('alice', true), alice);
  assert.deepEqual(h.hits, ['sessions.seats.max']);
});

test('Seats: a closed seat (idle expiry, backend gone) frees its place; a failed open too', async () => {
  const h = harness(1, 4);
  const alice = await h.take('alice');
  alice.closed = true;
  const bob = await h.take('bob');
  assert.notEqual(bob, alice);
  assert.equal(h.seats.size, 1);
  bob.closed = true;
  await assert.rejects(
    h.seats.acquire('carol', false, async () => {
      throw new ProxyError('ERR_BACKEND_UNAVAILABLE', 'backend_down', 'the backend is down');
    }),
    /backend is down/,
  );
  assert.equal(h.seats.size, 0, 'the failed open gave its place back');
  await h.take('carol');
  assert.equal(h.seats.size, 1);
});

const tool = (name: string, properties: Record<string, unknown>) => ({ name, inputSchema: { type: 'object', properties } });

test('ToolHeaders: learns x-mcp-header declarations from tools/list, forgets them when a later list drops them', () => {
  const th = new ToolHeaders();
  assert.deepEqual(th.of('search'), [], 'never listed: no declarations');
  th.learn({
    tools: [
      tool('search', { region: { type: 'string', 'x-mcp-header': 'Region' }, q: { type: 'string' } }),
      tool('plain', { q: { type: 'string' } }),
      // number is not a type a header may carry: the tool definition is invalid, nothing is remembered.
      tool('bad', { n: { type: 'number', 'x-mcp-header': 'N' } }),
      { inputSchema: {} },
      'not a tool',
    ],
  });
  assert.deepEqual(
    th.of('search').map((d) => [d.name, d.type, d.path]),
    [['Region', 'string', ['region']]],
  );
  assert.deepEqual(th.of('plain'), []);
  assert.deepEqual(th.of('bad'), []);
  th.learn({ tools: [tool('search', { q: { type: 'string' } })] });
  assert.deepEqual(th.of('search'), [], 'the new definition declares none');
  th.learn(undefined);
  th.learn({ tools: 'nope' });
});

test('ToolHeaders: remembers at most MAX_TOOLS_REMEMBERED tools; known ones still update', () => {
  const th = new ToolHeaders();
  const declaring = (name: string, header: string) => tool(name, { v: { type: 'integer', 'x-mcp-header': header } });
  th.learn({ tools: Array.from({ length: MAX_TOOLS_REMEMBERED + 5 }, (_, i) => declaring(`t${i}`, 'V')) });
  assert.equal(th.of(`t${MAX_TOOLS_REMEMBERED - 1}`).length, 1);
  assert.deepEqual(th.of(`t${MAX_TOOLS_REMEMBERED}`), [], 'past the bound');
  th.learn({ tools: [declaring('t0', 'W')] });
  assert.equal(th.of('t0')[0]?.name, 'W');
});

const note = (method: string, params?: Record<string, unknown>): JsonRpcNotification => ({ jsonrpc: '2.0', method, ...(params ? { params } : {}) });

test('listen: wanted delivers the list changes the filter names and resource updates of followed URIs only', () => {
  const filter = { toolsListChanged: true, resourceSubscriptions: ['demo://a'] };
  assert.equal(wanted(filter, note('notifications/tools/list_changed')), true);
  assert.equal(wanted(filter, note('notifications/prompts/list_changed')), false);
  assert.equal(wanted(filter, note('notifications/resources/list_changed')), false);
  assert.equal(wanted(filter, note('notifications/resources/updated', { uri: 'demo://a' })), true);
  assert.equal(wanted(filter, note('notifications/resources/updated', { uri: 'demo://b' })), false);
  assert.equal(wanted(filter, note('notifications/resources/updated', { uri: 7 })), false);
  assert.equal(wanted(filter, note('notifications/resources/updated')), false);
  // Log messages and progress belong to calls, never to a listen stream.
  assert.equal(wanted(filter, note('notifications/message', { level: 'info', data: 'x' })), false);
  assert.equal(wanted(filter, note('notifications/progress', { progressToken: 1, progress: 1 })), false);
  const all = { toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true };
  assert.equal(wanted(all, note('notifications/prompts/list_changed')), true);
  assert.equal(wanted(all, note('notifications/resources/list_changed')), true);
  assert.equal(wanted(all, note('notifications/resources/updated', { uri: 'demo://a' })), false, 'no URIs followed');
  assert.equal(wanted({}, note('notifications/tools/list_changed')), false);
});
