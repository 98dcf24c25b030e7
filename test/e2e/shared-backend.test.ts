// `share: shared`: every session of a route is a member of ONE backend link: one connection (legacy
// SSE), one process (stdio) or one backend session (Streamable HTTP). Colliding client ids stay apart,
// list_changed reaches everyone, resources/updated only subscribers, progress and cancellation stay
// per session, and a drop, a crash or a restart of the shared backend is survived by every session.
// Server→client requests never go to a guessed session: over sse and stdio (which cannot say which
// session caused one), clients that answer sampling, elicitation or roots get a link of their own;
// over Streamable HTTP the backend's POST stream says which session it belongs to.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { FIXTURES_DIR, startFixture, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';
import { connectStreamable, eventually, progressSignal, textOf, type TestClient } from '../helpers/clients.js';
import { metricValue, readMetrics } from '../helpers/metrics.js';

/** Clients that declare no capability a server could send requests for: they share the link. */
const PLAIN = {};
import { messagesOf, post, rawSession } from '../helpers/http.js';
import type { Wire } from '../helpers/wire.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'frontdoor-shared-'));

after(async () => {
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
});

function sharedProxy(backend: Record<string, unknown>): Promise<RunningProxy> {
  const file = path.join(tmp, `${randomUUID()}.yaml`);
  // JSON is YAML flow syntax: no quoting surprises in paths.
  writeFileSync(file, `listen: { port: 0 }\nroutes:\n  - path: /\n    backend: ${JSON.stringify({ ...backend, share: 'shared' })}\n`);
  return startProxy(['--config', file]);
}

const whoami = async (c: TestClient) => JSON.parse(textOf(await c.client.callTool({ name: 'whoami', arguments: {} }))) as { pid: number; connection?: number };

async function control(backendUrl: string, what: 'drop' | 'exit'): Promise<void> {
  const res = await fetch(new URL(`/control/${what}`, backendUrl), { method: 'POST' });
  await res.text();
}

async function stats(backendUrl: string): Promise<{ connections: number; open: number }> {
  return (await (await fetch(new URL('/control/stats', backendUrl))).json()) as { connections: number; open: number };
}

/** Makes a client's sampling handler say who it is. */
function signSampling(c: TestClient, who: string): void {
  c.client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
    const first = req.params.messages[0]?.content as { text?: string } | undefined;
    return { role: 'assistant', model: 'test-model', content: { type: 'text', text: `${who} sampled: ${first?.text ?? ''}` } };
  });
}

// -- legacy SSE backend, one shared SSE connection ----------------------------------------------------

