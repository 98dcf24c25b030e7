// `mcp-frontdoor doctor URL`, run as a child process (`--json`) against real fixture servers, each
// misbehaving in one documented way, and against the proxy itself. Asserts the diagnosis (finding
// ids, transport, endpoint form, config) and the exit code. Nothing here is timed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startFixture, startProxy, stopAll } from '../helpers/process.js';
import { doctorJson as doctor, finding, ids, runDoctor, said } from '../helpers/cli-run.js';

let legacyUrl: string;
let wrongHostUrl: string;
let strictUrl: string;
let html404Url: string;
let guardedUrl: string;
let streamableUrl: string;
let proxyUrl: string;

before(async () => {
  const [legacy, wrongHost, strict, html404, guarded, streamable] = await Promise.all([
    startFixture('legacy-sse-server'),
    startFixture('legacy-sse-server', ['--endpoint-style', 'absolute-wrong-host']),
    startFixture('quirky-sse-server', ['--strict', '--crlf']),
    startFixture('quirky-sse-server', ['--html-404']),
    startFixture('quirky-sse-server', ['--guard-host']),
    startFixture('conformance-server', ['--transport', 'streamable-http']),
  ]);
  [legacyUrl, wrongHostUrl, strictUrl, html404Url, guardedUrl, streamableUrl] = [
    legacy.url,
    wrongHost.url,
    strict.url,
    html404.url,
    guarded.url,
    streamable.url,
  ];
  proxyUrl = (await startProxy(['--backend', legacyUrl])).url;
});
after(() => stopAll());

test('the proxy /mcp: Streamable HTTP, JSON OAuth 404s, Origin checked → exit 0', { timeout: 20_000 }, async () => {
  const d = await doctor(proxyUrl);
  assert.equal(d.code, 0);
  assert.equal(d.verdict, 'usable');
  assert.equal(d.transport, 'streamable-http');
  assert.deepEqual(ids(d, 'problem'), []);
  for (const id of ['streamable_http', 'initialized_not_required', 'oauth_probes_clean', 'origin_checked', 'proxy_optional']) finding(d, id);
  assert.ok(
    d.oauth.every((o) => o.body === 'oauth-error-json'),
    JSON.stringify(d.oauth),
  );
  assert.equal(d.config?.mcpUrl, proxyUrl);
  assert.equal(d.config?.frontdoor, undefined);
  assert.equal(d.config?.claudeCode, `claude mcp add --transport http legacy-sse-fixture ${proxyUrl}`);
});

test('an SDK Streamable HTTP server: usable as is; its JSON-RPC-shaped OAuth 404s are noted, not a problem → exit 0', { timeout: 20_000 }, async () => {
  const d = await doctor(streamableUrl);
  assert.equal(d.transport, 'streamable-http');
  finding(d, 'streamable_http');
  assert.equal(d.endpoints[0]?.server?.name, 'mcp-frontdoor-conformance-fixture');
  assert.equal(d.endpoints[0]?.initialized, 'tolerant');
  assert.deepEqual({ origin: d.hostOrigin?.origin, host: d.hostOrigin?.host }, { origin: 'checked', host: 'checked' });
  // Its 404 body is {"jsonrpc":"2.0","error":{…}}: the TS SDK's OAuth error parser rejects that, but
  // clients never get there, since initialize works without a 401.
  const oauth = finding(d, 'oauth_error_not_json');
  assert.equal(oauth.severity, 'info');
  assert.match(oauth.detail ?? '', /Invalid OAuth error response/);
  assert.deepEqual(ids(d, 'problem'), []);
  assert.equal(d.code, 0);
  assert.equal(d.verdict, 'usable');
  assert.equal(d.config?.mcpUrl, streamableUrl);
});

test('a legacy SSE server given its /sse URL → exit 1, legacy SSE, mcp-frontdoor --backend URL', { timeout: 20_000 }, async () => {
  const d = await doctor(legacyUrl);
  assert.equal(d.code, 1);
  assert.equal(d.transport, 'legacy-sse');
  assert.equal(d.verdict, 'needs-proxy');
  const legacy = finding(d, 'legacy_sse_only');
  assert.equal(legacy.severity, 'problem');
  assert.match(said(legacy), /Claude Code 2\.1\.330 \(claude mcp add --transport http\) falls back to SSE by itself at this \/sse URL/);
  finding(d, 'endpoint_relative');
  assert.equal(d.endpoints[0]?.endpointEvent?.form, 'relative');
  assert.equal(d.config?.frontdoor?.command, `mcp-frontdoor --backend ${legacyUrl}`);
  assert.match(d.config?.frontdoor?.yaml ?? '', new RegExp(`url: ${legacyUrl}`));
  assert.equal(d.config?.mcpUrl, 'http://127.0.0.1:8080/mcp');

  // The same, as people read it.
  const text = await runDoctor([legacyUrl]);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /only legacy HTTP\+SSE/);
  assert.ok(text.stdout.includes(`mcp-frontdoor --backend ${legacyUrl}`), text.stdout);
  assert.ok(text.stdout.includes('claude mcp add --transport http legacy-sse-fixture http://127.0.0.1:8080/mcp'), text.stdout);
});

