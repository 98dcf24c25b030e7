// Every MCP feature of a legacy SSE server reached through the proxy's Streamable HTTP face with
// the official SDK client: tools, resources, templates, subscriptions, prompts, completions,
// logging, progress, cancellation, sampling, elicitation, roots, list_changed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';
import { connectStreamable, eventually, textOf, type TestClient } from '../helpers/clients.js';

let proxy: RunningProxy;
let c: TestClient;

before(async () => {
  const backend = await startFixture('legacy-sse-server');
  proxy = await startProxy(['--backend', backend.url]);
  c = await connectStreamable(proxy.url);
});

after(async () => {
  await c?.close();
  await stopAll();
});

test('initialize reports the backend server and a proxy session id', async () => {
  assert.equal(c.client.getServerVersion()?.name, 'legacy-sse-fixture');
  assert.match(c.transport.sessionId ?? '', /^[\x21-\x7e]+$/);
  assert.ok(c.client.getServerCapabilities()?.tools);
});

test('tools: list, call, tool errors', async () => {
  const { tools } = await c.client.listTools();
  assert.ok(tools.some((t) => t.name === 'echo'));
  assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: 'héllo ✓' } })), 'héllo ✓');
  assert.equal(textOf(await c.client.callTool({ name: 'add', arguments: { a: 2, b: 40 } })), '42');
  const failed = await c.client.callTool({ name: 'fail', arguments: {} });
  assert.equal(failed.isError, true);
});

test('progress notifications reach the caller', async () => {
  const seen: number[] = [];
  const result = await c.client.callTool({ name: 'slow', arguments: { steps: 3, delayMs: 30 } }, undefined, {
    onprogress: (p) => seen.push(p.progress),
  });
  assert.equal(textOf(result), 'done 3');
  assert.deepEqual(seen, [1, 2, 3]);
});

test('cancellation reaches the backend and the request ends', async () => {
  // Cancelled once it runs at the backend (its first progress), so the cancellation has a call to reach.
  const ac = new AbortController();
  const call = c.client.callTool({ name: 'slow', arguments: { steps: 50, delayMs: 100 } }, undefined, {
    signal: ac.signal,
    onprogress: () => ac.abort('test cancels'),
  });
  await assert.rejects(call, /cancel|abort/i);
  // The session keeps working after a cancellation.
  assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: 'after' } })), 'after');
});

test('logging: setLevel and log notifications', async () => {
  await c.client.setLoggingLevel('info');
  await c.client.callTool({ name: 'log', arguments: { level: 'warning', message: 'careful' } });
  await eventually(() => JSON.stringify(c.logs).includes('careful'), 'the log notification');
});

test('server→client requests: sampling, elicitation, roots', async () => {
  assert.equal(textOf(await c.client.callTool({ name: 'sample', arguments: { prompt: 'hi' } })), 'sampled: hi');
  const elicited = textOf(await c.client.callTool({ name: 'elicit', arguments: { message: 'name?' } }));
  assert.deepEqual(JSON.parse(elicited), { action: 'accept', content: { name: 'Ada' } });
  const roots = JSON.parse(textOf(await c.client.callTool({ name: 'roots', arguments: {} })));
  assert.equal(roots[0].uri, 'file:///tmp/e2e');
});

test('resources: list, read, templates, subscribe and updates', async () => {
  const { resources } = await c.client.listResources();
  assert.ok(resources.some((r) => r.uri === 'demo://readme'));
  const read = await c.client.readResource({ uri: 'demo://readme' });
  assert.equal((read.contents[0] as { text: string }).text, 'hello from the fixture');
  const { resourceTemplates } = await c.client.listResourceTemplates();
  assert.ok(resourceTemplates.some((t) => t.uriTemplate === 'demo://items/{id}'));
  const item = await c.client.readResource({ uri: 'demo://items/7' });
  assert.equal((item.contents[0] as { text: string }).text, 'item 7');
  await c.client.subscribeResource({ uri: 'demo://readme' });
  await c.client.callTool({ name: 'touch_resource', arguments: { uri: 'demo://readme' } });
  await eventually(() => c.updates.includes('demo://readme'), 'resources/updated');
  await c.client.unsubscribeResource({ uri: 'demo://readme' });
});

test('prompts and completions', async () => {
  const { prompts } = await c.client.listPrompts();
  assert.ok(prompts.some((p) => p.name === 'greet'));
  const prompt = await c.client.getPrompt({ name: 'greet', arguments: { name: 'Ann' } });
  assert.equal((prompt.messages[0]!.content as { text: string }).text, 'Hello, Ann!');
  const completion = await c.client.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'name', value: 'b' } });
  assert.deepEqual(completion.completion.values, ['bob']);
  const templ = await c.client.complete({ ref: { type: 'ref/resource', uri: 'demo://items/{id}' }, argument: { name: 'id', value: '' } });
  assert.deepEqual(templ.completion.values, ['1', '2', '3']);
});

test('list_changed notifications reach the client', async () => {
  const before = c.listChanged;
  await c.client.callTool({ name: 'add_tool', arguments: { name: 'late_tool' } });
  await eventually(() => c.listChanged > before, 'tools/list_changed');
  const { tools } = await c.client.listTools();
  assert.ok(tools.some((t) => t.name === 'late_tool'));
});

test('ping', async () => {
  assert.deepEqual(await c.client.ping(), {});
});

test('two sessions are independent', async (t) => {
  const other = await connectStreamable(proxy.url, 'second');
  t.after(() => other.close());
  assert.notEqual(other.transport.sessionId, c.transport.sessionId);
  const [a, b] = await Promise.all([
    c.client.callTool({ name: 'echo', arguments: { text: 'one' } }),
    other.client.callTool({ name: 'echo', arguments: { text: 'two' } }),
  ]);
  assert.equal(textOf(a), 'one');
  assert.equal(textOf(b), 'two');
});
