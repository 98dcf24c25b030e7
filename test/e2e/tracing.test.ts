// OpenTelemetry traces, end to end with real processes: an OTLP/HTTP receiver started here, the proxy
// exporting to it (OTEL_EXPORTER_OTLP_ENDPOINT, http/json), a legacy SSE backend whose `meta` tool
// answers with the params._meta it received, and the MCP SDK client sending a W3C traceparent. One
// trace must run client → proxy (SERVER span) → backend exchange (CLIENT span) → server.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { FIXTURES_DIR, startFixture, startProxy, type RunningProxy } from '../helpers/process.js';
import { textOf } from '../helpers/clients.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { fileScope } from '../helpers/file-scope.js';
import { SPAN_KIND, STATUS_ERROR, startOtlpReceiver, type ExportedSpan, type OtlpReceiver } from '../helpers/otlp-receiver.js';

const scope = fileScope();
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${CLIENT_SPAN}-01`;
const TRACESTATE = 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE';
const META_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const META_SPAN = 'b7ad6b7169203331';
const META_TRACEPARENT = `00-${META_TRACE_ID}-${META_SPAN}-01`;

/** No OTel setting of the environment running the tests may leak into the proxies started here. */
const NO_OTEL: NodeJS.ProcessEnv = Object.fromEntries(
  Object.keys(process.env)
    .filter((k) => k.startsWith('OTEL_'))
    .map((k) => [k, '']),
);

let receiver: OtlpReceiver;
let backendUrl: string;
/** A backend URL carrying credentials in its userinfo and query: spans must never show them. */
let secretBackendUrl: string;

/** Starts a proxy whose module imports of `@opentelemetry/*` are written to a file (test/fixtures/module-watch.ts). */
async function proxyWatched(config: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<{ proxy: RunningProxy; modules: () => string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-tracing-'));
  scope.after(() => rmSync(dir, { recursive: true, force: true }));
  const watchFile = path.join(dir, 'modules.txt');
  const cfg = writeConfigFile(config);
  scope.after(() => cfg.dispose());
  const proxy = await startProxy(['--config', cfg.file], {
    env: {
      ...NO_OTEL,
      ...env,
      MODULE_WATCH_FILE: watchFile,
      NODE_OPTIONS: `--import ${pathToFileURL(path.join(FIXTURES_DIR, 'module-watch.js')).href}`,
    },
  });
  scope.after(() => proxy.stop());
  return { proxy, modules: () => (existsSync(watchFile) ? readFileSync(watchFile, 'utf8').split('\n').filter(Boolean) : []) };
}

function routeTo(url: string, tracing?: Record<string, unknown>) {
  return {
    listen: { port: 0 },
    limits: { requestTimeout: '1s' },
    routes: [{ path: '/', backend: { transport: 'sse', url }, tools: { deny: ['add'] } }],
    ...(tracing ? { observability: { tracing } } : {}),
  };
}

/** An http server on 127.0.0.1:0 answering every request with `status`; its URL. */
async function answering(status: number): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  scope.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'tracing-e2e', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  await client.connect(transport);
  scope.after(async () => {
    await transport.terminateSession().catch(() => undefined);
    await client.close();
  });
  return { client, transport };
}

/** What the backend's `meta` tool saw in params._meta. */
async function backendMeta(client: Client, meta?: Record<string, unknown>): Promise<Record<string, unknown>> {
  return JSON.parse(textOf(await client.callTool({ name: 'meta', arguments: {}, ...(meta ? { _meta: meta } : {}) }))) as Record<string, unknown>;
}

const named = (name: string, kind: number) => (s: ExportedSpan) => s.name === name && s.kind === kind;

before(async () => {
  receiver = await startOtlpReceiver();
  scope.after(() => receiver.close());
  const backend = await startFixture('legacy-sse-server');
  scope.after(() => backend.stop());
  backendUrl = backend.url;
  const u = new URL(backend.url);
  u.username = 'alice';
  u.password = 's3cret';
  u.search = '?token=s3cret';
  secretBackendUrl = u.href;
});

