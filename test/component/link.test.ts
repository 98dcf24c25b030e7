// Component tests of sessions and links on an in-process channel (test/helpers/fake-backend.ts):
// fast and deterministic. Per-session and shared links, the id table, the handshake, reconnects,
// subscriptions, server→client request routing, strays, request expiry and handshake repair.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonRpcRequest, JsonRpcResponse } from '../../src/jsonrpc/message.js';
import { settle, type FakeBackend } from '../helpers/fake-backend.js';
import { eventually } from '../helpers/clients.js';
import { linkWorld, recordingSink, type RecordingSink } from '../helpers/link-world.js';

const sink = () => recordingSink('standalone');

function world(backend: Record<string, unknown> = {}, opts: { requestTimeoutMs?: number } = {}) {
  const { fake, metrics, linker, session: newSession } = linkWorld(backend, opts);
  const repairs: string[] = [];
  const open = async (name: string, capabilities: Record<string, unknown> = {}) => {
    const session = newSession({ onRepair: (_s, reason) => repairs.push(reason) });
    const stream = sink();
    session.attachStandalone(stream);
    const answer = await session.start({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities, clientInfo: { name, version: '1' } },
    });
    return { session, stream, answer };
  };
  return { fake, metrics, linker, repairs, open };
}

const call = (id: number | string, name: string, meta?: Record<string, unknown>): JsonRpcRequest => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: {}, ...(meta ? { _meta: meta } : {}) },
});

const upstream = (fake: FakeBackend, channel = 0, method?: string) =>
  fake.received[channel]!.filter((m): m is JsonRpcRequest => 'method' in m && (method === undefined || m.method === method));

test('per-session: backend ids are process-unique and unguessable; answers come back under the client id; strays are dropped and counted', async () => {
  const w = world();
  const a = await w.open('A');
  const b = await w.open('B');
  assert.equal(w.fake.opened, 2, 'a channel each');
  const ra = sink();
  const rb = sink();
  await a.session.submit([call(1, 'x')], ra);
  await b.session.submit([call(1, 'y')], rb);
  await settle();
  const [ua] = upstream(w.fake, 0, 'tools/call');
  const [ub] = upstream(w.fake, 1, 'tools/call');
  assert.notEqual(ua!.id, ub!.id, 'never the same backend id, even on two channels');
  assert.ok(typeof ua!.id === 'number' && ua!.id > 2 ** 20, 'not a small counter');
  assert.deepEqual(ra.got, [{ jsonrpc: '2.0', id: 1, result: { echo: 'x', channel: 0 } }]);
  // A backend that broadcasts: an answer to A's pending request also arrives on B's channel (the
  // fake's current one). B's link knows no such id: dropped, counted; A is not answered by it.
  const hang = sink();
  await a.session.submit([call(2, 'hang')], hang);
  const [, hungA] = upstream(w.fake, 0, 'tools/call');
  const onB = sink();
  await b.session.submit([call(2, 'hang')], onB);
  w.fake.emit({ jsonrpc: '2.0', id: hungA!.id, result: { echo: 'for A, broadcast to B' } });
  w.fake.emit({ jsonrpc: '2.0', id: 12345, result: { echo: 'for nobody' } });
  assert.equal(hang.got.length + onB.got.length, 0, 'a stray never reaches a client');
  assert.equal(w.metrics.get('frontdoor_stray_responses_total', { route: '/' }), 2);
});

