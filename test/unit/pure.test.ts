// Table-driven tests of the pure pieces: endpoint resolution, header negotiation, body parsing,
// Host/Origin policy, units, env interpolation, the correlator and the outbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveEndpoint } from '../../src/backends/legacy-sse/endpoint-url.js';
import { checkProtocolVersion, negotiateAccept, checkJsonContentType } from '../../src/frontends/streamable-http/negotiate.js';
import { BodyError, parseBody } from '../../src/frontends/streamable-http/parse-body.js';
import { parseDurationMs, parseSizeBytes } from '../../src/config/units.js';
import { interpolate } from '../../src/config/interpolate.js';
import { Outbox } from '../../src/session/outbox.js';
import { Backpressure } from '../../src/session/backpressure.js';
import type { MessageSink } from '../../src/session/sink.js';
import type { JsonRpcMessage } from '../../src/jsonrpc/message.js';
import { ProxyError } from '../../src/errors/proxy-error.js';

test('resolveEndpoint: every form servers send stays on the backend origin', () => {
  const base = new URL('http://127.0.0.1:9121/sse');
  const cases: Array<[string, string, string | undefined]> = [
    ['/messages?sessionId=abc', 'http://127.0.0.1:9121/messages?sessionId=abc', undefined],
    ['/messages/?session_id=0f3e', 'http://127.0.0.1:9121/messages/?session_id=0f3e', undefined],
    ['messages?sessionId=r', 'http://127.0.0.1:9121/messages?sessionId=r', undefined],
    ['http://0.0.0.0:9121/messages?sessionId=x', 'http://127.0.0.1:9121/messages?sessionId=x', 'http://0.0.0.0:9121'],
    ['http://mcp-server:8000/messages?sessionId=y', 'http://127.0.0.1:9121/messages?sessionId=y', 'http://mcp-server:8000'],
    ['https://evil.example.com/steal?sessionId=z', 'http://127.0.0.1:9121/steal?sessionId=z', 'https://evil.example.com'],
    ['  /messages?sessionId=t \r', 'http://127.0.0.1:9121/messages?sessionId=t', undefined],
  ];
  for (const [data, want, from] of cases) {
    const r = resolveEndpoint(data, base);
    assert.equal(r.url.href, want, data);
    assert.equal(r.originRewrittenFrom, from, data);
  }
  assert.throws(() => resolveEndpoint('', base));
  assert.throws(() => resolveEndpoint('ftp://x/y', base));
  // A backend behind a path prefix keeps it for relative endpoints.
  assert.equal(resolveEndpoint('messages?sessionId=1', new URL('http://h:1/mcp-sse/sse')).url.href, 'http://h:1/mcp-sse/messages?sessionId=1');
});

test('negotiateAccept and content type', () => {
  assert.deepEqual(negotiateAccept(undefined), { json: true, sse: true });
  assert.deepEqual(negotiateAccept('application/json, text/event-stream'), { json: true, sse: true });
  assert.deepEqual(negotiateAccept('application/json'), { json: true, sse: false });
  assert.deepEqual(negotiateAccept('text/event-stream;q=0.9'), { json: false, sse: true });
  assert.deepEqual(negotiateAccept('*/*'), { json: true, sse: true });
  assert.ok(negotiateAccept('text/html') instanceof ProxyError);
  assert.equal(checkJsonContentType('application/json; charset=utf-8'), undefined);
  assert.equal(checkJsonContentType('text/plain')?.status, 415);
  assert.equal(checkJsonContentType(undefined)?.status, 415);
});

test('checkProtocolVersion', () => {
  for (const v of [undefined, '2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25']) assert.equal(checkProtocolVersion(v), undefined, String(v));
  for (const v of ['2026-07-28', 'latest', '']) assert.equal(checkProtocolVersion(v)?.status, 400, v);
});

test('parseBody', () => {
  const bad = parseBody('{', 100);
  assert.ok(bad instanceof BodyError && bad.error.code === 'ERR_BAD_JSON');
  const invalid = parseBody('{"jsonrpc":"2.0","id":5}', 100);
  assert.ok(invalid instanceof BodyError && invalid.error.code === 'ERR_NOT_JSONRPC' && invalid.id === 5);
  const nullId = parseBody('{"jsonrpc":"2.0","id":null,"method":"x"}', 100);
  assert.ok(nullId instanceof BodyError, 'a request id must not be null');
  const empty = parseBody('[]', 100);
  assert.ok(empty instanceof BodyError);
  const ok = parseBody('[{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","method":"n"},{"jsonrpc":"2.0","id":"s","result":{}}]', 100);
  assert.ok(!(ok instanceof BodyError) && ok.batch && ok.messages.length === 3);
});