test('tracing on: client → proxy → backend is one trace, with the MCP attributes', async () => {
  // The environment wins over observability.tracing: the config's collector refuses everything.
  const { proxy, modules } = await proxyWatched(routeTo(secretBackendUrl, { endpoint: await answering(400), serviceName: 'from-config' }), {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_SERVICE_NAME: 'frontdoor-under-test',
  });
  await proxy.waitForLine((l) => l.reason === 'tracing_on');
  const { client, transport } = await connect(proxy.url, { traceparent: TRACEPARENT, tracestate: TRACESTATE });
  const seen = await backendMeta(client);

  const [server] = await receiver.waitFor(named('tools/call meta', SPAN_KIND.server));
  const [backend] = await receiver.waitFor(named('tools/call meta', SPAN_KIND.client));
  // The proxy's server span continues the client's trace, as a child of the client's span.
  assert.equal(server!.traceId, TRACE_ID);
  assert.equal(server!.parentSpanId, CLIENT_SPAN);
  // The backend exchange is its child, and the backend got that span's context (and the client's tracestate).
  assert.equal(backend!.traceId, TRACE_ID);
  assert.equal(backend!.parentSpanId, server!.spanId);
  assert.equal(seen.traceparent, `00-${TRACE_ID}-${backend!.spanId}-01`);
  assert.equal(seen.tracestate, TRACESTATE);

  assert.deepEqual(
    {
      method: server!.attributes['mcp.method.name'],
      tool: server!.attributes['gen_ai.tool.name'],
      operation: server!.attributes['gen_ai.operation.name'],
      session: server!.attributes['mcp.session.id'],
      route: server!.attributes['frontdoor.route'],
      face: server!.attributes['frontdoor.face'],
      transport: server!.attributes['frontdoor.backend.transport'],
      outcome: server!.attributes['frontdoor.outcome'],
      protocol: server!.attributes['mcp.protocol.version'],
    },
    {
      method: 'tools/call',
      tool: 'meta',
      operation: 'execute_tool',
      session: transport.sessionId,
      route: '/',
      face: 'streamable-http',
      transport: 'sse',
      outcome: 'ok',
      protocol: transport.protocolVersion,
    },
  );
  assert.equal(typeof server!.attributes['jsonrpc.request.id'], 'string');
  assert.equal(server!.status.code ?? 0, 0);
  const port = Number(new URL(backendUrl).port);
  assert.equal(backend!.attributes['frontdoor.backend.url'], `http://[redacted]@127.0.0.1:${port}/sse?token=[redacted]`);
  assert.equal(backend!.attributes['server.address'], '127.0.0.1');
  assert.equal(backend!.attributes['server.port'], port);
  assert.equal(backend!.attributes['network.transport'], 'tcp');
  assert.equal(backend!.attributes['frontdoor.outcome'], 'ok');
  assert.equal(server!.resource['service.name'], 'frontdoor-under-test');

  // initialize is traced too (a server span; the backend handshake belongs to the link, not to one request).
  const [init] = await receiver.waitFor(
    (s) => s.name === 'initialize' && s.kind === SPAN_KIND.server && s.attributes['mcp.session.id'] === transport.sessionId,
  );
  assert.equal(init!.traceId, TRACE_ID);
  // No credential of the backend URL ever reaches the collector.
  assert.ok(!receiver.bodies.some((b) => b.includes('s3cret') || b.includes('alice')));
  // The positive control of the module check of the test "tracing off".
  assert.ok(modules().includes('@opentelemetry/sdk-trace-base'), modules().join(', '));
});

