// The Streamable HTTP backend: a real SDK server (test/fixtures/streamable-http-server.ts) behind the proxy,
// driven by the SDK's Streamable HTTP client. Answers as SSE streams and as JSON bodies, the backend's GET
// stream, session mapping (the backend's session id never reaches the client), DELETE on close, a backend
// session that expires (re-initialized by replaying `initialize`), a backend that is down.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFixture, startProxy, stopAll, type RunningProcess, type RunningProxy } from '../helpers/process.js';
import { connectStreamable, eventually, progressSignal, textOf, type TestClient } from '../helpers/clients.js';
import { initializeBody, post } from '../helpers/http.js';

after(() => stopAll());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Stats {
  sessionsCreated: number;
  deletes: number;
  getStreams: number;
  open: number;
  cancelled: number;
}

interface WhoAmI {
  pid: number;
  sessionId: string;
  sessionCount: number;
}

function configFor(backendUrl: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-streamable-'));
  const file = path.join(dir, 'frontdoor.yaml');
  writeFileSync(file, `listen: { port: 0 }\nroutes:\n  - path: /\n    backend: { transport: streamable-http, url: "${backendUrl}" }\n`);
  return file;
}

/** A backend and a proxy in front of it; when the proxy cannot start, the backend is stopped here. */
async function startPair(fixtureArgs: string[] = []): Promise<{ backend: RunningProcess & { url: string }; proxy: RunningProxy }> {
  const backend = await startFixture('streamable-http-server', fixtureArgs);
  const proxy = await startProxy(['--config', configFor(backend.url)]).catch(async (e: unknown) => {
    await backend.stop();
    throw e;
  });
  return { backend, proxy };
}

async function stats(backendUrl: string): Promise<Stats> {
  return (await (await fetch(new URL('/control/stats', backendUrl))).json()) as Stats;
}

async function expireSessions(backendUrl: string): Promise<void> {
  const res = await fetch(new URL('/control/expire-sessions', backendUrl), { method: 'POST' });
  await res.text();
}

const whoami = async (c: TestClient) => JSON.parse(textOf(await c.client.callTool({ name: 'whoami', arguments: {} }))) as WhoAmI;

/** Waits until the proxy has logged `reason` more than `seen` times. */
async function loggedMore(proxy: RunningProxy, reason: string, seen: number): Promise<void> {
  await eventually(() => countLogged(proxy, reason) > seen, `a "${reason}" log line`, 15_000);
}

