// limits.maxJsonDepth: JSON nested deeper than the bound is refused with 400 and a JSON-RPC parse
// error (ERR_JSON_TOO_DEEP) on both faces, instead of a 500 from a blown stack (a valid envelope
// with deep params) or a misleading -32600 (a bare deep array); ordinary nesting (params 50 deep) is
// forwarded untouched.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { stopAll } from '../helpers/process.js';
import { startHostileStack } from '../helpers/hostile-stack.js';
import { post, rawSession } from '../helpers/http.js';
import { callTool, resultText } from '../helpers/rpc.js';
import { limitHits, waitForLimitHit } from '../helpers/metrics.js';
import { openLegacySession } from '../helpers/legacy-session.js';

after(() => stopAll());

const DEEP = '['.repeat(200_000) + ']'.repeat(200_000);
/** Bodies nested 200,000 deep: a bare array (not JSON-RPC at all), and valid envelopes whose params are. */
const DEEP_BODIES: Record<string, string> = {
  'a bare array': DEEP,
  'a request with deep params': `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x","d":${DEEP}}}}`,
  'a notification with deep params': `{"jsonrpc":"2.0","method":"notifications/progress","params":{"d":${DEEP}}}`,
};

function nested(depth: number): Record<string, unknown> {
  let v: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < depth; i++) v = { a: v };
  return v;
}

test('200,000-deep JSON bodies on a live session get 400 / -32700 / ERR_JSON_TOO_DEEP', async (t) => {
  const { proxy } = await startHostileStack(t);
  const sid = await rawSession(proxy.url);
  const before = await limitHits(proxy.origin, 'maxJsonDepth');
  for (const [what, deep] of Object.entries(DEEP_BODIES)) {
    const res = await post(proxy.url, deep, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' });
    const text = await res.text();
    assert.equal(res.status, 400, `${what}: status ${res.status}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text);
    assert.equal(body.error.code, -32700, what);
    assert.equal(body.error.data.code, 'ERR_JSON_TOO_DEEP', what);
    await proxy.waitForLine((l) => l.errorId === body.error.data.errorId, 5_000);
  }
  await waitForLimitHit(proxy.origin, 'maxJsonDepth', before, 5_000);
  // The session and the proxy are fine.
  assert.equal(resultText((await callTool(proxy.url, sid, 2, 'echo', { text: 'ok' })).response), 'ok');
});

test('200,000-deep JSON bodies on the legacy face get 400 / ERR_JSON_TOO_DEEP', async (t) => {
  const { proxy } = await startHostileStack(t);
  const legacy = await openLegacySession(proxy.origin);
  t.after(() => legacy.stream.close());
  for (const [what, deep] of Object.entries(DEEP_BODIES)) {
    const res = await fetch(legacy.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep });
    const text = await res.text();
    assert.equal(res.status, 400, `${what}: status ${res.status}: ${text.slice(0, 300)}`);
    assert.equal(JSON.parse(text).error.data.code, 'ERR_JSON_TOO_DEEP', what);
  }
  assert.equal(await legacy.send({ id: 3, method: 'tools/call', params: { name: 'echo', arguments: { text: 'ok' } } }), 202);
  assert.equal((await legacy.answer(3)).result.content[0].text, 'ok');
});

test('params nested 50 deep are forwarded untouched', async (t) => {
  const { proxy, fixture } = await startHostileStack(t);
  const sid = await rawSession(proxy.url);
  const deep = nested(50);
  const call = await callTool(proxy.url, sid, 1, 'echo', { text: 'deep', deep });
  assert.equal(resultText(call.response), 'deep');
  const seen = await fixture!.waitForLine((l) => l.received === 'tools/call' && (l.params as { arguments?: { text?: string } })?.arguments?.text === 'deep');
  assert.deepEqual((seen.params as { arguments: { deep: unknown } }).arguments.deep, deep);
});
