// The 2026-07-28 face through the proxy in front of the legacy SSE fixture, with real clients: the SDK v2
// client negotiating the modern era (server/discover first, no session), a handshake-era SDK v1 client
// beside it on the same endpoint, subscriptions/listen, cancellation by closing the response stream,
// and seats (shared per identity, bounded, idling out, re-opened).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, startProxy, stopAll, type RunningProcess, type RunningProxy } from '../helpers/process.js';
import { connectStreamable, eventually, textOf } from '../helpers/clients.js';
import { connectModern, modernMessages, modernRequest, postModern, MODERN_VERSION, type EnvelopeOptions } from '../helpers/modern.js';
import { limitHits, metricValue, readMetrics, waitForLimitHit } from '../helpers/metrics.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { SseReader } from '../helpers/sse-reader.js';
import type { Wire } from '../helpers/wire.js';

let backend: RunningProcess & { url: string };
let proxy: RunningProxy;

before(async () => {
  backend = await startFixture('legacy-sse-server');
  proxy = await startProxy(['--backend', backend.url]);
});

after(() => stopAll());

/** The legacy fixture's /control/stats. */
async function backendStats(): Promise<{ connections: number; open: number; slowCancelled: string[] }> {
  const res = await fetch(new URL('/control/stats', backend.url));
  return (await res.json()) as { connections: number; open: number; slowCancelled: string[] };
}

async function modernSessions(p: RunningProxy): Promise<number> {
  return metricValue(await readMetrics(p.origin), 'frontdoor_route_sessions', { face: 'modern' }) ?? 0;
}

/** The `seat start` log lines of a client name (one per backend session opened for it). */
function seatStarts(p: RunningProxy, client: string): Array<Record<string, unknown>> {
  return p.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'seat start' && l.client === client);
}

/** One modern request with its own identity, answered 200: its result. */
async function call(p: RunningProxy, id: number | string, method: string, params: Record<string, unknown>, identity: EnvelopeOptions): Promise<Wire> {
  const res = await postModern(p.url, modernRequest(id, method, params, identity));
  const messages = await modernMessages(res);
  assert.equal(res.status, 200, JSON.stringify(messages));
  const answer = messages.find((m: Wire) => m.id === id);
  assert.ok(answer?.result, JSON.stringify(messages));
  return answer.result;
}

/** Opens `subscriptions/listen` and returns the reader after checking that the acknowledgement came first. */
async function listen(
  p: RunningProxy,
  id: string,
  filter: Record<string, unknown>,
  identity: EnvelopeOptions,
): Promise<{ reader: SseReader; ack: Wire; close(): void }> {
  const ac = new AbortController();
  const res = await postModern(p.url, modernRequest(id, 'subscriptions/listen', { notifications: filter }, identity), {}, { signal: ac.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  assert.equal(res.headers.get('mcp-session-id'), null);
  const reader = new SseReader(res);
  const ack = await reader.message();
  assert.equal(ack.method, 'notifications/subscriptions/acknowledged', JSON.stringify(ack));
  assert.equal(ack.params._meta['io.modelcontextprotocol/subscriptionId'], id);
  return { reader, ack, close: () => ac.abort() };
}

test('the SDK v2 client negotiates 2026-07-28 through the proxy: discover first, no session, every feature', async (t) => {
  const startsBefore = seatStarts(proxy, 'v2-e2e').length;
  const c = await connectModern(proxy.url, { name: 'v2-e2e', version: '2.0.0' });
  t.after(() => c.close());
  assert.equal(c.client.getProtocolEra(), 'modern');
  assert.equal(c.client.getNegotiatedProtocolVersion(), MODERN_VERSION);
  assert.equal(c.exchanges[0]?.mcpMethod, 'server/discover', JSON.stringify(c.exchanges));
  assert.equal(c.client.getServerVersion()?.name, 'legacy-sse-fixture');
  assert.deepEqual(c.client.getDiscoverResult()?.supportedVersions, [MODERN_VERSION]);

  const { tools } = await c.client.listTools();
  assert.ok(tools.some((tool) => tool.name === 'echo'));
  assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: 'héllo ✓' } })), 'héllo ✓');
  const progress: number[] = [];
  const slow = await c.client.callTool({ name: 'slow', arguments: { steps: 3, delayMs: 30 } }, { onprogress: (p) => progress.push(p.progress) });
  assert.equal(textOf(slow), 'done 3');
  assert.deepEqual(progress, [1, 2, 3]);
  const { prompts } = await c.client.listPrompts();
  assert.ok(prompts.some((p) => p.name === 'greet'));
  const prompt = await c.client.getPrompt({ name: 'greet', arguments: { name: 'bob' } });
  assert.deepEqual(prompt.messages[0]?.content, { type: 'text', text: 'Hello, bob!' });
  const { resources } = await c.client.listResources();
  assert.ok(resources.some((r) => r.uri === 'demo://readme'));
  const read = await c.client.readResource({ uri: 'demo://readme' });
  assert.equal((read.contents[0] as { text: string }).text, 'hello from the fixture');

  // What proves the era: every request said 2026-07-28, no answer minted a session, the proxy opened a seat.
  assert.ok(c.exchanges.length >= 8, JSON.stringify(c.exchanges));
  for (const e of c.exchanges) {
    assert.equal(e.protocolVersion, MODERN_VERSION, JSON.stringify(e));
    assert.equal(e.sessionId, null, JSON.stringify(e));
    assert.equal(e.status, 200, JSON.stringify(e));
  }
  await eventually(() => seatStarts(proxy, 'v2-e2e').length === startsBefore + 1, 'the seat start line');
  assert.ok((await modernSessions(proxy)) >= 1);
});

