// The stdio backend: a route whose MCP server is a local process (MCP transports §stdio). Every MCP
// feature through the proxy's Streamable HTTP face; stdout noise skipped; a crash survived under the
// same client session; one process per session; nothing left running after DELETE, idle expiry or
// proxy shutdown (grandchildren included); spawn failures answered with a clear 502.
// The framing tests at the top drive the pure line framer directly.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIXTURES_DIR, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';
import { connectStreamable, eventually, textOf, type TestClient } from '../helpers/clients.js';
import { initializeBody, messagesOf, post, rawSession } from '../helpers/http.js';
import { LineFramer } from '../../src/backends/stdio/ndjson.js';

const FIXTURE = path.join(FIXTURES_DIR, 'stdio-server.js');
const TAG_VAR = 'FRONTDOOR_STDIO_TEST_TAG';
const tmp = mkdtempSync(path.join(tmpdir(), 'frontdoor-stdio-'));

after(async () => {
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
});

// -- helpers ----------------------------------------------------------------------------------------

interface BackendSpec {
  command?: string;
  args?: string[];
  /** Every process of this backend (and its children) carries it in its environment. */
  tag?: string;
}

function writeConfig(spec: BackendSpec = {}): string {
  const backend = {
    transport: 'stdio',
    command: spec.command ?? 'node',
    args: spec.args ?? [FIXTURE],
    env: { [TAG_VAR]: spec.tag ?? randomUUID() },
  };
  const file = path.join(tmp, `${randomUUID()}.yaml`);
  // JSON is YAML flow syntax: no quoting surprises in paths.
  writeFileSync(file, `listen: { port: 0 }\nroutes:\n  - path: /\n    backend: ${JSON.stringify(backend)}\n`);
  return file;
}

async function proxyFor(spec: BackendSpec = {}, flags: string[] = []): Promise<RunningProxy> {
  return startProxy(['--config', writeConfig(spec), ...flags]);
}

async function whoami(c: TestClient): Promise<{ pid: number; grandchild?: number }> {
  return JSON.parse(textOf(await c.client.callTool({ name: 'whoami', arguments: {} }))) as { pid: number; grandchild?: number };
}

