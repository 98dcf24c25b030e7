// Component tests of forwarding (src/cluster/forward.ts) on real loopback sockets: an owner server
// and a forwarding server in this process, so that a test can close the owner's side of a pooled
// connection at the exact moment the forwarder picks it. The rule under test: a request goes on a
// kept-alive connection; one that fails on a reused connection before the owner's first byte is sent
// again on a new connection (the owner never saw its body); one the owner may have read is never sent
// twice; an owner that cannot be reached leaves the body unread for the caller.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardRequest, ownerAddress } from '../../src/cluster/forward.js';
import { ForwardPool } from '../../src/cluster/forward-pool.js';
import { Metrics } from '../../src/observability/metrics.js';
import { eventually } from '../helpers/clients.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}

interface Rig {
  owner: Server;
  /** Connections the owner accepted. */
  connections(): number;
  /** Request bodies the owner read, in order: a body here twice was processed twice. */
  received: string[];
  metrics: Metrics;
  pool: ForwardPool;
  /** Runs in the forwarder just before it forwards the next request (stages a race). */
  beforeNext(f: () => void): void;
  send(body: string, method?: string): Promise<{ status: number; text: string }>;
}

/** An owner that answers `owner:<body>` (or runs `special` first), and a forwarder in front of it. */
async function rig(t: TestContext, special?: (body: string, req: IncomingMessage) => boolean, connectTimeoutMs?: number): Promise<Rig> {
  const received: string[] = [];
  const owner = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      received.push(body);
      if (special?.(body, req)) return;
      const text = `owner:${req.method} ${body}`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  let connections = 0;
  owner.on('connection', () => connections++);
  const ownerUrl = await listen(owner);
  t.after(() => {
    owner.closeAllConnections();
    owner.close();
  });
  const metrics = new Metrics();
  const pool = new ForwardPool(metrics);
  t.after(() => pool.destroy());
  let before: (() => void) | undefined;
  const forwarder = createServer((req, res) => {
    before?.();
    before = undefined;
    void forwardRequest(req, res, { ...ownerAddress(ownerUrl), from: 'r-test', pool, connectTimeoutMs }).then(async (outcome) => {
      if (outcome === 'done') return;
      // What a takeover does: the request is served here, its body read here.
      const text = `local:${req.method} ${await bodyOf(req)}`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  const forwarderUrl = await listen(forwarder);
  t.after(() => {
    forwarder.closeAllConnections();
    forwarder.close();
  });
  return {
    owner,
    connections: () => connections,
    received,
    metrics,
    pool,
    beforeNext: (f) => (before = f),
    async send(body, method = 'POST') {
      const res = await fetch(forwarderUrl, { method, body: method === 'POST' ? body : undefined, signal: AbortSignal.timeout(10_000) });
      return { status: res.status, text: await res.text() };
    },
  };
}

test('sequential forwarded requests share one kept-alive connection to the owner', async (t) => {
  const r = await rig(t);
  for (let i = 0; i < 20; i++) assert.deepEqual(await r.send(`m${i}`), { status: 200, text: `owner:POST m${i}` });
  // GET and DELETE carry no body: they go on the same connection too.
  assert.deepEqual(await r.send('', 'GET'), { status: 200, text: 'owner:GET ' });
  assert.deepEqual(await r.send('', 'DELETE'), { status: 200, text: 'owner:DELETE ' });
  assert.equal(r.connections(), 1, 'one connection for 22 requests');
  assert.equal(r.metrics.get('frontdoor_forward_connections_total'), 1);
  assert.equal(r.received.length, 22);
});

test('the owner closes the idle connection just as it is picked: the request goes again on a new connection, once', async (t) => {
  const r = await rig(t);
  assert.equal((await r.send('first')).text, 'owner:POST first');
  // The owner's side goes before the forwarder has read the close: the pool still holds the socket.
  r.beforeNext(() => r.owner.closeIdleConnections());
  assert.deepEqual(await r.send('second'), { status: 200, text: 'owner:POST second' });
  assert.deepEqual(r.received, ['first', 'second'], 'the owner read each body once');
  assert.equal(r.connections(), 2);
  assert.equal(r.metrics.get('frontdoor_forward_retries_total'), 1);
});

test('an owner that stays silent on a reused connection: the body is held back, then sent on a new connection', async (t) => {
  let withheld = 0;
  const r = await rig(t, undefined, 300);
  // An owner that does not answer `Expect: 100-continue` (a hung process, a vanished host).
  r.owner.on('checkContinue', () => withheld++);
  assert.equal((await r.send('first')).text, 'owner:POST first');
  assert.deepEqual(await r.send('second'), { status: 200, text: 'owner:POST second' });
  assert.equal(withheld, 1, 'the reused connection asked first');
  assert.deepEqual(r.received, ['first', 'second'], 'the silent connection never carried the body');
  assert.equal(r.metrics.get('frontdoor_forward_retries_total'), 1);
});

test('the owner fails after reading the request: an error for the client, never a second delivery', async (t) => {
  const r = await rig(t, (body, req) => {
    if (body !== 'fatal') return false;
    req.socket.destroy(); // read, maybe acted on, then gone without an answer
    return true;
  });
  assert.equal((await r.send('first')).text, 'owner:POST first');
  const failed = await r.send('fatal');
  assert.equal(failed.status, 502);
  assert.equal(JSON.parse(failed.text).error.data.reason, 'owner_replica_failed');
  assert.deepEqual(r.received, ['first', 'fatal'], 'delivered once, not retried');
  assert.equal(r.metrics.get('frontdoor_forward_retries_total'), 0);
  // The next request opens a new connection and is served.
  assert.equal((await r.send('after')).text, 'owner:POST after');
});

test('the owner is gone with a connection still pooled: unreachable, and the body is left for the caller', async (t) => {
  const r = await rig(t);
  assert.equal((await r.send('first')).text, 'owner:POST first');
  r.beforeNext(() => {
    r.owner.close();
    r.owner.closeAllConnections();
  });
  assert.deepEqual(await r.send('orphan'), { status: 200, text: 'local:POST orphan' });
  assert.deepEqual(r.received, ['first'], 'the owner never read it');
  assert.equal(r.metrics.get('frontdoor_forward_retries_total'), 1, 'the pooled connection failed, then the new one was refused');
});

test('destroying the pool closes its idle connections', async (t) => {
  const r = await rig(t);
  assert.equal((await r.send('first')).text, 'owner:POST first');
  let open = -1;
  const count = () => r.owner.getConnections((_e, n) => (open = n));
  count();
  await eventually(() => (count(), open === 1), 'the idle connection stays open while pooled');
  r.pool.destroy();
  await eventually(() => (count(), open === 0), 'the owner saw the pooled connection close');
});