test('mixed traffic: a handshake-era SDK v1 client and a 2026-07-28 client at once on one endpoint', async (t) => {
  const [old, modern] = await Promise.all([connectStreamable(proxy.url, 'v1-mixed'), connectModern(proxy.url, { name: 'v2-mixed', version: '1' })]);
  t.after(async () => {
    await old.close();
    await modern.close();
  });
  assert.ok(old.transport.sessionId, 'the handshake era keeps its session');
  assert.equal(modern.client.getProtocolEra(), 'modern');
  const rounds = await Promise.all(
    [0, 1, 2].flatMap((i) => [
      old.client.callTool({ name: 'echo', arguments: { text: `v1 ${i}` } }).then(textOf),
      modern.client.callTool({ name: 'echo', arguments: { text: `v2 ${i}` } }).then(textOf),
    ]),
  );
  assert.deepEqual(rounds, ['v1 0', 'v2 0', 'v1 1', 'v2 1', 'v1 2', 'v2 2']);
  const metrics = await readMetrics(proxy.origin);
  assert.ok((metricValue(metrics, 'frontdoor_route_sessions', { face: 'streamable-http' }) ?? 0) >= 1);
  assert.ok((metricValue(metrics, 'frontdoor_route_sessions', { face: 'modern' }) ?? 0) >= 1);
});

test('subscriptions/listen: acknowledgement first, then a tools list_changed stamped with the subscription id', async (t) => {
  const identity = { clientInfo: { name: 'listener', version: '1' } };
  const l = await listen(proxy, 'sub-tools', { toolsListChanged: true }, identity);
  t.after(() => l.close());
  assert.equal(l.ack.params.notifications.toolsListChanged, true);
  // The tool runs on the listener's seat (same identity), whose backend session then lists a new tool.
  await call(proxy, 1, 'tools/call', { name: 'add_tool', arguments: { name: 'added_for_listen' } }, identity);
  const changed = await l.reader.message();
  assert.equal(changed.method, 'notifications/tools/list_changed');
  assert.equal(changed.params._meta['io.modelcontextprotocol/subscriptionId'], 'sub-tools');
  const listed = await call(proxy, 2, 'tools/list', {}, identity);
  assert.ok(listed.tools.some((tool: Wire) => tool.name === 'added_for_listen'));
});

test('subscriptions/listen: resources/updated reaches only the stream that follows the URI', async (t) => {
  const identity = { clientInfo: { name: 'follower', version: '1' } };
  const readme = await listen(proxy, 'sub-readme', { resourceSubscriptions: ['demo://readme'] }, identity);
  t.after(() => readme.close());
  const item = await listen(proxy, 'sub-item', { resourceSubscriptions: ['demo://items/1'] }, identity);
  t.after(() => item.close());
  assert.deepEqual(readme.ack.params.notifications.resourceSubscriptions, ['demo://readme']);
  // The fixture notifies only URIs its session subscribed to: the seat subscribed for the listeners.
  await call(proxy, 1, 'tools/call', { name: 'touch_resource', arguments: { uri: 'demo://items/1' } }, identity);
  await call(proxy, 2, 'tools/call', { name: 'touch_resource', arguments: { uri: 'demo://readme' } }, identity);
  // Streams are ordered: the readme stream's next message being the readme update shows it never got items/1.
  const r = await readme.reader.message();
  assert.equal(r.method, 'notifications/resources/updated', JSON.stringify(r));
  assert.equal(r.method, 'notifications/resources/updated');
  assert.equal(r.params.uri, 'demo://readme');
  assert.equal(r.params._meta['io.modelcontextprotocol/subscriptionId'], 'sub-readme');
  const i = await item.reader.message();
  assert.equal(i.params.uri, 'demo://items/1');
  assert.equal(i.params._meta['io.modelcontextprotocol/subscriptionId'], 'sub-item');
});

test('closing the response stream of a running tools/call sends notifications/cancelled to the backend', async () => {
  const identity = { clientInfo: { name: 'canceller', version: '1' } };
  const ac = new AbortController();
  const body = modernRequest(7, 'tools/call', { name: 'slow', arguments: { steps: 50, delayMs: 100 }, _meta: { progressToken: 'cancel-me' } }, identity);
  const res = await postModern(proxy.url, body, {}, { signal: ac.signal });
  assert.equal(res.status, 200);
  const reader = new SseReader(res);
  // The first progress shows the call runs at the backend; then the client closes the stream.
  const progress = await reader.message();
  assert.equal(progress.method, 'notifications/progress');
  ac.abort();
  await eventually(async () => (await backendStats()).slowCancelled.includes('the client closed the response stream'), 'the backend to see the cancellation');
  // The seat serves on.
  const echo = await call(proxy, 8, 'tools/call', { name: 'echo', arguments: { text: 'after' } }, identity);
  assert.equal(echo.content[0].text, 'after');
});