test('shared: one channel, one handshake with the first member params, the same InitializeResult, colliding ids kept apart', async () => {
  const w = world({ share: 'shared' });
  const [a, b] = await Promise.all([w.open('A'), w.open('B')]);
  assert.equal(w.fake.opened, 1);
  const inits = upstream(w.fake, 0, 'initialize');
  assert.equal(inits.length, 1, 'one real handshake');
  assert.equal((inits[0]!.params?.clientInfo as { name: string }).name, 'A');
  assert.equal(w.fake.received[0]!.filter((m) => 'method' in m && m.method === 'notifications/initialized').length, 1, 'the link sent the one initialized');
  assert.deepEqual(a.answer.result, b.answer.result);
  // The members' own initialized are swallowed.
  await a.session.submit([{ jsonrpc: '2.0', method: 'notifications/initialized' }], sink());
  const [ra, rb] = [sink(), sink()];
  await Promise.all([a.session.submit([call(2, 'a')], ra), b.session.submit([call(2, 'b')], rb)]);
  await settle();
  assert.equal(w.fake.received[0]!.filter((m) => 'method' in m && m.method === 'notifications/initialized').length, 1);
  assert.deepEqual(ra.got, [{ jsonrpc: '2.0', id: 2, result: { echo: 'a', channel: 0 } }]);
  assert.deepEqual(rb.got, [{ jsonrpc: '2.0', id: 2, result: { echo: 'b', channel: 0 } }]);
  // list_changed reaches both; the backend's ping is answered by the link.
  w.fake.emit({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
  w.fake.emit({ jsonrpc: '2.0', id: 'srv-ping', method: 'ping' });
  await settle();
  assert.equal(a.stream.got.length, 1);
  assert.equal(b.stream.got.length, 1);
  assert.deepEqual(w.fake.answers, [{ jsonrpc: '2.0', id: 'srv-ping', result: {} }]);
});

test('shared: a server→client request is never guessed: the POST stream names the member, else the only capable one, else it is refused', async () => {
  const w = world({ share: 'shared', transport: 'streamable-http', url: 'http://fake.invalid/mcp' });
  const a = await w.open('A', { sampling: {} });
  const b = await w.open('B', { sampling: {} });
  const c = await w.open('C');
  const busyB = sink();
  await b.session.submit([call(1, 'hang')], busyB);
  const [hungB] = upstream(w.fake, 0, 'tools/call');
  // Related to B's request (it came on B's POST stream): B, although A can answer too.
  w.fake.emit({ jsonrpc: '2.0', id: 's1', method: 'sampling/createMessage', params: {} }, hungB!.id);
  assert.ok(busyB.got.length === 0 && b.stream.got.some((m) => 'method' in m && m.method === 'sampling/createMessage'));
  assert.ok(!a.stream.got.some((m) => 'method' in m && m.method === 'sampling/createMessage'));
  // Only A answers the request it was not asked: dropped; B's answer goes to the backend.
  await a.session.submit([{ jsonrpc: '2.0', id: 's1', result: { from: 'a' } }], sink());
  await b.session.submit([{ jsonrpc: '2.0', id: 's1', result: { from: 'b' } }], sink());
  assert.deepEqual(w.fake.answers, [{ jsonrpc: '2.0', id: 's1', result: { from: 'b' } }]);
  // Unrelated and two capable members: refused, counted.
  w.fake.emit({ jsonrpc: '2.0', id: 's2', method: 'sampling/createMessage', params: {} });
  await settle();
  assert.equal(w.fake.answers.at(-1)?.error?.code, -32601);
  assert.equal(w.metrics.get('frontdoor_server_requests_refused_total', { route: '/', reason: 'ambiguous_recipient' }), 1);
  // roots/list: nobody declared roots → refused; an elicitation-less C is never asked anything.
  w.fake.emit({ jsonrpc: '2.0', id: 's3', method: 'roots/list' });
  await settle();
  assert.equal(w.metrics.get('frontdoor_server_requests_refused_total', { route: '/', reason: 'no_capable_member' }), 1);
  assert.ok(!c.stream.got.some((m) => 'id' in m && 'method' in m));
});

test('shared over sse: clients that answer sampling get a link of their own', async () => {
  const w = world({ share: 'shared' });
  await w.open('plain-1');
  await w.open('plain-2');
  const s = await w.open('sampler', { sampling: {} });
  assert.equal(w.fake.opened, 2, 'one shared channel, one private one');
  w.fake.emit({ jsonrpc: '2.0', id: 'q', method: 'sampling/createMessage', params: {} }); // on the private channel (the newest)
  await settle();
  assert.ok(s.stream.got.some((m) => 'method' in m && m.method === 'sampling/createMessage'));
  assert.equal(w.metrics.get('frontdoor_private_links_total', { route: '/' }), 1);
});

test('shared: subscriptions counted per uri; updates only to subscribers; the last unsubscribe reaches the backend', async () => {
  const w = world({ share: 'shared' });
  const [a, b, c] = [await w.open('A'), await w.open('B'), await w.open('C')];
  const sub = (id: number, method: string) => ({ jsonrpc: '2.0' as const, id, method, params: { uri: 'u' } });
  const subs = () =>
    upstream(w.fake, 0)
      .filter((m) => m.method.startsWith('resources/'))
      .map((m) => m.method);
  const [sa, sb] = [sink(), sink()];
  await a.session.submit([sub(1, 'resources/subscribe')], sa);
  await b.session.submit([sub(1, 'resources/subscribe')], sb);
  await settle();
  assert.deepEqual(subs(), ['resources/subscribe'], 'the backend is asked once');
  assert.equal((sb.got[0] as JsonRpcResponse).id, 1);
  w.fake.emit({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'u' } });
  assert.deepEqual([a.stream.got.length, b.stream.got.length, c.stream.got.length], [1, 1, 0]);
  await a.session.submit([sub(2, 'resources/unsubscribe')], sink());
  assert.deepEqual(subs(), ['resources/subscribe'], 'B still subscribed: answered by the link');
  await b.session.close('gone'); // the last subscriber leaves
  await settle();
  assert.deepEqual(subs(), ['resources/subscribe', 'resources/unsubscribe']);
});

test('shared: a drop fails what was in flight, one reconnect serves every member, subscriptions are renewed', async () => {
  const w = world({ share: 'shared' });
  const [a, b] = [await w.open('A'), await w.open('B')];
  await a.session.submit([{ jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri: 'u' } }], sink());
  const inFlight = sink();
  await b.session.submit([call(2, 'hang')], inFlight);
  w.fake.drop();
  assert.equal(
    (inFlight.got[0] as JsonRpcResponse).error?.data && ((inFlight.got[0] as JsonRpcResponse).error!.data as { code: string }).code,
    'ERR_BACKEND_DISCONNECTED',
  );
  // Both members send while the link re-establishes the channel: both wait for it and are served.
  const [ra, rb] = [sink(), sink()];
  await Promise.all([a.session.submit([call(3, 'a')], ra), b.session.submit([call(3, 'b')], rb)]);
  await settle();
  assert.equal(w.fake.opened, 2, 'one reconnect for both members');
  assert.deepEqual(
    w.fake.received[1]!.map((m) => ('method' in m ? m.method : 'answer')).slice(0, 3),
    ['initialize', 'notifications/initialized', 'resources/subscribe'],
    'one re-handshake, then the renewed subscription',
  );
  assert.equal(((ra.got[0] as JsonRpcResponse).result as { channel: number }).channel, 1);
  assert.equal(((rb.got[0] as JsonRpcResponse).result as { channel: number }).channel, 1);
});

