// limits.maxMessageBytes: a backend message over the limit (an SSE event, a never-ending event, a
// stdio line) fails only the request it answers, with a JSON-RPC error naming the limit, and the next
// message on the same channel is intact; the proxy does not hold the oversized message. Under the
// default limit, a 2 MB answer in a POST body arrives whole (no silent truncation).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FIXTURES_DIR, stopAll, type RunningProxy } from '../helpers/process.js';
import { startHostileStack } from '../helpers/hostile-stack.js';
import { limitHits, waitForLimitHit } from '../helpers/metrics.js';
import { rawSession } from '../helpers/http.js';
import { callTool, resultText } from '../helpers/rpc.js';
import { MB, mb, memoryOf, peakGrowth } from '../helpers/memory.js';
import type { Wire } from '../helpers/wire.js';

after(() => stopAll());

const LIMITS = { maxMessageBytes: '1mb' };

/** Asserts that the call failed with ERR_BACKEND_MESSAGE_TOO_LARGE and that the log has its errorId. */
async function assertTooLarge(proxy: RunningProxy, response: Wire): Promise<void> {
  assert.ok(response, 'no JSON-RPC response to the oversized answer');
  // assert.ok, not equal: a failure must not print megabytes of the delivered answer.
  assert.ok(response.result === undefined, `an answer over limits.maxMessageBytes was delivered (${String(JSON.stringify(response.result)).length} chars)`);
  assert.equal(response.error?.data?.code, 'ERR_BACKEND_MESSAGE_TOO_LARGE');
  assert.match(response.error.message, /limits\.maxMessageBytes/);
  const errorId = response.error.data.errorId as string;
  await proxy.waitForLine((l) => l.errorId === errorId, 5_000);
}

async function assertEchoWorks(proxy: RunningProxy, sid: string, id: number): Promise<void> {
  const echo = await callTool(proxy.url, sid, id, 'echo', { text: `after ${id}` });
  assert.equal(resultText(echo.response), `after ${id}`, 'the next message on the channel was lost');
}

test('an SSE event over limits.maxMessageBytes fails only its request; the next call on the session works', async (t) => {
  const { proxy } = await startHostileStack(t, { limits: LIMITS });
  const sid = await rawSession(proxy.url);
  const before = await limitHits(proxy.origin, 'maxMessageBytes');
  const huge = await callTool(proxy.url, sid, 1, 'huge', { bytes: 2_000_000 });
  await assertTooLarge(proxy, huge.response);
  await waitForLimitHit(proxy.origin, 'maxMessageBytes', before, 5_000);
  await assertEchoWorks(proxy, sid, 2);
});

test('a never-ending event fails only its request, is not buffered, and the next message is intact', async (t) => {
  const { proxy, fixture } = await startHostileStack(t, { limits: LIMITS });
  const sid = await rawSession(proxy.url);
  const endless = await callTool(proxy.url, sid, 1, 'endless', { bytes: 8_000_000 });
  await assertTooLarge(proxy, endless.response);
  await assertEchoWorks(proxy, sid, 2);

  // 128 MB that "never ends": the proxy's memory must not grow by anything like its size (the
  // margin, half of it, leaves room for socket buffers awaiting garbage collection).
  const memBefore = memoryOf(proxy.pid);
  const big = await callTool(proxy.url, sid, 3, 'endless', { bytes: 128 * MB }, { timeoutMs: 60_000 });
  await assertTooLarge(proxy, big.response);
  // Wait until the backend is done with it (it wrote the whole event, or the proxy dropped the
  // connection to resync: either way nothing of it is still in flight).
  await fixture!.waitForLine((l) => l.endless_done === 128 * MB || typeof l.sse_closed === 'string', 60_000);
  await assertEchoWorks(proxy, sid, 4);
  const growth = peakGrowth(proxy.pid, memBefore);
  assert.ok(growth < 64 * MB, `proxy RSS grew by ${mb(growth)} during a 128 MB event`);
});

test('with default limits, a 2 MB answer in the POST body arrives whole', async (t) => {
  const { proxy } = await startHostileStack(t);
  const sid = await rawSession(proxy.url);
  const answer = await callTool(proxy.url, sid, 1, 'post_answer', { bytes: 2_000_000 }, { timeoutMs: 20_000 });
  const text = resultText(answer.response);
  assert.equal(text.length, 2_000_000);
  assert.ok(/^x+$/.test(text));
  await assertEchoWorks(proxy, sid, 2);
});

test('a stdio line over limits.maxMessageBytes fails only its request; the next call works', async (t) => {
  const { proxy } = await startHostileStack(t, {
    limits: LIMITS,
    backend: { transport: 'stdio', command: 'node', args: [path.join(FIXTURES_DIR, 'stdio-server.js')] },
  });
  const sid = await rawSession(proxy.url);
  const huge = await callTool(proxy.url, sid, 1, 'huge', { bytes: 2_000_000 });
  await assertTooLarge(proxy, huge.response);
  await assertEchoWorks(proxy, sid, 2);
});
