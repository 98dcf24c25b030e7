// The 2026-07-28 channel (src/backends/modern-http/channel.ts) driven directly, as the link drives it,
// against the real modern-only SDK v2 fixture: initialize from server/discover, a backend refusal as an
// ordinary JSON-RPC error, InputRequiredResult → server→client request → retry, a client that refuses
// the input, and cancellation while the backend waits for input.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { ModernHttpChannel } from '../../src/backends/modern-http/channel.js';
import { createBackendHttpClient } from '../../src/backends/http-client.js';
import { isRequest, isResponse, type JsonRpcMessage, type JsonRpcRequest, type JsonRpcResponse } from '../../src/jsonrpc/message.js';
import { startFixture, stopAll } from '../helpers/process.js';
import { eventually } from '../helpers/clients.js';

let url: URL;
const http = createBackendHttpClient({ keepAliveMs: 1_000 });

before(async () => {
  const fixture = await startFixture('conformance-server-v2', ['--era', 'modern', '--host', '127.0.0.1', '--port', '0']);
  url = new URL(fixture.url);
});

after(async () => {
  http.destroy();
  await stopAll();
});

function open() {
  const got: Array<{ m: JsonRpcMessage; related: unknown }> = [];
  const failures: unknown[] = [];
  const channel = new ModernHttpChannel(
    {
      url,
      headers: {},
      http,
      connectTimeoutMs: 5_000,
      requestTimeoutMs: 30_000,
      reconnect: { initialMs: 50, maxMs: 500 },
      log: pino({ level: 'silent' }),
      maxMessageBytes: 1 << 20,
      maxJsonDepth: 64,
      report: (e) => failures.push(e),
      limitHit: () => undefined,
    },
    { onMessage: (m, related) => got.push({ m, related }), onClose: () => assert.fail('a modern channel never reports a drop') },
  );
  const response = async (id: number | string) => {
    await eventually(() => got.some((g) => isResponse(g.m) && g.m.id === id), `the response to ${id}`);
    return got.find((g) => isResponse(g.m) && g.m.id === id)!.m as JsonRpcResponse;
  };
  const asked = async (n: number) => {
    await eventually(() => got.filter((g) => isRequest(g.m)).length >= n, `server→client request ${n}`);
    return got.filter((g) => isRequest(g.m))[n - 1]! as { m: JsonRpcRequest; related: unknown };
  };
  return { channel, got, failures, response, asked };
}

const request = (id: number, method: string, params?: Record<string, unknown>): JsonRpcRequest => ({
  jsonrpc: '2.0',
  id,
  method,
  ...(params ? { params } : {}),
});
const INIT = { protocolVersion: '2025-06-18', capabilities: { elicitation: {} }, clientInfo: { name: 'component', version: '1' } };

test('initialize is answered from server/discover; a method the backend lacks is an ordinary -32601', async (t) => {
  const c = open();
  t.after(() => c.channel.close());
  await c.channel.send(request(1, 'initialize', INIT));
  const init = await c.response(1);
  assert.equal(init.result?.protocolVersion, '2025-06-18');
  assert.deepEqual((init.result?.serverInfo as { name: string }).name, 'mcp-frontdoor-conformance-fixture');
  await c.channel.send(request(2, 'nope/nothing'));
  assert.equal((await c.response(2)).error?.code, -32601);
  await c.channel.send(request(3, 'ping'));
  assert.deepEqual((await c.response(3)).result, {});
});

test('InputRequiredResult: the elicitation goes up related to its request, the answer comes back, the retry completes', async (t) => {
  const c = open();
  t.after(() => c.channel.close());
  await c.channel.send(request(1, 'initialize', INIT));
  await c.response(1);
  await c.channel.send(request(10, 'tools/call', { name: 'test_input_required_result_elicitation', arguments: {} }));
  const ask = await c.asked(1);
  assert.equal(ask.m.method, 'elicitation/create');
  assert.equal(ask.related, 10, 'related to the request that needs it: the link routes it to that session');
  await c.channel.send({ jsonrpc: '2.0', id: ask.m.id, result: { action: 'accept', content: { name: 'Grace' } } });
  const done = await c.response(10);
  assert.deepEqual(done.result?.content, [{ type: 'text', text: 'Hello, Grace!' }]);
  assert.equal(done.result?.resultType, undefined);
});

test('a client error to an input request fails the original request, naming the refused input', async (t) => {
  const c = open();
  t.after(() => c.channel.close());
  await c.channel.send(request(1, 'initialize', INIT));
  await c.response(1);
  await c.channel.send(request(20, 'tools/call', { name: 'test_input_required_result_elicitation', arguments: {} }));
  const ask = await c.asked(1);
  await c.channel.send({ jsonrpc: '2.0', id: ask.m.id, error: { code: -32601, message: 'Method not found' } });
  const failed = await c.response(20);
  assert.equal(failed.error?.code, -32603);
  assert.match(failed.error?.message ?? '', /refused the elicitation\/create .*"user_name".*Method not found/);
  assert.equal((failed.error?.data as { code?: string }).code, 'ERR_INPUT_REFUSED');
});

test('notifications/cancelled while the backend waits for input ends the request; a late answer is dropped', async (t) => {
  const c = open();
  t.after(() => c.channel.close());
  await c.channel.send(request(1, 'initialize', INIT));
  await c.response(1);
  await c.channel.send(request(30, 'tools/call', { name: 'test_input_required_result_elicitation', arguments: {} }));
  const ask = await c.asked(1);
  await c.channel.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 30 } });
  const cancelled = await c.response(30);
  assert.match(cancelled.error?.message ?? '', /cancelled/);
  await c.channel.send({ jsonrpc: '2.0', id: ask.m.id, result: { action: 'accept', content: { name: 'late' } } });
  assert.equal(c.got.filter((g) => isResponse(g.m) && g.m.id === 30).length, 1, 'no second answer');
  assert.deepEqual(c.failures, [], 'a cancellation is not a backend failure');
});
