// The lean POST pool against real servers on loopback: node:http servers (what backends run) and raw
// sockets that misbehave. Reuse, the server closing idle sockets, timeouts, truncation, injection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { createPostPool } from '../../src/backends/lean-http/post-pool.js';

const KEEP_ALL = { timeoutMs: 5_000, bodyLimit: () => 1 << 20 };

async function echoServer(t: { after(fn: () => unknown): void }, handler?: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const connections: net.Socket[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      if (handler) handler(req, res, body);
      else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      }
    });
  });
  server.on('connection', (s: net.Socket) => connections.push(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { server, connections, url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/messages?sessionId=abc`) };
}

test('post pool: sequential and concurrent POSTs reuse keep-alive sockets; each gets its own answer', async (t) => {
  const { url, connections } = await echoServer(t);
  const pool = createPostPool({ keepAliveMs: 30_000 });
  t.after(() => pool.destroy());
  for (let i = 0; i < 50; i++) {
    const a = await pool.post(url, { 'content-type': 'application/json' }, `{"n":${i},"s":"é"}`, KEEP_ALL);
    assert.equal(a.status, 200);
    assert.equal(a.body, `{"n":${i},"s":"é"}`);
  }
  assert.equal(connections.length, 1, 'fifty sequential POSTs on one connection');
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.post(url, {}, `{"p":${i}}`, KEEP_ALL)));
  answers.forEach((a, i) => assert.equal(a.body, `{"p":${i}}`));
  assert.ok(connections.length <= 21, `at most one new connection per concurrent POST (${connections.length})`);
  assert.equal(pool.idleSockets, connections.length, 'every socket went back to the pool');
});

test('post pool: a socket the server closed while idle is not reused; the next POST opens a new one', async (t) => {
  const { url, connections } = await echoServer(t);
  const pool = createPostPool({ keepAliveMs: 30_000 });
  t.after(() => pool.destroy());
  await pool.post(url, {}, '{}', KEEP_ALL);
  const first = connections[0]!;
  first.end(); // the server's keep-alive timeout, without waiting for it
  await once(first, 'close');
  const a = await pool.post(url, {}, '{"again":1}', KEEP_ALL);
  assert.equal(a.body, '{"again":1}');
  assert.equal(connections.length, 2);
});

test('post pool: a server that announces Keep-Alive: timeout=1 gets no reuse (the proxy would not close first)', async (t) => {
  const { url, connections } = await echoServer(t, (_req, res, body) => {
    res.writeHead(200, { 'content-type': 'application/json', 'keep-alive': 'timeout=1' });
    res.end(body);
  });
  const pool = createPostPool({ keepAliveMs: 30_000 });
  t.after(() => pool.destroy());
  await pool.post(url, {}, '{"a":1}', KEEP_ALL);
  await pool.post(url, {}, '{"a":2}', KEEP_ALL);
  assert.equal(connections.length, 2, 'each POST on a new connection');
  assert.equal(pool.idleSockets, 0);
});

test('post pool: the answer body is kept only up to bodyLimit; the rest is read, counted and dropped', async (t) => {
  const big = 'x'.repeat(1 << 20);
  const { url, connections } = await echoServer(t, (_req, res) => {
    res.writeHead(202, { 'content-type': 'text/plain' });
    res.end(big); // chunked: no Content-Length
  });
  const pool = createPostPool({ keepAliveMs: 30_000 });
  t.after(() => pool.destroy());
  const a = await pool.post(url, {}, '{}', { timeoutMs: 5_000, bodyLimit: () => 10 });
  assert.equal(a.body, 'x'.repeat(10));
  assert.equal(a.truncated, true);
  assert.equal(a.bodyBytes, big.length);
  await pool.post(url, {}, '{}', { timeoutMs: 5_000, bodyLimit: () => 0 });
  assert.equal(connections.length, 1, 'the socket is reused after a dropped body');
});

test('post pool: no answer within timeoutMs rejects with the timeout code and closes the socket', async (t) => {
  const { url, connections } = await echoServer(t, () => undefined);
  const pool = createPostPool({ keepAliveMs: 30_000 });
  t.after(() => pool.destroy());
  await assert.rejects(pool.post(url, {}, '{}', { timeoutMs: 200, bodyLimit: () => 0 }), { code: 'ERR_BACKEND_HTTP_TIMEOUT' });
  if (!connections[0]!.destroyed) await once(connections[0]!, 'close');
  assert.equal(pool.idleSockets, 0);
});

test('post pool: a connection that breaks mid-answer or answers garbage fails that POST only', async (t) => {
  const modes = ['HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\npartial', 'NOT HTTP AT ALL\r\n\r\n'];
  const server = net.createServer((s) => {
    s.once('data', () => s.end(modes.shift() ?? 'HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/m`);
  const pool = createPostPool({ keepAliveMs: 30_000 });
  t.after(() => pool.destroy());
  await assert.rejects(pool.post(url, {}, '{}', KEEP_ALL), /closed the connection before its answer was complete/);
  await assert.rejects(pool.post(url, {}, '{}', KEEP_ALL), { code: 'ERR_BACKEND_BAD_HTTP' });
  const ok = await pool.post(url, {}, '{}', KEEP_ALL);
  assert.equal(ok.status, 202);
});

test('post pool: a CR or LF in a header is refused before anything is sent (no header injection)', async (t) => {
  const { url, connections } = await echoServer(t);
  const pool = createPostPool({ keepAliveMs: 30_000 });
  t.after(() => pool.destroy());
  const injected: Record<string, string>[] = [{ authorization: 'Bearer x\r\nX-Evil: 1' }, { 'x-a\nb': 'v' }, { 'x-c:d': 'v' }];
  for (const headers of injected) {
    await assert.rejects(pool.post(url, headers, '{}', KEEP_ALL), TypeError);
  }
  assert.equal(connections.length, 0);
});

test('post pool: destroy fails the POSTs in flight and closes every socket', async (t) => {
  const { server, url, connections } = await echoServer(t, () => undefined);
  const pool = createPostPool({ keepAliveMs: 30_000 });
  const connected = once(server, 'connection');
  const pending = pool.post(url, {}, '{}', KEEP_ALL);
  await connected;
  pool.destroy();
  await assert.rejects(pending, { code: 'ECONNRESET' });
  if (!connections[0]!.destroyed) await once(connections[0]!, 'close');
  await assert.rejects(pool.post(url, {}, '{}', KEEP_ALL), { code: 'ECONNRESET' });
});
