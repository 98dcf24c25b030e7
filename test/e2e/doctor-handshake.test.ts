// `doctor` against a python `mcp` 1.6.0 server (test/fixtures/strict-handshake-server.ts): a request sent before
// notifications/initialized raises "Received request before initialization was complete" and the session dies
// with its stream. Doctor runs as a CLI process; then the finding's claim that the proxy's handshake repair covers
// it is checked with a raw client that never sends notifications/initialized.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doctorJson, finding, said } from '../helpers/cli-run.js';
import { initializeBody, messagesOf, post } from '../helpers/http.js';
import { startFixture, startProxy } from '../helpers/process.js';

test('legacy SSE, the session dies on an early request: strict about the handshake, the proxy covers it → exit 1', { timeout: 30_000 }, async (t) => {
  const server = await startFixture('strict-handshake-server', ['--transport', 'sse']);
  t.after(() => server.stop());
  const d = await doctorJson(server.url);
  assert.equal(d.code, 1);
  assert.equal(d.endpoints[0]?.initialized, 'ends-session');
  const f = finding(d, 'initialized_required');
  assert.equal(f.severity, 'problem');
  assert.equal(f.title, 'the server is strict about the handshake: a request sent before notifications/initialized ended the session');
  assert.match(
    said(f),
    /the SSE stream ended before the answer; after notifications\/initialized, POST \/messages\/ answered HTTP 404: Could not find session/,
  );
  assert.match(said(f), /Received request before initialization was complete/);
  assert.match(f.fix ?? '', /mcp-frontdoor's handshake repair covers it/);
  assert.ok(!d.findings.some((x) => x.id === 'initialized_unknown'), 'not "could not tell"');

  // The claim: through the proxy, a client that never sends notifications/initialized gets its answers.
  const proxy = await startProxy(['--backend', server.url]);
  t.after(() => proxy.stop());
  const init = await post(proxy.url, initializeBody());
  assert.equal(init.status, 200);
  await init.text();
  const session = { 'mcp-session-id': init.headers.get('mcp-session-id') ?? '', 'mcp-protocol-version': '2025-03-26' };
  for (const id of [2, 3]) {
    const res = await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list' }), session);
    const [answer] = (await messagesOf(res)) as Array<{ id: number; result?: { tools: Array<{ name: string }> } }>;
    assert.deepEqual(
      answer?.result?.tools.map((x) => x.name),
      ['echo'],
      `tools/list #${id}`,
    );
  }
});

test(
  'Streamable HTTP, the session dies on an early request: strict, a warning only (its clients send initialized) → exit 0',
  { timeout: 30_000 },
  async (t) => {
    const server = await startFixture('strict-handshake-server', ['--transport', 'streamable-http']);
    t.after(() => server.stop());
    const d = await doctorJson(server.url);
    assert.equal(d.code, 0);
    assert.equal(d.verdict, 'usable');
    assert.equal(d.endpoints[0]?.initialized, 'ends-session');
    const f = finding(d, 'initialized_required');
    assert.equal(f.severity, 'warn');
    assert.match(
      said(f),
      /its SSE answer stream ended without a response; after notifications\/initialized, HTTP 400 Bad Request: No valid session ID provided/,
    );
    assert.match(said(f), /send notifications\/initialized before their first request/);
    assert.match(f.fix ?? '', /handshake repair covers it/);
  },
);
