// limits.requestTimeout: a request the backend never answers fails with ERR_BACKEND_TIMEOUT and the
// backend gets notifications/cancelled for it; progress notifications restart the timer (as SDK
// clients do), so a slow call that reports progress succeeds; and a pending request no longer keeps
// a session alive past sessions.idleTimeout once its client has left.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { stopAll } from '../helpers/process.js';
import { startHostileStack } from '../helpers/hostile-stack.js';
import { rawSession } from '../helpers/http.js';
import { callTool, resultText, rpc } from '../helpers/rpc.js';
import { limitHits, waitForLimitHit, waitForMetric } from '../helpers/metrics.js';

after(() => stopAll());

const LIMITS = { requestTimeout: '1s' };

test('a request the backend never answers fails with ERR_BACKEND_TIMEOUT; the backend gets notifications/cancelled', async (t) => {
  const { proxy, fixture } = await startHostileStack(t, { limits: LIMITS });
  const sid = await rawSession(proxy.url);
  const before = await limitHits(proxy.origin, 'requestTimeout');
  const hang = await callTool(proxy.url, sid, 1, 'hang', {}, { timeoutMs: 20_000 });
  const error = hang.response?.error;
  assert.ok(error, `no JSON-RPC error for a request the backend never answered: ${JSON.stringify(hang.messages)}`);
  assert.equal(error.data.code, 'ERR_BACKEND_TIMEOUT');
  assert.equal(error.data.reason, 'request_timeout');
  assert.match(error.message, /limits\.requestTimeout/);
  await proxy.waitForLine((l) => l.errorId === error.data.errorId, 5_000);
  await waitForLimitHit(proxy.origin, 'requestTimeout', before, 5_000);

  // The backend saw the call under its own (rewritten) id, then a cancellation naming that id.
  const call = await fixture!.waitForLine((l) => l.received === 'tools/call' && (l.params as { name?: string })?.name === 'hang');
  const cancelled = await fixture!.waitForLine((l) => l.received === 'notifications/cancelled', 10_000);
  assert.equal((cancelled.params as { requestId?: unknown }).requestId, call.id);
  // The session goes on.
  assert.equal(resultText((await callTool(proxy.url, sid, 2, 'echo', { text: 'next' })).response), 'next');
});

test('a slow call that reports progress outlives limits.requestTimeout and succeeds', async (t) => {
  const { proxy } = await startHostileStack(t, { limits: LIMITS });
  const sid = await rawSession(proxy.url);
  const slow = await rpc(
    proxy.url,
    sid,
    1,
    'tools/call',
    { name: 'slow_progress', arguments: { ms: 3000, every: 300 }, _meta: { progressToken: 'p1' } },
    { timeoutMs: 30_000 },
  );
  assert.equal(slow.response?.error, undefined, `the call failed: ${JSON.stringify(slow.response?.error)}`);
  assert.match(resultText(slow.response), /^done after \d+ progress notifications$/);
  assert.ok(
    slow.messages.some((m) => m.method === 'notifications/progress' && m.params.progressToken === 'p1'),
    'no progress reached the client',
  );
});

test('the same slow call without a progress token times out (the timer is what the progress restarted)', async (t) => {
  const { proxy } = await startHostileStack(t, { limits: LIMITS });
  const sid = await rawSession(proxy.url);
  const slow = await callTool(proxy.url, sid, 1, 'slow_progress', { ms: 3000, every: 300 }, { timeoutMs: 30_000 });
  assert.equal(slow.response?.error?.data?.code, 'ERR_BACKEND_TIMEOUT', `expected a timeout, got ${JSON.stringify(slow.response)}`);
});

test('a session whose client left with a request pending expires after sessions.idleTimeout', async (t) => {
  // requestTimeout stays long: the expiry must come from the idle timeout, not from the request failing.
  const { proxy, fixture } = await startHostileStack(t, { limits: { requestTimeout: '10m' }, sessions: { idleTimeout: '2s' } });
  const sid = await rawSession(proxy.url);
  await waitForMetric(proxy.origin, 'frontdoor_sessions', {}, (v) => v === 1, 5_000);
  const gone = new AbortController();
  t.after(() => gone.abort());
  const pending = fetch(proxy.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'hang', arguments: {} } }),
    signal: gone.signal,
  }).then((r) => r.text());
  await fixture!.waitForLine((l) => l.received === 'tools/call' && (l.params as { name?: string })?.name === 'hang');
  gone.abort();
  await pending.catch(() => undefined);
  await waitForMetric(proxy.origin, 'frontdoor_sessions', {}, (v) => v === 0, 20_000);
});
