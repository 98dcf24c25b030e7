// `share: shared`: the pure bookkeeping (ids, progress tokens, cancellation, server→client request
// routing, subscriptions), then the shared connector's lifecycle against an in-memory inner channel
// (one open, one handshake, one reopen after a drop, subscriptions counted and renewed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { SharedMultiplexer } from '../../src/backends/shared/multiplexer.js';
import { canAnswer, chooseView, routeNotification, SubscriptionTable } from '../../src/backends/shared/fan-out.js';
import { createSharedConnector } from '../../src/backends/shared/shared-connector.js';
import type { BackendConnector, Channel, ChannelHandlers } from '../../src/backends/channel.js';
import { ProxyError } from '../../src/errors/proxy-error.js';
import type { JsonRpcMessage, JsonRpcRequest, JsonRpcResponse } from '../../src/jsonrpc/message.js';

const req = (id: number | string, method: string, params?: Record<string, unknown>): JsonRpcRequest => ({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });

test('multiplexer: colliding client ids get distinct backend ids and their own ids back', () => {
  const mux = new SharedMultiplexer<string>();
  const a = mux.outgoingRequest('A', 1, req(1, 'tools/call'));
  const b = mux.outgoingRequest('B', 2, req(1, 'tools/call'));
  assert.notEqual(a.id, b.id);
  assert.equal(mux.size, 2);
  // Answers come back in any order, each to its own view with its own id.
  const rb = mux.incomingResponse({ jsonrpc: '2.0', id: b.id, result: { who: 'b' } });
  assert.deepEqual(rb, { kind: 'client', view: 'B', method: 'tools/call', response: { jsonrpc: '2.0', id: 1, result: { who: 'b' } } });
  const ra = mux.incomingResponse({ jsonrpc: '2.0', id: a.id, result: { who: 'a' } });
  assert.equal(ra?.kind === 'client' && ra.view, 'A');
  assert.equal(mux.incomingResponse({ jsonrpc: '2.0', id: a.id, result: {} }), undefined, 'answered once');
  assert.equal(mux.incomingResponse({ jsonrpc: '2.0', id: 'x', result: {} }), undefined);
  assert.equal(mux.incomingResponse({ jsonrpc: '2.0', id: null, error: { code: -1, message: 'm' } }), undefined);
  assert.equal(mux.size, 0);
});

test('multiplexer: progress tokens are rewritten per request and restored for their owner only', () => {
  const mux = new SharedMultiplexer<string>();
  const a = mux.outgoingRequest('A', 1, req(1, 'tools/call', { name: 'slow', _meta: { progressToken: 1, other: 'kept' } }));
  const b = mux.outgoingRequest('B', 2, req(1, 'tools/call', { name: 'slow', _meta: { progressToken: 1 } }));
  const ta = (a.params?._meta as Record<string, unknown>).progressToken;
  const tb = (b.params?._meta as Record<string, unknown>).progressToken;
  assert.notEqual(ta, tb);
  assert.equal((a.params?._meta as Record<string, unknown>).other, 'kept');
  assert.equal(a.params?.name, 'slow');
  const progress = (token: unknown) => ({ jsonrpc: '2.0' as const, method: 'notifications/progress', params: { progressToken: token, progress: 1 } });
  assert.deepEqual(mux.incomingProgress(progress(tb)), { view: 'B', message: progress(1) });
  assert.deepEqual(mux.incomingProgress(progress(ta)), { view: 'A', message: progress(1) });
  assert.equal(mux.incomingProgress(progress(1)), undefined, "a client's own token is never a channel token");
  assert.equal(mux.incomingProgress(progress('9.9')), undefined);
  // Once the request is answered, its token is gone.
  mux.incomingResponse({ jsonrpc: '2.0', id: a.id, result: {} });
  assert.equal(mux.incomingProgress(progress(ta)), undefined);
  // A request without a token is left alone.
  const c = mux.outgoingRequest('A', 1, req(2, 'tools/list', { cursor: 'x' }));
  assert.deepEqual(c.params, { cursor: 'x' });
  assert.equal(mux.outgoingRequest('A', 1, req(3, 'ping')).params, undefined);
});