test('shared sse: two raw sessions sending the same ids and progress token at once get their own answers, from one backend connection', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await sharedProxy({ transport: 'sse', url: backend.url });
  t.after(() => proxy.stop());
  const version = { 'mcp-protocol-version': '2025-06-18' };
  const [a, b] = await Promise.all([rawSession(proxy.url), rawSession(proxy.url)]);
  const call = (session: string, text: string) =>
    post(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text } } }), {
      'mcp-session-id': session,
      ...version,
    });
  for (let round = 0; round < 20; round++) {
    const [ra, rb] = await Promise.all([call(a, `A${round}`), call(b, `B${round}`)]);
    const [ma] = await messagesOf(ra);
    const [mb] = await messagesOf(rb);
    assert.equal(ma.id, 1);
    assert.equal(mb.id, 1);
    assert.equal(ma.result.content[0].text, `A${round}`);
    assert.equal(mb.result.content[0].text, `B${round}`);
  }
  // Both ask progress under the same token: each stream carries its own progress, under that token.
  const slow = (session: string, steps: number) =>
    post(
      proxy.url,
      JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'slow', arguments: { steps, delayMs: 30 }, _meta: { progressToken: 'tok' } },
      }),
      {
        'mcp-session-id': session,
        ...version,
      },
    );
  const [sa, sb] = await Promise.all([slow(a, 2), slow(b, 3)]);
  const [msa, msb] = [await messagesOf(sa), await messagesOf(sb)];
  const progressOf = (ms: Wire[]) => ms.filter((m) => m.method === 'notifications/progress').map((m) => `${m.params.progressToken}:${m.params.progress}`);
  assert.deepEqual(progressOf(msa), ['tok:1', 'tok:2']);
  assert.deepEqual(progressOf(msb), ['tok:1', 'tok:2', 'tok:3']);
  assert.deepEqual([msa.at(-1).id, msa.at(-1).result.content[0].text], [2, 'done 2']);
  assert.deepEqual([msb.at(-1).id, msb.at(-1).result.content[0].text], [2, 'done 3']);
  const who = async (session: string) => {
    const res = await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }), {
      'mcp-session-id': session,
      ...version,
    });
    return JSON.parse((await messagesOf(res))[0].result.content[0].text) as { pid: number; connection: number };
  };
  assert.deepEqual(await who(a), await who(b), 'the same backend connection');
  const s = await stats(backend.url);
  assert.equal(s.connections, 1, 'one backend connection for both sessions');
  assert.equal((await proxy.waitForLine((l) => l.reason === 'shared_backend_initialized')).generation, 1);
  assert.equal(proxy.lines.filter((l) => l.includes('"shared_backend_initialized"')).length, 1, 'one handshake');
});

test('shared sse: every feature per session on one connection (list_changed, subscriptions, progress, cancellation)', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await sharedProxy({ transport: 'sse', url: backend.url });
  t.after(() => proxy.stop());
  const a = await connectStreamable(proxy.url, 'client-a', PLAIN);
  t.after(() => a.close());
  const b = await connectStreamable(proxy.url, 'client-b', PLAIN);
  t.after(() => b.close());

  await t.test('both report the same backend connection and the same InitializeResult', async () => {
    assert.deepEqual(await whoami(a), await whoami(b));
    assert.equal(a.client.getServerVersion()?.name, 'legacy-sse-fixture');
    assert.deepEqual(a.client.getServerCapabilities(), b.client.getServerCapabilities());
    assert.equal((await stats(backend.url)).connections, 1);
  });

  await t.test('tools/list_changed reaches both sessions', async () => {
    const [beforeA, beforeB] = [a.listChanged, b.listChanged];
    await a.client.callTool({ name: 'add_tool', arguments: { name: `late_${randomUUID().slice(0, 8)}` } });
    await eventually(() => a.listChanged > beforeA && b.listChanged > beforeB, 'list_changed at both clients');
  });

  await t.test('resources/updated reaches only the subscriber', async () => {
    await a.client.subscribeResource({ uri: 'demo://readme' });
    await b.client.callTool({ name: 'touch_resource', arguments: { uri: 'demo://readme' } });
    await eventually(() => a.updates.includes('demo://readme'), 'the update at A');
    // B subscribes too; A leaves: the backend keeps the subscription, only B hears about it.
    await b.client.subscribeResource({ uri: 'demo://readme' });
    await a.client.unsubscribeResource({ uri: 'demo://readme' });
    const seenByA = a.updates.length;
    const changedA = a.listChanged;
    await a.client.callTool({ name: 'touch_resource', arguments: { uri: 'demo://readme' } });
    await eventually(() => b.updates.includes('demo://readme'), 'the update at B');
    // The absence at A is proved by a later message, not by waiting: tools/list_changed, caused after the
    // update, reaches every session in the backend's order; once A has it, an update sent to A came first.
    await b.client.callTool({ name: 'add_tool', arguments: { name: `later_${randomUUID().slice(0, 8)}` } });
    await eventually(() => a.listChanged > changedA, 'the later list_changed at A');
    assert.equal(a.updates.length, seenByA, 'A unsubscribed: no more updates');
    assert.equal(b.updates.length, 1);
    await b.client.unsubscribeResource({ uri: 'demo://readme' });
  });

  await t.test('progress reaches the client that asked (both SDK clients use the same progress tokens)', async () => {
    const seenA: number[] = [];
    const seenB: number[] = [];
    const [ra, rb] = await Promise.all([
      a.client.callTool({ name: 'slow', arguments: { steps: 3, delayMs: 40 } }, undefined, { onprogress: (p) => seenA.push(p.progress) }),
      b.client.callTool({ name: 'slow', arguments: { steps: 5, delayMs: 30 } }, undefined, { onprogress: (p) => seenB.push(p.progress) }),
    ]);
    assert.equal(textOf(ra), 'done 3');
    assert.equal(textOf(rb), 'done 5');
    assert.deepEqual(seenA, [1, 2, 3]);
    assert.deepEqual(seenB, [1, 2, 3, 4, 5]);
  });

  await t.test('cancellation from A cancels only A’s call', async () => {
    // A cancels once its call runs at the backend (its first progress): both calls are in flight.
    const ac = new AbortController();
    const callA = a.client.callTool({ name: 'slow', arguments: { steps: 8, delayMs: 50 } }, undefined, {
      signal: ac.signal,
      onprogress: () => ac.abort('A cancels'),
    });
    const callB = b.client.callTool({ name: 'slow', arguments: { steps: 8, delayMs: 50 } });
    await assert.rejects(callA, /cancel|abort/i);
    assert.equal(textOf(await callB), 'done 8');
    assert.equal(textOf(await a.client.callTool({ name: 'echo', arguments: { text: 'after' } })), 'after');
  });
});

