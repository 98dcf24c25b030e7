// The OAuth probe sequences of Claude Code and mcp-remote (docs/quirks.md), replayed against the
// proxy: every well-known form gets a JSON 404 saying no authorization is needed, the default OAuth
// endpoints get RFC 6749-shaped errors, and the SDK's own discovery code reads them cleanly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { discoverAuthorizationServerMetadata, discoverOAuthProtectedResourceMetadata, registerClient } from '@modelcontextprotocol/sdk/client/auth.js';
import { startFixture, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';

let proxy: RunningProxy;
let backendUrl: string;

before(async () => {
  const backend = await startFixture('legacy-sse-server');
  backendUrl = backend.url;
  proxy = await startProxy(['--backend', backend.url]);
});
after(() => stopAll());

// Claude Code's observed order (taylorwilsdon/google_workspace_mcp#382).
const CLAUDE_CODE_PROBES = [
  '/.well-known/oauth-authorization-server/mcp',
  '/.well-known/openid-configuration/mcp',
  '/mcp/.well-known/openid-configuration',
  '/.well-known/oauth-protected-resource/mcp',
  '/.well-known/oauth-protected-resource',
  '/.well-known/oauth-authorization-server',
  '/.well-known/openid-configuration',
];

test('every well-known probe gets a JSON 404 whose error_description says no authorization is needed', async () => {
  for (const p of CLAUDE_CODE_PROBES) {
    const res = await fetch(new URL(p, proxy.url));
    assert.equal(res.status, 404, p);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/, p);
    const body = (await res.json()) as { error: string; error_description: string };
    assert.match(body.error_description, /no authorization is required/i, p);
  }
});

test('POST /register, /token and GET /authorize get RFC 6749-shaped errors; preflights are answered', async () => {
  for (const [method, p] of [
    ['POST', '/register'],
    ['POST', '/token'],
    ['GET', '/authorize'],
  ] as const) {
    const res = await fetch(new URL(p, proxy.url), { method, headers: { 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{}' } : {}) });
    assert.equal(res.status, 404, p);
    const body = (await res.json()) as { error: string; error_description: string };
    assert.equal(body.error, 'invalid_request', p);
    assert.match(body.error_description, /no authorization is required/i);
  }
  const pre = await fetch(new URL('/.well-known/oauth-protected-resource', proxy.url), {
    method: 'OPTIONS',
    headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'GET' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), '*');
});

test("the SDK's own discovery treats the answers as 'no OAuth here', and registration shows our text", async () => {
  await assert.rejects(discoverOAuthProtectedResourceMetadata(proxy.url), /404|not implement/i);
  assert.equal(await discoverAuthorizationServerMetadata(new URL(proxy.url).origin), undefined);
  await assert.rejects(
    registerClient(new URL(proxy.url).origin, { clientMetadata: { redirect_uris: ['http://127.0.0.1:1/cb'], client_name: 'probe' } }),
    (e: Error) => /no authorization is required/i.test(e.message) && !/Invalid OAuth error response/.test(e.message),
  );
});

test('with repairs.oauthProbes off the proxy stays out of the way (plain route-not-found)', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-oauth-'));
  const file = path.join(dir, 'f.yaml');
  writeFileSync(file, `listen: { port: 0 }\nroutes:\n  - path: /\n    backend: { url: "${backendUrl}" }\n    repairs: { oauthProbes: false }\n`);
  const off = await startProxy(['--config', file]);
  t.after(() => off.stop());
  const res = await fetch(new URL('/.well-known/oauth-protected-resource', off.url));
  assert.equal(res.status, 404);
  const body = (await res.json()) as { error?: { data?: { reason?: string } } };
  assert.equal(body.error?.data?.reason, 'route_not_found');
});

test("mcp-remote's start-up probe: GET on the server URL answers 2xx (no auth), then AS metadata is a JSON 404", async (t) => {
  // mcp-remote 0.1.38 discoverOAuthServerInfo: GET <serverUrl> with this Accept; 2xx means "no auth".
  const ac = new AbortController();
  t.after(() => ac.abort());
  const res = await fetch(proxy.url, { headers: { accept: 'application/json, text/event-stream' }, signal: ac.signal });
  assert.ok(res.status >= 200 && res.status < 300, `got ${res.status}`);
  ac.abort();
  const as = await fetch(`${proxy.origin}/.well-known/oauth-authorization-server`);
  assert.equal(as.status, 404);
  assert.match(((await as.json()) as { error_description: string }).error_description, /no authorization is required/i);
});