test('multiplexer: cancellation maps the view-local id; unknown ids and other views are dropped', () => {
  const mux = new SharedMultiplexer<string>();
  const a = mux.outgoingRequest('A', 1, req(1, 'tools/call'));
  mux.outgoingRequest('B', 2, req(1, 'tools/call'));
  const cancel = (id: unknown) => ({ jsonrpc: '2.0' as const, method: 'notifications/cancelled', params: { requestId: id, reason: 'user' } });
  assert.deepEqual(mux.outgoingCancel('A', cancel(1)), cancel(a.id));
  assert.equal(mux.outgoingCancel('A', cancel(7)), undefined);
  assert.equal(mux.outgoingCancel('C', cancel(1)), undefined);
  assert.equal(mux.outgoingCancel('A', { jsonrpc: '2.0', method: 'notifications/cancelled' }), undefined);
  // A cancelled request no longer counts as in flight, but a late answer still reaches its view.
  assert.deepEqual(mux.inFlight('A'), { count: 0, newest: 0 });
  assert.equal(mux.inFlight('B').count, 1);
  const late = mux.incomingResponse({ jsonrpc: '2.0', id: a.id, result: {} });
  assert.equal(late?.kind === 'client' && late.view, 'A');
});

test('multiplexer: server→client requests are answered only by the view asked; detach returns the unanswered', () => {
  const mux = new SharedMultiplexer<string>();
  mux.serverRequestSent('A', req(0, 'sampling/createMessage'));
  mux.serverRequestSent('A', req('r', 'roots/list'));
  assert.equal(mux.outgoingResponse('B', { jsonrpc: '2.0', id: 0, result: {} }), false);
  assert.equal(mux.outgoingResponse('A', { jsonrpc: '2.0', id: 0, result: {} }), true);
  assert.equal(mux.outgoingResponse('A', { jsonrpc: '2.0', id: 0, result: {} }), false, 'answered once');
  mux.serverRequestSent('B', req(5, 'elicitation/create'));
  assert.equal(mux.incomingCancel({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 5 } }), 'B');
  assert.equal(mux.incomingCancel({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 5 } }), undefined);
  const x = mux.outgoingRequest('A', 1, req(1, 'tools/call', { _meta: { progressToken: 't' } }));
  assert.deepEqual(mux.detach('A'), [{ id: 'r', method: 'roots/list' }]);
  assert.equal(mux.incomingResponse({ jsonrpc: '2.0', id: x.id, result: {} }), undefined, "a detached view's answers are dropped");
  let drained = 0;
  mux.internalRequest('initialize', {}, () => drained++);
  mux.outgoingRequest('B', 2, req(1, 'tools/call'));
  assert.equal(mux.drain().length, 1);
  assert.equal(mux.size, 0);
});

test('multiplexer: in-flight accounting names the newest request', () => {
  const mux = new SharedMultiplexer<string>();
  assert.deepEqual(mux.inFlight('A'), { count: 0, newest: 0 });
  const a1 = mux.outgoingRequest('A', 1, req(1, 'tools/call'));
  const b1 = mux.outgoingRequest('B', 2, req(1, 'tools/call'));
  const a2 = mux.outgoingRequest('A', 1, req(2, 'tools/call'));
  assert.deepEqual(mux.inFlight('A'), { count: 2, newest: a2.id });
  assert.deepEqual(mux.inFlight('B'), { count: 1, newest: b1.id });
  mux.forget(a2.id);
  assert.deepEqual(mux.inFlight('A'), { count: 1, newest: a1.id });
  const internal = mux.internalRequest('resources/subscribe', { uri: 'u' }, () => undefined);
  assert.equal(typeof internal.id, 'number');
  assert.ok(![a1.id, b1.id, a2.id].includes(internal.id), 'internal ids share the one counter');
});