/** Polls an async `get` until `ok` holds; bounded. */
async function until<T>(get: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function countLogged(proxy: RunningProxy, reason: string): number {
  return proxy.lines.filter((l) => l.includes(`"reason":"${reason}"`)).length;
}

for (const mode of ['sse', 'json'] as const) {
  describe(`a Streamable HTTP backend answering with ${mode === 'sse' ? 'SSE streams' : 'JSON bodies'}`, { timeout: 120_000 }, () => {
    let backend: RunningProcess & { url: string };
    let proxy: RunningProxy;
    let c: TestClient;

    before(async () => {
      ({ backend, proxy } = await startPair(mode === 'json' ? ['--json-response'] : []));
      c = await connectStreamable(proxy.url);
    });

    after(async () => {
      await c?.close();
      await proxy?.stop();
      await backend?.stop();
    });

    test('initialize: the backend server, a proxy session id that is not the backend session id', async () => {
      assert.equal(c.client.getServerVersion()?.name, 'streamable-http-fixture');
      assert.match(c.transport.sessionId ?? '', UUID);
      const me = await whoami(c);
      assert.ok(me.sessionId, 'the backend runs a session of its own');
      assert.notEqual(me.sessionId, c.transport.sessionId);
      // Never logged at info (the proxy's default level), never sent to the client.
      assert.ok(!proxy.lines.join('\n').includes(me.sessionId), 'the backend session id is not in the proxy log');
    });

    test('tools, resources and prompts', async () => {
      const { tools } = await c.client.listTools();
      assert.ok(tools.some((t) => t.name === 'echo'));
      assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: 'héllo ✓' } })), 'héllo ✓');
      const read = await c.client.readResource({ uri: 'demo://readme' });
      assert.equal((read.contents[0] as { text?: string }).text, 'hello from the streamable fixture');
      const prompt = await c.client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } });
      assert.equal((prompt.messages[0]?.content as { text?: string }).text, 'Hello, Ada!');
    });

    test('progress notifications reach the caller', async () => {
      const seen: number[] = [];
      const result = await c.client.callTool({ name: 'slow', arguments: { steps: 3, delayMs: 30 } }, undefined, { onprogress: (p) => seen.push(p.progress) });
      assert.equal(textOf(result), 'done 3');
      assert.deepEqual(seen, [1, 2, 3]);
    });

    test('sampling: a server→client request is answered by the client', async () => {
      assert.equal(textOf(await c.client.callTool({ name: 'sample', arguments: { prompt: 'hi' } })), 'sampled: hi');
    });

    test("a notification sent on the backend's GET stream reaches the client", async () => {
      const before = (await stats(backend.url)).getStreams;
      assert.ok(before >= 1, 'the proxy opened the backend GET stream');
      assert.equal(textOf(await c.client.callTool({ name: 'notify_later', arguments: {} })), 'scheduled');
      await eventually(() => c.logs.includes('later'), 'the log notification from the GET stream');
    });

    test('cancellation reaches the backend; the session keeps working', async () => {
      const before = (await stats(backend.url)).cancelled;
      // Cancelled once it runs at the backend (its first progress), so the cancellation has a call to reach.
      const ac = new AbortController();
      const call = c.client.callTool({ name: 'slow', arguments: { steps: 50, delayMs: 100 } }, undefined, {
        signal: ac.signal,
        onprogress: () => ac.abort('test cancels'),
      });
      await assert.rejects(call, /cancel|abort/i);
      const after = (
        await until(
          () => stats(backend.url),
          (s) => s.cancelled > before,
          'the backend to see the cancellation',
        )
      ).cancelled;
      assert.ok(after > before, 'the backend tool saw its signal abort');
      assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: 'after' } })), 'after');
    });

    if (mode === 'sse') {
      test('a response stream the backend closes early (2025-11-25 polling) is resumed with Last-Event-ID', async () => {
        const seen: number[] = [];
        const result = await c.client.callTool({ name: 'poll', arguments: { delayMs: 200 } }, undefined, { onprogress: (p) => seen.push(p.progress) });
        assert.equal(textOf(result), 'polled');
        assert.deepEqual(seen, [1, 2]);
      });
    }

    test('a second client gets a second backend session', async (t) => {
      const first = await whoami(c);
      const other = await connectStreamable(proxy.url, 'second');
      t.after(() => other.close());
      const second = await whoami(other);
      assert.notEqual(other.transport.sessionId, c.transport.sessionId);
      assert.notEqual(second.sessionId, first.sessionId);
      assert.ok(second.sessionCount > first.sessionCount);
    });

    test('an expired backend session is re-initialized transparently under the same client session id', async () => {
      const sessionId = c.transport.sessionId;
      const before = await whoami(c);
      const reconnects = countLogged(proxy, 'backend_reconnected');
      await expireSessions(backend.url);
      // The expiry ends the backend's GET stream; reopening it gets 404, and the proxy replays initialize.
      await loggedMore(proxy, 'backend_reconnected', reconnects);
      const after = await whoami(c);
      assert.equal(c.transport.sessionId, sessionId);
      assert.notEqual(after.sessionId, before.sessionId);
      assert.ok(after.sessionCount > before.sessionCount, 'initialize was replayed');
      assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: 'still here' } })), 'still here');
      // The new backend session has its GET stream too.
      assert.equal(textOf(await c.client.callTool({ name: 'notify_later', arguments: {} })), 'scheduled');
      const logs = c.logs.length;
      await eventually(() => c.logs.length > logs, 'a log notification on the new GET stream');
    });

    test('closing the client session sends DELETE to the backend', async (t) => {
      const other = await connectStreamable(proxy.url, 'deleter');
      t.after(() => other.close());
      await whoami(other);
      const before = await stats(backend.url);
      await other.close();
      const now = await until(
        () => stats(backend.url),
        (s) => s.deletes > before.deletes,
        'a DELETE at the backend',
      );
      assert.ok(now.deletes > before.deletes, 'the backend got a DELETE');
      assert.equal(now.open, before.open - 1, 'the backend ended that session');
    });
  });
}

