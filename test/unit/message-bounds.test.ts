// Bounds on what backends send: one SSE event, one stdio line, JSON nesting; and naming the request
// an oversized, dropped message answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedSseParser } from '../../src/jsonrpc/bounded-sse.js';
import { nestsDeeperThan } from '../../src/jsonrpc/json-depth.js';
import { OversizeTracker, responseHead, responseTailId, sseData } from '../../src/backends/oversize.js';
import { LineFramer } from '../../src/backends/stdio/ndjson.js';
import { OnceLog } from '../../src/observability/once-log.js';

function run(chunks: string[], maxEventChars: number) {
  const events: string[] = [];
  const oversized: Array<{ head: string; tail?: string; chars?: number }> = [];
  const p = new BoundedSseParser({
    maxEventChars,
    onEvent: (ev) => events.push(ev.data),
    onOversize: (head) => oversized.push({ head }),
    onOversizeEnd: (tail, chars) => Object.assign(oversized.at(-1)!, { tail, chars }),
  });
  for (const c of chunks) p.feed(c);
  return { events, oversized };
}

test('bounded SSE: events under the bound pass whole, whatever the chunking and line endings', () => {
  const text = 'data: {"a":1}\n\nevent: message\r\ndata: {"b":2}\r\n\r\n: keep-alive\n\ndata: {"c":3}\r\rdata: x\ndata: y\n\n';
  for (const size of [1, 2, 3, 7, text.length]) {
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
    const { events, oversized } = run(chunks, 64);
    assert.deepEqual(events, ['{"a":1}', '{"b":2}', '{"c":3}', 'x\ny'], `chunks of ${size}`);
    assert.equal(oversized.length, 0);
  }
});

test('bounded SSE: keep-alive comments never add up to an oversized event', () => {
  const chunks = Array.from({ length: 2_000 }, () => ': ping\n\n');
  const { oversized } = run(chunks, 100);
  assert.equal(oversized.length, 0);
});

test('bounded SSE: an oversized event is dropped, the next one is intact, whatever the chunking', () => {
  const big = `data: {"jsonrpc":"2.0","id":7,"result":{"text":"${'x'.repeat(5_000)}"}}\r\n\r\n`;
  const text = `data: {"n":1}\n\n${big}data: {"n":2}\n\n`;
  for (const size of [1, 100, 4_096, text.length]) {
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
    const { events, oversized } = run(chunks, 1_000);
    assert.deepEqual(events, ['{"n":1}', '{"n":2}'], `chunks of ${size}`);
    assert.equal(oversized.length, 1);
    assert.equal(responseHead(sseData(oversized[0]!.head)).id, 7);
    assert.ok(oversized[0]!.chars! >= 5_000 && oversized[0]!.chars! <= big.length + size);
  }
});

test('bounded SSE: an event that never ends costs at most the bound and its kept ends', () => {
  const parser = new BoundedSseParser({
    maxEventChars: 10_000,
    onEvent: () => assert.fail('no event'),
    onOversize: () => undefined,
    onOversizeEnd: () => assert.fail('never ends'),
  });
  const chunk = 'x'.repeat(65_536);
  const before = process.memoryUsage().heapUsed;
  parser.feed('data: {"jsonrpc":"2.0","id":1,"result":"');
  for (let i = 0; i < 2_000; i++) parser.feed(chunk); // 128 MB of one event
  assert.ok(process.memoryUsage().heapUsed - before < 64 * 1024 * 1024, 'the event is not accumulated');
});

test('oversized answers: the id at the start (Python SDK order) or at the end (TypeScript SDK order)', () => {
  assert.deepEqual(responseHead('{"jsonrpc":"2.0","id":12,"result":{"content"'), { response: true, id: 12 });
  assert.deepEqual(responseHead('{"jsonrpc": "2.0", "id": "a\\"b", "error": {'), { response: true, id: 'a"b' });
  assert.deepEqual(responseHead('{"result":{"content":[{"type":"text","text":"xx'), { response: true, id: undefined });
  assert.equal(responseHead('{"jsonrpc":"2.0","id":3,"method":"sampling/createMessage","params":{').response, false);
  assert.equal(responseHead('{"jsonrpc":"2.0","method":"notifications/message","params":{').response, false);
  assert.equal(responseTailId('xx"}]},"jsonrpc":"2.0","id":44}\n'), 44);
  assert.equal(responseTailId('"}]},"jsonrpc":"2.0","id":2251799813685247}'), 2251799813685247, 'process-unique ids have 16 digits');
  assert.equal(responseTailId('{"id":5}]}}'), undefined, 'a nested id never matches');
  const answered: unknown[] = [];
  const t = new OversizeTracker((id) => answered.push(id));
  t.started('{"result":{"a":"');
  assert.equal(t.ended('"},"jsonrpc":"2.0","id":9}'), true);
  t.started('{"jsonrpc":"2.0","id":10,"result":{');
  assert.equal(t.ended('garbage'), true, 'already answered from the head');
  t.started('{"jsonrpc":"2.0","method":"x","params":{"id":');
  assert.equal(t.ended('"id":11}'), false, 'not a response: nobody is answered');
  assert.deepEqual(answered, [9, 10]);
});

test('stdio lines: an over-long line is dropped with its ends kept, and framing resyncs', () => {
  const starts: string[] = [];
  const ends: Array<[number, string]> = [];
  const framer = new LineFramer({ maxLineBytes: 64, onOverflowStart: (h) => starts.push(h), onOverflow: (n, tail) => ends.push([n, tail]) });
  const long = `{"jsonrpc":"2.0","id":3,"result":"${'é'.repeat(100)}"}`;
  const lines = [...framer.push(Buffer.from(`{"a":1}\n${long.slice(0, 50)}`)), ...framer.push(Buffer.from(`${long.slice(50)}\n{"b":2}\n`))];
  assert.deepEqual(lines, ['{"a":1}', '{"b":2}']);
  assert.equal(starts.length, 1);
  assert.equal(responseHead(starts[0]!).id, 3);
  assert.equal(ends.length, 1);
  assert.equal(ends[0]![0], Buffer.byteLength(long));
  assert.ok(ends[0]![1].endsWith('"}'));
});

test('nestsDeeperThan: counts brackets outside strings only', () => {
  assert.equal(nestsDeeperThan('[[[[1]]]]', 4), false);
  assert.equal(nestsDeeperThan('[[[[[1]]]]]', 4), true);
  assert.equal(nestsDeeperThan(`{"a":"${'['.repeat(500)}"}`, 4), false, 'brackets inside a string');
  assert.equal(nestsDeeperThan(`{"a":"\\"${'['.repeat(500)}"}`, 4), false, 'an escaped quote does not end the string');
  assert.equal(nestsDeeperThan('['.repeat(200_000), 100), true);
});

test('OnceLog: the repair-log de-duplication is bounded in entries and key length', () => {
  const once = new OnceLog(100, 32);
  assert.equal(once.first('route / reason ua'), true);
  assert.equal(once.first('route / reason ua'), false);
  // Keys are cut: user agents of any length cost at most the bound.
  assert.equal(once.first(`${'x'.repeat(32)}-a`), true);
  assert.equal(once.first(`${'x'.repeat(32)}-b`), false, 'the same first 32 characters');
  for (let i = 0; i < 10_000; i++) once.first(`client ${i}`);
  assert.ok(once.size <= 100);
});