test('routeNotification: server-wide to all, progress/cancel/updated/elicitation to their owner', () => {
  const n = (method: string, params?: Record<string, unknown>) => ({ jsonrpc: '2.0' as const, method, ...(params ? { params } : {}) });
  const cases: Array<[ReturnType<typeof n>, ReturnType<typeof routeNotification>]> = [
    [n('notifications/tools/list_changed'), { kind: 'all' }],
    [n('notifications/resources/list_changed'), { kind: 'all' }],
    [n('notifications/prompts/list_changed'), { kind: 'all' }],
    [n('notifications/message', { level: 'info', data: 'x' }), { kind: 'all' }],
    [n('notifications/something/new'), { kind: 'all' }],
    [n('notifications/progress', { progressToken: 1 }), { kind: 'progress' }],
    [n('notifications/cancelled', { requestId: 1 }), { kind: 'cancelled' }],
    [n('notifications/resources/updated', { uri: 'demo://a' }), { kind: 'subscribers', uri: 'demo://a' }],
    [n('notifications/resources/updated'), { kind: 'all' }],
    [n('notifications/elicitation/complete', { elicitationId: 'e1' }), { kind: 'elicitation', elicitationId: 'e1' }],
  ];
  for (const [message, want] of cases) assert.deepEqual(routeNotification(message), want, message.method);
});

test('canAnswer: capabilities a server→client request needs', () => {
  const all = { sampling: {}, elicitation: { form: {}, url: {} }, roots: { listChanged: true } };
  assert.equal(canAnswer(all, req(1, 'sampling/createMessage')), true);
  assert.equal(canAnswer({}, req(1, 'sampling/createMessage')), false);
  assert.equal(canAnswer({ sampling: true }, req(1, 'sampling/createMessage')), false, 'capabilities are objects');
  assert.equal(canAnswer({ roots: {} }, req(1, 'roots/list')), true);
  assert.equal(canAnswer({ elicitation: {} }, req(1, 'elicitation/create', { mode: 'form' })), true);
  assert.equal(canAnswer({ elicitation: {} }, req(1, 'elicitation/create', { mode: 'url' })), false);
  assert.equal(canAnswer(all, req(1, 'elicitation/create', { mode: 'url' })), true);
  assert.equal(canAnswer({}, req(1, 'custom/method')), true);
  assert.equal(canAnswer(undefined, req(1, 'roots/list')), false);
});

test('chooseView: busy and able first (newest request), then any able view, else none', () => {
  const idle = { count: 0, newest: 0 };
  const sampling = { sampling: {} };
  const sample = req(0, 'sampling/createMessage');
  // The view with a request in flight gets it, not the idle one.
  assert.equal(chooseView(sample, [{ view: 'B', capabilities: sampling, inFlight: idle }, { view: 'A', capabilities: sampling, inFlight: { count: 1, newest: 7 } }]), 'A');
  // Two busy views: the newest request wins.
  assert.equal(
    chooseView(sample, [
      { view: 'A', capabilities: sampling, inFlight: { count: 3, newest: 7 } },
      { view: 'B', capabilities: sampling, inFlight: { count: 1, newest: 9 } },
    ]),
    'B',
  );
  // Busy but unable loses to idle and able.
  assert.equal(chooseView(sample, [{ view: 'A', capabilities: {}, inFlight: { count: 1, newest: 9 } }, { view: 'B', capabilities: sampling, inFlight: idle }]), 'B');
  // Nobody able.
  assert.equal(chooseView(sample, [{ view: 'A', capabilities: {}, inFlight: { count: 1, newest: 9 } }]), undefined);
  assert.equal(chooseView(sample, []), undefined);
  // Not yet initialized views are never chosen; methods without a capability go to any view.
  assert.equal(chooseView(req(0, 'custom/x'), [{ view: 'A', capabilities: undefined, inFlight: idle }, { view: 'B', capabilities: {}, inFlight: idle }]), 'B');
});

test('SubscriptionTable: first and last subscriber per uri', () => {
  const t = new SubscriptionTable<string>();
  assert.equal(t.add('u', 'A'), true);
  assert.equal(t.add('u', 'B'), false);
  assert.equal(t.add('u', 'A'), false, 'idempotent');
  assert.equal(t.add('v', 'A'), true);
  assert.deepEqual(t.subscribers('u'), ['A', 'B']);
  assert.equal(t.remove('u', 'C'), false);
  assert.equal(t.remove('u', 'A'), false);
  assert.deepEqual(t.subscribers('u'), ['B']);
  assert.deepEqual(t.removeView('A'), ['v']);
  assert.equal(t.has('v'), false);
  assert.equal(t.remove('u', 'B'), true);
  assert.deepEqual(t.subscribers('u'), []);
});

