// The table of held backend calls (MRTR translation): caps per process, per seat and on bytes, the
// hold timeout and rounds, driven by a fake clock so no test waits for real time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeldCalls, type HeldCall, type HeldCallClock, type HeldCallLimits } from '../../src/mrtr/held-calls.js';

class FakeClock implements HeldCallClock {
  t = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return timer;
  };
  clearTimeout = (handle: unknown) => {
    (handle as { live: boolean }).live = false;
  };
  get pending(): number {
    return this.timers.filter((x) => x.live).length;
  }
  advance(ms: number): void {
    this.t += ms;
    for (const timer of this.timers.filter((x) => x.live && x.at <= this.t).sort((a, b) => a.at - b.at)) {
      timer.live = false;
      timer.fn();
    }
    this.timers = this.timers.filter((x) => x.live);
  }
}

const LIMITS: HeldCallLimits = { maxHeld: 3, maxHeldPerSeat: 2, maxBytes: 100, holdTimeoutMs: 1000, maxRounds: 3 };
const setup = (limits: Partial<HeldCallLimits> = {}) => {
  const clock = new FakeClock();
  const expired: HeldCall<string>[] = [];
  let n = 0;
  const table = new HeldCalls<string>({ limits: { ...LIMITS, ...limits }, clock, onExpire: (c) => expired.push(c), newId: () => `h${++n}` });
  return { clock, expired, table };
};
const round = (bytes: number) => ({ bytes, keys: ['k'] });

const capRows: [string, Partial<HeldCallLimits>, [string, number][], string | undefined][] = [
  [
    'process cap',
    {},
    [
      ['a', 1],
      ['b', 1],
      ['c', 1],
      ['d', 1],
    ],
    'process_cap',
  ],
  [
    'seat cap',
    {},
    [
      ['a', 1],
      ['a', 1],
      ['a', 1],
    ],
    'seat_cap',
  ],
  [
    'bytes cap',
    {},
    [
      ['a', 60],
      ['b', 41],
    ],
    'bytes_cap',
  ],
  [
    'bytes exactly at the cap',
    {},
    [
      ['a', 60],
      ['b', 40],
    ],
    undefined,
  ],
  [
    'under every cap',
    {},
    [
      ['a', 1],
      ['a', 1],
      ['b', 1],
    ],
    undefined,
  ],
];
for (const [name, limits, holds, refusal] of capRows) {
  test(`held calls: ${name}`, () => {
    const { table } = setup(limits);
    const results = holds.map(([seat, bytes]) => table.hold(seat, seat, round(bytes)));
    const last = results.at(-1)!;
    assert.deepEqual(last.ok ? undefined : last.reason, refusal);
    assert.ok(results.slice(0, -1).every((r) => r.ok));
  });
}

test('held calls: release frees the process, seat and byte budgets', () => {
  const { table, clock } = setup();
  const a = table.hold('s', 'x', round(60));
  assert.ok(a.ok);
  table.hold('s', 'y', round(10));
  assert.deepEqual(table.hold('s', 'z', round(1)), { ok: false, reason: 'seat_cap' });
  assert.equal(table.release(a.call.id)?.value, 'x');
  assert.equal(table.release(a.call.id), undefined);
  assert.deepEqual([table.size, table.bytes, table.countFor('s'), clock.pending], [1, 10, 1, 1]);
  assert.ok(table.hold('s', 'z', round(90)).ok);
});

test('held calls: the hold times out at the deadline, once; onExpire sees the call already removed', () => {
  const { table, clock, expired } = setup();
  const r = table.hold('s', 'x', round(5));
  assert.ok(r.ok);
  assert.equal(r.call.deadline, 1000);
  clock.advance(999);
  assert.deepEqual([expired.length, table.size], [0, 1]);
  clock.advance(1);
  assert.deepEqual([expired.map((c) => c.id), table.size, table.bytes, table.countFor('s')], [[r.call.id], 0, 0, 0]);
  clock.advance(10_000);
  assert.equal(expired.length, 1);
  assert.equal(table.release(r.call.id), undefined);
});

test('held calls: a retry stops the timer; the next round re-arms it with new bytes and keys', () => {
  const { table, clock, expired } = setup();
  const r = table.hold('s', 'x', round(5));
  assert.ok(r.ok);
  clock.advance(900);
  assert.equal(table.resume(r.call.id)?.deadline, undefined);
  clock.advance(5000);
  assert.equal(expired.length, 0);
  const next = table.nextRound(r.call.id, { bytes: 30, keys: ['a', 'b'] });
  assert.ok(next.ok);
  assert.deepEqual([next.call.round, next.call.deadline, next.call.keys, table.bytes], [2, 6900, ['a', 'b'], 30]);
  clock.advance(999);
  assert.equal(expired.length, 0);
  clock.advance(1);
  assert.equal(expired.length, 1);
});

test('held calls: rounds are capped; a round over the byte budget and an unknown call are refused', () => {
  const { table } = setup();
  const r = table.hold('s', 'x', round(5));
  assert.ok(r.ok);
  assert.deepEqual(table.nextRound(r.call.id, round(101)), { ok: false, reason: 'bytes_cap' });
  assert.ok(table.nextRound(r.call.id, round(100)).ok);
  assert.ok(table.nextRound(r.call.id, round(1)).ok);
  assert.deepEqual(table.nextRound(r.call.id, round(1)), { ok: false, reason: 'rounds_exceeded' });
  assert.deepEqual(table.nextRound('nope', round(1)), { ok: false, reason: 'unknown_call' });
  assert.equal(table.resume('nope'), undefined);
});

test('held calls: expireAll empties the table through onExpire and leaves no timer', () => {
  const { table, clock, expired } = setup();
  table.hold('a', 'x', round(1));
  table.hold('b', 'y', round(2));
  assert.equal(table.expireAll(), 2);
  assert.deepEqual([expired.map((c) => c.value), table.size, table.bytes, clock.pending], [['x', 'y'], 0, 0, 0]);
});

test('held calls: default ids are 128-bit random base64url', () => {
  const table = new HeldCalls<null>({ limits: LIMITS, clock: new FakeClock(), onExpire: () => {} });
  const ids = [1, 2, 3].map((i) => {
    const r = table.hold(`s${i}`, null, round(1));
    assert.ok(r.ok);
    return r.call.id;
  });
  assert.ok(ids.every((id) => /^[A-Za-z0-9_-]{22}$/.test(id)));
  assert.equal(new Set(ids).size, 3);
});
