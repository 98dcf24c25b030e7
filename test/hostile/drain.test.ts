// SIGTERM drains with the memory store too (issue 8, Faults): /readyz turns 503 at once, new sessions
// get 503 + Retry-After, calls in flight on both faces finish, then the process exits 0. The drain is
// bounded by cluster.drainTimeout.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFixture, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';
import { connectSse, connectStreamable, progressSignal, textOf } from '../helpers/clients.js';
import { initializeBody, JSON_AND_SSE } from '../helpers/http.js';

after(() => stopAll());

/** Polls /readyz until it is not 200; bounded in count and time. */
async function readyzAfterSigterm(proxy: RunningProxy): Promise<number> {
  let status = 200;
  for (let i = 0; i < 200 && status === 200; i++) {
    status = (await fetch(new URL('/readyz', proxy.origin), { signal: AbortSignal.timeout(5_000) })).status;
    if (status === 200) await new Promise((r) => setTimeout(r, 20));
  }
  return status;
}

test(
  'SIGTERM with the memory store: calls in flight on both faces finish, /readyz is 503 and new sessions are refused meanwhile, exit 0',
  { timeout: 60_000 },
  async (t) => {
    const backend = await startFixture('legacy-sse-server');
    t.after(() => backend.stop());
    const proxy = await startProxy(['--backend', backend.url]);
    t.after(() => proxy.stop());
    const streamable = await connectStreamable(proxy.url, 'drain-streamable');
    t.after(() => streamable.client.close());
    const legacy = await connectSse(`${proxy.origin}/sse`, 'drain-legacy');
    t.after(() => legacy.close());

    const p1 = progressSignal();
    const p2 = progressSignal();
    let settled = 0;
    const calls = [
      streamable.client.callTool({ name: 'slow', arguments: { steps: 8, delayMs: 250 } }, undefined, { onprogress: p1.onprogress, timeout: 30_000 }),
      legacy.client.callTool({ name: 'slow', arguments: { steps: 8, delayMs: 250 } }, undefined, { onprogress: p2.onprogress, timeout: 30_000 }),
    ].map((c) => c.finally(() => settled++));
    await Promise.all([p1.started, p2.started]);

    process.kill(proxy.pid, 'SIGTERM');
    assert.equal(await readyzAfterSigterm(proxy), 503, '/readyz turned 503');
    assert.equal(settled, 0, 'while the calls were still running');
    const refused = await fetch(proxy.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: JSON_AND_SSE },
      body: initializeBody(),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(refused.status, 503, 'a new session is refused');
    assert.ok(refused.headers.get('retry-after'), 'with Retry-After');
    // Node's server.close() goes on serving keep-alive connections that were busy: while draining, every
    // answer closes its connection, so the client's next request goes to another replica.
    assert.equal(refused.headers.get('connection'), 'close', 'answers while draining close their connection');
    assert.equal(((await refused.json()) as { error: { data: { code: string } } }).error.data.code, 'ERR_SHUTTING_DOWN');
    const legacyRefused = await fetch(`${proxy.origin}/sse`, { headers: { accept: 'text/event-stream' }, signal: AbortSignal.timeout(10_000) });
    assert.equal(legacyRefused.status, 503, 'a new legacy stream is refused');
    await legacyRefused.body?.cancel();

    const [a, b] = await Promise.all(calls);
    assert.equal(textOf(a), 'done 8', 'the Streamable HTTP call finished');
    assert.equal(textOf(b), 'done 8', 'the legacy SSE call finished');
    assert.equal(await proxy.stop(), 0, 'the process exited 0');
    const drained = proxy.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.reason === 'replica_drained');
    assert.equal(drained?.unfinished, 0);
  },
);

test('the drain is bounded by cluster.drainTimeout: a call longer than it fails and the process still exits 0', { timeout: 60_000 }, async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-drain-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'frontdoor.yaml');
  writeFileSync(file, `listen: { port: 0 }\ncluster: { drainTimeout: 1s }\nroutes:\n  - path: /\n    backend: { url: "${backend.url}" }\n`);
  const proxy = await startProxy(['--config', file]);
  t.after(() => proxy.stop());
  const c = await connectStreamable(proxy.url, 'drain-timeout');
  t.after(() => c.client.close());
  const p = progressSignal();
  const call = c.client.callTool({ name: 'slow', arguments: { steps: 600, delayMs: 100 } }, undefined, { onprogress: p.onprogress, timeout: 60_000 });
  const outcome = call.then(
    () => 'succeeded',
    () => 'failed',
  );
  await p.started;
  process.kill(proxy.pid, 'SIGTERM');
  const drained = await proxy.waitForLine((l) => l.reason === 'replica_drained', 10_000);
  assert.ok(Number(drained.unfinished) >= 1, 'left with the call unfinished');
  assert.equal(await proxy.stop(), 0);
  assert.equal(await outcome, 'failed');
});
