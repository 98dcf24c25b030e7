// Keep-alive comments reach every open SSE stream on a timer, so load balancers and clients'
// body timeouts never see a silent stream. A component test on a real socket, with a short interval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeepAlive, startSse } from '../../src/frontends/sse-stream.js';

test('KeepAlive writes comments to open streams and forgets closed ones', async (t) => {
  const keepAlive = new KeepAlive(20);
  t.after(() => keepAlive.stop());
  let closed: Promise<unknown> | undefined;
  const server = createServer((_req, res) => {
    closed = once(res, 'close'); // resolves after KeepAlive's own 'close' listener ran
    startSse(res, keepAlive);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const ac = new AbortController();
  t.after(() => ac.abort());
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { signal: ac.signal });
  assert.equal(res.headers.get('x-accel-buffering'), 'no');
  const reader = res.body!.getReader();
  let text = '';
  while (!text.includes(': keep-alive\n\n: keep-alive\n\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  assert.ok(text.startsWith(': keep-alive\n\n'));
  assert.equal(keepAlive.size, 1);
  ac.abort();
  await closed;
  assert.equal(keepAlive.size, 0, 'forgotten when its response closed, not at the next interval');
});
