// backend.idleRelease with real backends of every transport: a session nobody uses gives back its
// backend connection (legacy SSE), backend session (Streamable HTTP: DELETE) or process (stdio), and
// gets one again, under the same session id, for its next request or GET stream. Waits are for
// metrics and backend stats, never fixed sleeps: where a release must NOT happen, a quiet session of
// another route (a witness, same delay) is released first, which shows the delay has passed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { FIXTURES_DIR, startFixture, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';
import { eventually } from '../helpers/clients.js';
import { connectStreamable, progressSignal, textOf } from '../helpers/clients.js';
import { messagesOf, post, rawSession } from '../helpers/http.js';
import { openStream } from '../helpers/http-stream.js';
import { metricValue, readMetrics, waitForMetric } from '../helpers/metrics.js';
import { writeConfigFile } from '../helpers/config-file.js';

after(() => stopAll());

const DELAY = '200ms';

async function proxyWith(routes: Array<Record<string, unknown>>): Promise<RunningProxy> {
  const cfg = writeConfigFile({ listen: { port: 0 }, routes });
  // The config's directory is a stdio server's working directory: kept while the proxy runs.
  const proxy = await startProxy(['--config', cfg.file]).catch((e: unknown) => {
    cfg.dispose();
    throw e;
  });
  proxy.child.once('exit', () => cfg.dispose());
  return proxy;
}

const counter = async (proxy: RunningProxy, name: string, route = '/') => metricValue(await readMetrics(proxy.origin), name, { route }) ?? 0;
const channels = async (proxy: RunningProxy, state: string, route = '/') =>
  metricValue(await readMetrics(proxy.origin), 'frontdoor_backend_channels', { route, state }) ?? 0;
const waitReleases = (proxy: RunningProxy, n: number, route = '/') =>
  waitForMetric(proxy.origin, 'frontdoor_backend_releases_total', { route }, (v) => (v ?? 0) >= n);

const stats = async <T>(backendUrl: string): Promise<T> => (await fetch(new URL('/control/stats', backendUrl))).json() as Promise<T>;

function callBody(id: number, name: string, args: Record<string, unknown> = {}): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
}

async function rawCall(url: string, session: string, id: number, name: string, args: Record<string, unknown> = {}) {
  const res = await post(url, callBody(id, name, args), { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' });
  assert.equal(res.status, 200);
  return (await messagesOf(res))[0] as { result?: { content: Array<{ text: string }> }; error?: { message: string } };
}

/** `claude mcp get` and SDK health checks: initialize, tools/list, then go away without DELETE. */
async function healthCheck(url: string): Promise<string> {
  const client = new Client({ name: 'health-check', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  await client.listTools();
  const id = transport.sessionId!;
  await client.close(); // closes its GET stream; no DELETE
  return id;
}

/** The same session, used again later by a new SDK client (v1 skips initialize when given a session id). */
async function resumeClient(url: string, sessionId: string): Promise<Client> {
  const client = new Client({ name: 'health-check', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { sessionId }));
  return client;
}

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test('legacy SSE backend: a health-checked session leaves no backend connection after the delay; its next call re-opens one under the same id', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await proxyWith([{ path: '/', backend: { transport: 'sse', url: backend.url, idleRelease: DELAY } }]);
  t.after(() => proxy.stop());
  const sessionId = await healthCheck(proxy.url);
  await waitReleases(proxy, 1);
  await eventually(async () => (await stats<{ open: number }>(backend.url)).open === 0, 'no SSE connection left on the backend');
  assert.equal(await channels(proxy, 'released'), 1);
  const client = await resumeClient(proxy.url, sessionId);
  t.after(() => client.close());
  assert.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'again' } })), 'again');
  assert.equal(await counter(proxy, 'frontdoor_backend_reopens_total'), 1);
  const s = await stats<{ open: number; connections: number }>(backend.url);
  assert.deepEqual([s.open, s.connections], [1, 2], 'one new connection serves the same session');
});