test('shared: the link stays after its last member, is released after backend.idleRelease, and the next session re-opens it', async () => {
  const w = world({ share: 'shared', idleRelease: 5 });
  const a = await w.open('A');
  await a.session.close('gone');
  const b = await w.open('B');
  assert.equal(w.fake.opened, 1, 'within the delay the link is reused');
  await b.session.close('gone');
  await eventually(() => w.metrics.get('frontdoor_backend_releases_total', { route: '/' }) === 1, 'the shared link released');
  await w.open('C');
  assert.equal(w.fake.opened, 2, 'a new channel after the release');
  assert.equal(w.metrics.get('frontdoor_backend_reopens_total', { route: '/' }), 1);
});

test('shared: progress and cancellation are mapped per member, under tokens and ids unique in the process', async () => {
  const w = world({ share: 'shared' });
  const [a, b] = [await w.open('A'), await w.open('B')];
  const [pa, pb] = [sink(), sink()];
  await a.session.submit([call(2, 'hang', { progressToken: 2 })], pa);
  await b.session.submit([call(2, 'hang', { progressToken: 2 })], pb);
  const [ua, ub] = upstream(w.fake, 0, 'tools/call');
  const tokenOf = (m: JsonRpcRequest) => (m.params?._meta as { progressToken: unknown }).progressToken;
  assert.notEqual(tokenOf(ua!), tokenOf(ub!));
  w.fake.emit({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: tokenOf(ub!), progress: 5 } });
  assert.deepEqual(pb.got, [{ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 2, progress: 5 } }]);
  assert.equal(pa.got.length, 0);
  await a.session.submit([{ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2, reason: 'stop' } }], sink());
  await a.session.submit([{ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 42 } }], sink());
  const cancels = w.fake.received[0]!.filter((m) => 'method' in m && m.method === 'notifications/cancelled');
  assert.deepEqual(cancels, [{ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: ua!.id, reason: 'stop' } }]);
  w.fake.emit({ jsonrpc: '2.0', id: ub!.id, result: { done: true } });
  assert.deepEqual(pb.got.at(-1), { jsonrpc: '2.0', id: 2, result: { done: true } });
});

test('shared: a rejected handshake reaches its session, and the next session tries with its own params', async () => {
  const w = world({ share: 'shared' });
  w.fake.rejectClient = 'bad';
  const bad = await w.open('bad');
  assert.deepEqual(bad.answer, { jsonrpc: '2.0', id: 0, error: { code: -32602, message: 'bad client' } });
  const good = await w.open('good');
  assert.equal((good.answer.result as { protocolVersion: string }).protocolVersion, '2025-06-18');
});

test('per-session: initialized is injected once before the first request; duplicates are dropped', async () => {
  const w = world();
  const a = await w.open('A');
  await a.session.submit([call(1, 'x')], sink());
  await a.session.submit([{ jsonrpc: '2.0', method: 'notifications/initialized' }], sink());
  await a.session.submit([call(2, 'y')], sink());
  const methods = w.fake.received[0]!.map((m) => ('method' in m ? m.method : 'answer'));
  assert.deepEqual(methods, ['initialize', 'notifications/initialized', 'tools/call', 'tools/call']);
  assert.deepEqual(w.repairs, ['initialized_injected', 'duplicate_initialized_dropped']);
});