test('shared sse: clients that answer sampling get a link of their own; a sampling request reaches only the client that caused it', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await sharedProxy({ transport: 'sse', url: backend.url });
  t.after(() => proxy.stop());
  const a = await connectStreamable(proxy.url, 'client-a');
  t.after(() => a.close());
  const b = await connectStreamable(proxy.url, 'client-b');
  t.after(() => b.close());
  const plain = await connectStreamable(proxy.url, 'client-plain', PLAIN);
  t.after(() => plain.close());
  signSampling(a, 'A');
  signSampling(b, 'B');
  const [wa, wb] = [await whoami(a), await whoami(b)];
  assert.notEqual(wa.connection, wb.connection, 'a backend connection each');
  // The race: A samples 150 ms into its call while B starts a slow call; ten rounds, never crossed.
  for (let round = 0; round < 10; round++) {
    const slowB = b.client.callTool({ name: 'slow', arguments: { steps: 2, delayMs: 40 } });
    const sampled = await a.client.callTool({ name: 'sample', arguments: { prompt: `round ${round}` } });
    assert.equal(textOf(sampled), `A sampled: round ${round}`);
    assert.equal(textOf(await slowB), 'done 2');
  }
  assert.equal(textOf(await b.client.callTool({ name: 'sample', arguments: { prompt: 'yo' } })), 'B sampled: yo');
  // A client that cannot answer sampling shares the link; its backend's sampling request is refused.
  const refused = await plain.client.callTool({ name: 'sample', arguments: { prompt: 'nobody' } }).then(
    (r) => JSON.stringify(r),
    (e: Error) => e.message,
  );
  assert.match(refused, /no client session can answer sampling\/createMessage|error/i);
  const count = metricValue(await readMetrics(proxy.origin), 'frontdoor_server_requests_refused_total', { route: '/', reason: 'no_capable_member' });
  assert.ok((count ?? 0) >= 1, 'the refusal is counted');
  assert.ok(((await readMetrics(proxy.origin)).match(/frontdoor_private_links_total\{route="\/"\} (\d+)/)?.[1] ?? '0') === '2', 'two private links');
});