test('units and interpolation', () => {
  assert.equal(parseDurationMs('500ms'), 500);
  assert.equal(parseDurationMs('15s'), 15_000);
  assert.equal(parseDurationMs('10m'), 600_000);
  assert.equal(parseDurationMs('1.5h'), 5_400_000);
  assert.equal(parseDurationMs('250'), 250);
  assert.equal(parseDurationMs('soon'), undefined);
  assert.equal(parseSizeBytes('4mb'), 4 * 1024 * 1024);
  assert.equal(parseSizeBytes('64KB'), 65_536);
  assert.equal(parseSizeBytes('1tb'), undefined);
  const missing: string[] = [];
  const env = { TOKEN: 's3cret', EMPTY: '' };
  assert.equal(
    interpolate('Bearer ${TOKEN}', env, (n) => missing.push(n)),
    'Bearer s3cret',
  );
  assert.equal(
    interpolate('${PORT:-8080}', env, (n) => missing.push(n)),
    '8080',
  );
  assert.equal(
    interpolate('${EMPTY:-d}', env, (n) => missing.push(n)),
    'd',
  );
  assert.equal(
    interpolate('${NOPE}', env, (n) => missing.push(n)),
    '',
  );
  assert.deepEqual(missing, ['NOPE']);
});

function fakeSink(streaming = true): MessageSink & { got: JsonRpcMessage[]; isOpen: boolean } {
  const sink = {
    kind: 'request' as const,
    streaming,
    isOpen: true,
    got: [] as JsonRpcMessage[],
    get open() {
      return sink.isOpen;
    },
    deliver(m: JsonRpcMessage) {
      if (!sink.isOpen) return false;
      sink.got.push(m);
      return true;
    },
    respond(m: JsonRpcMessage) {
      sink.got.push(m);
      return true;
    },
    end() {
      sink.isOpen = false;
    },
    queuedBytes: 0,
    backlogBytes: 0,
    onceDrained: (callback: () => void) => queueMicrotask(callback),
    overflow() {
      sink.isOpen = false;
    },
  };
  return sink;
}

test('Outbox: GET stream first, then the newest POST stream, else a bounded buffer', () => {
  const box = new Outbox(2, 1_000_000);
  const msg = (n: number): JsonRpcMessage => ({ jsonrpc: '2.0', method: `m${n}` });
  assert.equal(box.route(msg(1)), 'buffered');
  assert.equal(box.route(msg(2)), 'buffered');
  assert.equal(box.route(msg(3)), 'dropped', 'over the bound the oldest is dropped');
  const post = fakeSink();
  box.attachRequestStream(post);
  assert.deepEqual(
    post.got.map((m) => (m as { method: string }).method),
    ['m2', 'm3'],
    'the buffer flushes into the first stream',
  );
  const get = fakeSink();
  box.attachStandalone(get);
  assert.equal(box.route(msg(4)), get);
  assert.equal(get.got.length, 1, 'the GET stream is preferred');
  get.isOpen = false;
  box.route(msg(5));
  assert.equal((post.got.at(-1) as { method: string }).method, 'm5', 'falls back to the POST stream');
  const jsonOnly = fakeSink(false);
  box.attachRequestStream(jsonOnly);
  assert.equal(jsonOnly.got.length, 0, 'a JSON answer cannot carry notifications');
});

test('Outbox: a log or server→client request during the one open call travels on that call’s stream; with two calls open, on the GET stream', () => {
  const box = new Outbox(10, 1_000_000);
  const get = fakeSink();
  box.attachStandalone(get);
  const call = fakeSink();
  box.attachRequestStream(call);
  const log: JsonRpcMessage = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'working' } };
  const ping: JsonRpcMessage = { jsonrpc: '2.0', id: 7, method: 'ping' };
  const listChanged: JsonRpcMessage = { jsonrpc: '2.0', method: 'notifications/tools/list_changed' };
  assert.equal(box.route(log), call, 'ahead of the call’s answer, on its stream');
  assert.equal(box.route(ping), call);
  assert.equal(box.route(listChanged), get, 'about the session, not the call');
  const jsonOnly = fakeSink(false);
  box.attachRequestStream(jsonOnly);
  assert.equal(box.route(log), call, 'a JSON answer is no stream');
  const other = fakeSink();
  box.attachRequestStream(other);
  assert.equal(box.route(log), get, 'two calls open: which one it is about is unknown');
  other.isOpen = false;
  assert.equal(box.route(ping), call, 'the other call finished');
  call.isOpen = false;
  assert.equal(box.route(log), get);
});

