// `mcp-frontdoor doctor URL`, run as a child process (`--json`) against real fixture servers, each
// misbehaving in one documented way, and against the proxy itself. Asserts the diagnosis (finding
// ids, transport, endpoint form, config) and the exit code. Nothing here is timed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { Diagnosis } from '../../src/cli/doctor/diagnose.js';
import { PROXY_MAIN, startFixture, startProxy, stopAll } from '../helpers/process.js';

interface DoctorRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function runDoctor(args: string[]): Promise<DoctorRun> {
  const child = spawn(process.execPath, [PROXY_MAIN, 'doctor', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

async function doctor(url: string): Promise<Diagnosis & { code: number | null }> {
  const run = await runDoctor([url, '--json', '--timeout', '3000']);
  assert.equal(run.stderr, '', 'nothing on stderr');
  const diagnosis = JSON.parse(run.stdout) as Diagnosis;
  assert.equal(run.code, diagnosis.exitCode, 'the exit code is the one in the JSON');
  return { ...diagnosis, code: run.code };
}

const ids = (d: Diagnosis, severity?: string) => d.findings.filter((f) => !severity || f.severity === severity).map((f) => f.id);
const finding = (d: Diagnosis, id: string) => {
  const f = d.findings.find((x) => x.id === id);
  assert.ok(f, `finding ${id} in ${JSON.stringify(ids(d))}`);
  return f;
};

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

test('the proxy /mcp: Streamable HTTP, JSON OAuth 404s, Host/Origin enforced → exit 0', { timeout: 20_000 }, async () => {
  const d = await doctor(proxyUrl);
  assert.equal(d.code, 0);
  assert.equal(d.verdict, 'usable');
  assert.equal(d.transport, 'streamable-http');
  assert.deepEqual(ids(d, 'problem'), []);
  for (const id of ['streamable_http', 'initialized_not_required', 'oauth_probes_clean', 'enforces_host_origin']) finding(d, id);
  assert.ok(
    d.oauth.every((o) => o.body === 'oauth-error-json'),
    JSON.stringify(d.oauth),
  );
  assert.equal(d.config?.mcpUrl, proxyUrl);
  assert.equal(d.config?.frontdoor, undefined);
  assert.equal(d.config?.claudeCode, `claude mcp add --transport http legacy-sse-fixture ${proxyUrl}`);
});

test('an SDK Streamable HTTP server: the transport works; its JSON-RPC-shaped OAuth 404s are flagged → exit 1', { timeout: 20_000 }, async () => {
  const d = await doctor(streamableUrl);
  assert.equal(d.transport, 'streamable-http');
  finding(d, 'streamable_http');
  assert.equal(d.endpoints[0]?.server?.name, 'mcp-frontdoor-conformance-fixture');
  assert.equal(d.endpoints[0]?.initialized, 'tolerant');
  assert.equal(d.hostOrigin?.enforced, true);
  // Its 404 body is {"jsonrpc":"2.0","error":{…}}: the TS SDK's OAuth error parser rejects that too.
  assert.match(finding(d, 'oauth_error_not_json').detail ?? '', /Invalid OAuth error response/);
  assert.equal(d.code, 1);
  assert.equal(d.verdict, 'needs-server-fix');
  assert.equal(d.config?.mcpUrl, streamableUrl);
});

test('a legacy SSE server given its /sse URL → exit 1, legacy SSE, mcp-frontdoor --backend URL', { timeout: 20_000 }, async () => {
  const d = await doctor(legacyUrl);
  assert.equal(d.code, 1);
  assert.equal(d.transport, 'legacy-sse');
  assert.equal(d.verdict, 'needs-proxy');
  assert.equal(finding(d, 'legacy_sse_only').severity, 'problem');
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
});

test('HTML 404s on OAuth probes: flagged, with what Claude Code will say', { timeout: 20_000 }, async () => {
  const d = await doctor(html404Url);
  assert.equal(d.code, 1);
  assert.ok(d.oauth.length > 0 && d.oauth.every((o) => o.status === 404 && o.body === 'html'), JSON.stringify(d.oauth));
  const f = finding(d, 'oauth_error_not_json');
  assert.match(f.title, /HTML/);
  assert.match(f.detail ?? '', /HTTP 404: Invalid OAuth error response/);
});

test('a server guarding Host/Origin is reported as enforcing them', { timeout: 20_000 }, async () => {
  const d = await doctor(guardedUrl);
  assert.equal(d.transport, 'legacy-sse');
  assert.deepEqual({ ...d.hostOrigin, url: undefined }, { url: undefined, enforced: true, foreignOriginStatus: 403, foreignHostStatus: 421 });
  finding(d, 'enforces_host_origin');
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

test('doctor usage errors: one line, exit 2', { timeout: 20_000 }, async () => {
  for (const args of [[], ['ftp://example.com/sse'], ['http://127.0.0.1:1/sse', '--timeout', 'soon'], ['http://127.0.0.1:1/sse', '--bogus']]) {
    const r = await runDoctor(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^mcp-frontdoor: /);
  }
});