// ---------------------------------------------------------------------------------------------------
// The connector's lifecycle against an in-memory inner channel that behaves like a tiny MCP server.

interface FakeBackend {
  connector: BackendConnector;
  opened: number;
  received: JsonRpcMessage[][];
  /** Drops the current channel as if the backend went away. */
  drop(): void;
  /** Sends a message from the backend on the current channel. */
  emit(m: JsonRpcMessage): void;
  /** Answers to server→client requests the backend got. */
  answers: JsonRpcResponse[];
  /** How many channels the connector closed. */
  closed: number;
}

function fakeBackend(): FakeBackend {
  const state: FakeBackend = {
    opened: 0,
    closed: 0,
    received: [],
    answers: [],
    drop: () => undefined,
    emit: () => undefined,
    connector: undefined as unknown as BackendConnector,
  };
  state.connector = {
    description: 'fake',
    async connect(handlers: ChannelHandlers): Promise<Channel> {
      const no = state.opened++;
      const log: JsonRpcMessage[] = [];
      state.received.push(log);
      let open = true;
      state.drop = () => {
        open = false;
        handlers.onClose(new ProxyError('ERR_BACKEND_DISCONNECTED', 'backend_stream_ended', 'fake drop'));
      };
      state.emit = (m) => handlers.onMessage(m);
      return {
        description: `fake#${no}`,
        async send(m) {
          if (!open) throw new ProxyError('ERR_BACKEND_DISCONNECTED', 'backend_channel_closed', 'closed');
          log.push(m);
          if ('method' in m && 'id' in m) {
            if ((m.params as { name?: string } | undefined)?.name === 'hang') return;
            const result = m.method === 'initialize' ? { protocolVersion: '2025-06-18', serverInfo: { name: 'fake', version: String(no) }, capabilities: {} } : { echo: m.id, method: m.method };
            queueMicrotask(() => open && handlers.onMessage({ jsonrpc: '2.0', id: m.id, result }));
          } else if (!('method' in m)) state.answers.push(m as JsonRpcResponse);
        },
        async close() {
          if (open) state.closed++;
          open = false;
        },
      };
    },
    async dispose() {},
  };
  return state;
}

interface FakeSession {
  channel: Channel;
  got: JsonRpcMessage[];
  closes: number;
}

async function attach(connector: BackendConnector): Promise<FakeSession> {
  const s = { got: [] as JsonRpcMessage[], closes: 0 } as FakeSession;
  s.channel = await connector.connect({ onMessage: (m) => s.got.push(m), onClose: () => s.closes++ });
  return s;
}

const quiet = pino({ level: 'silent' });
const settle = () => new Promise((r) => setImmediate(r));

