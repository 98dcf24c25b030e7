// Auth passthrough (a backend that runs its own OAuth): every request must carry its own
// credential, and it reaches the backend with exactly that request; a request without one is
// refused by the proxy (never sent with a token stored from an earlier request); a session belongs
// to the principal that opened it, on both faces.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFixture, startProxy, stopAll, type RunningProcess, type RunningProxy } from '../helpers/process.js';
import { initializeBody, messagesOf, post } from '../helpers/http.js';
import { openLegacy } from '../helpers/sse-reader.js';

let backend: RunningProcess & { url: string };
let proxy: RunningProxy;

/** A JWT-shaped token (unsigned: the fixture stands for an AS and checks only `sub`). */
function jwt(sub: string, n: number): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `Bearer ${part({ alg: 'none' })}.${part({ iss: 'https://as.example', sub, n })}.sig${n}`;
}

async function seen(): Promise<string[]> {
  return (await (await fetch(new URL('/control/seen', backend.url))).json()) as string[];
}

const call = (id: number, text: string) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text } } });

before(async () => {
  backend = await startFixture('oauth-sse-server');
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-pt-cred-'));
  const file = path.join(dir, 'f.yaml');
  writeFileSync(file, `listen: { port: 0 }\nroutes:\n  - path: /\n    backend: { url: "${backend.url}" }\n    auth: { mode: passthrough }\n`);
  proxy = await startProxy(['--config', file]);
});
after(() => stopAll());

test("Streamable HTTP: each request reaches the backend with its own token; none, or another principal's, is refused", async () => {
  const alice1 = jwt('alice', 1);
  const init = await post(proxy.url, initializeBody(1), { authorization: alice1 });
  assert.equal(init.status, 200);
  const sid = init.headers.get('mcp-session-id')!;
  await init.text();
  await (
    await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), { authorization: alice1, 'mcp-session-id': sid })
  ).text();

  // A refreshed token of the same principal works, and that request goes with it, not with the first.
  const alice2 = jwt('alice', 2);
  const before = (await seen()).length;
  const ok = await post(proxy.url, call(2, 'refreshed'), { authorization: alice2, 'mcp-session-id': sid });
  assert.equal((await messagesOf(ok))[0].result.content[0].text, 'refreshed');
  assert.deepEqual((await seen()).slice(before), [alice2]);

  // No token: 401 from the proxy; nothing reaches the backend (no stored token is lent).
  const bare = await post(proxy.url, call(3, 'bare'), { 'mcp-session-id': sid });
  assert.equal(bare.status, 401);
  assert.match(bare.headers.get('www-authenticate') ?? '', /resource_metadata=/);
  assert.equal(((await bare.json()) as { error: { data: { code: string } } }).error.data.code, 'ERR_AUTH_REQUIRED');

  // Another principal's token: 403, for calls, streams and DELETE alike.
  const bob = jwt('bob', 1);
  for (const [method, body] of [
    ['POST', call(4, 'bob')],
    ['GET', undefined],
    ['DELETE', undefined],
  ] as const) {
    const res = await fetch(proxy.url, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: bob, 'mcp-session-id': sid },
      ...(body ? { body } : {}),
    });
    assert.equal(res.status, 403, method);
    assert.equal(((await res.json()) as { error: { data: { code: string } } }).error.data.code, 'ERR_PRINCIPAL_MISMATCH');
  }
  assert.deepEqual((await seen()).slice(before), [alice2], 'the refused requests never reached the backend');

  // The session is intact for its owner.
  const still = await post(proxy.url, call(5, 'still'), { authorization: alice1, 'mcp-session-id': sid });
  assert.equal((await messagesOf(still))[0].result.content[0].text, 'still');
});

test('legacy face: the stream and every POST need a credential of the principal that opened the stream', async (t) => {
  const sseUrl = new URL('/sse', proxy.origin).href;
  const refused = await fetch(sseUrl, { headers: { accept: 'text/event-stream' } });
  assert.equal(refused.status, 401);
  assert.match(refused.headers.get('www-authenticate') ?? '', /resource_metadata=/);
  await refused.text();

  const alice = jwt('alice', 7);
  const { reader, endpoint: messages } = await openLegacy(sseUrl, { authorization: alice });
  t.after(() => reader.cancel());
  const postJson = (body: string, headers: Record<string, string>) =>
    fetch(messages, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  assert.equal((await postJson(initializeBody(1), {})).status, 401);
  const bob = await postJson(initializeBody(1), { authorization: jwt('bob', 1) });
  assert.equal(bob.status, 403);
  assert.equal(((await bob.json()) as { error: { data: { code: string } } }).error.data.code, 'ERR_PRINCIPAL_MISMATCH');

  assert.equal((await postJson(initializeBody(1), { authorization: alice })).status, 202);
  assert.equal((await reader.message()).id, 1);
  assert.equal((await postJson(call(2, 'legacy'), { authorization: alice })).status, 202);
  const answer = await reader.message();
  assert.equal(answer.id, 2);
  assert.equal(answer.result.content[0].text, 'legacy');
});
