// The reverse direction of issue 13: a Streamable HTTP backend that speaks only MCP 2026-07-28 (the SDK v2
// conformance fixture with legacy: 'reject') served to handshake-era SDK v1 clients on both faces
// (docs/modern-backend.md). Real processes: the fixture, the proxy, the SDK v1 clients.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startFixture, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { connectSse, connectStreamable, eventually, textOf } from '../helpers/clients.js';

let proxy: RunningProxy;
let handshakeStats: string;

before(async () => {
  const modern = await startFixture('conformance-server-v2', ['--era', 'modern', '--host', '127.0.0.1', '--port', '0']);
  const handshake = await startFixture('streamable-http-server');
  handshakeStats = new URL('/control/stats', handshake.url).href;
  const config = writeConfigFile({
    listen: { port: 0, host: '127.0.0.1' },
    log: { level: 'info', format: 'json' },
    routes: [
      { path: '/', backend: { transport: 'streamable-http', url: modern.url } },
      { path: '/m', backend: { transport: 'streamable-http', url: modern.url, era: 'modern' } },
      { path: '/h', backend: { transport: 'streamable-http', url: handshake.url } },
    ],
  });
  after(() => config.dispose());
  proxy = await startProxy(['--config', config.file]);
});

after(async () => {
  await stopAll();
});

const detections = (route: string) => proxy.lines.filter((l) => l.includes('"backend_era_detected"') && l.includes(`"route":"${route}"`)).length;

test('SDK v1 Streamable HTTP client: handshake, tools, progress, prompts, resources, MRTR input, listen, logging', async (t) => {
  const c = await connectStreamable(`${proxy.url}`);
  t.after(() => c.close());
  assert.ok(c.transport.sessionId, 'the proxy mints the session id (the backend has none)');
  assert.equal(c.client.getServerVersion()?.name, 'mcp-frontdoor-conformance-fixture');
  assert.equal(c.transport.protocolVersion, '2025-11-25');
  assert.ok(c.client.getServerCapabilities()?.tools, 'the backend capabilities come from server/discover');
  await c.client.ping();

  const tools = await c.client.listTools();
  assert.ok(tools.tools.some((tool) => tool.name === 'test_simple_text'));
  assert.ok(!('resultType' in tools) && !('ttlMs' in tools), `2026 result fields removed: ${JSON.stringify(Object.keys(tools))}`);
  const simple = await c.client.callTool({ name: 'test_simple_text', arguments: {} });
  assert.equal(textOf(simple), 'This is a simple text response for testing.');
  assert.ok(!('resultType' in simple));
  // Mcp-Param-* learnt from tools/list: without the header the backend answers -32020.
  assert.equal(textOf(await c.client.callTool({ name: 'test_x_mcp_header', arguments: { region: 'eu-west', level: 3 } })), 'region=eu-west');

  const progress: number[] = [];
  const withProgress = await c.client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, { onprogress: (p) => progress.push(p.progress) });
  assert.deepEqual(progress, [0, 50, 100]);
  assert.notEqual(textOf(withProgress), 'no progress token');

  const prompts = await c.client.listPrompts();
  assert.ok(prompts.prompts.some((p) => p.name === 'test_simple_prompt'));
  const prompt = await c.client.getPrompt({ name: 'test_simple_prompt' });
  assert.deepEqual(prompt.messages[0]?.content, { type: 'text', text: 'This is a simple prompt for testing.' });
  const resources = await c.client.listResources();
  assert.ok(resources.resources.some((r) => r.uri === 'test://static-text'));
  const read = await c.client.readResource({ uri: 'test://static-text' });
  assert.equal((read.contents[0] as { text?: string }).text, 'This is the content of the static text resource.');
  await c.client.subscribeResource({ uri: 'test://watched-resource' });

  // InputRequiredResult → server→client requests answered by the v1 client's handlers → retry.
  assert.equal(textOf(await c.client.callTool({ name: 'test_input_required_result_elicitation', arguments: {} })), 'Hello, Ada!');
  assert.equal(
    textOf(await c.client.callTool({ name: 'test_input_required_result_sampling', arguments: {} })),
    'Sampling response: sampled: What is the capital of France?',
  );
  assert.equal(textOf(await c.client.callTool({ name: 'test_input_required_result_list_roots', arguments: {} })), 'Client exposed 1 root(s): file:///tmp/e2e');
  assert.equal(
    textOf(await c.client.callTool({ name: 'test_input_required_result_request_state', arguments: {} })),
    'state-ok: requestState verified and confirmation received',
  );
  assert.equal(textOf(await c.client.callTool({ name: 'test_input_required_result_multi_round', arguments: {} })), 'Multi-round complete: Ada likes unknown');
  assert.equal(
    textOf(await c.client.callTool({ name: 'test_input_required_result_multiple_inputs', arguments: {} })),
    'sampled: Generate a greeting Ada — 1 root(s) visible',
  );
  // This client's elicitation handler never gives the prompt its `context`: the backend asks again and
  // again, and the proxy gives up after its bound on rounds instead of looping.
  await assert.rejects(c.client.getPrompt({ name: 'test_input_required_result_prompt' }), /asked for input more than 8 times for one prompts\/get/);

  // The GET stream is fed by subscriptions/listen.
  await c.client.callTool({ name: 'test_trigger_tool_change', arguments: {} });
  await eventually(() => c.listChanged > 0, 'notifications/tools/list_changed on the GET stream');

  // logging/setLevel is answered by the proxy and rides in every later request's _meta.
  await c.client.callTool({ name: 'test_logging_tool', arguments: {} });
  assert.equal(c.logs.length, 0, 'no log level set: the 2026 backend sends no log messages');
  await c.client.setLoggingLevel('info');
  await c.client.callTool({ name: 'test_logging_tool', arguments: {} });
  await eventually(() => c.logs.length > 0, 'the log message of a request sent after logging/setLevel');
});