test('seats: one backend session per identity, shared by its clients; other capabilities get another', async (t) => {
  const connectionsBefore = (await backendStats()).connections;
  const modernBefore = await modernSessions(proxy);
  // Two clients of one identity connecting at once share one handshake.
  const [a, b] = await Promise.all([connectModern(proxy.url, { name: 'twin', version: '1' }), connectModern(proxy.url, { name: 'twin', version: '1' })]);
  t.after(async () => {
    await a.close();
    await b.close();
  });
  await Promise.all([a.client.listTools(), b.client.listTools(), a.client.listPrompts(), b.client.listPrompts()]);
  assert.equal(await modernSessions(proxy), modernBefore + 1);
  await eventually(() => seatStarts(proxy, 'twin').length === 1, 'the seat start line');
  assert.equal((await backendStats()).connections, connectionsBefore + 1);

  const other = await connectModern(proxy.url, { name: 'twin', version: '1' }, { capabilities: { elicitation: { form: {} } } });
  t.after(() => other.close());
  await other.client.listTools();
  assert.equal(await modernSessions(proxy), modernBefore + 2, 'different capabilities, different seat');
  await eventually(() => seatStarts(proxy, 'twin').length === 2, 'the second seat start line');
});

test('seats are bounded, idle out after sessions.idleTimeout, and re-open; one seat serves concurrent equal ids', async (t) => {
  const config = writeConfigFile({
    listen: { port: 0 },
    log: { level: 'info', format: 'json' },
    sessions: { idleTimeout: '1s', seats: { max: 2, maxPerIdentity: 1 } },
    routes: [{ path: '/', backend: { transport: 'sse', url: backend.url } }],
  });
  t.after(() => config.dispose());
  const p = await startProxy(['--config', config.file]);
  t.after(() => p.stop());
  const who = (name: string): EnvelopeOptions => ({ clientInfo: { name, version: '1' } });
  const seatEnd = (sessionId: unknown) => p.waitForLine((l) => l.msg === 'session end' && l.sessionId === sessionId && l.reason === 'idle_timeout', 15_000);

  // Two calls with the same JSON-RPC id at once on the identity's only seat (maxPerIdentity 1): each gets its own answer.
  await call(p, 1, 'server/discover', {}, who('dup'));
  const sharedBefore = await limitHits(p.origin, 'sessions.seats.maxPerIdentity');
  const [two, four] = await Promise.all([
    call(p, 1, 'tools/call', { name: 'slow', arguments: { steps: 2, delayMs: 40 } }, who('dup')),
    call(p, 1, 'tools/call', { name: 'slow', arguments: { steps: 4, delayMs: 40 } }, who('dup')),
  ]);
  assert.equal(two.content[0].text, 'done 2');
  assert.equal(four.content[0].text, 'done 4');
  assert.equal(await modernSessions(p), 1, 'one seat for the identity');
  assert.ok((await limitHits(p.origin, 'sessions.seats.maxPerIdentity')) > sharedBefore);

  // Idle expiry, then a later request opens a new seat.
  const first = (await p.waitForLine((l) => l.msg === 'seat start' && l.client === 'dup')).sessionId;
  await seatEnd(first);
  assert.equal(await modernSessions(p), 0);
  await call(p, 2, 'tools/list', {}, who('dup'));
  const second = (await p.waitForLine((l) => l.msg === 'seat start' && l.client === 'dup' && l.sessionId !== first)).sessionId;
  assert.equal(await modernSessions(p), 1, 'a new seat');
  await seatEnd(second);

  // The bound: two identities hold the two seats (a listen stream keeps a seat busy); a third is refused.
  const a = await listen(p, 'a', { toolsListChanged: true }, who('a'));
  t.after(() => a.close());
  const b = await listen(p, 'b', { toolsListChanged: true }, who('b'));
  t.after(() => b.close());
  const hitsBefore = await limitHits(p.origin, 'sessions.seats.max');
  const res = await postModern(p.url, modernRequest(3, 'tools/list', {}, who('c')));
  const refusal = (await res.json()) as Wire;
  assert.equal(res.status, 503, JSON.stringify(refusal));
  assert.ok(Number(res.headers.get('retry-after')) > 0);
  assert.equal(refusal.id, 3);
  assert.equal(await waitForLimitHit(p.origin, 'sessions.seats.max', hitsBefore), hitsBefore + 1, 'one refusal, one limit hit');

  // A seat that idles out frees its place.
  a.close();
  await seatEnd((await p.waitForLine((l) => l.msg === 'seat start' && l.client === 'a')).sessionId);
  const listed = await call(p, 4, 'tools/list', {}, who('c'));
  assert.ok(listed.tools.length > 0);
});