test('shared connector: one channel, one handshake, cached InitializeResult, colliding ids kept apart', async () => {
  const fake = fakeBackend();
  const shared = createSharedConnector(fake.connector, quiet, () => undefined, { lingerMs: 0 });
  const [a, b] = await Promise.all([attach(shared), attach(shared)]);
  assert.equal(fake.opened, 1);
  const paramsA = { protocolVersion: '2025-06-18', capabilities: { sampling: {} }, clientInfo: { name: 'A', version: '1' } };
  const paramsB = { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'B', version: '1' } };
  await Promise.all([a.channel.send(req(1, 'initialize', paramsA)), b.channel.send(req(1, 'initialize', paramsB))]);
  await settle();
  const upstream = fake.received[0]!;
  assert.equal(upstream.filter((m) => 'method' in m && m.method === 'initialize').length, 1, 'one real handshake');
  assert.deepEqual((upstream[0] as JsonRpcRequest).params, paramsA, "the first session's params");
  assert.equal((upstream[1] as { method: string }).method, 'notifications/initialized');
  assert.deepEqual(a.got[0], { jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-06-18', serverInfo: { name: 'fake', version: '0' }, capabilities: {} } });
  assert.deepEqual(b.got[0], a.got[0], 'the same InitializeResult for both');
  // The sessions' own initialized notifications are swallowed.
  await a.channel.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  await b.channel.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  // Both send id 2 at once: each gets its own answer, with its own id.
  await Promise.all([a.channel.send(req(2, 'tools/call', { name: 'a' })), b.channel.send(req(2, 'tools/call', { name: 'b' }))]);
  await settle();
  assert.equal(upstream.filter((m) => 'method' in m && m.method === 'notifications/initialized').length, 1);
  const ra = a.got[1] as JsonRpcResponse;
  const rb = b.got[1] as JsonRpcResponse;
  assert.equal(ra.id, 2);
  assert.equal(rb.id, 2);
  assert.notEqual(ra.result?.echo, rb.result?.echo, 'distinct backend ids');
  // list_changed reaches both; a sampling request goes to the one whose client declared sampling.
  fake.emit({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
  fake.emit({ jsonrpc: '2.0', id: 'srv-1', method: 'sampling/createMessage', params: {} });
  assert.equal(a.got.filter((m) => 'method' in m && m.method === 'notifications/tools/list_changed').length, 1);
  assert.equal(b.got.filter((m) => 'method' in m && m.method === 'notifications/tools/list_changed').length, 1);
  assert.ok(a.got.some((m) => 'method' in m && m.method === 'sampling/createMessage'));
  assert.ok(!b.got.some((m) => 'method' in m && m.method === 'sampling/createMessage'));
  // B cannot answer what A was asked; A can.
  await b.channel.send({ jsonrpc: '2.0', id: 'srv-1', result: { from: 'b' } });
  await a.channel.send({ jsonrpc: '2.0', id: 'srv-1', result: { from: 'a' } });
  assert.deepEqual(fake.answers, [{ jsonrpc: '2.0', id: 'srv-1', result: { from: 'a' } }]);
  // roots/list: nobody declared roots → the backend gets an error; ping is answered by the proxy.
  fake.emit({ jsonrpc: '2.0', id: 'srv-2', method: 'roots/list' });
  fake.emit({ jsonrpc: '2.0', id: 'srv-3', method: 'ping' });
  await settle();
  assert.equal(fake.answers[1]?.id, 'srv-2');
  assert.equal(fake.answers[1]?.error?.code, -32601);
  assert.deepEqual(fake.answers[2], { jsonrpc: '2.0', id: 'srv-3', result: {} });
  await a.channel.close();
  await b.channel.close();
  await shared.dispose();
});

test('shared connector: subscriptions counted per uri, updates only to subscribers', async () => {
  const fake = fakeBackend();
  const shared = createSharedConnector(fake.connector, quiet, () => undefined, { lingerMs: 0 });
  const [a, b, c] = await Promise.all([attach(shared), attach(shared), attach(shared)]);
  for (const s of [a, b, c]) await s.channel.send(req(1, 'initialize', { capabilities: {} }));
  const upstream = fake.received[0]!;
  const subs = () => upstream.filter((m) => 'method' in m && m.method.startsWith('resources/')).map((m) => `${(m as JsonRpcRequest).method} ${(m as JsonRpcRequest).params?.uri}`);
  await Promise.all([a.channel.send(req(2, 'resources/subscribe', { uri: 'u' })), b.channel.send(req(2, 'resources/subscribe', { uri: 'u' }))]);
  assert.deepEqual(subs(), ['resources/subscribe u'], 'the backend is asked once');
  assert.deepEqual(a.got.at(-1), { jsonrpc: '2.0', id: 2, result: { echo: (upstream.at(-1) as JsonRpcRequest).id, method: 'resources/subscribe' } });
  assert.equal((b.got.at(-1) as JsonRpcResponse).id, 2);
  fake.emit({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'u' } });
  const updates = (s: FakeSession) => s.got.filter((m) => 'method' in m && m.method === 'notifications/resources/updated').length;
  assert.deepEqual([updates(a), updates(b), updates(c)], [1, 1, 0]);
  await a.channel.send(req(3, 'resources/unsubscribe', { uri: 'u' }));
  assert.deepEqual(subs(), ['resources/subscribe u'], 'B still subscribed: answered locally');
  assert.deepEqual(a.got.at(-1), { jsonrpc: '2.0', id: 3, result: {} });
  fake.emit({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'u' } });
  assert.deepEqual([updates(a), updates(b), updates(c)], [1, 2, 0]);
  await b.channel.close(); // the last subscriber leaves: the backend is told
  await settle();
  assert.deepEqual(subs(), ['resources/subscribe u', 'resources/unsubscribe u']);
  await a.channel.close();
  await c.channel.close();
  await shared.dispose();
});

test('shared connector: a drop closes every view; one reopen and one re-handshake serve all; subscriptions are renewed', async () => {
  const fake = fakeBackend();
  const shared = createSharedConnector(fake.connector, quiet, () => undefined, { lingerMs: 0 });
  const paramsA = { capabilities: {}, clientInfo: { name: 'A' } };
  const paramsB = { capabilities: {}, clientInfo: { name: 'B' } };
  let a = await attach(shared);
  let b = await attach(shared);
  await a.channel.send(req(1, 'initialize', paramsA));
  await b.channel.send(req(1, 'initialize', paramsB));
  await a.channel.send(req(2, 'resources/subscribe', { uri: 'u' }));
  // A request in flight at the drop: the session fails it itself; the view just closes.
  fake.drop();
  assert.equal(a.closes, 1);
  assert.equal(b.closes, 1);
  await assert.rejects(a.channel.send(req(3, 'tools/call')), /closed/);
  // Both sessions reconnect at once (as Session.reconnect does) and replay their initialize params.
  const [a2, b2] = await Promise.all([attach(shared), attach(shared)]);
  assert.equal(fake.opened, 2, 'one reopen for both sessions');
  await Promise.all([a2.channel.send(req(1, 'initialize', paramsA)), b2.channel.send(req(1, 'initialize', paramsB))]);
  await settle();
  const upstream = fake.received[1]!;
  const methods = upstream.map((m) => ('method' in m ? m.method : 'response'));
  assert.deepEqual(methods, ['initialize', 'notifications/initialized', 'resources/subscribe'], 'one re-handshake, then the surviving subscription');
  assert.deepEqual((upstream[0] as JsonRpcRequest).params, paramsA);
  a = a2;
  b = b2;
  fake.emit({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'u' } });
  assert.ok(a.got.some((m) => 'method' in m && m.method === 'notifications/resources/updated'));
  assert.ok(!b.got.some((m) => 'method' in m && m.method === 'notifications/resources/updated'));
  await a.channel.close();
  await b.channel.close();
  await settle();
  await shared.dispose();
});

