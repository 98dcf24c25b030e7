// A backend that runs its own OAuth, behind a route with auth.mode: passthrough: its discovery,
// registration and token endpoints answer through the proxy with every URL rewritten to the proxy,
// its 401 reaches the client with resource_metadata pointing at the proxy, and the client's token
// reaches the backend. Without passthrough, the client's Authorization never leaves the proxy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFixture, startProxy, stopAll, type RunningProcess, type RunningProxy } from '../helpers/process.js';
import { initializeBody, messagesOf, post } from '../helpers/http.js';

let backend: RunningProcess & { url: string };
let proxy: RunningProxy;
let backendOrigin: string;

before(async () => {
  backend = await startFixture('oauth-sse-server');
  backendOrigin = new URL(backend.url).origin;
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-oauth-pt-'));
  const file = path.join(dir, 'f.yaml');
  writeFileSync(file, `listen: { port: 0 }\nroutes:\n  - path: /\n    backend: { url: "${backend.url}" }\n    auth: { mode: passthrough }\n`);
  proxy = await startProxy(['--config', file]);
});
after(() => stopAll());

test("a request without a token gets the proxy's own 401, naming the proxy's resource metadata", async () => {
  const res = await post(proxy.url, initializeBody(1));
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'), `Bearer resource_metadata="${proxy.origin}/.well-known/oauth-protected-resource/mcp"`);
  const body = (await res.json()) as { id: number; error: { data: { code: string } } };
  assert.equal(body.id, 1);
  assert.equal(body.error.data.code, 'ERR_AUTH_REQUIRED');
});

test('a backend 401 reaches the client as 401 with resource_metadata rewritten to the proxy', async () => {
  const res = await post(proxy.url, initializeBody(1), { authorization: 'Bearer expired-token' });
  assert.equal(res.status, 401);
  assert.equal(
    res.headers.get('www-authenticate'),
    `Bearer error="invalid_token", resource_metadata="${proxy.origin}/.well-known/oauth-protected-resource/mcp"`,
  );
  const body = (await res.json()) as { id: number; error: { data: { code: string } } };
  assert.equal(body.id, 1);
  assert.equal(body.error.data.code, 'ERR_BACKEND_AUTH');
});

test('discovery documents pass through with the proxy as resource and issuer', async () => {
  const prm = (await (await fetch(`${proxy.origin}/.well-known/oauth-protected-resource/mcp`)).json()) as { resource: string; authorization_servers: string[] };
  assert.equal(prm.resource, proxy.url);
  assert.deepEqual(prm.authorization_servers, [proxy.origin]);
  const as = (await (await fetch(`${proxy.origin}/.well-known/oauth-authorization-server`)).json()) as Record<string, string>;
  assert.equal(as.issuer, proxy.origin);
  assert.equal(as.token_endpoint, `${proxy.origin}/token`);
  assert.equal(as.registration_endpoint, `${proxy.origin}/register`);
  assert.ok(!JSON.stringify(as).includes(backendOrigin), 'no backend URL leaks');
});

test('registration and token requests reach the backend; the token then works end to end', async () => {
  const reg = await fetch(`${proxy.origin}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:1/cb'] }),
  });
  assert.equal(reg.status, 201);
  assert.equal(((await reg.json()) as { client_id: string }).client_id, 'client-1');
  const tok = await fetch(`${proxy.origin}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=authorization_code&code=x',
  });
  const { access_token } = (await tok.json()) as { access_token: string };
  const auth = { authorization: `Bearer ${access_token}` };
  const init = await post(proxy.url, initializeBody(2), auth);
  assert.equal(init.status, 200);
  const sid = init.headers.get('mcp-session-id')!;
  await init.text();
  const call = await post(
    proxy.url,
    JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { text: 'authorized' } } }),
    { ...auth, 'mcp-session-id': sid },
  );
  assert.equal((await messagesOf(call))[0].result.content[0].text, 'authorized');
});

test('without passthrough the client Authorization header never reaches the backend', async (t) => {
  const other = await startFixture('oauth-sse-server');
  t.after(() => other.stop());
  const plain = await startProxy(['--backend', other.url]);
  t.after(() => plain.stop());
  const res = await post(plain.url, initializeBody(1), { authorization: 'Bearer good-token' });
  assert.equal(res.status, 502, 'the backend refused: the token was not passed');
  await res.text();
  const seen = (await (await fetch(new URL('/control/seen', other.url))).json()) as string[];
  assert.ok(seen.length > 0 && seen.every((s) => s === '(none)'));
});
