// `doctor --header` against n8n's MCP Server Trigger as its clients meet it (test/fixtures/n8n-trigger-server.ts):
// header or bearer auth answer 403 to everything without the header; v2 serves legacy SSE at its base URL (no
// /sse, which users append out of habit); newer triggers also speak Streamable HTTP there. Doctor runs as a CLI
// process; the header values must never appear in its output. The suggested proxy command is then run, with the
// value put back, and a real SDK client calls a tool through it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectStreamable, textOf } from '../helpers/clients.js';
import { doctorJson, finding, ids, runDoctor, said } from '../helpers/cli-run.js';
import { startFixture, startProxy } from '../helpers/process.js';

const KEY = 'n8n-key-7c41e9b2';
const TOKEN = 'bearer-token-5d0a3f86';

test('n8n trigger with header auth at <base>/sse, no --header: the server refused the probes, pass --header → exit 2', { timeout: 30_000 }, async (t) => {
  const n8n = await startFixture('n8n-trigger-server', ['--header-auth', `X-N8N-Key:${KEY}`]);
  t.after(() => n8n.stop());
  const d = await doctorJson(`${n8n.url}/sse`);
  assert.equal(d.code, 2);
  assert.equal(d.verdict, 'needs-credentials');
  const auth = finding(d, 'auth_required');
  assert.match(
    auth.title,
    /the server refused the probes \(HTTP 403 to POST initialize at http:\/\/127\.0\.0\.1:\d+\/mcp\/doctor-test\): pass its credentials with --header/,
  );
  assert.match(said(auth), /n8n's MCP Server Trigger with bearer or header auth answers 403/);
  assert.match(said(auth), /403 with plain text \(Authorization data is wrong!\), no WWW-Authenticate/);
  assert.ok(!d.raw.includes('cannot see its transport'), d.raw);
  // Clients without the header meet that 403 (Claude Code then starts OAuth discovery), and the HTML
  // 404s there are what they would report.
  assert.equal(finding(d, 'oauth_error_not_json').severity, 'problem');
  assert.equal(d.config, null);
});

test('n8n trigger v2 with --header "X-N8N-Key: …": SSE at the base URL, the URL and config that work → exit 1', { timeout: 30_000 }, async (t) => {
  const n8n = await startFixture('n8n-trigger-server', ['--header-auth', `X-N8N-Key:${KEY}`]);
  t.after(() => n8n.stop());
  const base = n8n.url;
  const d = await doctorJson(`${base}/sse`, ['--header', `X-N8N-Key: ${KEY}`]);
  assert.equal(d.code, 1);
  assert.equal(d.verdict, 'needs-proxy');
  assert.deepEqual(d.headers, ['X-N8N-Key']);
  const f = finding(d, 'sse_at_base_url');
  assert.equal(f.title, `nothing MCP at ${base}/sse, but ${base} itself is an SSE stream with an endpoint event`);
  assert.match(said(f), /n8n's MCP Server Trigger v2 and later serves at its base URL, without \/sse/);
  assert.match(said(f), /claude mcp add --transport sse/);
  assert.equal(d.endpoints.find((e) => e.url === base)?.transport, 'legacy-sse');
  assert.equal(finding(d, 'credentials_required').severity, 'info');
  assert.equal(d.config?.frontdoor?.backend, base);
  assert.equal(d.config?.frontdoor?.command, `mcp-frontdoor --backend ${base} --header 'X-N8N-Key: [redacted]'`);
  assert.match(d.config?.frontdoor?.yaml ?? '', /headers:\n {8}X-N8N-Key: "\[redacted\]"/);
  assert.ok(!d.raw.includes(KEY), 'the header value is not in the JSON');

  const text = await runDoctor([`${base}/sse`, '--header', `X-N8N-Key: ${KEY}`, '--timeout', '3000']);
  assert.equal(text.code, 1);
  assert.ok(!text.stdout.includes(KEY) && !text.stderr.includes(KEY), 'the header value is not in the text');
  assert.match(text.stdout, /The --header values are shown as \[redacted\]/);

  // The config works: the proxy with the suggested command (the value put back) serves a real client.
  const proxy = await startProxy(['--backend', base, '--header', `X-N8N-Key: ${KEY}`]);
  t.after(() => proxy.stop());
  const client = await connectStreamable(proxy.url);
  t.after(() => client.close());
  assert.equal(textOf(await client.client.callTool({ name: 'echo', arguments: { text: 'via the base URL' } })), 'via the base URL');
});

test('n8n trigger v2.1 (Streamable HTTP at its base URL), bearer auth, --header "Authorization: Bearer …": usable → exit 0', { timeout: 30_000 }, async (t) => {
  const n8n = await startFixture('n8n-trigger-server', ['--bearer', TOKEN, '--streamable']);
  t.after(() => n8n.stop());
  const d = await doctorJson(n8n.url, ['--header', `Authorization: Bearer ${TOKEN}`]);
  assert.equal(d.code, 0);
  assert.equal(d.verdict, 'usable');
  assert.deepEqual(ids(d, 'problem'), []);
  finding(d, 'proxy_optional');
  assert.match(finding(d, 'credentials_required').title, /refuses requests without --header Authorization \(HTTP 403\): clients need it too/);
  // Only clients without the header meet the 403 that sends Claude Code to the (HTML) OAuth URLs.
  assert.equal(finding(d, 'oauth_error_not_json').severity, 'warn');
  assert.equal(d.config?.claudeCode, `claude mcp add --transport http mcp-server-trigger ${n8n.url} --header 'Authorization: [redacted]'`);
  assert.deepEqual(d.config?.vscode.servers['mcp-server-trigger']?.headers, { Authorization: '[redacted]' });
  assert.ok(!d.raw.includes(TOKEN), 'the token is not in the JSON');

  // Given <base>/sse out of habit: the base URL is the one to use.
  const habit = await doctorJson(`${n8n.url}/sse`, ['--header', `Authorization: Bearer ${TOKEN}`]);
  assert.equal(habit.code, 1);
  assert.equal(habit.verdict, 'use-another-url');
  assert.match(said(finding(habit, 'wrong_path')), /n8n's MCP Server Trigger v2 and later serves at its base URL/);
  assert.equal(habit.config?.mcpUrl, n8n.url);
  assert.ok(!habit.raw.includes(TOKEN), 'the token is not in the JSON');
});