test('shared sse: a dropped stream and a backend restart are survived by both sessions, through one new connection', async (t) => {
  let backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop()); // whichever backend runs at the end
  const port = new URL(backend.url).port;
  const proxy = await sharedProxy({ transport: 'sse', url: backend.url, reconnect: { initialDelay: '50ms', maxDelay: '500ms' } });
  t.after(() => proxy.stop());
  const a = await connectStreamable(proxy.url, 'client-a', PLAIN);
  t.after(() => a.close());
  const b = await connectStreamable(proxy.url, 'client-b', PLAIN);
  t.after(() => b.close());
  const ids = [a.transport.sessionId, b.transport.sessionId];
  const first = await whoami(a);
  await a.client.subscribeResource({ uri: 'demo://readme' });

  // 1. The stream drops, the backend stays: the link comes back on ONE new connection for both
  //    sessions, and A's subscription is renewed on it.
  const reconnects = () => proxy.lines.filter((l) => l.includes('"backend_reconnected"')).length;
  await control(backend.url, 'drop');
  await eventually(() => reconnects() >= 1, 'the link to reconnect');
  const [wa, wb] = [await whoami(a), await whoami(b)];
  assert.deepEqual(wa, wb);
  assert.equal(wa.pid, first.pid);
  assert.ok(wa.connection! > first.connection!, 'a new backend connection');
  const s = await stats(backend.url);
  assert.equal(s.open, 1, 'one backend connection open');
  assert.equal(s.connections, 2, 'one reconnect for two sessions');
  await b.client.callTool({ name: 'touch_resource', arguments: { uri: 'demo://readme' } });
  await eventually(() => a.updates.includes('demo://readme'), 'the renewed subscription to deliver');
  assert.equal(b.updates.length, 0);

  // 2. The backend restarts mid-call: the call fails naming the cause, both sessions carry on.
  const running = progressSignal();
  const inFlight = b.client.callTool({ name: 'slow', arguments: { steps: 100, delayMs: 100 } }, undefined, { onprogress: running.onprogress });
  await running.started; // the call runs at the backend
  await control(backend.url, 'exit');
  await assert.rejects(inFlight, /backend connection dropped/);
  await backend.stop();
  backend = await startFixture('legacy-sse-server', ['--port', port]);
  await eventually(() => reconnects() >= 2, 'the link to reconnect to the restarted backend', 30_000);
  const [ra, rb] = [await whoami(a), await whoami(b)];
  assert.deepEqual(ra, rb);
  assert.notEqual(ra.pid, first.pid, 'a new backend process');
  assert.equal((await stats(backend.url)).connections, 1, 'one connection to the restarted backend');
  assert.deepEqual([a.transport.sessionId, b.transport.sessionId], ids, 'the sessions kept their ids');
  assert.equal(textOf(await a.client.callTool({ name: 'echo', arguments: { text: 'back' } })), 'back');
  const rehandshakes = proxy.lines.filter((l) => l.includes('"shared_backend_rehandshaken"')).length;
  assert.equal(rehandshakes, 2, 'one handshake per new backend connection');
});

// -- stdio backend: one shared process ---------------------------------------------------------------

const STDIO_FIXTURE = path.join(FIXTURES_DIR, 'stdio-server.js');

