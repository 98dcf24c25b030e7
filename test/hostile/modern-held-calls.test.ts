// Hostile MRTR traffic on the 2026-07-28 face, in front of a 2024 server whose tool asks for input during
// the call (the legacy SSE conformance fixture): a flood of calls that are never retried is bounded by
// mrtr.maxHeldPerSeat and mrtr.maxHeldCalls (the call past a bound gets a JSON-RPC error, the limit is
// counted), the held calls expire after mrtr.holdTimeout and new calls work again; forged requestState
// values are refused in-band with -32602 (or restart cleanly), never a 500, each logged once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { modernMessages, modernRequest, postModern } from '../helpers/modern.js';
import { limitHits, metricValue, readMetrics, waitForMetric } from '../helpers/metrics.js';
import type { Wire } from '../helpers/wire.js';

after(() => stopAll());

const ELICIT_TOOL = 'test_input_required_result_elicitation';

async function startStack(
  t: { after(fn: () => unknown): void },
  mrtr: Record<string, unknown>,
  paths = ['/'],
  sessions: Record<string, unknown> = {},
): Promise<RunningProxy> {
  const backend = await startFixture('conformance-server', ['--transport', 'sse', '--port', '0']);
  t.after(() => backend.stop());
  const cfg = writeConfigFile({
    listen: { host: '127.0.0.1', port: 0 },
    mrtr,
    sessions,
    log: { level: 'info', format: 'json' },
    routes: paths.map((path) => ({ path, backend: { url: backend.url } })),
  });
  t.after(() => cfg.dispose());
  const proxy = await startProxy(['--config', cfg.file]);
  t.after(() => proxy.stop());
  return proxy;
}

interface Answer {
  status: number;
  message: Wire;
}

/** One modern tools/call of `client` (its identity) declaring elicitation; the JSON-RPC answer to it. */
async function call(url: string, id: string, client: string, extra: Record<string, unknown> = {}, name = ELICIT_TOOL): Promise<Answer> {
  const body = modernRequest(
    id,
    'tools/call',
    { name, arguments: {}, ...extra },
    { capabilities: { elicitation: {} }, clientInfo: { name: client, version: '1.0.0' } },
  );
  const res = await postModern(url, body);
  const messages = await modernMessages(res);
  const message = messages.find((m) => m.id === id);
  assert.ok(message, `no answer to ${id}: ${res.status} ${JSON.stringify(messages)}`);
  return { status: res.status, message };
}

const isHeld = (a: Answer) => a.message.result?.resultType === 'input_required';
/** One line per answer: held, the proxy's error code, or the tool's text. */
const brief = (xs: Answer[]) =>
  xs
    .map(
      (x) =>
        `${String(x.message.id)}: ${isHeld(x) ? 'held' : (x.message.error?.data?.code ?? x.message.result?.content?.[0]?.text ?? JSON.stringify(x.message))}`,
    )
    .join('\n');

test(
  'held-call flood: mrtr.maxHeldPerSeat and mrtr.maxHeldCalls bound calls never retried; they expire after mrtr.holdTimeout; new calls work again',
  { timeout: 120_000 },
  async (t) => {
    const proxy = await startStack(t, { maxHeldPerSeat: 3, maxHeldCalls: 5, holdTimeout: '5s' });

    // Identity A floods, one seat per call (sessions.seats.maxPerIdentity is 8): 3 calls are held, the
    // others are refused in-band with ERR_INPUT_CAPACITY.
    const a = await Promise.all(Array.from({ length: 8 }, (_, i) => call(proxy.url, `a-${i}`, 'flood-a')));
    assert.equal(a.filter(isHeld).length, 3, brief(a));
    const refusedA = a.filter((x) => !isHeld(x));
    for (const x of refusedA) {
      assert.equal(x.status, 200, JSON.stringify(x.message));
      assert.equal(x.message.error?.data?.code, 'ERR_INPUT_CAPACITY', JSON.stringify(x.message));
      assert.equal(typeof x.message.error?.data?.errorId, 'string');
    }
    assert.equal(await limitHits(proxy.origin, 'mrtr.maxHeldPerSeat'), refusedA.length);
    // More at once: now they share the identity's seats, where the backend's input request cannot be
    // attributed to one call. None is held, none is answered with another call's input request.
    const shared = await Promise.all(Array.from({ length: 16 }, (_, i) => call(proxy.url, `s-${i}`, 'flood-a')));
    for (const x of shared) {
      assert.ok(!isHeld(x), brief(shared));
      assert.ok(x.message.error?.data?.code === 'ERR_INPUT_CAPACITY' || x.message.result?.isError === true, brief(shared));
    }

    // Identity B: 2 more fit under mrtr.maxHeldCalls (5 in all), the rest are refused for that bound.
    const b = await Promise.all(Array.from({ length: 6 }, (_, i) => call(proxy.url, `b-${i}`, 'flood-b')));
    assert.equal(b.filter(isHeld).length, 2, JSON.stringify(b.map((x) => x.message)));
    for (const x of b.filter((y) => !isHeld(y))) assert.equal(x.message.error?.data?.code, 'ERR_INPUT_CAPACITY', JSON.stringify(x.message));
    assert.equal(await limitHits(proxy.origin, 'mrtr.maxHeldCalls'), 4);
    const metrics = await readMetrics(proxy.origin);
    assert.equal(
      metricValue(metrics, 'frontdoor_input_calls_total', { route: '/', outcome: 'expired' }) ?? 0,
      0,
      'nothing expired before the bounds were checked',
    );

    // Nobody retries: after mrtr.holdTimeout every held call expires.
    await waitForMetric(proxy.origin, 'frontdoor_input_calls_total', { route: '/', outcome: 'expired' }, (v) => v === 5, 30_000);
    // The table is empty again: a new call is held, and its retry completes.
    const fresh = await call(proxy.url, 'c-1', 'flood-a');
    assert.ok(isHeld(fresh), JSON.stringify(fresh.message));
    const done = await call(proxy.url, 'c-2', 'flood-a', {
      inputResponses: { user_name: { action: 'accept', content: { name: 'Zed' } } },
      requestState: fresh.message.result.requestState,
    });
    assert.equal(done.message.result?.content?.[0]?.text, 'Hello, Zed!', JSON.stringify(done.message));
    assert.equal(proxy.child.exitCode, null);
  },
);