test('a legacy SSE server given only its origin → exit 1, the server is at /sse', { timeout: 20_000 }, async () => {
  const origin = new URL(legacyUrl).origin;
  const d = await doctor(origin);
  assert.equal(d.code, 1);
  assert.equal(d.transport, 'none');
  assert.match(finding(d, 'wrong_path').title, /the server is at \/sse \(legacy HTTP\+SSE\)/);
  assert.equal(d.endpoints.find((e) => e.url === legacyUrl)?.transport, 'legacy-sse');
  assert.equal(d.config?.frontdoor?.backend, legacyUrl);
});

test('an endpoint event with another origin (http://0.0.0.0:…) is flagged unusable', { timeout: 20_000 }, async () => {
  const d = await doctor(wrongHostUrl);
  assert.equal(d.code, 1);
  assert.equal(d.endpoints[0]?.endpointEvent?.form, 'absolute-other-origin');
  const f = finding(d, 'endpoint_other_origin');
  assert.equal(f.severity, 'problem');
  assert.match(f.title, /http:\/\/0\.0\.0\.0:/);
  assert.match(f.detail ?? '', /Endpoint origin does not match connection origin/);
  // Its path on the right origin works, which is what mcp-frontdoor uses.
  assert.equal(d.verdict, 'needs-proxy');
});

test('a strict server (-32602 before notifications/initialized, CRLF stream) requires initialized', { timeout: 20_000 }, async () => {
  const d = await doctor(strictUrl);
  assert.equal(d.code, 1);
  assert.equal(d.endpoints[0]?.initialized, 'strict');
  const f = finding(d, 'initialized_required');
  assert.equal(f.severity, 'problem');
  assert.match(f.detail ?? '', /-32602/);
  assert.match(f.fix ?? '', /handshake repair covers it/);
});

test('HTML 404s on OAuth probes of a server that never answers 401: noted with what Claude Code would say, not a problem', { timeout: 20_000 }, async () => {
  const d = await doctor(html404Url);
  assert.equal(d.code, 1, 'exit 1 for the legacy transport only');
  assert.deepEqual(ids(d, 'problem'), ['legacy_sse_only']);
  assert.ok(d.oauth.length > 0 && d.oauth.every((o) => o.status === 404 && o.body === 'html'), JSON.stringify(d.oauth));
  const f = finding(d, 'oauth_error_not_json');
  assert.equal(f.severity, 'info');
  assert.match(f.title, /HTML/);
  assert.match(f.detail ?? '', /HTTP 404: Invalid OAuth error response/);
  assert.match(f.detail ?? '', /Harmless here: no MCP request got a 401/);
});

test('a legacy server guarding Host/Origin (FastMCP): both checks reported from initialize', { timeout: 20_000 }, async () => {
  const d = await doctor(guardedUrl);
  assert.equal(d.transport, 'legacy-sse');
  assert.deepEqual(
    { ...d.hostOrigin, url: undefined },
    { url: undefined, origin: 'checked', foreignOriginStatus: 403, host: 'checked', foreignHostStatus: 421 },
  );
  // It refuses every Origin, its own included: only requests without one get in.
  assert.match(said(finding(d, 'origin_checked')), /accepted none of http:\/\/127\.0\.0\.1:\d+, http:\/\/localhost:\d+/);
  finding(d, 'host_checked');
  // A legacy server whose own checks pass for the doctor's requests: initialize worked.
  assert.match(d.endpoints[0]?.detail ?? '', /protocol 2024-11-05/);
});

test('a closed port → exit 2', { timeout: 20_000 }, async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const d = await doctor(`http://127.0.0.1:${port}/mcp`);
  assert.equal(d.code, 2);
  assert.equal(d.verdict, 'unreachable');
  assert.deepEqual(ids(d), ['unreachable']);
  assert.equal(d.config, null);
});

test('doctor usage errors: one line, exit 2, no --header value echoed', { timeout: 20_000 }, async () => {
  for (const args of [
    [],
    ['ftp://example.com/sse'],
    ['http://127.0.0.1:1/sse', '--timeout', 'soon'],
    ['http://127.0.0.1:1/sse', '--bogus'],
    ['http://127.0.0.1:1/sse', '--header', 'Bearer secret-no-colon-4e1f'],
    ['http://127.0.0.1:1/sse', '--header', 'X-Key: secret-twice-4e1f', '--header', 'x-key: secret-twice-4e1f'],
    ['http://127.0.0.1:1/sse', '--header', 'Origin: http://secret-origin-4e1f'],
  ]) {
    const r = await runDoctor(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^mcp-frontdoor: /);
    assert.ok(!r.stderr.includes('secret-'), r.stderr);
  }
});

test('doctor --help documents --header and the exit codes', { timeout: 20_000 }, async () => {
  const r = await runDoctor(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /doctor URL \[--header K:V\]/);
  assert.match(r.stdout, /Exit 0: clients can use the URL as is; 1: they need the\s+proxy, another URL or a server fix; 2: could not tell/);
});