/** A process that exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command (which may contain spaces).
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** Live processes whose environment carries `tag` (the backend and anything it started). */
function processesTagged(tag: string): number[] {
  const needle = `${TAG_VAR}=${tag}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue;
    }
    if (environ.split('\0').includes(needle) && alive(Number(entry))) found.push(Number(entry));
  }
  return found;
}

const countLines = (proxy: RunningProxy, match: (l: Record<string, unknown>) => boolean) =>
  proxy.lines.filter((line) => {
    try {
      return match(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return false;
    }
  }).length;

// -- framing ----------------------------------------------------------------------------------------

test('framing: lines split at every byte boundary, multi-byte UTF-8 and \\r\\n intact', () => {
  const messages = ['{"a":"héllo wörld €𝄞"}', '{"b":"日本語テキスト"}', '', '{"c":1}'];
  const bytes = Buffer.from(`${messages[0]}\r\n${messages[1]}\n${messages[2]}\n${messages[3]}\n`);
  for (let cut = 0; cut <= bytes.length; cut++) {
    for (let cut2 = cut; cut2 <= bytes.length; cut2 += 7) {
      const framer = new LineFramer();
      const out = [...framer.push(bytes.subarray(0, cut)), ...framer.push(bytes.subarray(cut, cut2)), ...framer.push(bytes.subarray(cut2))];
      assert.deepEqual(out, messages, `cuts at ${cut}, ${cut2}`);
      assert.equal(framer.buffered, 0);
    }
  }
  // One byte at a time.
  const framer = new LineFramer();
  const out: string[] = [];
  for (const b of bytes) out.push(...framer.push(Uint8Array.of(b)));
  assert.deepEqual(out, messages);
});

test('framing: an over-long line is dropped and reported; the framer resyncs at the next newline', () => {
  const overflows: number[] = [];
  const framer = new LineFramer({ maxLineBytes: 16, onOverflow: (n) => overflows.push(n) });
  const out = [
    ...framer.push(Buffer.from('{"ok":1}\n0123456789')),
    ...framer.push(Buffer.from('0123456789')), // now 20 bytes: over the limit, buffer released
    ...framer.push(Buffer.from('xyz\n{"ok":2}\n')),
    ...framer.push(Buffer.from('exactly-16-bytes\n')),
    ...framer.push(Buffer.from('this single line is too long\n{"ok":3}')),
  ];
  assert.deepEqual(out, ['{"ok":1}', '{"ok":2}', 'exactly-16-bytes']);
  assert.deepEqual(overflows, [23, 28]);
  assert.equal(framer.buffered, 8);
  assert.equal(framer.end(), '{"ok":3}', 'a last line without a newline is returned at the end');
});

// -- the MCP surface --------------------------------------------------------------------------------

test('tools, progress, sampling, logging, resources and prompts reach a stdio server through the proxy', async (t) => {
  const proxy = await proxyFor();
  t.after(() => proxy.stop());
  const c = await connectStreamable(proxy.url);
  t.after(() => c.close());
  const info = c.client.getServerVersion();
  assert.equal(info?.name, 'stdio-fixture');
  const tools = await c.client.listTools();
  assert.deepEqual(tools.tools.map((tool) => tool.name).sort(), ['crash', 'echo', 'env', 'huge', 'log', 'sample', 'slow', 'whoami']);

  assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: 'hi' } })), 'hi');
  // Embedded newlines, non-ASCII and a large message survive the newline framing.
  const tricky = 'line one\nline two\r\n\u2028 ünïcødé 𝄞 "quoted" \\ end';
  assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: tricky } })), tricky);
  const big = 'x'.repeat(1024 * 1024) + 'é'.repeat(1000);
  assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: big } })), big);

  const progress: number[] = [];
  const slow = await c.client.callTool({ name: 'slow', arguments: { steps: 3, delayMs: 30 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
  assert.equal(textOf(slow), 'done 3');
  assert.deepEqual(progress, [1, 2, 3]);

  assert.equal(textOf(await c.client.callTool({ name: 'sample', arguments: { prompt: 'ping' } })), 'sampled: ping');

  await c.client.setLoggingLevel('info');
  await c.client.callTool({ name: 'log', arguments: { level: 'warning', message: 'careful' } });
  await eventually(() => c.logs.includes('careful'), 'the log notification');

  const resources = await c.client.listResources();
  assert.deepEqual(
    resources.resources.map((r) => r.uri),
    ['demo://readme'],
  );
  const readme = await c.client.readResource({ uri: 'demo://readme' });
  assert.equal((readme.contents[0] as { text?: string }).text, 'hello from the stdio fixture');

  const prompt = await c.client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } });
  assert.equal((prompt.messages[0]?.content as { text?: string }).text, 'Hello, Ada!');

  // A cancelled request (once it runs: its first progress): the server stops, the session carries on.
  const abort = new AbortController();
  const cancelled = c.client.callTool({ name: 'slow', arguments: { steps: 100, delayMs: 50 } }, undefined, {
    signal: abort.signal,
    onprogress: () => abort.abort('enough'),
  });
  await assert.rejects(cancelled);
  assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: 'after cancel' } })), 'after cancel');
});

test('stdout noise is skipped (logged, counted) and stderr is logged with the backend pid; the session works', async (t) => {
  const proxy = await proxyFor({ args: [FIXTURE, '--noise', '--stderr-chatter'] });
  t.after(() => proxy.stop());
  const c = await connectStreamable(proxy.url);
  t.after(() => c.close());
  const { pid } = await whoami(c);
  assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: 'through the noise' } })), 'through the noise');
  const repair = await proxy.waitForLine((l) => l.reason === 'stdout_noise_skipped' && l.msg === 'repair: stdout_noise_skipped');
  assert.equal(repair.backendPid, pid);
  assert.equal(repair.line, 'Starting stdio-server...');
  await proxy.waitForLine((l) => l.reason === 'stdout_noise_skipped' && l.level === 40);
  const chatter = await proxy.waitForLine((l) => l.stream === 'stderr' && typeof l.msg === 'string' && l.msg.includes('chatter: echo'));
  assert.equal(chatter.backendPid, pid);
  assert.equal(chatter.level, 30, 'stderr is logged at info: it is not an error signal');
  const metrics = await (await fetch(new URL('/metrics', proxy.url))).text();
  assert.match(metrics, /frontdoor_repairs_total\{reason="stdout_noise_skipped",route="\/"\} 1/);
});

// -- crashes ----------------------------------------------------------------------------------------

test('a crash is survived: the in-flight call fails naming the exit, the next call runs on a new process, same session', async (t) => {
  const tag = randomUUID();
  const proxy = await proxyFor({ tag, args: [FIXTURE, '--grandchild'] });
  t.after(() => proxy.stop());
  const c = await connectStreamable(proxy.url);
  t.after(() => c.close());
  const sessionId = c.transport.sessionId;
  const before = await whoami(c);
  assert.ok(before.grandchild && alive(before.grandchild));
  await assert.rejects(c.client.callTool({ name: 'crash', arguments: {} }), /exited with code 3/);
  await proxy.waitForLine((l) => l.reason === 'backend_reconnected');
  const after = await whoami(c);
  assert.notEqual(after.pid, before.pid, 'a new backend process');
  assert.equal(c.transport.sessionId, sessionId);
  assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: 'back' } })), 'back');
  assert.equal(alive(before.pid), false);
  // The crashed server's helper process (same process group) was ended too.
  await eventually(() => !alive(before.grandchild!), 'the crashed server’s grandchild to end');
  assert.deepEqual(processesTagged(tag).sort(), [after.pid, after.grandchild!].sort());
});

test('a server killed with SIGKILL is restarted with backoff and re-handshaken under the same session', async (t) => {
  const proxy = await proxyFor();
  t.after(() => proxy.stop());
  const c = await connectStreamable(proxy.url);
  t.after(() => c.close());
  const sessionId = c.transport.sessionId;
  const first = await whoami(c);
  process.kill(first.pid, 'SIGKILL');
  await proxy.waitForLine((l) => l.reason === 'backend_reconnected');
  const second = await whoami(c);
  assert.notEqual(second.pid, first.pid);
  assert.equal(c.transport.sessionId, sessionId);
  // Again: the reconnect loop is not single-use.
  process.kill(second.pid, 'SIGKILL');
  await eventually(() => countLines(proxy, (l) => l.reason === 'backend_reconnected') === 2, 'the second reconnect');
  const third = await whoami(c);
  assert.notEqual(third.pid, second.pid);
  const drop = await proxy.waitForLine((l) => l.reason === 'backend_exited' && String(l.msg).startsWith('backend channel lost'));
  assert.match(String(drop.msg), /was killed by SIGKILL/);
  assert.match(String(drop.detail), /pid \d+\)/);
});

// -- process lifetime -------------------------------------------------------------------------------

test('one process per client session; DELETE ends that session’s process only', async (t) => {
  const tag = randomUUID();
  const proxy = await proxyFor({ tag });
  t.after(() => proxy.stop());
  const a = await connectStreamable(proxy.url, 'a');
  t.after(() => a.close());
  const b = await connectStreamable(proxy.url, 'b');
  t.after(() => b.close());
  const pa = await whoami(a);
  const pb = await whoami(b);
  assert.notEqual(pa.pid, pb.pid);
  assert.deepEqual(processesTagged(tag).sort(), [pa.pid, pb.pid].sort());
  await a.close(); // DELETE: the session ends, its channel closes stdin, the server exits
  await eventually(() => !alive(pa.pid), 'session a’s process to end');
  assert.equal(alive(pb.pid), true);
  assert.equal(textOf(await b.client.callTool({ name: 'echo', arguments: { text: 'still here' } })), 'still here');
});

test('proxy shutdown (SIGTERM) leaves no backend process behind, grandchildren included', async (t) => {
  const tag = randomUUID();
  const proxy = await proxyFor({ tag, args: [FIXTURE, '--grandchild'] });
  t.after(() => proxy.stop());
  const clients = await Promise.all([connectStreamable(proxy.url), connectStreamable(proxy.url)]);
  t.after(() => Promise.all(clients.map((c) => c.client.close())));
  const seen: number[] = [];
  for (const c of clients) {
    const me = await whoami(c);
    seen.push(me.pid, me.grandchild!);
  }
  assert.equal(new Set(seen).size, 4);
  assert.deepEqual(processesTagged(tag).sort(), [...seen].sort());
  const code = await proxy.stop('SIGTERM');
  assert.equal(code, 0);
  for (const pid of seen) assert.equal(alive(pid), false, `pid ${pid} is gone`);
  assert.deepEqual(processesTagged(tag), []);
});

test('idle-session expiry (--idle-timeout with --config) ends the session’s process', async (t) => {
  const proxy = await proxyFor({}, ['--idle-timeout', '300ms']);
  t.after(() => proxy.stop());
  // A raw session holds no GET stream (the SDK client keeps one open, which keeps a session alive).
  const sessionId = await rawSession(proxy.url);
  const started = await proxy.waitForLine((l) => l.msg === 'stdio backend process started');
  const pid = started.backendPid as number;
  await proxy.waitForLine((l) => l.msg === 'session end' && l.sessionId === sessionId && l.reason === 'idle_timeout', 5_000);
  await eventually(() => !alive(pid), 'the expired session’s process to end', 5_000);
});

test('a server that ignores stdin closing and SIGTERM is SIGKILLed, with what it started', async (t) => {
  const tag = randomUUID();
  const proxy = await proxyFor({ tag, args: [FIXTURE, '--ignore-stdin-close', '--ignore-sigterm', '--grandchild'] });
  t.after(() => proxy.stop());
  const c = await connectStreamable(proxy.url);
  t.after(() => c.close());
  const me = await whoami(c);
  const started = Date.now();
  await c.close();
  await eventually(() => !alive(me.pid) && !alive(me.grandchild!), 'the stubborn server to be killed', 10_000);
  const took = Date.now() - started;
  assert.ok(took >= 4_500, `stdin close (2 s) and SIGTERM (3 s) were given their time (${took} ms)`);
  await proxy.waitForLine((l) => l.reason === 'backend_sigterm');
  await proxy.waitForLine((l) => l.reason === 'backend_sigkill');
  assert.deepEqual(processesTagged(tag), []);
});

// -- start-up failures ------------------------------------------------------------------------------

test('a command that cannot be spawned answers initialize with 502 ERR_BACKEND_UNAVAILABLE backend_spawn_failed', async (t) => {
  const proxy = await proxyFor({ command: '/nonexistent/mcp-server-binary', args: [] });
  t.after(() => proxy.stop());
  const res = await post(proxy.url, initializeBody());
  assert.equal(res.status, 502);
  const [msg] = await messagesOf(res);
  assert.equal(msg.id, 1);
  assert.equal(msg.error.data.code, 'ERR_BACKEND_UNAVAILABLE');
  assert.equal(msg.error.data.reason, 'backend_spawn_failed');
  assert.match(msg.error.message, /cannot start the stdio backend \(ENOENT\)/);
  assert.doesNotMatch(msg.error.message, /nonexistent/, 'the command path stays in the log');
  const line = await proxy.waitForLine((l) => l.errorId === msg.error.data.errorId);
  assert.match(String(line.detail), /"\/nonexistent\/mcp-server-binary": .*ENOENT/);
  // The proxy itself carries on.
  assert.equal((await fetch(new URL('/healthz', proxy.url))).status, 200);
});

test('a server that exits at once answers initialize with 502 naming its exit code; its stderr goes to the log only', async (t) => {
  const proxy = await proxyFor({ args: ['-e', 'console.error("missing API_KEY"); process.exit(7)'] });
  t.after(() => proxy.stop());
  const res = await post(proxy.url, initializeBody());
  assert.equal(res.status, 502);
  const [msg] = await messagesOf(res);
  assert.equal(msg.error.data.code, 'ERR_BACKEND_DISCONNECTED');
  assert.match(msg.error.message, /exited with code 7/);
  assert.doesNotMatch(msg.error.message, /API_KEY/, "the server's stderr is the operator's, not the client's");
  const line = await proxy.waitForLine((l) => l.errorId === msg.error.data.errorId);
  assert.match(String(line.detail), /last stderr: missing API_KEY/);
});
