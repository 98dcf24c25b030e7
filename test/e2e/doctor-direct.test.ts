// `doctor` against Streamable HTTP servers that clients use directly, as fastmcp (TypeScript) and python's
// mcp-proxy serve them (test/fixtures/direct-streamable-server.ts): HTML 404 pages on the OAuth discovery URLs,
// 400 to any session-less request but initialize, and optionally an Origin check. Doctor runs as a CLI process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doctorJson, finding, ids, said } from '../helpers/cli-run.js';
import { post } from '../helpers/http.js';
import { startFixture } from '../helpers/process.js';

const PING = JSON.stringify({ jsonrpc: '2.0', id: 'p', method: 'ping' });

test('Streamable HTTP with HTML 404 OAuth pages: usable as is, the proxy optional → exit 0', { timeout: 30_000 }, async (t) => {
  const server = await startFixture('direct-streamable-server');
  t.after(() => server.stop());
  const d = await doctorJson(server.url);
  assert.equal(d.code, 0);
  assert.equal(d.verdict, 'usable');
  assert.match(d.summary, /clients connect to it directly \(mcp-frontdoor in front is optional\)/);
  assert.deepEqual(ids(d, 'problem'), []);
  assert.ok(
    d.oauth.every((o) => o.status === 404 && o.body === 'html'),
    JSON.stringify(d.oauth),
  );
  // Clients look at the OAuth URLs only after a 401, which this server never sends.
  const oauth = finding(d, 'oauth_error_not_json');
  assert.equal(oauth.severity, 'info');
  assert.match(said(oauth), /Harmless here: no MCP request got a 401 .*Claude Code 2\.1\.330 does not/);
  assert.equal(oauth.fix, undefined, 'nothing to fix');
  assert.match(said(finding(d, 'proxy_optional')), /legacy \/sse face .* client sessions that survive server restarts/);
  assert.equal(d.config?.claudeCode, `claude mcp add --transport http direct-streamable ${server.url}`);
  assert.equal(d.config?.frontdoor, undefined);
});

test('a 400 to a session-less ping says nothing about Origin: the finding comes from initialize', { timeout: 30_000 }, async (t) => {
  const server = await startFixture('direct-streamable-server');
  t.after(() => server.stop());
  // The trap: this server, which checks no Origin, answers a session-less ping with a foreign Origin 400.
  const ping = await post(server.url, PING, { origin: 'http://doctor.invalid' });
  assert.equal(ping.status, 400);
  await ping.body?.cancel();
  const d = await doctorJson(server.url);
  assert.equal(d.hostOrigin?.origin, 'not-checked');
  assert.ok(!ids(d).includes('origin_checked'), JSON.stringify(ids(d)));
  assert.equal(finding(d, 'no_origin_check').title, 'the server does not check Origin: initialize with Origin: http://doctor.invalid was answered');
});

test('an Origin check (400 to initialize with a foreign Origin): the Origin it accepts, browsers, the proxy', { timeout: 30_000 }, async (t) => {
  const server = await startFixture('direct-streamable-server', ['--check-origin', '400', '--origin-host', 'localhost']);
  t.after(() => server.stop());
  const { port } = new URL(server.url);
  const d = await doctorJson(server.url);
  assert.equal(d.code, 0, 'checking Origin breaks no CLI client');
  assert.deepEqual(
    { origin: d.hostOrigin?.origin, status: d.hostOrigin?.foreignOriginStatus, accepted: d.hostOrigin?.acceptedOrigin },
    {
      origin: 'checked',
      status: 400,
      accepted: `http://localhost:${port}`,
    },
  );
  const f = finding(d, 'origin_checked');
  assert.equal(f.severity, 'info');
  assert.match(f.title, /^the server checks Origin: initialize with Origin: http:\/\/doctor\.invalid got 400/);
  const text = said(f);
  assert.ok(text.includes(`It accepts Origin: http://localhost:${port}`), text);
  assert.match(text, /Browser-based clients served from another origin .* get 400 from it/);
  // What the proxy does (backends/legacy-sse/open-channel.ts, backends/streamable-http/channel.ts).
  assert.match(text, /mcp-frontdoor in front never forwards a client's Origin: it sends its backends none/);
});

test('a bare root that is not an MCP endpoint: what Claude Code says there, and the URL to use → exit 1', { timeout: 30_000 }, async (t) => {
  const server = await startFixture('direct-streamable-server');
  t.after(() => server.stop());
  const root = `${new URL(server.url).origin}/`;
  const d = await doctorJson(root);
  assert.equal(d.code, 1);
  assert.equal(d.verdict, 'use-another-url');
  const f = finding(d, 'wrong_path');
  assert.equal(f.title, `nothing MCP at ${root}: the server is at /mcp (Streamable HTTP)`);
  assert.match(said(f), /Claude Code 2\.1\.330 given this URL fails with "MCP endpoint not found"/);
  assert.equal(d.config?.mcpUrl, server.url);
});
