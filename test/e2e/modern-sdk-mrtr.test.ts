// The SDK v2 client (@modelcontextprotocol/client) negotiating 2026-07-28 through the proxy in front of a 2024
// server (the legacy SSE conformance fixture): its tools ask for sampling, elicitation and roots with real
// server→client requests, which the proxy turns into InputRequiredResults; the client fulfils them with its own
// handlers and retries, as it does against a native 2026-07-28 server. No session id anywhere.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';
import { connectModern, type ModernClient } from '../helpers/modern.js';
import { metricValue, readMetrics } from '../helpers/metrics.js';

let proxy: RunningProxy;
let modern: ModernClient;
const asked: string[] = [];

before(async () => {
  const backend = await startFixture('conformance-server', ['--transport', 'sse', '--port', '0']);
  proxy = await startProxy(['--backend', backend.url, '--host', '127.0.0.1']);
  modern = await connectModern(
    proxy.url,
    { name: 'modern-mrtr', version: '1.0.0' },
    { capabilities: { sampling: {}, elicitation: {}, roots: {} } },
    (client) => {
      client.setRequestHandler('sampling/createMessage', (request) => {
        asked.push('sampling');
        const last = request.params.messages.at(-1)?.content as { text?: string } | undefined;
        return { model: 'test-model', role: 'assistant', content: { type: 'text', text: `sampled: ${last?.text ?? ''}` } };
      });
      client.setRequestHandler('elicitation/create', (request) => {
        asked.push('elicitation');
        const props = Object.keys((request.params as { requestedSchema?: { properties?: object } }).requestedSchema?.properties ?? {});
        return { action: 'accept', content: Object.fromEntries(props.map((p) => [p, p === 'name' ? 'Ada' : p === 'color' ? 'teal' : 'ctx'])) };
      });
      client.setRequestHandler('roots/list', () => {
        asked.push('roots');
        return { roots: [{ uri: 'file:///work', name: 'work' }] };
      });
    },
  );
});

after(async () => {
  await modern?.close();
  await stopAll();
});

const text = (r: { content?: unknown }) => (r.content as Array<{ text?: string }>)[0]?.text ?? '';

test('the SDK v2 client speaks 2026-07-28 through the proxy: server/discover first, no session id anywhere', () => {
  assert.equal(modern.exchanges[0]?.mcpMethod, 'server/discover');
  assert.ok(
    modern.exchanges.every((e) => e.sessionId === null),
    JSON.stringify(modern.exchanges),
  );
  assert.ok(modern.exchanges.every((e) => e.protocolVersion === '2026-07-28'));
});

test('sampling, elicitation and roots during a tool call reach the v2 client as InputRequiredResult rounds', async () => {
  asked.length = 0;
  assert.equal(
    text(await modern.client.callTool({ name: 'test_input_required_result_sampling', arguments: {} })),
    'Sampling response: sampled: What is the capital of France?',
  );
  assert.deepEqual(asked, ['sampling']);
  assert.equal(text(await modern.client.callTool({ name: 'test_input_required_result_elicitation', arguments: {} })), 'Hello, Ada!');
  assert.match(text(await modern.client.callTool({ name: 'test_input_required_result_list_roots', arguments: {} })), /1 root\(s\): file:\/\/\/work/);
  const rounds = metricValue(await readMetrics(proxy.origin), 'frontdoor_input_rounds_total', { route: '/' });
  assert.equal(rounds, 3);
});

test('several inputs in one round and several rounds in one call', async () => {
  asked.length = 0;
  const multiple = text(await modern.client.callTool({ name: 'test_input_required_result_multiple_inputs', arguments: {} }));
  assert.match(multiple, /Ada — 1 root\(s\) visible/);
  assert.deepEqual([...asked].sort(), ['elicitation', 'roots', 'sampling']);
  assert.equal(text(await modern.client.callTool({ name: 'test_input_required_result_multi_round', arguments: {} })), 'Multi-round complete: Ada likes teal');
});

test('a prompt that asks for input (prompts/get) is translated too', async () => {
  const prompts = await modern.client.listPrompts();
  const mrtr = prompts.prompts.find((p) => p.name.includes('input') || p.name.includes('mrtr'));
  assert.ok(mrtr, JSON.stringify(prompts.prompts.map((p) => p.name)));
  const got = await modern.client.getPrompt({ name: mrtr.name });
  assert.match(JSON.stringify(got.messages), /Use the following context: ctx/);
});