test('shared connector: the inner channel closes after the last view left, and reopens for the next', async () => {
  const fake = fakeBackend();
  const shared = createSharedConnector(fake.connector, quiet, () => undefined, { lingerMs: 20 });
  const a = await attach(shared);
  await a.channel.send(req(1, 'initialize', { capabilities: {} }));
  await a.channel.close();
  // Within the linger a new session reuses the channel and its cached result: no new handshake.
  const b = await attach(shared);
  await b.channel.send(req(1, 'initialize', { capabilities: {} }));
  assert.equal(fake.opened, 1);
  assert.equal(fake.received[0]!.filter((m) => 'method' in m && m.method === 'initialize').length, 1);
  await b.channel.close();
  // The linger ends with the inner channel closed; wait for that, not for a time.
  const deadline = Date.now() + 5_000;
  while (fake.closed === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(fake.closed, 1, 'the inner channel closed after the linger');
  const c = await attach(shared);
  assert.equal(fake.opened, 2, 'a new channel after the linger');
  await c.channel.send(req(1, 'initialize', { capabilities: {} }));
  assert.equal((c.got[0] as JsonRpcResponse).id, 1);
  await c.channel.close();
  await shared.dispose();
  await assert.rejects(shared.connect({ onMessage: () => undefined, onClose: () => undefined }), /shutting down/);
});

test('shared connector: sampling goes to the session with a request in flight; left unanswered, it is refused', async () => {
  const fake = fakeBackend();
  const shared = createSharedConnector(fake.connector, quiet, () => undefined, { lingerMs: 0 });
  const a = await attach(shared);
  const b = await attach(shared);
  await a.channel.send(req(1, 'initialize', { capabilities: { sampling: {} } }));
  await b.channel.send(req(1, 'initialize', { capabilities: { sampling: {} } }));
  await b.channel.send(req(2, 'tools/call', { name: 'hang' })); // the fake never answers `hang`
  fake.emit({ jsonrpc: '2.0', id: 99, method: 'sampling/createMessage', params: {} });
  assert.ok(b.got.some((m) => 'method' in m && m.method === 'sampling/createMessage'), 'B, the busy one, is asked');
  assert.ok(!a.got.some((m) => 'method' in m && m.method === 'sampling/createMessage'));
  await b.channel.close();
  await settle();
  const refusal = fake.answers.find((r) => r.id === 99);
  assert.equal(refusal?.error?.code, -32603);
  await a.channel.close();
  await shared.dispose();
});

test('shared connector: progress and cancellation are mapped per view', async () => {
  const fake = fakeBackend();
  const shared = createSharedConnector(fake.connector, quiet, () => undefined, { lingerMs: 0 });
  const a = await attach(shared);
  const b = await attach(shared);
  await a.channel.send(req(1, 'initialize', { capabilities: {} }));
  await b.channel.send(req(1, 'initialize', { capabilities: {} }));
  // Both run a long call with id 2 and progress token 2 (what SDK clients do).
  await a.channel.send(req(2, 'tools/call', { name: 'hang', _meta: { progressToken: 2 } }));
  await b.channel.send(req(2, 'tools/call', { name: 'hang', _meta: { progressToken: 2 } }));
  const upstream = fake.received[0]!.filter((m): m is JsonRpcRequest => 'method' in m && m.method === 'tools/call');
  const [ua, ub] = upstream;
  const tokenOf = (m: JsonRpcRequest) => (m.params?._meta as { progressToken: unknown }).progressToken;
  assert.notEqual(ua!.id, ub!.id);
  assert.notEqual(tokenOf(ua!), tokenOf(ub!));
  fake.emit({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: tokenOf(ub!), progress: 5 } });
  assert.deepEqual(b.got.at(-1), { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 2, progress: 5 } });
  assert.ok(!a.got.some((m) => 'method' in m && m.method === 'notifications/progress'));
  // A cancels its id 2: the backend hears of A's request only; an unknown id is not forwarded.
  await a.channel.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2, reason: 'stop' } });
  await a.channel.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 42 } });
  const cancels = fake.received[0]!.filter((m) => 'method' in m && m.method === 'notifications/cancelled');
  assert.deepEqual(cancels, [{ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: ua!.id, reason: 'stop' } }]);
  // B's call still completes normally.
  fake.emit({ jsonrpc: '2.0', id: ub!.id, result: { done: true } });
  assert.deepEqual(b.got.at(-1), { jsonrpc: '2.0', id: 2, result: { done: true } });
  await a.channel.close();
  await b.channel.close();
  await shared.dispose();
});