test('shared stdio: two sessions on one process; a crash of it is survived by both', async (t) => {
  const proxy = await sharedProxy({ transport: 'stdio', command: 'node', args: [STDIO_FIXTURE], reconnect: { initialDelay: '50ms', maxDelay: '500ms' } });
  t.after(() => proxy.stop());
  const a = await connectStreamable(proxy.url, 'client-a', PLAIN);
  t.after(() => a.close());
  const b = await connectStreamable(proxy.url, 'client-b', PLAIN);
  t.after(() => b.close());
  const sampler = await connectStreamable(proxy.url, 'client-s');
  t.after(() => sampler.close());
  signSampling(sampler, 'S');
  const first = await whoami(a);
  assert.equal((await whoami(b)).pid, first.pid, 'one process for both sessions');
  assert.notEqual((await whoami(sampler)).pid, first.pid, 'a client that answers sampling gets its own process');
  const [ea, eb] = await Promise.all([
    a.client.callTool({ name: 'echo', arguments: { text: 'a' } }),
    b.client.callTool({ name: 'echo', arguments: { text: 'b' } }),
  ]);
  assert.deepEqual([textOf(ea), textOf(eb)], ['a', 'b']);
  assert.equal(textOf(await sampler.client.callTool({ name: 'sample', arguments: { prompt: 'x' } })), 'S sampled: x');

  // A's call crashes the shared process: that call fails naming the cause, B's session survives too.
  const reconnects = () => proxy.lines.filter((l) => l.includes('"backend_reconnected"')).length;
  await assert.rejects(a.client.callTool({ name: 'crash', arguments: {} }), /backend connection dropped/);
  await eventually(() => reconnects() >= 1, 'the shared link to reconnect', 30_000);
  const [wa, wb] = [await whoami(a), await whoami(b)];
  assert.equal(wa.pid, wb.pid, 'still one process for both');
  assert.notEqual(wa.pid, first.pid, 'a new process');
  assert.equal(textOf(await a.client.callTool({ name: 'echo', arguments: { text: 'after' } })), 'after');
  const handshakes = proxy.lines.filter((l) => l.includes('"shared_backend_initialized"') || l.includes('"shared_backend_rehandshaken"')).length;
  assert.equal(handshakes, 2, 'one process per crash, not per session');
});

// -- Streamable HTTP backend: one shared backend session ----------------------------------------------

test('shared streamable-http: two sessions on one backend session; an expired backend session is replaced once for both', async (t) => {
  const backend = await startFixture('streamable-http-server');
  t.after(() => backend.stop());
  const proxy = await sharedProxy({ transport: 'streamable-http', url: backend.url, reconnect: { initialDelay: '50ms', maxDelay: '500ms' } });
  t.after(() => proxy.stop());
  const a = await connectStreamable(proxy.url, 'client-a');
  t.after(() => a.close());
  const b = await connectStreamable(proxy.url, 'client-b');
  t.after(() => b.close());
  signSampling(a, 'A');
  signSampling(b, 'B');
  type Who = { pid: number; sessionId: string; sessionCount: number };
  const who = async (c: TestClient) => JSON.parse(textOf(await c.client.callTool({ name: 'whoami', arguments: {} }))) as Who;
  const [wa, wb] = await Promise.all([who(a), who(b)]);
  assert.equal(wa.sessionId, wb.sessionId, 'one backend session for both');
  assert.equal(wb.sessionCount, 1);
  const echoes = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).client.callTool({ name: 'echo', arguments: { text: `m${i}` } })));
  assert.deepEqual(
    echoes.map(textOf),
    Array.from({ length: 10 }, (_, i) => `m${i}`),
  );
  assert.equal(textOf(await a.client.callTool({ name: 'sample', arguments: { prompt: 'p' } })), 'A sampled: p');
  assert.equal(textOf(await b.client.callTool({ name: 'sample', arguments: { prompt: 'q' } })), 'B sampled: q');

  await (await fetch(new URL('/control/expire-sessions', backend.url), { method: 'POST' })).text();
  // The next request of each session meets the expired backend session (404): the shared channel
  // ends, every session reconnects, and one new backend session serves them all.
  // The first request may meet the expired session; once the proxy logs the channel re-established,
  // both sessions are served.
  await who(a).catch(() => undefined);
  await proxy.waitForLine((l) => l.reason === 'backend_reconnected', 20_000);
  const after = await who(a);
  const afterB = await who(b);
  assert.equal(afterB.sessionId, after.sessionId, 'both on the same new backend session');
  assert.notEqual(after.sessionId, wa.sessionId);
  assert.equal(after.sessionCount, 2, 'one new backend session for both clients');
});