test('SDK v1 legacy SSE client: tools, progress, sampling and roots via MRTR, list_changed', async (t) => {
  const c = await connectSse(`${proxy.origin}/sse`);
  t.after(() => c.close());
  let listChanged = 0;
  c.client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    listChanged++;
  });
  assert.equal(c.client.getServerVersion()?.name, 'mcp-frontdoor-conformance-fixture');
  assert.equal(textOf(await c.client.callTool({ name: 'test_simple_text', arguments: {} })), 'This is a simple text response for testing.');
  const progress: number[] = [];
  await c.client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, { onprogress: (p) => progress.push(p.progress) });
  assert.deepEqual(progress, [0, 50, 100]);
  assert.equal(
    textOf(await c.client.callTool({ name: 'test_input_required_result_sampling', arguments: {} })),
    'Sampling response: sampled: What is the capital of France?',
  );
  assert.equal(textOf(await c.client.callTool({ name: 'test_input_required_result_list_roots', arguments: {} })), 'Client exposed 1 root(s): file:///tmp/sse');
  // This client declares no elicitation: the backend sees that in the envelope and does not ask.
  assert.equal(
    textOf(await c.client.callTool({ name: 'test_input_required_result_capabilities', arguments: {} })),
    'Capability-aware input requests fulfilled',
  );
  await c.client.callTool({ name: 'test_trigger_tool_change', arguments: {} });
  await eventually(() => listChanged > 0, 'notifications/tools/list_changed on the SSE stream');
});

test('backend.era: auto detects a modern backend once per connector; modern skips the probe; a handshake backend pays nothing', async (t) => {
  const again = await connectStreamable(`${proxy.url}`);
  t.after(() => again.close());
  assert.equal(textOf(await again.client.callTool({ name: 'test_simple_text', arguments: {} })), 'This is a simple text response for testing.');
  assert.equal(detections('/'), 1, 'the first channel of the route found the era; later ones did not probe again');

  const pinned = await connectStreamable(`${proxy.origin}/m/mcp`);
  t.after(() => pinned.close());
  assert.equal(textOf(await pinned.client.callTool({ name: 'test_simple_text', arguments: {} })), 'This is a simple text response for testing.');
  assert.equal(detections('/m'), 0, 'era: modern never probes');

  const before = (await (await fetch(handshakeStats)).json()) as { sessionsCreated: number; refusedPosts: number };
  const old = await connectStreamable(`${proxy.origin}/h/mcp`);
  t.after(() => old.close());
  assert.ok((await old.client.listTools()).tools.length > 0);
  const stats = (await (await fetch(handshakeStats)).json()) as { sessionsCreated: number; refusedPosts: number };
  assert.equal(stats.sessionsCreated - before.sessionsCreated, 1, 'one initialize, one backend session');
  assert.equal(stats.refusedPosts - before.refusedPosts, 0, 'no probe request reached the handshake backend');
  assert.equal(detections('/h'), 0);
});
