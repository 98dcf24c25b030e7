// The full matrix: both client faces (Streamable HTTP /mcp, legacy SSE /sse) × the three backend
// transports (legacy SSE, Streamable HTTP, stdio), each cell running the same scenarios with real
// SDK clients: tools, resources, prompts, progress, logging, a server→client request (sampling),
// cancellation, and a backend restart survived by the session.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { FIXTURES_DIR, startFixture, startProxy, stopAll, type RunningProcess } from '../helpers/process.js';
import { eventually, orderedSseTransport, textOf } from '../helpers/clients.js';

after(() => stopAll());

type Face = 'streamable-http' | 'legacy-sse';

interface Backend {
  /** The YAML `backend:` mapping for the route. */
  yaml: string;
  /** Makes the backend emit a log notification; returns the text to wait for. */
  log(c: Client): Promise<string>;
  /** Restarts (or crashes) the backend; resolves when the next call may succeed. */
  restart(c: Client): Promise<void>;
  stop(): Promise<void>;
}

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

const BACKENDS: Record<string, () => Promise<Backend>> = { sse: sseBackend, 'streamable-http': streamableBackend, stdio: stdioBackend };

for (const face of ['streamable-http', 'legacy-sse'] as const) {
  for (const [name, make] of Object.entries(BACKENDS)) {
    test(`${face} face × ${name} backend`, async (t) => {
      const backend = await make();
      t.after(() => backend.stop());
      const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-matrix-'));
      const file = path.join(dir, 'f.yaml');
      writeFileSync(file, `listen: { port: 0 }\nroutes:\n  - path: /\n    backend: ${backend.yaml}\n`);
      const proxy = await startProxy(['--config', file]);
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
      const before = JSON.parse(textOf(await c.callTool({ name: 'whoami', arguments: {} }))) as { pid: number };
      await backend.restart(c);
      // The link re-establishes the channel: at once for a broken stream or process, on the next
      // request for a Streamable HTTP backend. A call during the restart may fail; once the proxy
      // logs the channel re-established, calls succeed.
      await c.callTool({ name: 'whoami', arguments: {} }).catch(() => undefined);
      await proxy.waitForLine((l) => l.reason === 'backend_reconnected', 20_000);
      const after = JSON.parse(textOf(await c.callTool({ name: 'whoami', arguments: {} }))) as { pid: number };
      assert.notEqual(after.pid, before.pid, 'served by the new backend process');
      assert.equal(textOf(await c.callTool({ name: 'echo', arguments: { text: 'survived' } })), 'survived');
    });
  }
}
