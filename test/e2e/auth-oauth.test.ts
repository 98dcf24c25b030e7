// auth.mode oauth end to end: a real authorization server (oidc-provider) issues JWT access tokens
// for the route's resource through client_credentials (RFC 8707), and the MCP SDK's own client flow
// (401 → Protected Resource Metadata → AS metadata → token → call) runs through the proxy to a
// legacy SSE backend, on both faces. Sessions stay with their principal, hidden tools stay hidden,
// per-tool scopes are a 403 the client can step up from, every tools/call is audited, and no client
// credential ever reaches the backend.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { challengeParams, startAuthStack, type AuthStack } from '../helpers/auth-stack.js';
import type { FixtureClient } from '../helpers/oidc.js';
import { initializeBody, post } from '../helpers/http.js';
import { textOf } from '../helpers/clients.js';
import { metricValue, readMetrics } from '../helpers/metrics.js';
import { fileScope } from '../helpers/file-scope.js';

let stack: AuthStack;
/** What the stack started, stopped in reverse order once every test of the file has run. */
const scope = fileScope();

before(async () => {
  stack = await startAuthStack(scope, (oidc, backendUrl) => [
    {
      path: '/',
      backend: { url: backendUrl, headers: { 'x-backend-key': 'route-secret' } },
      auth: { mode: 'oauth', issuer: oidc.issuer, scopes: ['mcp:tools'] },
      tools: { deny: ['fail'], scopes: { add: ['mcp:write'] } },
    },
  ]);
});

function provider(client: FixtureClient, scope: string): ClientCredentialsProvider {
  return new ClientCredentialsProvider({ clientId: client.id, clientSecret: client.secret!, expectedIssuer: stack.oidc.issuer, scope });
}