test('tracing on: params._meta.traceparent is the parent; the HTTP header context becomes a link', async () => {
  const { proxy } = await proxyWatched(routeTo(backendUrl), { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' });
  const { client } = await connect(proxy.url, { traceparent: TRACEPARENT });
  const seen = await backendMeta(client, { traceparent: META_TRACEPARENT });
  const [server] = await receiver.waitFor((s) => s.kind === SPAN_KIND.server && s.traceId === META_TRACE_ID);
  assert.equal(server!.parentSpanId, META_SPAN);
  assert.deepEqual(server!.links, [{ traceId: TRACE_ID, spanId: CLIENT_SPAN }]);
  const [backend] = await receiver.waitFor((s) => s.kind === SPAN_KIND.client && s.traceId === META_TRACE_ID);
  assert.equal(seen.traceparent, `00-${META_TRACE_ID}-${backend!.spanId}-01`);
});

test('tracing on: the legacy SSE face continues the traceparent of each POST /messages', async () => {
  const { proxy } = await proxyWatched(routeTo(backendUrl), { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' });
  const client = new Client({ name: 'tracing-e2e-legacy', version: '1.0.0' });
  await client.connect(new SSEClientTransport(new URL('/sse', proxy.origin), { requestInit: { headers: { traceparent: TRACEPARENT } } }));
  scope.after(() => client.close());
  const seen = await backendMeta(client);
  const [server] = await receiver.waitFor(
    (s) => s.kind === SPAN_KIND.server && s.name === 'tools/call meta' && s.attributes['frontdoor.face'] === 'legacy-sse',
  );
  assert.equal(server!.traceId, TRACE_ID);
  assert.equal(server!.parentSpanId, CLIENT_SPAN);
  const [backend] = await receiver.waitFor((s) => s.parentSpanId === server!.spanId);
  assert.equal(seen.traceparent, `00-${TRACE_ID}-${backend!.spanId}-01`);
});

test('tracing on: tool errors and errors are recorded on the spans, with the JSON-RPC code and the errorId', async () => {
  const { proxy } = await proxyWatched(routeTo(backendUrl), { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' });
  const { client, transport } = await connect(proxy.url);
  const session = (s: ExportedSpan) => s.attributes['mcp.session.id'] === transport.sessionId;

  assert.equal((await client.callTool({ name: 'fail', arguments: {} })).isError, true);
  const [toolError] = await receiver.waitFor((s) => session(s) && named('tools/call fail', SPAN_KIND.server)(s));
  assert.equal(toolError!.attributes['frontdoor.outcome'], 'tool_error');
  assert.equal(toolError!.attributes['error.type'], 'tool_error');
  assert.equal(toolError!.status.code, STATUS_ERROR);

  // A hidden tool (tools.deny) is answered by the proxy: an error with its errorId, and no backend span.
  const denied = await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } }).catch((e: unknown) => e);
  assert.ok(denied instanceof McpError);
  const [refused] = await receiver.waitFor((s) => session(s) && named('tools/call add', SPAN_KIND.server)(s));
  assert.equal(refused!.attributes['frontdoor.outcome'], 'error');
  assert.equal(refused!.attributes['rpc.response.status_code'], String(denied.code));
  assert.equal(refused!.attributes['error.type'], String(denied.code));
  assert.equal(refused!.attributes['frontdoor.error_id'], (denied.data as { errorId: string }).errorId);
  assert.equal(refused!.status.code, STATUS_ERROR);
  assert.ok(!receiver.spans.some((s) => session(s) && named('tools/call add', SPAN_KIND.client)(s)));

  // limits.requestTimeout (1s here): the proxy answers; both spans say so, with the errorId the client got.
  const timedOut = await client.callTool({ name: 'slow', arguments: { steps: 1, delayMs: 5_000 } }).catch((e: unknown) => e);
  assert.ok(timedOut instanceof McpError);
  const errorId = (timedOut.data as { errorId: string }).errorId;
  const [server] = await receiver.waitFor((s) => session(s) && named('tools/call slow', SPAN_KIND.server)(s));
  assert.equal(server!.attributes['frontdoor.error_id'], errorId);
  assert.equal(server!.attributes['frontdoor.error_code'], 'ERR_BACKEND_TIMEOUT');
  assert.equal(server!.attributes['rpc.response.status_code'], String(timedOut.code));
  const [backend] = await receiver.waitFor((s) => s.parentSpanId === server!.spanId);
  assert.equal(backend!.attributes['error.type'], 'request_timeout');
  assert.equal(backend!.attributes['frontdoor.error_id'], errorId);
  assert.equal(backend!.status.code, STATUS_ERROR);
});

test('tracing on: a malformed client traceparent is dropped; the request succeeds in a trace of its own', async () => {
  const { proxy } = await proxyWatched(routeTo(backendUrl), { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' });
  const bad = `00-${TRACE_ID.toUpperCase()}-${CLIENT_SPAN}-01`; // W3C: lowercase hex only
  const { client, transport } = await connect(proxy.url, { traceparent: bad });
  const seen = await backendMeta(client, { traceparent: `ff-${META_TRACE_ID}-${META_SPAN}-01`, tracestate: TRACESTATE });
  const [server] = await receiver.waitFor(
    (s) => s.kind === SPAN_KIND.server && s.name === 'tools/call meta' && s.attributes['mcp.session.id'] === transport.sessionId,
  );
  assert.equal(server!.parentSpanId, '');
  assert.notEqual(server!.traceId, TRACE_ID.toLowerCase());
  assert.notEqual(server!.traceId, META_TRACE_ID);
  // The backend continues the proxy's trace, and the client's tracestate went with its broken traceparent.
  assert.match(String(seen.traceparent), new RegExp(`^00-${server!.traceId}-[0-9a-f]{16}-01$`));
  assert.equal(seen.tracestate, undefined);
});

test('tracing on: a cancelled request ends its spans at once, as cancelled', async () => {
  const { proxy } = await proxyWatched(routeTo(backendUrl), { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' });
  const { client, transport } = await connect(proxy.url);
  const ac = new AbortController();
  // Cancelled once it runs at the backend (its first progress). limits.requestTimeout (1s) would end it too, as an error.
  const call = client.callTool({ name: 'slow', arguments: { steps: 100, delayMs: 50 } }, undefined, {
    signal: ac.signal,
    onprogress: () => ac.abort('test cancels'),
  });
  await assert.rejects(call);
  const [server] = await receiver.waitFor(
    (s) => s.kind === SPAN_KIND.server && s.name === 'tools/call slow' && s.attributes['mcp.session.id'] === transport.sessionId,
  );
  assert.equal(server!.attributes['frontdoor.outcome'], 'cancelled');
  assert.equal(server!.status.code ?? 0, 0);
  const [backend] = await receiver.waitFor((s) => s.parentSpanId === server!.spanId);
  assert.equal(backend!.attributes['frontdoor.outcome'], 'cancelled');
});

test('observability.tracing: endpoint, serviceName, and sampleRatio 0 records only what continues a sampled client trace', async () => {
  const { proxy } = await proxyWatched(routeTo(backendUrl, { endpoint: receiver.url, serviceName: 'from-config', sampleRatio: 0 }), {
    OTEL_BSP_SCHEDULE_DELAY: '50',
  });
  const sampled = await connect(proxy.url, { traceparent: TRACEPARENT });
  await backendMeta(sampled.client);
  const [server] = await receiver.waitFor(
    (s) => s.kind === SPAN_KIND.server && s.name === 'tools/call meta' && s.attributes['mcp.session.id'] === sampled.transport.sessionId,
  );
  assert.equal(server!.resource['service.name'], 'from-config');
  // A new trace is not sampled at ratio 0, yet the backend still gets a context (not sampled) to continue.
  const plain = await connect(proxy.url);
  const seen = await backendMeta(plain.client);
  assert.match(String(seen.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  assert.equal(await proxy.stop('SIGTERM'), 0); // exports everything buffered
  assert.ok(!receiver.spans.some((s) => s.attributes['mcp.session.id'] === plain.transport.sessionId));
  assert.ok(!receiver.spans.some((s) => String(seen.traceparent).includes(s.traceId)));
});

test('a collector that refuses spans is logged, without the credentials of its URL', async () => {
  const refusing = new URL(await answering(400));
  refusing.username = 'otel';
  refusing.password = 's3cret';
  const { proxy } = await proxyWatched(routeTo(backendUrl, { endpoint: refusing.href }), { OTEL_BSP_SCHEDULE_DELAY: '50' });
  const { client } = await connect(proxy.url);
  await backendMeta(client);
  const line = await proxy.waitForLine((l) => l.reason === 'trace_export_failed');
  assert.equal(line.endpoint, `http://[redacted]@127.0.0.1:${refusing.port}/v1/traces`);
  assert.ok(!proxy.lines.some((l) => l.includes('s3cret')));
});

test('tracing off: no OpenTelemetry module is loaded, nothing is logged about it, the client context passes through', async () => {
  const { proxy, modules } = await proxyWatched(routeTo(backendUrl), {});
  const { client } = await connect(proxy.url, { traceparent: TRACEPARENT, tracestate: TRACESTATE });
  // The header context reaches the backend in params._meta, unchanged.
  assert.deepEqual(await backendMeta(client), { traceparent: TRACEPARENT, tracestate: TRACESTATE });
  // The message's own context wins over the header's, and goes on as the client wrote it.
  assert.deepEqual(await backendMeta(client, { traceparent: META_TRACEPARENT, baggage: 'k=v' }), { traceparent: META_TRACEPARENT, baggage: 'k=v' });
  // Malformed: dropped (the header's valid context takes its place), never an error.
  const zeros = `00-${'0'.repeat(32)}-${META_SPAN}-01`;
  assert.deepEqual(await backendMeta(client, { traceparent: zeros, tracestate: TRACESTATE }), { traceparent: TRACEPARENT, tracestate: TRACESTATE });
  assert.deepEqual(modules(), []);
  const said = proxy.lines.map((l) => JSON.parse(l) as { msg?: string; reason?: string });
  assert.ok(!said.some((l) => /tracing|opentelemetry|otlp/i.test(`${l.msg} ${l.reason}`)), proxy.lines.join('\n'));
});

test('tracing off: a malformed header traceparent reaches nobody', async () => {
  const { proxy } = await proxyWatched(routeTo(backendUrl), {});
  const { client } = await connect(proxy.url, { traceparent: `${TRACEPARENT}-extra`, tracestate: TRACESTATE });
  assert.deepEqual(await backendMeta(client), {});
});

test('SIGTERM exports the spans still buffered', async () => {
  // A schedule delay far beyond the test: only the shutdown's flush can send this span.
  const { proxy } = await proxyWatched(routeTo(backendUrl), { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '600000' });
  const { client, transport } = await connect(proxy.url);
  await backendMeta(client);
  const sessionId = transport.sessionId;
  const mine = (s: ExportedSpan) => s.name === 'tools/call meta' && s.attributes['mcp.session.id'] === sessionId;
  assert.ok(!receiver.spans.some(mine));
  // The proxy exits once the export is done: its spans are here when it is gone.
  assert.equal(await proxy.stop('SIGTERM'), 0);
  const server = receiver.spans.find(mine);
  assert.ok(server, 'the server span was exported at shutdown');
  assert.ok(receiver.spans.some((s) => s.parentSpanId === server.spanId && s.kind === SPAN_KIND.client));
});
