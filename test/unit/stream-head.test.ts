// SSE streams go out unframed (neither Content-Length nor Transfer-Encoding), from the replica that
// holds them and from a replica that forwards them, so a load balancer has no reason to hold their
// events back. A component test on real sockets: a stream, and the same stream forwarded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeepAlive, startSse } from '../../src/frontends/sse-stream.js';
import { forwardRequest, ownerAddress } from '../../src/cluster/forward.js';
import { ForwardPool } from '../../src/cluster/forward-pool.js';
import { Metrics } from '../../src/observability/metrics.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('an SSE stream and its forwarded copy are unframed, carry every event, and end with their connection', async (t) => {
  const keepAlive = new KeepAlive(60_000);
  t.after(() => keepAlive.stop());
  const owner = createServer((_req, res) => {
    startSse(res, keepAlive, { 'mcp-session-id': 's1' });
    res.write('id: g1:1\nevent: message\ndata: {"n":1}\n\n');
    res.end('id: g1:2\nevent: message\ndata: {"n":2}\n\n');
  });
  const ownerUrl = await listen(owner);
  t.after(() => owner.close());
  const pool = new ForwardPool(new Metrics());
  t.after(() => pool.destroy());
  const forwarder = createServer((req, res) => void forwardRequest(req, res, { ...ownerAddress(ownerUrl), from: 'r-test', pool }));
  const forwarderUrl = await listen(forwarder);
  t.after(() => forwarder.close());

  for (const url of [ownerUrl, forwarderUrl]) {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const head = {
      status: res.status,
      type: res.headers.get('content-type'),
      te: res.headers.get('transfer-encoding'),
      length: res.headers.get('content-length'),
      session: res.headers.get('mcp-session-id'),
    };
    assert.deepEqual(head, { status: 200, type: 'text/event-stream', te: null, length: null, session: 's1' }, url);
    assert.equal(res.headers.get('connection'), 'close');
    // The body ends with the connection, event ids intact.
    assert.equal(await res.text(), 'id: g1:1\nevent: message\ndata: {"n":1}\n\nid: g1:2\nevent: message\ndata: {"n":2}\n\n');
  }
});

test('a forwarded JSON answer keeps its length', async (t) => {
  const owner = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '11' });
    res.end('{"ok":true}');
  });
  const ownerUrl = await listen(owner);
  t.after(() => owner.close());
  const pool = new ForwardPool(new Metrics());
  t.after(() => pool.destroy());
  const forwarder = createServer((req, res) => void forwardRequest(req, res, { ...ownerAddress(ownerUrl), from: 'r-test', pool }));
  const forwarderUrl = await listen(forwarder);
  t.after(() => {
    forwarder.closeAllConnections();
    forwarder.close();
  });
  const res = await fetch(forwarderUrl, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.headers.get('content-length'), '11');
  assert.deepEqual(await res.json(), { ok: true });
});
