// backend.idleRelease on the in-process backend (test/helpers/fake-backend.ts): which links release
// their channel, when they do not, and how a released link comes back (one re-open, the handshake
// replayed). The same behaviour over real transports is in test/e2e/idle-release.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonRpcMessage, JsonRpcRequest, JsonRpcResponse } from '../../src/jsonrpc/message.js';
import { settle } from '../helpers/fake-backend.js';
import { eventually } from '../helpers/clients.js';
import { linkWorld, recordingSink } from '../helpers/link-world.js';

const sink = (kind: 'standalone' | 'request' = 'request') => recordingSink(kind);

function world(backend: Record<string, unknown> = {}) {
  const { fake, metrics, linker, session: newSession } = linkWorld({ idleRelease: 30, ...backend });
  const open = async (name: string, capabilities: Record<string, unknown> = {}) => {
    const session = newSession();
    const params = { protocolVersion: '2025-06-18', capabilities, clientInfo: { name, version: '1' } };
    await session.start({ jsonrpc: '2.0', id: 0, method: 'initialize', params });
    await session.submit([{ jsonrpc: '2.0', method: 'notifications/initialized' }], sink());
    return session;
  };
  const releases = () => metrics.get('frontdoor_backend_releases_total', { route: '/' });
  const reopens = () => metrics.get('frontdoor_backend_reopens_total', { route: '/' });
  const states = () => linker.channelStates();
  return { fake, metrics, linker, open, releases, reopens, states };
}

/**
 * A release that must not happen is shown by one that must: a quiet session opened after the setup
 * (a witness) is released, so the delay has passed for everything opened before it. No fixed sleep.
 */
async function witnessReleased(w: ReturnType<typeof world>, capabilities: Record<string, unknown> = {}): Promise<void> {
  const before = w.releases();
  const witness = await w.open('witness', capabilities);
  await eventually(() => w.releases() > before, 'the witness released');
  await witness.close('done');
}

const call = (id: number, name: string, method = 'tools/call'): JsonRpcRequest => ({ jsonrpc: '2.0', id, method, params: { name, arguments: {} } });
const methods = (log: JsonRpcMessage[]) => log.map((m) => ('method' in m ? m.method : 'answer'));

test('a quiet session releases its channel, and its next request re-opens it with initialize and initialized replayed first', async () => {
  const w = world();
  const s = await w.open('A');
  await s.submit([call(1, 'x')], sink());
  await eventually(() => w.releases() === 1, 'the release');
  assert.deepEqual(w.states(), ['released']);
  assert.equal(s.closed, false, 'the client session lives on');
  const answer = sink();
  await s.submit([call(2, 'y')], answer);
  await settle();
  assert.equal(w.fake.opened, 2);
  assert.deepEqual(methods(w.fake.received[1]!), ['initialize', 'notifications/initialized', 'tools/call']);
  assert.deepEqual(w.fake.received[1]![0], { ...w.fake.received[0]![0], id: (w.fake.received[1]![0] as JsonRpcRequest).id }, 'the recorded initialize');
  assert.deepEqual((answer.got[0] as JsonRpcResponse).result, { echo: 'y', channel: 1 });
  assert.equal(w.reopens(), 1);
  assert.deepEqual(w.states(), ['ready']);
});

test('concurrent first requests after a release share one re-open', async () => {
  const w = world();
  const s = await w.open('A');
  await eventually(() => w.releases() === 1, 'the release');
  const answers = [sink(), sink(), sink()];
  await Promise.all(answers.map((a, i) => s.submit([call(10 + i, `c${i}`)], a)));
  await settle();
  assert.equal(w.fake.opened, 2, 'one new channel');
  assert.equal(methods(w.fake.received[1]!).filter((m) => m === 'initialize').length, 1, 'one handshake');
  assert.equal(w.reopens(), 1);
  for (const a of answers) assert.equal((a.got[0] as JsonRpcResponse).error, undefined);
});