test('calls that share a seat (past sessions.seats.maxPerIdentity) are never asked for each other’s input', { timeout: 60_000 }, async (t) => {
  const proxy = await startStack(t, {}, ['/'], { seats: { maxPerIdentity: 1 } });
  for (let round = 0; round < 3; round++) {
    const answers = await Promise.all(Array.from({ length: 4 }, (_, i) => call(proxy.url, `r${round}-${i}`, 'sharing')));
    for (const x of answers) {
      // A held call asks only its own question; the others' input requests went back to the backend as errors.
      if (isHeld(x)) assert.deepEqual(Object.keys(x.message.result.inputRequests), ['user_name'], brief(answers));
      else assert.ok(x.message.result?.isError === true || typeof x.message.error?.data?.code === 'string', brief(answers));
    }
    assert.ok(answers.filter(isHeld).length <= 1, brief(answers));
  }
  assert.ok((await limitHits(proxy.origin, 'sessions.seats.maxPerIdentity')) > 0);
});

test(
  'forged requestState values: -32602 in-band or a clean restart, never a 500, each refusal logged once with its errorId',
  { timeout: 60_000 },
  async (t) => {
    const proxy = await startStack(t, {}, ['/', '/b']);
    const other = new URL('/b/mcp', proxy.url).href;
    const real = await call(proxy.url, 'real', 'forger');
    assert.ok(isHeld(real), JSON.stringify(real.message));
    const state = String(real.message.result.requestState);
    const [prefix, payload, mac] = state.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forge = (change: Record<string, unknown>) => `${prefix}.${Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url')}.${mac}`;
    const fromOtherRoute = await call(other, 'other-route', 'forger');
    assert.ok(isHeld(fromOtherRoute), JSON.stringify(fromOtherRoute.message));

    const refusedCases: Array<[string, unknown]> = [
      ['empty', ''],
      ['garbage', 'not-a-state'],
      ['three dots', 'fd1..'],
      ['random fd1 shape', `fd1.${Buffer.from('{"h":"x"}').toString('base64url')}.AAAA`],
      ['5 KB', 'S'.repeat(5_000)],
      ['number', 12345],
      ['object', { h: 'x' }],
      ['another held id, same replica', forge({ h: 'AAAAAAAAAAAAAAAAAAAAAA' })],
      ['a later expiry', forge({ e: Number(claims.e) + 3_600_000 })],
    ];
    for (const [name, requestState] of refusedCases) {
      const answer = await call(proxy.url, `forged ${name}`, 'forger', {
        inputResponses: { user_name: { action: 'accept', content: { name: 'Mallory' } } },
        requestState,
      });
      assert.equal(answer.status, 200, `${name}: ${JSON.stringify(answer.message)}`);
      assert.equal(answer.message.error?.code, -32602, `${name}: ${JSON.stringify(answer.message)}`);
      const errorId = answer.message.error.data?.errorId as string;
      assert.equal(typeof errorId, 'string', name);
      await proxy.waitForLine((l) => l.errorId === errorId);
      assert.equal(proxy.lines.filter((l) => l.includes(errorId)).length, 1, `${name}: logged once`);
    }

    // Naming another replica, the MAC cannot be checked here: the id is only a routing hint, and with
    // no such replica the call runs afresh (a restart), answered from the inputs it carries.
    const restarted = await call(proxy.url, 'forged another replica', 'forger', {
      inputResponses: { user_name: { action: 'accept', content: { name: 'Eve' } } },
      requestState: forge({ r: 'another-replica' }),
    });
    assert.equal(restarted.message.result?.content?.[0]?.text, 'Hello, Eve!', JSON.stringify(restarted.message));
    // A state of another route: the process signs every route's states with one key, so it verifies
    // and is refused by the seat check (the route is part of it), never taken for another replica's.
    const otherRoute = await call(proxy.url, 'forged another route', 'forger', {
      inputResponses: { user_name: { action: 'accept', content: { name: 'Eve' } } },
      requestState: fromOtherRoute.message.result.requestState,
    });
    assert.equal(otherRoute.message.error?.code, -32602, JSON.stringify(otherRoute.message));
    assert.equal(otherRoute.message.error?.data?.reason, 'seat_mismatch', JSON.stringify(otherRoute.message));

    // The genuine state still works: nothing above touched its held call.
    const done = await call(proxy.url, 'genuine', 'forger', {
      inputResponses: { user_name: { action: 'accept', content: { name: 'Alice' } } },
      requestState: state,
    });
    assert.equal(done.message.result?.content?.[0]?.text, 'Hello, Alice!', JSON.stringify(done.message));
    assert.equal(proxy.child.exitCode, null);
  },
);