async function streamable(client: FixtureClient, scope = 'mcp:tools') {
  const c = new Client({ name: `oauth-${client.id}`, version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(stack.proxy.url), { authProvider: provider(client, scope) });
  await c.connect(transport);
  return { client: c, transport, close: () => c.close() };
}

test('the SDK client logs in through the proxy (401 → metadata → token) and calls tools on the Streamable HTTP face', async (t) => {
  const a = await streamable(stack.oidc.clientA);
  t.after(() => a.close());
  assert.equal(textOf(await a.client.callTool({ name: 'echo', arguments: { text: 'hello' } })), 'hello');
  const names = (await a.client.listTools()).tools.map((tool) => tool.name);
  assert.ok(names.includes('echo') && names.includes('add'), `listed: ${names.join(', ')}`);
  assert.ok(!names.includes('fail'), 'a denied tool is not listed');
});

test('the SDK SSE client logs in on the legacy face, with the metadata of the SSE endpoint', async (t) => {
  const c = new Client({ name: 'oauth-legacy', version: '1' });
  const transport = new SSEClientTransport(new URL('/sse', stack.proxy.origin), { authProvider: provider(stack.oidc.clientA, 'mcp:tools') });
  await c.connect(transport);
  t.after(() => c.close());
  assert.equal(textOf(await c.callTool({ name: 'echo', arguments: { text: 'legacy' } })), 'legacy');
  // The token the SDK got names the SSE URL as its audience (RFC 8707), which the route accepts.
  const prm = (await (await fetch(`${stack.proxy.origin}/.well-known/oauth-protected-resource/sse`)).json()) as { resource: string };
  assert.equal(prm.resource, `${stack.proxy.origin}/sse`);
});

test('Protected Resource Metadata: per endpoint and at the root, naming the issuer and every scope', async () => {
  for (const [path, resource] of [
    ['/mcp', `${stack.proxy.origin}/mcp`],
    ['/sse', `${stack.proxy.origin}/sse`],
    ['', `${stack.proxy.origin}/mcp`],
  ] as const) {
    const res = await fetch(`${stack.proxy.origin}/.well-known/oauth-protected-resource${path}`);
    assert.equal(res.status, 200, path);
    const doc = (await res.json()) as Record<string, unknown>;
    assert.equal(doc.resource, resource);
    assert.deepEqual(doc.authorization_servers, [stack.oidc.issuer]);
    assert.deepEqual(doc.scopes_supported, ['mcp:tools', 'mcp:write']);
    assert.deepEqual(doc.bearer_methods_supported, ['header']);
  }
  const unknown = await fetch(`${stack.proxy.origin}/.well-known/oauth-protected-resource/other/mcp`);
  assert.equal(unknown.status, 404);
});

test('no token: 401 with a challenge naming the metadata and the scopes, and a JSON-RPC error body', async () => {
  for (const [url, body] of [
    [stack.proxy.url, initializeBody()],
    [`${stack.proxy.origin}/messages?sessionId=x`, initializeBody()],
  ] as const) {
    const res = await post(url, body);
    assert.equal(res.status, 401, url);
    const params = challengeParams(res.headers.get('www-authenticate'));
    assert.equal(params.resource_metadata, `${stack.proxy.origin}/.well-known/oauth-protected-resource${url.includes('/messages') ? '/sse' : '/mcp'}`);
    assert.equal(params.scope, 'mcp:tools');
    assert.equal(params.error, undefined, 'no error code when no token was sent (RFC 6750 §3.1)');
    const rpc = (await res.json()) as { error: { data: { code: string } } };
    assert.equal(rpc.error.data.code, 'ERR_AUTH_REQUIRED');
  }
  const sse = await fetch(`${stack.proxy.origin}/sse`, { headers: { accept: 'text/event-stream' } });
  assert.equal(sse.status, 401);
  await sse.body?.cancel();
});

test('a session belongs to its principal: another client’s valid token on it is refused, on both faces', async (t) => {
  const resource = stack.proxy.url;
  const a = await stack.oidc.clientCredentialsToken(stack.oidc.clientA, resource, 'mcp:tools');
  const b = await stack.oidc.clientCredentialsToken(stack.oidc.clientB, resource, 'mcp:tools');
  const init = await post(resource, initializeBody(), { authorization: `Bearer ${a.access_token}` });
  assert.equal(init.status, 200);
  await init.text();
  const session = init.headers.get('mcp-session-id')!;
  const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
  const headers = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
  const asB = await post(resource, list, { ...headers, authorization: `Bearer ${b.access_token}` });
  assert.equal(asB.status, 403);
  assert.equal(((await asB.json()) as { error: { data: { code: string } } }).error.data.code, 'ERR_PRINCIPAL_MISMATCH');
  const asA = await post(resource, list, { ...headers, authorization: `Bearer ${a.access_token}` });
  assert.equal(asA.status, 200);
  await asA.text();

  // Legacy face: A opens the stream; B's POST to A's endpoint is refused, A's is accepted.
  const sseUrl = `${stack.proxy.origin}/sse`;
  const aSse = await stack.oidc.clientCredentialsToken(stack.oidc.clientA, sseUrl, 'mcp:tools');
  const bSse = await stack.oidc.clientCredentialsToken(stack.oidc.clientB, sseUrl, 'mcp:tools');
  const abort = new AbortController();
  t.after(() => abort.abort());
  const stream = await fetch(sseUrl, { headers: { accept: 'text/event-stream', authorization: `Bearer ${aSse.access_token}` }, signal: abort.signal });
  assert.equal(stream.status, 200);
  const reader = stream.body!.getReader();
  let text = '';
  while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
  const endpoint = /data: (\S+)/.exec(text)![1]!;
  const byB = await post(new URL(endpoint, stack.proxy.origin).href, initializeBody(), { authorization: `Bearer ${bSse.access_token}` });
  assert.equal(byB.status, 403);
  await byB.text();
  const byA = await post(new URL(endpoint, stack.proxy.origin).href, initializeBody(), { authorization: `Bearer ${aSse.access_token}` });
  assert.equal(byA.status, 202);
  await byA.text();
});

test('tool policy: a denied tool is refused with -32602 and never reaches the backend; a tool needing mcp:write is a 403 to step up from', async (t) => {
  const a = await streamable(stack.oidc.clientA);
  t.after(() => a.close());
  await assert.rejects(
    a.client.callTool({ name: 'fail', arguments: {} }),
    (e: Error & { code?: number }) => e.code === -32602 && /Tool fail not found/.test(e.message),
  );
  // The SDK retries a 403 insufficient_scope once with the same provider scope, then gives up.
  await assert.rejects(a.client.callTool({ name: 'add', arguments: { a: 1, b: 2 } }), /403|insufficient_scope/);

  const token = await stack.oidc.clientCredentialsToken(stack.oidc.clientA, stack.proxy.url, 'mcp:tools');
  const init = await post(stack.proxy.url, initializeBody(), { authorization: `Bearer ${token.access_token}` });
  await init.text();
  const headers = {
    authorization: `Bearer ${token.access_token}`,
    'mcp-session-id': init.headers.get('mcp-session-id')!,
    'mcp-protocol-version': '2025-06-18',
  };
  const call = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'add', arguments: { a: 1, b: 2 } } });
  const res = await post(stack.proxy.url, call, headers);
  assert.equal(res.status, 403);
  const params = challengeParams(res.headers.get('www-authenticate'));
  assert.equal(params.error, 'insufficient_scope');
  assert.equal(params.scope, 'mcp:tools mcp:write', 'the challenge names every scope to ask for');
  await res.text();
  const audited = await stack.proxy.waitForLine((l) => l.audit === 'tools/call' && l.tool === 'add' && l.outcome === 'insufficient_scope');
  assert.equal(audited.principal, stack.oidc.clientA.id);

  const writer = await streamable(stack.oidc.clientB, 'mcp:tools mcp:write');
  t.after(() => writer.close());
  assert.equal(textOf(await writer.client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })), '5');
});

