// Resumable streams (MCP 2025-11-25, Resumability and Redelivery; SEP-1699 polling):
// every SSE event of the Streamable HTTP face carries an id; a GET with Last-Event-ID replays what
// the client missed on that one stream, nothing twice, then goes on; priming only for >= 2025-11-25.
// Raw HTTP against one proxy in front of the legacy SSE fixture.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';
import { post, rawSession } from '../helpers/http.js';
import type { Wire } from '../helpers/wire.js';

interface Ev {
  id: string | undefined;
  event: string;
  data: string;
  retry: number | undefined;
}

/** An SSE reader that keeps ids and retry fields (the shared helper drops them). */
class Reader {
  private buffer = '';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  constructor(res: Response) {
    this.reader = res.body!.getReader();
  }
  /** The next event; undefined when the stream ended or nothing came within timeoutMs. */
  async next(timeoutMs = 10_000): Promise<Ev | undefined> {
    const ev = await this.read(timeoutMs);
    return typeof ev === 'string' ? undefined : ev;
  }
  private async read(timeoutMs: number): Promise<Ev | 'ended' | 'timeout'> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const lines = block.split('\n').filter((l) => !l.startsWith(':'));
        if (lines.length === 0) continue;
        const field = (name: string) =>
          lines
            .find((l) => l.startsWith(`${name}:`))
            ?.slice(name.length + 1)
            .replace(/^ /, '');
        const retry = field('retry');
        return { id: field('id'), event: field('event') ?? 'message', data: field('data') ?? '', retry: retry === undefined ? undefined : Number(retry) };
      }
      const left = deadline - Date.now();
      if (left <= 0) return 'timeout';
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([this.reader.read(), new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), left)))]).finally(() =>
        clearTimeout(timer),
      );
      if (chunk === 'timeout') return 'timeout';
      if (chunk.done) return 'ended';
      this.buffer += this.decoder.decode(chunk.value, { stream: true });
    }
  }
  /** The next event that carries a message. */
  async message(timeoutMs?: number): Promise<Ev & { msg: Wire }> {
    for (;;) {
      const ev = await this.next(timeoutMs);
      if (!ev) throw new Error('no message event');
      if (ev.data !== '') return { ...ev, msg: JSON.parse(ev.data) };
    }
  }
  /** Every message event until the stream ends; throws when it has not ended within timeoutMs. */
  async rest(timeoutMs = 10_000): Promise<(Ev & { msg: Wire })[]> {
    const out: (Ev & { msg: Wire })[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ev = await this.read(deadline - Date.now());
      if (ev === 'ended') return out;
      if (ev === 'timeout') throw new Error(`the stream did not end within ${timeoutMs} ms; got ${JSON.stringify(out.map((e) => e.msg))}`);
      if (ev.data !== '') out.push({ ...ev, msg: JSON.parse(ev.data) });
    }
  }
}

let proxy: RunningProxy;
let backendUrl: string;

before(async () => {
  const backend = await startFixture('legacy-sse-server');
  backendUrl = backend.url;
  proxy = await startProxy(['--backend', backend.url]);
});

after(() => stopAll());

const hdr = (sid: string, version: string, extra: Record<string, string> = {}) => ({ 'mcp-session-id': sid, 'mcp-protocol-version': version, ...extra });