test('a request in flight, a resource subscription or an open stream keeps the channel; each one ending starts the delay', async () => {
  const w = world();
  const s = await w.open('A');
  const emitOnA = w.fake.emit; // the fake's emit follows its newest channel; the witnesses open more
  // In flight: `hang` is never answered.
  await s.submit([call(1, 'hang')], sink());
  const stream = sink('standalone');
  s.attachStandalone(stream);
  await s.submit([{ jsonrpc: '2.0', id: 2, method: 'resources/subscribe', params: { uri: 'file:///a' } }], sink());
  await witnessReleased(w);
  assert.equal(w.releases(), 1, 'only the witness');
  emitOnA({ jsonrpc: '2.0', id: (w.fake.received[0]!.find((m) => 'method' in m && m.method === 'tools/call') as JsonRpcRequest).id, result: {} });
  s.detach(stream);
  await witnessReleased(w);
  assert.equal(w.releases(), 2, 'the subscription still holds it');
  await s.submit([{ jsonrpc: '2.0', id: 3, method: 'resources/unsubscribe', params: { uri: 'file:///a' } }], sink());
  await eventually(() => w.releases() === 3, 'the release once nothing holds the channel');
});

test('a GET stream opened on a released session re-opens its channel at once', async () => {
  const w = world();
  const s = await w.open('A');
  await eventually(() => w.releases() === 1, 'the release');
  const stream = sink('standalone');
  s.attachStandalone(stream);
  await eventually(() => w.reopens() === 1, 'the re-open');
  w.fake.emit({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
  assert.deepEqual(stream.got, [{ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }]);
  assert.deepEqual(methods(w.fake.received[1]!), ['initialize', 'notifications/initialized']);
});

test('a ping on a released session is answered without a backend; notifications for it are dropped', async () => {
  const w = world();
  const s = await w.open('A');
  await eventually(() => w.releases() === 1, 'the release');
  const answer = sink();
  await s.submit([{ jsonrpc: '2.0', id: 5, method: 'ping' }], answer);
  await s.submit([{ jsonrpc: '2.0', method: 'notifications/roots/list_changed' }], sink());
  assert.deepEqual(answer.got, [{ jsonrpc: '2.0', id: 5, result: {} }]);
  assert.equal(w.fake.opened, 1);
});

test('a re-open that fails answers the request with the backend error and leaves the channel released for the next one', async () => {
  const w = world();
  const s = await w.open('A');
  await eventually(() => w.releases() === 1, 'the release');
  w.fake.rejectClient = 'A';
  const answer = sink();
  await s.submit([call(1, 'x')], answer);
  const error = (answer.got[0] as JsonRpcResponse).error;
  assert.match(error?.message ?? '', /replayed initialize/);
  assert.deepEqual(w.states(), ['released']);
  w.fake.rejectClient = undefined;
  const again = sink();
  await s.submit([call(2, 'y')], again);
  assert.deepEqual((again.got[0] as JsonRpcResponse).result, { echo: 'y', channel: 2 });
});

test('shared: the channel stays while any member lives, and is released the delay after the last one left', async () => {
  const w = world({ share: 'shared' });
  const a = await w.open('A');
  const b = await w.open('B');
  // The witness answers sampling: on a shared sse route it gets a private link, released like any.
  await witnessReleased(w, { sampling: {} });
  assert.equal(w.releases(), 1, 'only the witness');
  await a.close('gone');
  await b.close('gone');
  await eventually(() => w.releases() === 2, 'the release of the empty shared link');
  assert.deepEqual(w.states(), ['released']);
  const opened = w.fake.opened;
  const c = await w.open('C');
  assert.equal(w.fake.opened, opened + 1);
  assert.deepEqual(methods(w.fake.received[opened]!).slice(0, 2), ['initialize', 'notifications/initialized']);
  assert.equal(((w.fake.received[opened]![0] as JsonRpcRequest).params?.clientInfo as { name: string }).name, 'A', "the shared link's own handshake");
  await c.close('gone');
});

test('idleRelease 0 never releases', async () => {
  const w = world({ idleRelease: 0 });
  await w.open('A');
  await witnessReleased(world()); // another route's quiet session: the delay has passed
  assert.equal(w.releases(), 0);
  assert.deepEqual(w.states(), ['ready']);
});
