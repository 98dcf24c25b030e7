// The proxy's edge against browsers and forged headers: an Origin that is neither the proxy's own
// nor listed gets 403 on every path (DNS rebinding on a 0.0.0.0 bind included) and is never
// reflected in CORS; CLI clients (no Origin) keep working; Host is checked as before, except by the
// health probes; X-Forwarded-Prefix is believed only from trusted peers and only when it is a plain
// path, since it ends up in the legacy `endpoint` event clients POST to.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFixture, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';
import { connectStreamable, textOf } from '../helpers/clients.js';
import { initializeBody, JSON_AND_SSE, rawSession } from '../helpers/http.js';
import { openLegacy } from '../helpers/sse-reader.js';
import { endpointData, jsonOf, rawRequest, type RawOutcome, type RawRequest } from '../helpers/raw-http.js';

let backendUrl: string;

before(async () => {
  backendUrl = (await startFixture('legacy-sse-server')).url;
});
after(() => stopAll());

const portOf = (proxy: RunningProxy) => Number(new URL(proxy.url).port);
const MCP_POST = { 'content-type': 'application/json', accept: JSON_AND_SSE };
const PING = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' });

/** A port free right now (for --public-url, where the printed URL is the public one). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function configProxy(t: { after(fn: () => unknown): void }, listen: string): Promise<RunningProxy> {
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-edge-'));
  const file = path.join(dir, 'edge.yaml');
  writeFileSync(file, `listen: { port: 0, ${listen} }\nroutes:\n  - path: /\n    backend: { url: "${backendUrl}" }\n`);
  const proxy = await startProxy(['--config', file]);
  t.after(() => proxy.stop());
  return proxy;
}

/** Every kind of path the proxy answers, with a live Streamable HTTP and legacy session to name. */
async function everyPath(proxy: RunningProxy, t: { after(fn: () => unknown): void }): Promise<Array<RawRequest & { name: string }>> {
  const mcpSession = await rawSession(proxy.url);
  const legacy = await openLegacy(new URL('/sse', proxy.url).href);
  t.after(() => legacy.reader.cancel());
  const legacyPath = new URL(legacy.endpoint).pathname + new URL(legacy.endpoint).search;
  const preflight = { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, mcp-session-id' };
  return [
    { name: 'POST /mcp initialize', method: 'POST', path: '/mcp', headers: MCP_POST, body: initializeBody() },
    {
      name: 'POST /mcp on a session',
      method: 'POST',
      path: '/mcp',
      headers: { ...MCP_POST, 'mcp-session-id': mcpSession, 'mcp-protocol-version': '2025-06-18' },
      body: PING,
    },
    {
      name: 'GET /mcp',
      method: 'GET',
      path: '/mcp',
      headers: { accept: 'text/event-stream', 'mcp-session-id': mcpSession, 'mcp-protocol-version': '2025-06-18' },
    },
    { name: 'GET /sse', method: 'GET', path: '/sse', headers: { accept: 'text/event-stream' } },
    { name: 'POST /messages', method: 'POST', path: legacyPath, headers: { 'content-type': 'application/json' }, body: PING },
    { name: 'GET /.well-known/oauth-protected-resource', method: 'GET', path: '/.well-known/oauth-protected-resource' },
    { name: 'GET /.well-known/oauth-protected-resource/mcp', method: 'GET', path: '/.well-known/oauth-protected-resource/mcp' },
    { name: 'GET /.well-known/oauth-authorization-server', method: 'GET', path: '/.well-known/oauth-authorization-server' },
    {
      name: 'POST /register',
      method: 'POST',
      path: '/register',
      headers: { 'content-type': 'application/json' },
      body: '{"redirect_uris":["http://evil.example/cb"]}',
    },
    { name: 'GET /metrics', method: 'GET', path: '/metrics' },
    { name: 'GET /healthz', method: 'GET', path: '/healthz' },
    { name: 'GET /readyz', method: 'GET', path: '/readyz' },
    { name: 'OPTIONS /mcp (preflight)', method: 'OPTIONS', path: '/mcp', headers: preflight },
    {
      name: 'OPTIONS /.well-known/oauth-protected-resource (preflight)',
      method: 'OPTIONS',
      path: '/.well-known/oauth-protected-resource',
      headers: { 'access-control-request-method': 'GET' },
    },
  ];
}

const send = (port: number, r: RawRequest, extra: Record<string, string>) =>
  rawRequest({ ...r, headers: { ...r.headers, ...extra } }, { port, sse: 'abort', timeoutMs: 5_000 });

/** What is wrong with an answer that should be the Origin refusal, or undefined. */
function originRefusalProblem(o: RawOutcome, origin: string): string | undefined {
  const acao = o.headers?.['access-control-allow-origin'];
  if (acao === origin || acao === '*') return `CORS allows it (access-control-allow-origin: ${acao}) with status ${o.status}`;
  if (o.status !== 403) return `status ${o.status ?? o.kind}${o.sse ? ' (an event stream)' : ''}: ${o.body.slice(0, 160)}`;
  const body = jsonOf(o);
  if (body?.jsonrpc !== '2.0' || body?.error?.data?.code !== 'ERR_ORIGIN_REJECTED')
    return `403 without a JSON-RPC ERR_ORIGIN_REJECTED error: ${o.body.slice(0, 160)}`;
  return undefined;
}

async function originRefusals(port: number, paths: Array<RawRequest & { name: string }>, origin: string, host?: string): Promise<string[]> {
  const problems: string[] = [];
  for (const p of paths) {
    const o = await send(port, p, { origin, ...(host ? { host } : {}) });
    const problem = originRefusalProblem(o, origin);
    if (problem) problems.push(`${p.name} with Origin ${origin}${host ? ` and Host ${host}` : ''}: ${problem}`);
  }
  return problems;
}

test('loopback bind: a foreign Origin gets 403 ERR_ORIGIN_REJECTED on every path (health, metrics and OAuth included), never reflected', async (t) => {
  const proxy = await startProxy(['--backend', backendUrl]);
  t.after(() => proxy.stop());
  const port = portOf(proxy);
  const paths = await everyPath(proxy, t);
  const problems: string[] = [];
  for (const origin of ['http://evil.example', `http://evil.example:${port}`, 'null', 'https://localhost.evil.example']) {
    problems.push(...(await originRefusals(port, paths, origin)));
  }
  assert.deepEqual(problems, []);
});

test("loopback bind: loopback Origins are the proxy's own (any port: a local dev UI such as http://localhost:5173)", async (t) => {
  const proxy = await startProxy(['--backend', backendUrl]);
  t.after(() => proxy.stop());
  const port = portOf(proxy);
  for (const origin of ['http://localhost:5173', `http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]) {
    const o = await send(port, { method: 'POST', path: '/mcp', headers: MCP_POST, body: initializeBody() }, { origin });
    assert.equal(o.status, 200, `initialize with Origin ${origin}: ${o.status} ${o.body.slice(0, 200)}`);
  }
});

test('0.0.0.0 bind: DNS rebinding (Host evil.example:P, Origin http://evil.example:P) gets 403 on every path; CLI clients without Origin still work', async (t) => {
  const proxy = await startProxy(['--backend', backendUrl, '--host', '0.0.0.0']);
  t.after(() => proxy.stop());
  const port = portOf(proxy);
  const paths = await everyPath(proxy, t);
  const problems = [
    ...(await originRefusals(port, paths, `http://evil.example:${port}`, `evil.example:${port}`)),
    ...(await originRefusals(port, paths, 'http://evil.example')),
  ];
  assert.deepEqual(problems, []);

  // A CLI client sends no Origin: it initializes and calls tools whatever the bind address.
  const cli = await connectStreamable(proxy.url, 'cli-on-0.0.0.0');
  t.after(() => cli.close());
  assert.equal(textOf(await cli.client.callTool({ name: 'echo', arguments: { text: 'no origin' } })), 'no origin');
});

test("0.0.0.0 bind: a loopback Origin is not the proxy's own (only a loopback bind makes it so)", async (t) => {
  const proxy = await startProxy(['--backend', backendUrl, '--host', '0.0.0.0']);
  t.after(() => proxy.stop());
  const port = portOf(proxy);
  const origin = `http://127.0.0.1:${port}`;
  const o = await send(port, { method: 'POST', path: '/mcp', headers: MCP_POST, body: initializeBody() }, { origin });
  assert.equal(originRefusalProblem(o, origin), undefined);
});

test('an Origin in --allowed-origin is accepted and reflected with Vary: Origin (0.0.0.0 bind)', async (t) => {
  const allowed = 'https://app.example.com';
  const proxy = await startProxy(['--backend', backendUrl, '--host', '0.0.0.0', '--allowed-origin', allowed]);
  t.after(() => proxy.stop());
  const port = portOf(proxy);
  const init = await send(port, { method: 'POST', path: '/mcp', headers: MCP_POST, body: initializeBody() }, { origin: allowed });
  assert.equal(init.status, 200, `${init.status} ${init.body.slice(0, 200)}`);
  assert.equal(init.headers?.['access-control-allow-origin'], allowed);
  assert.match(String(init.headers?.vary ?? ''), /\borigin\b/i);
  assert.ok(init.headers?.['mcp-session-id'], 'the session id is on the answer');
  const preflight = await send(port, { method: 'OPTIONS', path: '/mcp', headers: { 'access-control-request-method': 'POST' } }, { origin: allowed });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers?.['access-control-allow-origin'], allowed);
  // Listing one origin does not open the door to others.
  const other = await send(port, { method: 'POST', path: '/mcp', headers: MCP_POST, body: initializeBody() }, { origin: 'https://evil.example.com' });
  assert.equal(originRefusalProblem(other, 'https://evil.example.com'), undefined);
});

test("--public-url: its origin is the proxy's own", async (t) => {
  const port = await freePort();
  const proxy = await startProxy(['--backend', backendUrl, '--port', String(port), '--public-url', 'https://mcp.example.com']);
  t.after(() => proxy.stop());
  for (const host of [`127.0.0.1:${port}`, 'mcp.example.com']) {
    const o = await send(port, { method: 'POST', path: '/mcp', headers: MCP_POST, body: initializeBody() }, { origin: 'https://mcp.example.com', host });
    assert.equal(o.status, 200, `Host ${host}: ${o.status} ${o.body.slice(0, 200)}`);
  }
  const foreign = await send(port, { method: 'POST', path: '/mcp', headers: MCP_POST, body: initializeBody() }, { origin: 'https://evil.example' });
  assert.equal(originRefusalProblem(foreign, 'https://evil.example'), undefined);
});

test('Host: a loopback bind takes only loopback names, --allowed-host only those; /healthz and /readyz answer any Host but not any Origin', async (t) => {
  const loop = await startProxy(['--backend', backendUrl]);
  t.after(() => loop.stop());
  const wide = await startProxy(['--backend', backendUrl, '--host', '0.0.0.0', '--allowed-host', 'proxy.internal']);
  t.after(() => wide.stop());
  const init = { method: 'POST', path: '/mcp', headers: MCP_POST, body: initializeBody() };
  for (const [proxy, bad] of [
    [loop, 'evil.example'],
    [wide, 'other.example'],
  ] as const) {
    const port = portOf(proxy);
    const refused = await send(port, init, { host: `${bad}:${port}` });
    assert.equal(refused.status, 403, `Host ${bad}: ${refused.body.slice(0, 200)}`);
    assert.equal(jsonOf(refused)?.error?.data?.code, 'ERR_HOST_REJECTED');
    // Orchestrator probes reach the pod by its IP, whatever names the proxy serves.
    for (const probe of ['/healthz', '/readyz']) {
      for (const host of [`10.1.2.3:${port}`, `${bad}:${port}`]) {
        const ok = await send(port, { method: 'GET', path: probe }, { host });
        assert.equal(ok.status, 200, `${probe} with Host ${host}: ${ok.status} ${ok.body.slice(0, 200)}`);
        const browser = await send(port, { method: 'GET', path: probe }, { host, origin: 'http://evil.example' });
        assert.equal(originRefusalProblem(browser, 'http://evil.example'), undefined, `${probe} with Host ${host} and a foreign Origin`);
      }
    }
  }
  const named = await send(portOf(wide), init, { host: `proxy.internal:${portOf(wide)}` });
  assert.equal(named.status, 200, `Host proxy.internal: ${named.status} ${named.body.slice(0, 200)}`);
});

/** The legacy endpoint event's data for GET /sse with these headers. */
async function endpointWith(port: number, headers: Record<string, string>): Promise<string> {
  const o = await rawRequest(
    { method: 'GET', path: '/sse', headers: { accept: 'text/event-stream', ...headers } },
    { port, sse: 'first-event', timeoutMs: 5_000 },
  );
  const data = endpointData(o.firstEvent);
  assert.ok(data, `GET /sse with ${JSON.stringify(headers)}: ${o.status} ${o.firstEvent ?? o.body.slice(0, 200)}`);
  return data;
}

const PREFIXED = /^\/base\/messages\?sessionId=[\x21-\x7e]+$/;
const UNPREFIXED = /^\/messages\?sessionId=[\x21-\x7e]+$/;

test('X-Forwarded-Prefix from a trusted (loopback) peer: a plain path is used, anything else is ignored', async (t) => {
  const proxy = await startProxy(['--backend', backendUrl]);
  t.after(() => proxy.stop());
  const port = portOf(proxy);
  assert.match(await endpointWith(port, { 'x-forwarded-prefix': '/base' }), PREFIXED);
  assert.match(await endpointWith(port, {}), UNPREFIXED);
  const problems: string[] = [];
  const hostile = [
    '//evil.example',
    '/a/../b',
    '/%2e%2e/x',
    '/%2E%2E/x',
    '/a/%2e/b',
    'http://evil.example/x',
    'https://evil.example',
    '/a\\b',
    '/a/./b',
    '/a//b',
    '/.',
    '/base/..',
    'evil.example',
  ];
  for (const prefix of hostile) {
    const data = await endpointWith(port, { 'x-forwarded-prefix': prefix });
    if (!UNPREFIXED.test(data)) problems.push(`X-Forwarded-Prefix ${JSON.stringify(prefix)} gave the endpoint ${JSON.stringify(data)}`);
  }
  assert.deepEqual(problems, []);
});

test('X-Forwarded-Prefix is ignored when listen.trustProxy does not include the peer ([] or 10.0.0.0/8 for a 127.0.0.1 client)', async (t) => {
  for (const trust of ['[]', '["10.0.0.0/8"]']) {
    const proxy = await configProxy(t, `trustProxy: ${trust}`);
    const data = await endpointWith(portOf(proxy), { 'x-forwarded-prefix': '/base' });
    assert.match(data, UNPREFIXED, `trustProxy ${trust}`);
  }
});
