// auth.mode apiKey and the tool policy: SDK clients on both faces with a configured header (what
// `claude mcp add --header` does), refusals without metadata, sessions bound to their key, keys
// never logged and never forwarded; tools.allow/deny on a route without auth, and audit lines.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { challengeParams, startAuthStack, type AuthStack } from '../helpers/auth-stack.js';
import { initializeBody, post } from '../helpers/http.js';
import { textOf } from '../helpers/clients.js';
import { metricValue, readMetrics } from '../helpers/metrics.js';
import { fileScope } from '../helpers/file-scope.js';

const KEY1 = randomBytes(24).toString('base64url');
const KEY2 = randomBytes(24).toString('base64url');
let stack: AuthStack;
let keyed: string;
let open: string;
const scope = fileScope();

before(async () => {
  stack = await startAuthStack(
    scope,
    (_oidc, backendUrl) => [
      {
        path: '/keyed',
        backend: { url: backendUrl, headers: { 'x-backend-key': 'route-secret' } },
        // Interpolated from the environment, as the README shows.
        auth: { mode: 'apiKey', keys: ['${FRONTDOOR_TEST_KEY1}', '${FRONTDOOR_TEST_KEY2}'] },
        tools: { allow: ['echo', 'a?d'], auditArguments: true },
      },
      { path: '/open', backend: { url: backendUrl }, tools: { deny: ['fail', 'add*'] } },
    ],
    { env: { FRONTDOOR_TEST_KEY1: KEY1, FRONTDOOR_TEST_KEY2: KEY2 } },
  );
  keyed = `${stack.proxy.origin}/keyed/mcp`;
  open = `${stack.proxy.origin}/open/mcp`;
});

async function connect(url: string, headers: Record<string, string>) {
  const client = new Client({ name: 'api-key', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

test('an SDK client with the key as a header: Streamable HTTP (Bearer) and the legacy face (X-API-Key)', async (t) => {
  const streamable = await connect(keyed, { authorization: `Bearer ${KEY1}` });
  t.after(() => streamable.close());
  assert.equal(textOf(await streamable.callTool({ name: 'echo', arguments: { text: 'keyed' } })), 'keyed');
  assert.deepEqual((await streamable.listTools()).tools.map((tool) => tool.name).sort(), ['add', 'echo'], 'tools.allow globs');

  const legacy = new Client({ name: 'api-key-sse', version: '1' });
  const headers = { 'x-api-key': KEY2 };
  const transport = new SSEClientTransport(new URL(`${stack.proxy.origin}/keyed/sse`), {
    requestInit: { headers },
    eventSourceInit: { fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
  });
  await legacy.connect(transport);
  t.after(() => legacy.close());
  assert.equal(textOf(await legacy.callTool({ name: 'add', arguments: { a: 2, b: 2 } })), '4');
});

test('no key: 401 with a plain Bearer challenge (no OAuth metadata); a wrong key: invalid_token; neither is logged', async () => {
  const none = await post(keyed, initializeBody());
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="mcp-frontdoor"');
  assert.equal(((await none.json()) as { error: { data: { reason: string } } }).error.data.reason, 'credentials_missing');
  const wrongKey = `wrong-${randomBytes(16).toString('hex')}`;
  const attempts: Record<string, string>[] = [
    { authorization: `Bearer ${wrongKey}` },
    { 'x-api-key': wrongKey },
    { authorization: `Bearer ${KEY1.slice(0, -1)}` },
  ];
  for (const headers of attempts) {
    const res = await post(keyed, initializeBody(), headers);
    assert.equal(res.status, 401);
    assert.equal(challengeParams(res.headers.get('www-authenticate')).error, 'invalid_token');
    assert.equal(((await res.json()) as { error: { data: { reason: string } } }).error.data.reason, 'invalid_key');
  }
  const metrics = await readMetrics(stack.proxy.origin);
  assert.ok((metricValue(metrics, 'frontdoor_auth_failures_total', { route: '/keyed', reason: 'invalid_key' }) ?? 0) >= 3);
  // OAuth probes on this route say it takes a key, so clients stop looking for OAuth.
  const probe = await fetch(`${stack.proxy.origin}/.well-known/oauth-protected-resource/keyed/mcp`);
  assert.equal(probe.status, 404);
  assert.match(((await probe.json()) as { error_description: string }).error_description, /API key/);
  // At the root, where no route is named, the answer says routes differ (an API key here, none there).
  const root = await fetch(`${stack.proxy.origin}/.well-known/oauth-authorization-server`);
  assert.match(((await root.json()) as { error_description: string }).error_description, /authorize differently/);
  const logs = stack.proxy.lines.join('\n');
  for (const secret of [KEY1, KEY2, wrongKey]) assert.ok(!logs.includes(secret), 'a key appears in the log');
});

test('a session belongs to its key: the other key on it gets 403', async () => {
  const init = await post(keyed, initializeBody(), { authorization: `Bearer ${KEY1}` });
  assert.equal(init.status, 200);
  await init.text();
  const headers = { 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-06-18' };
  const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
  const other = await post(keyed, list, { ...headers, 'x-api-key': KEY2 });
  assert.equal(other.status, 403);
  await other.text();
  const same = await post(keyed, list, { ...headers, 'x-api-key': KEY1 });
  assert.equal(same.status, 200);
  await same.text();
});

test('tools.deny on a route without auth: hidden from tools/list, refused with -32602, audited', async (t) => {
  const client = await connect(open, {});
  t.after(() => client.close());
  const names = (await client.listTools()).tools.map((tool) => tool.name);
  assert.ok(names.includes('echo') && !names.includes('fail') && !names.includes('add') && !names.includes('add_tool'), names.join(', '));
  await assert.rejects(client.callTool({ name: 'add_tool', arguments: { name: 'x' } }), (e: Error & { code?: number }) => e.code === -32602);
  const denied = await stack.proxy.waitForLine((l) => l.audit === 'tools/call' && l.tool === 'add_tool');
  assert.equal(denied.outcome, 'denied');
  assert.equal(denied.principal, undefined, 'a route without auth has no principal');
});

test('tools.auditArguments: the audit line carries the arguments; the key is the principal’s fingerprint', async (t) => {
  const client = await connect(keyed, { authorization: `Bearer ${KEY1}` });
  t.after(() => client.close());
  const marker = `arg-${randomBytes(4).toString('hex')}`;
  await client.callTool({ name: 'echo', arguments: { text: marker } });
  const line = await stack.proxy.waitForLine((l) => l.audit === 'tools/call' && (l.arguments as { text?: string } | undefined)?.text === marker);
  assert.equal(line.outcome, 'ok');
  assert.match(String(line.principal), /^key [A-Za-z0-9_-]{12}$/);
});

test('neither key ever reaches the backend', async () => {
  const seen = await stack.backendCredentials();
  assert.ok(seen.includes('x-backend-key: route-secret'));
  assert.deepEqual(
    seen.filter((h) => !h.startsWith('x-backend-key:')),
    [],
  );
});
