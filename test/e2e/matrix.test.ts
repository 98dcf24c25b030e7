// The full matrix: three client faces (Streamable HTTP /mcp, legacy SSE /sse, and the 2026-07-28 era
// on /mcp with the SDK v2 client) × the three backend transports (legacy SSE, Streamable HTTP, stdio),
// each cell running the same scenarios with real SDK clients: tools, resources, prompts, progress,
// logging, a server→client request (sampling; an MRTR round for the modern client), cancellation, and
// a backend restart survived.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { FIXTURES_DIR, startFixture, startProxy, stopAll, type RunningProcess, type RunningProxy } from '../helpers/process.js';
import { eventually, orderedSseTransport, textOf } from '../helpers/clients.js';
import { connectModern } from '../helpers/modern.js';

after(() => stopAll());

type Face = 'streamable-http' | 'legacy-sse';

interface Backend {
  /** The YAML `backend:` mapping for the route. */
  yaml: string;
  /** Makes the backend emit a log notification; returns the text to wait for. */
  log(c: Client): Promise<string>;
  /** Restarts (or crashes) the backend; resolves when the next call may succeed. */
  restart(c: ToolCaller): Promise<void>;
  /** Resolves once the backend saw a `slow` call cancelled (notifications/cancelled reached it). */
  cancelled(proxy: RunningProcess): Promise<void>;
  stop(): Promise<void>;
}

/** What a restart needs of a client, the SDK v1 or v2 one: calling a tool. */
interface ToolCaller {
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
}

const stats = async (url: string) => (await fetch(new URL('/control/stats', url))).json() as Promise<Record<string, unknown>>;

async function sseBackend(): Promise<Backend> {
  let proc = await startFixture('legacy-sse-server');
  const port = new URL(proc.url).port;
  return {
    yaml: `{ transport: sse, url: "${proc.url}" }`,
    log: async (c) => (await c.callTool({ name: 'log', arguments: { level: 'info', message: 'matrix-log' } }), 'matrix-log'),
    restart: async () => {
      await (await fetch(new URL('/control/exit', proc.url), { method: 'POST' })).text();
      await proc.stop();
      proc = await startFixture('legacy-sse-server', ['--port', port]);
    },
    cancelled: () => eventually(async () => ((await stats(proc.url)).slowCancelled as string[]).length > 0, 'the backend to see the cancel'),
    stop: () => proc.stop().then(() => undefined),
  };
}

async function streamableBackend(): Promise<Backend> {
  let proc: RunningProcess & { url: string } = await startFixture('streamable-http-server');
  const port = new URL(proc.url).port;
  return {
    yaml: `{ transport: streamable-http, url: "${proc.url}" }`,
    log: async (c) => (await c.callTool({ name: 'notify_later', arguments: {} }), 'later'),
    restart: async () => {
      await proc.stop();
      proc = await startFixture('streamable-http-server', ['--port', port]);
    },
    cancelled: () => eventually(async () => ((await stats(proc.url)).cancelled as number) > 0, 'the backend to see the cancel'),
    stop: () => proc.stop().then(() => undefined),
  };
}

async function stdioBackend(): Promise<Backend> {
  return {
    yaml: `{ transport: stdio, command: node, args: ["${path.join(FIXTURES_DIR, 'stdio-server.js')}"] }`,
    log: async (c) => (await c.callTool({ name: 'log', arguments: { level: 'info', message: 'matrix-log' } }), 'matrix-log'),
    restart: async (c) => {
      await assert.rejects(c.callTool({ name: 'crash', arguments: {} }));
    },
    // The fixture says so on stderr, which the proxy logs.
    cancelled: async (proxy) => void (await proxy.waitForLine((l) => l.stream === 'stderr' && String(l.msg).includes('slow cancelled'))),
    stop: async () => undefined,
  };
}

async function connect(face: Face, proxyUrl: string, logs: string[]): Promise<Client> {
  const client = new Client({ name: `matrix-${face}`, version: '1.0.0' }, { capabilities: { sampling: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
    const first = req.params.messages[0]?.content as { text?: string } | undefined;
    return { role: 'assistant', model: 'matrix', content: { type: 'text', text: `sampled: ${first?.text ?? ''}` } };
  });
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    logs.push(JSON.stringify(n.params.data));
  });
  const url = face === 'streamable-http' ? new URL(proxyUrl) : new URL('/sse', proxyUrl);
  await client.connect(face === 'streamable-http' ? new StreamableHTTPClientTransport(url) : orderedSseTransport(url));
  return client;
}

async function proxyFor(backend: Backend): Promise<RunningProxy> {
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-matrix-'));
  const file = path.join(dir, 'f.yaml');
  writeFileSync(file, `listen: { port: 0 }\nroutes:\n  - path: /\n    backend: ${backend.yaml}\n`);
  return startProxy(['--config', file]);
}

/** After a restart: a call during it may fail; once the proxy logs the channel re-established, calls succeed. */
async function survives(backend: Backend, proxy: RunningProxy, c: ToolCaller): Promise<void> {
  const before = JSON.parse(textOf(await c.callTool({ name: 'whoami', arguments: {} }))) as { pid: number };
  await backend.restart(c);
  // The link re-establishes the channel: at once for a broken stream or process, on the next
  // request for a Streamable HTTP backend.
  await c.callTool({ name: 'whoami', arguments: {} }).catch(() => undefined);
  await proxy.waitForLine((l) => l.reason === 'backend_reconnected', 20_000);
  const after = JSON.parse(textOf(await c.callTool({ name: 'whoami', arguments: {} }))) as { pid: number };
  assert.notEqual(after.pid, before.pid, 'served by the new backend process');
  assert.equal(textOf(await c.callTool({ name: 'echo', arguments: { text: 'survived' } })), 'survived');
}