test('shared connector: a rejected handshake reaches the session, and the next session tries with its own params', async () => {
  const fake = fakeBackend();
  const inner = fake.connector;
  // The backend refuses an initialize from a client named "bad".
  const picky: BackendConnector = {
    description: 'picky',
    async connect(handlers, context) {
      const channel = await inner.connect(
        {
          onMessage: (m) => {
            const sent = fake.received.at(-1)!.find((x): x is JsonRpcRequest => 'id' in x && 'method' in x && x.id === (m as JsonRpcResponse).id);
            if (sent?.method === 'initialize' && (sent.params?.clientInfo as { name?: string } | undefined)?.name === 'bad') {
              handlers.onMessage({ jsonrpc: '2.0', id: sent.id, error: { code: -32602, message: 'bad client' } });
            } else handlers.onMessage(m);
          },
          onClose: handlers.onClose,
        },
        context,
      );
      return channel;
    },
    dispose: () => inner.dispose(),
  };
  const shared = createSharedConnector(picky, quiet, () => undefined, { lingerMs: 0 });
  const a = await attach(shared);
  await a.channel.send(req(1, 'initialize', { capabilities: {}, clientInfo: { name: 'bad' } }));
  assert.deepEqual(a.got[0], { jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'bad client' } });
  const b = await attach(shared);
  await b.channel.send(req(1, 'initialize', { capabilities: {}, clientInfo: { name: 'good' } }));
  assert.equal((b.got[0] as JsonRpcResponse).result?.protocolVersion, '2025-06-18');
  const inits = fake.received[0]!.filter((m): m is JsonRpcRequest => 'method' in m && m.method === 'initialize');
  assert.deepEqual(inits.map((m) => (m.params?.clientInfo as { name: string }).name), ['bad', 'good']);
  await a.channel.close();
  await b.channel.close();
  await shared.dispose();
});