async function openGet(sid: string, version: string, lastEventId?: string): Promise<{ reader: Reader; res: Response; abort: () => void }> {
  const ac = new AbortController();
  const res = await fetch(proxy.url, {
    headers: { accept: 'text/event-stream', ...hdr(sid, version), ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal: ac.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  return { reader: new Reader(res), res, abort: () => ac.abort() };
}

async function callJson(sid: string, version: string, id: number, name: string, args: Record<string, unknown>): Promise<void> {
  const res = await post(
    proxy.url,
    JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }),
    hdr(sid, version, { accept: 'application/json' }),
  );
  assert.equal(res.status, 200);
  await res.text();
}

async function request(sid: string, version: string, id: number, method: string, params: Record<string, unknown>): Promise<void> {
  const res = await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', id, method, params }), hdr(sid, version, { accept: 'application/json' }));
  assert.equal(res.status, 200);
  await res.text();
}

/**
 * Waits until the session's `slow` call has finished while nobody listened: the backend reports it done,
 * then one more call on the same session comes back. The backend writes its answers in order on the
 * session's one SSE stream, so by then the proxy has taken the slow call's answer too.
 */
async function callFinished(sid: string, version: string): Promise<void> {
  const whoami = await post(
    proxy.url,
    JSON.stringify({ jsonrpc: '2.0', id: 'who', method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
    hdr(sid, version, { accept: 'application/json' }),
  );
  const { connection } = JSON.parse(((await whoami.json()) as { result: { content: Array<{ text: string }> } }).result.content[0]!.text) as {
    connection: number;
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const stats = (await (await fetch(new URL('/control/stats', backendUrl))).json()) as { slowDone: Record<string, number> };
    if ((stats.slowDone[connection] ?? 0) > 0) break;
    if (Date.now() > deadline) throw new Error('timed out waiting for the slow call to finish at the backend');
    await new Promise((r) => setTimeout(r, 20)); // polls the backend's own counter (a metric), bounded by the deadline
  }
  await callJson(sid, version, 99, 'echo', { text: 'after the slow call' });
}

test('a GET stream resumed with Last-Event-ID gets exactly the events it missed, then goes on', async (t) => {
  const v = '2025-06-18';
  const sid = await rawSession(proxy.url, v);
  for (let i = 1; i <= 6; i++) await request(sid, v, 100 + i, 'resources/subscribe', { uri: `test://r${i}` });

  const first = await openGet(sid, v);
  t.after(first.abort);
  // 2025-06-18: no priming event (its empty data breaks older clients), but ids on every event.
  await callJson(sid, v, 1, 'touch_resource', { uri: 'test://r1' });
  await callJson(sid, v, 2, 'touch_resource', { uri: 'test://r2' });
  const e1 = await first.reader.message();
  const e2 = await first.reader.message();
  assert.equal(e1.msg.params.uri, 'test://r1');
  assert.equal(e2.msg.params.uri, 'test://r2');
  assert.ok(e1.id && e2.id && e1.id !== e2.id);
  for (const id of [e1.id, e2.id]) assert.match(id!, /^[\x21-\x7e]+$/);
  // Two more are written to the stream but never read by this client; then the connection drops.
  await callJson(sid, v, 3, 'touch_resource', { uri: 'test://r3' });
  await callJson(sid, v, 4, 'touch_resource', { uri: 'test://r4' });
  first.abort();
  // One more after the client dropped the stream. Whether the proxy has seen the drop yet (r5 then waits
  // for the next stream) or not (r5 goes to the dead stream and its log), the resume below must carry it:
  // both are correct, so no wait decides between them.
  await callJson(sid, v, 5, 'touch_resource', { uri: 'test://r5' });

  const second = await openGet(sid, v, e2.id);
  t.after(second.abort);
  const got = [await second.reader.message(), await second.reader.message(), await second.reader.message()];
  assert.deepEqual(
    got.map((e) => e.msg.params.uri),
    ['test://r3', 'test://r4', 'test://r5'],
  );
  // r3 and r4 come from the event log with the ids they had on the dropped stream (same stream, next numbers).
  const streamOf = (id: string | undefined) => id?.split(':')[0];
  assert.equal(streamOf(got[0]!.id), streamOf(e2.id));
  assert.equal(streamOf(got[1]!.id), streamOf(e2.id));
  // Live events keep flowing on the resumed stream, with fresh ids.
  await callJson(sid, v, 6, 'touch_resource', { uri: 'test://r6' });
  const live = await second.reader.message();
  assert.equal(live.msg.params.uri, 'test://r6');
  // Nothing twice, proved by a later event rather than by a quiet moment: the event after r6 is the
  // next one caused (r1 touched again), not a repeat; and every id is new.
  await callJson(sid, v, 7, 'touch_resource', { uri: 'test://r1' });
  const later = await second.reader.message();
  assert.equal(later.msg.params.uri, 'test://r1');
  const ids = [e1.id, e2.id, ...got.map((e) => e.id), live.id, later.id];
  assert.ok(ids.every((id) => id !== undefined));
  assert.equal(new Set(ids).size, ids.length);
  second.abort();
});

test('a POST SSE stream interrupted mid-call is resumed by GET with Last-Event-ID: the rest of the progress and the response, nothing twice', async (t) => {
  const v = '2025-11-25';
  const sid = await rawSession(proxy.url, v);
  const ac = new AbortController();
  t.after(() => ac.abort());
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 'slow-1',
    method: 'tools/call',
    params: { name: 'slow', arguments: { steps: 4, delayMs: 200 }, _meta: { progressToken: 'pt' } },
  });
  const res = await fetch(proxy.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...hdr(sid, v) },
    body,
    signal: ac.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = new Reader(res);
  const priming = await reader.next();
  assert.ok(priming?.id, 'priming event has an id');
  assert.equal(priming.data, '');
  assert.equal(priming.retry, 1000);
  const p1 = await reader.message();
  assert.equal(p1.msg.method, 'notifications/progress');
  assert.equal(p1.msg.params.progress, 1);
  assert.ok(p1.id && p1.id !== priming.id);
  ac.abort();

  const resumed = await openGet(sid, v, p1.id);
  t.after(resumed.abort);
  const rest = await resumed.reader.rest();
  assert.deepEqual(
    rest.map((e) => e.msg.method ?? `response:${e.msg.id}`),
    ['notifications/progress', 'notifications/progress', 'notifications/progress', 'response:slow-1'],
  );
  assert.deepEqual(
    rest.slice(0, 3).map((e) => e.msg.params.progress),
    [2, 3, 4],
  );
  assert.equal(rest[3]!.msg.result.content[0].text.length > 0, true);
  const ids = [priming.id, p1.id, ...rest.map((e) => e.id)];
  assert.equal(new Set(ids).size, ids.length);
});

test('resuming a finished POST stream replays what was missed and ends; an unknown id opens a fresh GET stream', async (t) => {
  const v = '2025-11-25';
  const sid = await rawSession(proxy.url, v);
  const ac = new AbortController();
  t.after(() => ac.abort());
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 9,
    method: 'tools/call',
    params: { name: 'slow', arguments: { steps: 2, delayMs: 100 }, _meta: { progressToken: 9 } },
  });
  const res = await fetch(proxy.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...hdr(sid, v) },
    body,
    signal: ac.signal,
  });
  const reader = new Reader(res);
  const priming = await reader.next();
  ac.abort();
  await callFinished(sid, v);
  const resumed = await openGet(sid, v, priming!.id);
  t.after(resumed.abort);
  const rest = await resumed.reader.rest();
  assert.deepEqual(
    rest.map((e) => e.msg.method ?? `response:${e.msg.id}`),
    ['notifications/progress', 'notifications/progress', 'response:9'],
  );
  await proxy.waitForLine((l) => l.reason === 'stream_replayed' && l.kind === 'post' && l.replayed === 3);

  const fresh = await openGet(sid, v, 'p999999:3');
  t.after(fresh.abort);
  const first = await fresh.reader.next(2000);
  assert.ok(first?.id, 'a fresh GET stream, primed');
  assert.equal(first.data, '');
  assert.notEqual(first.id, priming!.id);
  fresh.abort();
});