test('Outbox: the buffer is bounded in bytes too', () => {
  const box = new Outbox(1_000, 400);
  const big = (n: number): JsonRpcMessage => ({ jsonrpc: '2.0', method: 'notifications/message', params: { n, data: 'x'.repeat(100) } });
  assert.equal(box.route(big(1)), 'buffered');
  assert.equal(box.route(big(2)), 'buffered');
  assert.equal(box.route(big(3)), 'dropped');
  const post = fakeSink();
  box.attachRequestStream(post);
  assert.deepEqual(
    post.got.map((m) => (m as unknown as { params: { n: number } }).params.n),
    [2, 3],
  );
});

test('Backpressure: a shared channel ends the stream at once; a pausable one pauses until the client drains', async () => {
  const overflowed: string[] = [];
  const events: string[] = [];
  const pausable = { pause: () => void events.push('pause'), resume: () => void events.push('resume') };
  let drained: (() => void) | undefined;
  const slow = Object.assign(fakeSink(), { queuedBytes: 2_000, backlogBytes: 1_500, onceDrained: (cb: () => void) => (drained = cb) });
  const shared = new Backpressure({ limitBytes: 1_000, stallMs: 60_000, flow: () => undefined, onOverflow: (s) => overflowed.push(s.kind) });
  shared.check(slow);
  assert.deepEqual(overflowed, ['request']);
  assert.equal(slow.isOpen, false, 'the stream was ended');
  const per = new Backpressure({ limitBytes: 1_000, stallMs: 60_000, flow: () => pausable, onOverflow: (s) => overflowed.push(s.kind) });
  const slow2 = Object.assign(fakeSink(), { queuedBytes: 2_000, backlogBytes: 1_500, onceDrained: (cb: () => void) => (drained = cb) });
  per.check(slow2);
  per.check(slow2);
  assert.deepEqual(events, ['pause'], 'paused once');
  assert.ok(per.paused);
  drained!();
  assert.deepEqual(events, ['pause', 'resume']);
  assert.equal(slow2.isOpen, true, 'a client that drained keeps its stream');
  const stalled = Object.assign(fakeSink(), { queuedBytes: 2_000, backlogBytes: 1_500, onceDrained: () => undefined });
  // The stall timer's callback overflows and releases synchronously: awaiting its report is enough.
  await new Promise<void>((resolve) => {
    const quick = new Backpressure({
      limitBytes: 1_000,
      stallMs: 1,
      flow: () => pausable,
      onOverflow: (s) => (overflowed.push(`stalled ${s.kind}`), resolve()),
    });
    quick.check(stalled);
  });
  assert.equal(stalled.isOpen, false);
  assert.deepEqual(overflowed.at(-1), 'stalled request');
  assert.deepEqual(events.at(-1), 'resume', 'the backend reads again once the stalled stream is gone');
});

test('Backpressure: one large message to a slow reader is fine; a reading client is never cut off', async () => {
  let pauses = 0;
  let resumed!: () => void;
  const done = new Promise<void>((resolve) => (resumed = resolve));
  const pausable = { pause: () => void pauses++, resume: () => resumed() };
  const overflowed: string[] = [];
  const bp = new Backpressure({ limitBytes: 1_000, stallMs: 1, flow: () => pausable, onOverflow: (s) => overflowed.push(s.kind) });
  const big = Object.assign(fakeSink(), { queuedBytes: 10_000_000, backlogBytes: 0, onceDrained: () => undefined });
  bp.check(big);
  assert.equal(pauses, 0, 'nothing was queued before the large message');
  // A client that reads, slowly: each stall window ends with less queued than it began with.
  let queued = 5_000;
  const reading = Object.assign(fakeSink(), { backlogBytes: 4_000, onceDrained: () => undefined });
  Object.defineProperty(reading, 'queuedBytes', { get: () => (queued -= 1_000) });
  bp.check(reading);
  assert.equal(pauses, 1);
  await done; // released once a window ends with the queue under the bound
  assert.deepEqual(overflowed, []);
  assert.equal(reading.isOpen, true);
});
