// A backend's error page never reaches the client: the JSON-RPC error names the route's HTTP status
// but carries neither the backend's body nor its internal URL; the proxy's log line with the same
// errorId keeps the detail for the operator.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { stopAll } from '../helpers/process.js';
import { startHostileStack } from '../helpers/hostile-stack.js';
import { rawSession } from '../helpers/http.js';
import { callTool, resultText } from '../helpers/rpc.js';
import { openLegacySession } from '../helpers/legacy-session.js';
import type { Wire } from '../helpers/wire.js';

after(() => stopAll());

function assertClean(error: Wire): void {
  assert.ok(error, 'no JSON-RPC error for a backend 500');
  assert.match(error.message, /\b500\b/, 'the message does not name the HTTP status');
  const wire = JSON.stringify(error);
  assert.ok(!wire.includes('<html'), `the backend's HTML reached the client: ${error.message}`);
  assert.ok(!wire.includes('internal.example'), `the backend's internal URL reached the client: ${error.message}`);
}

test("a backend's HTML 500 reaches the client as a clean JSON-RPC error; the log line with its errorId has the detail", async (t) => {
  const { proxy } = await startHostileStack(t);
  const sid = await rawSession(proxy.url);
  const call = await callTool(proxy.url, sid, 1, 'html_error', {});
  const error = call.response?.error;
  assertClean(error);
  const line = await proxy.waitForLine((l) => l.errorId === error.data.errorId, 5_000);
  assert.match(JSON.stringify(line), /internal\.example/, 'the log line lacks the backend detail');
  assert.equal(resultText((await callTool(proxy.url, sid, 2, 'echo', { text: 'after' })).response), 'after');
});

test('the same on the legacy face', async (t) => {
  const { proxy } = await startHostileStack(t);
  const legacy = await openLegacySession(proxy.origin);
  t.after(() => legacy.stream.close());
  await legacy.send({ id: 1, method: 'tools/call', params: { name: 'html_error', arguments: {} } });
  const answer = await legacy.answer(1);
  assertClean(answer.error);
  const line = await proxy.waitForLine((l) => l.errorId === answer.error.data.errorId, 5_000);
  assert.match(JSON.stringify(line), /internal\.example/);
});