test('priming events: present for 2025-11-25 (POST and GET streams), absent for 2025-06-18', async (t) => {
  for (const v of ['2025-11-25', '2025-06-18']) {
    const sid = await rawSession(proxy.url, v);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } });
    const res = await post(proxy.url, body, hdr(sid, v, { accept: 'text/event-stream' }));
    const text = await res.text();
    const events = text.split('\n\n').filter((b) => b.trim() !== '');
    if (v === '2025-11-25') {
      assert.match(events[0]!, /^id: [\x21-\x7e]+\nretry: 1000\ndata: $/);
      assert.equal(events.length, 2);
    } else {
      assert.equal(events.length, 1);
      assert.doesNotMatch(text, /retry:/);
    }
    assert.match(events.at(-1)!, /^id: [\x21-\x7e]+\nevent: message\ndata: \{/);

    await request(sid, v, 2, 'resources/subscribe', { uri: 'test://p' });
    const get = await openGet(sid, v);
    t.after(get.abort);
    await callJson(sid, v, 3, 'touch_resource', { uri: 'test://p' });
    const ev = await get.reader.next();
    if (v === '2025-11-25') {
      assert.equal(ev?.data, '');
      assert.equal(ev?.retry, 1000);
      assert.ok(ev?.id);
      assert.equal((await get.reader.message()).msg.method, 'notifications/resources/updated');
    } else {
      assert.equal(ev?.retry, undefined);
      assert.equal(JSON.parse(ev!.data).method, 'notifications/resources/updated');
      assert.ok(ev?.id);
    }
    get.abort();
  }
});