test('Streamable HTTP backend: the backend session is DELETEd on release; the next call opens one with one handshake', async (t) => {
  const backend = await startFixture('streamable-http-server');
  t.after(() => backend.stop());
  const proxy = await proxyWith([{ path: '/', backend: { transport: 'streamable-http', url: backend.url, idleRelease: DELAY } }]);
  t.after(() => proxy.stop());
  const sessionId = await healthCheck(proxy.url);
  await waitReleases(proxy, 1);
  type Stats = { open: number; deletes: number; sessionsCreated: number };
  const released = await stats<Stats>(backend.url);
  assert.deepEqual([released.open, released.deletes], [0, 1], 'the backend session was deleted');
  const client = await resumeClient(proxy.url, sessionId);
  t.after(() => client.close());
  // Concurrent first requests after a release share one re-open: the backend sees one more session.
  const texts = await Promise.all([1, 2, 3, 4, 5].map((i) => client.callTool({ name: 'echo', arguments: { text: `c${i}` } }).then(textOf)));
  assert.deepEqual(texts, ['c1', 'c2', 'c3', 'c4', 'c5']);
  assert.equal((await stats<Stats>(backend.url)).sessionsCreated, released.sessionsCreated + 1, 'one handshake for all of them');
  assert.equal(await counter(proxy, 'frontdoor_backend_reopens_total'), 1);
});

test('stdio backend: the process is stopped on release and started again for the next call', async (t) => {
  const proxy = await proxyWith([
    { path: '/', backend: { transport: 'stdio', command: process.execPath, args: [`${FIXTURES_DIR}/stdio-server.js`], idleRelease: DELAY } },
  ]);
  t.after(() => proxy.stop());
  const session = await rawSession(proxy.url);
  const first = JSON.parse((await rawCall(proxy.url, session, 2, 'whoami')).result!.content[0]!.text) as { pid: number };
  await waitReleases(proxy, 1);
  await waitForMetric(proxy.origin, 'frontdoor_backend_channels', { route: '/', state: 'released' }, (v) => v === 1);
  await eventually(async () => !alive(first.pid), 'the stdio server stopped');
  const second = JSON.parse((await rawCall(proxy.url, session, 3, 'whoami')).result!.content[0]!.text) as { pid: number };
  assert.notEqual(second.pid, first.pid, 'a new process serves the same session');
  assert.equal(await counter(proxy, 'frontdoor_backend_reopens_total'), 1);
});

test('a GET stream opened on a released session gets its channel back at once', async (t) => {
  const backend = await startFixture('streamable-http-server');
  t.after(() => backend.stop());
  const proxy = await proxyWith([{ path: '/', backend: { transport: 'streamable-http', url: backend.url, idleRelease: DELAY } }]);
  t.after(() => proxy.stop());
  const session = await rawSession(proxy.url);
  await waitReleases(proxy, 1);
  const stream = await openStream(proxy.url, { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' });
  t.after(() => stream.close());
  assert.equal(stream.status, 200);
  await waitForMetric(proxy.origin, 'frontdoor_backend_reopens_total', { route: '/' }, (v) => v === 1);
  assert.equal(await channels(proxy, 'ready'), 1);
  assert.equal((await stats<{ open: number }>(backend.url)).open, 1, 'a backend session is open for the stream, without any request');
});

test('a session with a call in flight or a resource subscription keeps its channel; idleRelease 0 never releases', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const route = (path: string, idleRelease: string | number) => ({ path, backend: { transport: 'sse', url: backend.url, idleRelease } });
  const proxy = await proxyWith([route('/busy', DELAY), route('/never', 0), route('/witness', DELAY)]);
  t.after(() => proxy.stop());
  const url = (path: string) => new URL(`${path}/mcp`, proxy.origin).href;
  const busy = await rawSession(url('/busy'));
  const subscribed = await rawSession(url('/busy'));
  await rawSession(url('/never'));
  const sub = await post(url('/busy'), JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'resources/subscribe', params: { uri: 'demo://readme' } }), {
    'mcp-session-id': subscribed,
    'mcp-protocol-version': '2025-06-18',
  });
  assert.equal(sub.status, 200);
  await sub.text();
  // A long call, in flight once it reports progress.
  const slow = connectStreamableCall(url('/busy'), busy);
  await slow.started;
  // On a slow machine a session may have been released before its call or subscription began (and
  // re-opened for it): what is checked is that from now on, while they hold, nothing is released.
  const before = await counter(proxy, 'frontdoor_backend_releases_total', '/busy');
  await rawSession(url('/witness'));
  await waitReleases(proxy, 1, '/witness');
  // The witness was opened after every other session: their delay has passed too.
  assert.equal(await counter(proxy, 'frontdoor_backend_releases_total', '/busy'), before, 'a call in flight and a subscription hold their channels');
  assert.equal(await counter(proxy, 'frontdoor_backend_releases_total', '/never'), 0, 'idleRelease 0');
  assert.equal(await channels(proxy, 'ready', '/busy'), 2);
  slow.abort();
});