const BACKENDS: Record<string, () => Promise<Backend>> = { sse: sseBackend, 'streamable-http': streamableBackend, stdio: stdioBackend };

for (const face of ['streamable-http', 'legacy-sse'] as const) {
  for (const [name, make] of Object.entries(BACKENDS)) {
    test(`${face} face × ${name} backend`, async (t) => {
      const backend = await make();
      t.after(() => backend.stop());
      const proxy = await proxyFor(backend);
      t.after(() => proxy.stop());
      const logs: string[] = [];
      const c = await connect(face, proxy.url, logs);
      t.after(() => c.close());
      // tools
      assert.ok((await c.listTools()).tools.some((tool) => tool.name === 'echo'));
      assert.equal(textOf(await c.callTool({ name: 'echo', arguments: { text: `${face}/${name}` } })), `${face}/${name}`);
      // resources and prompts
      const read = await c.readResource({ uri: 'demo://readme' });
      assert.match((read.contents[0] as { text: string }).text, /hello from/);
      const prompt = await c.getPrompt({ name: 'greet', arguments: { name: 'Matrix' } });
      assert.equal((prompt.messages[0]!.content as { text: string }).text, 'Hello, Matrix!');
      // progress
      const progress: number[] = [];
      await c.callTool({ name: 'slow', arguments: { steps: 2, delayMs: 30 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
      assert.deepEqual(progress, [1, 2]);
      // logging
      await c.setLoggingLevel('debug');
      const expected = await backend.log(c);
      await eventually(() => logs.some((l) => l.includes(expected)), `the log notification (${expected})`);
      // server→client request
      assert.equal(textOf(await c.callTool({ name: 'sample', arguments: { prompt: 'matrix' } })), 'sampled: matrix');
      // cancellation, once the call runs at the backend (its first progress): the cancel has a call to reach
      const ac = new AbortController();
      const slow = c.callTool({ name: 'slow', arguments: { steps: 50, delayMs: 100 } }, undefined, {
        signal: ac.signal,
        onprogress: () => ac.abort('matrix cancels'),
      });
      await assert.rejects(slow);
      assert.equal(textOf(await c.callTool({ name: 'echo', arguments: { text: 'after cancel' } })), 'after cancel');
      // a backend restart is survived by the session
      await survives(backend, proxy, c);
    });
  }
}

// The 2026-07-28 era: the SDK v2 client negotiates it (server/discover first, no session), the proxy
// serves it over seats; input during a call is an MRTR round the client fulfils with its own handler.
for (const [name, make] of Object.entries(BACKENDS)) {
  test(`modern face (SDK v2 client) × ${name} backend`, async (t) => {
    const backend = await make();
    t.after(() => backend.stop());
    const proxy = await proxyFor(backend);
    t.after(() => proxy.stop());
    const logs: string[] = [];
    const m = await connectModern(proxy.url, { name: 'matrix-modern', version: '1.0.0' }, { capabilities: { sampling: {} } }, (client) => {
      client.setRequestHandler('sampling/createMessage', (req) => {
        const first = req.params.messages[0]?.content as { text?: string } | undefined;
        return { role: 'assistant', model: 'matrix', content: { type: 'text', text: `sampled: ${first?.text ?? ''}` } };
      });
      client.setNotificationHandler('notifications/message', (n) => void logs.push(JSON.stringify(n.params.data)));
    });
    t.after(() => m.close());
    const c = m.client;
    assert.equal(c.getProtocolEra(), 'modern');
    // tools
    assert.ok((await c.listTools()).tools.some((tool) => tool.name === 'echo'));
    assert.equal(textOf(await c.callTool({ name: 'echo', arguments: { text: `modern/${name}` } })), `modern/${name}`);
    // resources and prompts
    const read = await c.readResource({ uri: 'demo://readme' });
    assert.match((read.contents[0] as { text: string }).text, /hello from/);
    const prompt = await c.getPrompt({ name: 'greet', arguments: { name: 'Matrix' } });
    assert.equal((prompt.messages[0]!.content as { text: string }).text, 'Hello, Matrix!');
    // progress
    const progress: number[] = [];
    await c.callTool({ name: 'slow', arguments: { steps: 2, delayMs: 30 } }, { onprogress: (p) => progress.push(p.progress) });
    assert.deepEqual(progress, [1, 2]);
    // logging: no logging/setLevel in this era; the request names its own level (MCP 2026-07-28, Logging)
    const logLevel = { 'io.modelcontextprotocol/logLevel': 'debug' };
    await c.callTool({ name: 'log', arguments: { level: 'info', message: 'matrix-log' }, _meta: logLevel });
    await eventually(() => logs.some((l) => l.includes('matrix-log')), 'the log notification');
    // sampling: the backend's server→client request becomes an InputRequiredResult round
    assert.equal(textOf(await c.callTool({ name: 'sample', arguments: { prompt: 'matrix' } })), 'sampled: matrix');
    // cancellation: closing the response stream, once the call runs at the backend (its first progress)
    const ac = new AbortController();
    const slow = c.callTool({ name: 'slow', arguments: { steps: 50, delayMs: 100 } }, { signal: ac.signal, onprogress: () => ac.abort('matrix cancels') });
    await assert.rejects(slow);
    await backend.cancelled(proxy);
    assert.equal(textOf(await c.callTool({ name: 'echo', arguments: { text: 'after cancel' } })), 'after cancel');
    // a backend restart is survived: the next request works
    await survives(backend, proxy, c);
    assert.ok(
      m.exchanges.every((e) => e.sessionId === null && e.protocolVersion === '2026-07-28'),
      JSON.stringify(m.exchanges),
    );
  });
}