test('every tools/call is audited once, with principal, tool, outcome and duration, and counted', async (t) => {
  const b = await streamable(stack.oidc.clientB);
  t.after(() => b.close());
  const marker = `audit-${Date.now()}`;
  await b.client.callTool({ name: 'echo', arguments: { text: marker } });
  const line = await stack.proxy.waitForLine((l) => l.audit === 'tools/call' && l.tool === 'echo' && l.principal === stack.oidc.clientB.id);
  assert.equal(line.outcome, 'ok');
  assert.equal(typeof line.durationMs, 'number');
  assert.equal(line.arguments, undefined, 'arguments are not logged unless tools.auditArguments');
  assert.ok(!stack.proxy.lines.some((l) => l.includes(marker)), 'the arguments appear in no log line');
  await assert.rejects(b.client.callTool({ name: 'fail', arguments: {} }));
  const denied = await stack.proxy.waitForLine((l) => l.audit === 'tools/call' && l.tool === 'fail' && l.principal === stack.oidc.clientB.id);
  assert.equal(denied.outcome, 'denied');
  const metrics = await readMetrics(stack.proxy.origin);
  assert.ok((metricValue(metrics, 'frontdoor_tool_calls_total', { route: '/', outcome: 'ok' }) ?? 0) >= 1);
  assert.ok((metricValue(metrics, 'frontdoor_tool_calls_total', { route: '/', outcome: 'denied' }) ?? 0) >= 1);
});

test('no client credential ever reaches the backend: it sees only the route’s backend.headers', async () => {
  // Runs after the others in this file (node:test runs a file's tests in order): every token above.
  const seen = await stack.backendCredentials();
  assert.ok(seen.includes('x-backend-key: route-secret'), `the backend got its own header: ${seen.join('; ')}`);
  assert.deepEqual(
    seen.filter((h) => !h.startsWith('x-backend-key:')),
    [],
    'no authorization, x-api-key or cookie header reached the backend',
  );
});