for (const status of ['404', '400'] as const) {
  test(
    `a backend without a GET stream whose session expired (${status} "unknown session"): the proxy re-initializes on the next POST`,
    { timeout: 60_000 },
    async (t) => {
      const { backend, proxy } = await startPair(['--no-get', '--unknown-session-status', status]);
      t.after(() => backend.stop());
      t.after(() => proxy.stop());
      const c = await connectStreamable(proxy.url);
      t.after(() => c.close());
      try {
        const sessionId = c.transport.sessionId;
        const before = await whoami(c);
        assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: 'no GET stream' } })), 'no GET stream');
        await expireSessions(backend.url);
        // Nothing tells the proxy until a POST meets the unknown session. The backend refused that request
        // before running it, so the session re-initializes and sends it again: the client never notices.
        assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: 'lost' } })), 'lost');
        await proxy.waitForLine((l) => l.reason === 'request_retried_after_reinitialize');
        const after = await whoami(c);
        assert.equal(c.transport.sessionId, sessionId);
        assert.notEqual(after.sessionId, before.sessionId);
        assert.ok(after.sessionCount > before.sessionCount, 'initialize was replayed');
        assert.equal((await stats(backend.url)).getStreams, 0);
      } finally {
        await c.close();
        await proxy.stop();
        await backend.stop();
      }
    },
  );
}

test('a Streamable HTTP backend that is down at initialize: 502 with a JSON-RPC error, at once', { timeout: 30_000 }, async (t) => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as { port: number };
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const proxy = await startProxy(['--config', configFor(`http://127.0.0.1:${port}/mcp`)]);
  t.after(() => proxy.stop());
  const started = Date.now();
  const res = await post(proxy.url, initializeBody(7));
  assert.equal(res.status, 502);
  const body = (await res.json()) as { id: unknown; error: { code: number; message: string; data: { code: string } } };
  assert.equal(body.id, 7);
  assert.equal(body.error.code, -32603);
  assert.equal(body.error.data.code, 'ERR_BACKEND_UNAVAILABLE');
  assert.equal(res.headers.get('mcp-session-id'), null);
  assert.ok(Date.now() - started < 5_000, 'no waiting for a backend that refuses connections');
});

test('a backend restart: the call in flight fails naming the cause; the session re-initializes and carries on', { timeout: 60_000 }, async (t) => {
  const pair = await startPair();
  let backend = pair.backend;
  t.after(() => backend.stop());
  const proxy = pair.proxy;
  t.after(() => proxy.stop());
  const port = new URL(backend.url).port;
  const c = await connectStreamable(proxy.url);
  t.after(() => c.close());
  const sessionId = c.transport.sessionId;
  const before = await whoami(c);
  // The backend stops once the call runs there (its first progress): the call is in flight, not queued.
  const running = progressSignal();
  const inFlight = c.client.callTool({ name: 'slow', arguments: { steps: 100, delayMs: 100 } }, undefined, { onprogress: running.onprogress });
  await running.started;
  const reconnects = countLogged(proxy, 'backend_reconnected');
  await backend.stop();
  await assert.rejects(inFlight, /response stream for this request broke|backend connection dropped/);
  backend = await startFixture('streamable-http-server', ['--port', port]);
  // The proxy's GET stream keeps knocking; the new process answers 404 for the old session: re-initialize.
  await loggedMore(proxy, 'backend_reconnected', reconnects);
  const after = await whoami(c);
  assert.notEqual(after.pid, before.pid, 'a new backend process');
  assert.equal(c.transport.sessionId, sessionId);
  assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: 'back' } })), 'back');
});