test('per-session: a request refused for a lost backend session runs again, once, on the re-handshaken channel', async () => {
  const w = world();
  const a = await w.open('A');
  await a.session.submit([{ jsonrpc: '2.0', method: 'notifications/initialized' }], sink());
  w.fake.loseSessionTimes = 1;
  const r = sink();
  await a.session.submit([call(1, 'retried')], r);
  await settle();
  assert.deepEqual(r.got, [{ jsonrpc: '2.0', id: 1, result: { echo: 'retried', channel: 1 } }]);
  assert.deepEqual(
    w.fake.received[1]!.map((m) => ('method' in m ? m.method : 'answer')),
    ['initialize', 'notifications/initialized', 'tools/call'],
    'initialize and initialized replayed first',
  );
  assert.equal(w.metrics.get('frontdoor_repairs_total', { route: '/', reason: 'request_retried_after_reinitialize' }), 1);
});

test('a request the backend never answers expires: the client gets an error, the backend notifications/cancelled', async () => {
  const w = world({}, { requestTimeoutMs: 1_000 });
  const a = await w.open('A');
  const r = sink();
  await a.session.submit([call(1, 'hang', { progressToken: 't' })], r);
  const [hung] = upstream(w.fake, 0, 'tools/call');
  a.session.expireRequests(Date.now() + 500);
  assert.equal(r.got.length, 0, 'not yet');
  // Progress moves the deadline.
  w.fake.emit({
    jsonrpc: '2.0',
    method: 'notifications/progress',
    params: { progressToken: (hung!.params?._meta as { progressToken: string }).progressToken, progress: 1 },
  });
  a.session.expireRequests(Date.now() + 900);
  assert.equal(r.got.length, 1, 'only the progress');
  a.session.expireRequests(Date.now() + 5_000);
  const error = (r.got[1] as JsonRpcResponse).error!;
  assert.equal((error.data as { reason: string }).reason, 'request_timeout');
  assert.equal(a.session.inFlight, 0, 'the entry is freed');
  await settle();
  const cancel = w.fake.received[0]!.find((m) => 'method' in m && m.method === 'notifications/cancelled') as JsonRpcRequest | undefined;
  assert.equal(cancel?.params?.requestId, hung!.id);
});

test("shared over Streamable HTTP: a log line sent on a request's answer stream goes to that request's member and stream only", async () => {
  const w = world({ share: 'shared', transport: 'streamable-http', url: 'http://fake.invalid/mcp' });
  const a = await w.open('A');
  const b = await w.open('B');
  const call = sink();
  await a.session.submit([{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'hang' } }], call);
  const [hung] = upstream(w.fake, 0, 'tools/call');
  const log = { jsonrpc: '2.0' as const, method: 'notifications/message', params: { level: 'info', data: 'for A' } };
  w.fake.emit(log, hung!.id);
  assert.deepEqual(call.got, [log], "on A's request stream");
  assert.equal(a.stream.got.length + b.stream.got.length, 0, "not on A's GET stream, not to B");
  // The same line without a stream to tell: every member.
  w.fake.emit(log);
  assert.equal(a.stream.got.length + b.stream.got.length, 2);
});

test('shared: a URL elicitation completes on the member that was asked, once', async () => {
  const w = world({ share: 'shared', transport: 'streamable-http', url: 'http://fake.invalid/mcp' });
  const a = await w.open('A', { elicitation: { url: {} } });
  const b = await w.open('B', { elicitation: { url: {} } });
  const busyA = sink();
  await a.session.submit([call(1, 'hang')], busyA);
  const [hungA] = upstream(w.fake, 0, 'tools/call');
  const elicit = { mode: 'url', elicitationId: 'e1', url: 'https://example.test/consent', message: 'consent' };
  w.fake.emit({ jsonrpc: '2.0', id: 's1', method: 'elicitation/create', params: elicit }, hungA!.id);
  const completes = (s: RecordingSink) => s.got.filter((m) => 'method' in m && m.method === 'notifications/elicitation/complete').length;
  w.fake.emit({ jsonrpc: '2.0', method: 'notifications/elicitation/complete', params: { elicitationId: 'e1' } });
  await settle();
  assert.equal(completes(a.stream) + completes(busyA), 1);
  assert.equal(completes(b.stream), 0);
  // Completed: forgotten, so a repeat names nobody and, with two members, reaches nobody.
  w.fake.emit({ jsonrpc: '2.0', method: 'notifications/elicitation/complete', params: { elicitationId: 'e1' } });
  await settle();
  assert.equal(completes(a.stream) + completes(busyA) + completes(b.stream), 1);
});