/** A raw tools/call `slow` with progress on `session`; resolves `started` at its first progress event. */
function connectStreamableCall(url: string, session: string): { started: Promise<void>; abort(): void } {
  const controller = new AbortController();
  const signal = progressSignal();
  void fetch(url, {
    method: 'POST',
    signal: controller.signal,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 9,
      method: 'tools/call',
      params: { name: 'slow', arguments: { steps: 600, delayMs: 100 }, _meta: { progressToken: 'p' } },
    }),
  })
    .then(async (res) => {
      for await (const chunk of res.body!) if (String(Buffer.from(chunk as Uint8Array)).includes('notifications/progress')) signal.onprogress();
    })
    .catch(() => undefined);
  return { started: signal.started, abort: () => controller.abort() };
}

test('shared route: the channel stays while any session lives and is released the delay after the last one left', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await proxyWith([
    { path: '/shared', backend: { transport: 'sse', url: backend.url, share: 'shared', idleRelease: DELAY } },
    { path: '/witness', backend: { transport: 'sse', url: backend.url, idleRelease: DELAY } },
  ]);
  t.after(() => proxy.stop());
  const url = (path: string) => new URL(`${path}/mcp`, proxy.origin).href;
  const a = await connectStreamable(url('/shared'), 'a', {});
  const b = await connectStreamable(url('/shared'), 'b', {});
  await rawSession(url('/witness'));
  await waitReleases(proxy, 1, '/witness');
  assert.equal(await counter(proxy, 'frontdoor_backend_releases_total', '/shared'), 0, 'members live: the shared channel stays');
  await a.close();
  await b.close();
  await waitReleases(proxy, 1, '/shared');
  assert.equal(await channels(proxy, 'released', '/shared'), 1);
  const c = await connectStreamable(url('/shared'), 'c', {});
  t.after(() => c.close());
  assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: 'shared' } })), 'shared');
  assert.equal(await counter(proxy, 'frontdoor_backend_reopens_total', '/shared'), 1);
});

test('a used session never releases: the delay restarts with every request and answer', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await proxyWith([
    { path: '/used', backend: { transport: 'sse', url: backend.url, idleRelease: '1s' } },
    { path: '/witness', backend: { transport: 'sse', url: backend.url, idleRelease: '1s' } },
  ]);
  t.after(() => proxy.stop());
  const url = (path: string) => new URL(`${path}/mcp`, proxy.origin).href;
  const used = await rawSession(url('/used'));
  await rawSession(url('/witness'));
  // Calls keep coming (each waits for the previous answer) until the witness, quiet, is released.
  let n = 10;
  let released = false;
  const witness = waitReleases(proxy, 1, '/witness').then(() => (released = true));
  while (!released) assert.ok((await rawCall(url('/used'), used, n++, 'echo', { text: 'x' })).result);
  await witness;
  assert.equal(await counter(proxy, 'frontdoor_backend_releases_total', '/used'), 0);
  assert.equal((await stats<{ connections: number }>(backend.url)).connections, 2, 'one handshake each, no more');
});
