// limits.maxSessions and maxSessionsPerClient: over either, a new session gets 503 + Retry-After and
// ERR_TOO_MANY_SESSIONS, while live sessions, /healthz, /readyz and /metrics keep working. Under a
// lowered open-file limit the cap is lowered at start-up (logged, exposed as a gauge) so that a flood
// of initializes meets 503s, never connection resets.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { stopAll } from '../helpers/process.js';
import { startHostileStack } from '../helpers/hostile-stack.js';
import { initializeBody, post, rawSession } from '../helpers/http.js';
import { callTool, resultText } from '../helpers/rpc.js';
import { limitHits, metricValue, readMetrics, waitForLimitHit } from '../helpers/metrics.js';
import { request, type PlainResponse } from '../helpers/http-stream.js';
import { connectStreamable, textOf } from '../helpers/clients.js';

after(() => stopAll());

const INIT_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

function assertTooMany(status: number, retryAfter: string | null | undefined, bodyText: string): void {
  assert.equal(status, 503);
  assert.ok(retryAfter, '503 without Retry-After');
  const body = JSON.parse(bodyText);
  assert.equal(body.jsonrpc, '2.0');
  assert.equal(body.error.data.code, 'ERR_TOO_MANY_SESSIONS');
}

test('limits.maxSessions: the 6th session gets 503 + Retry-After; live sessions, health and freed slots work', async (t) => {
  const { proxy } = await startHostileStack(t, { limits: { maxSessions: 5 } });
  const before = await limitHits(proxy.origin, 'maxSessions');
  const sids: string[] = [];
  for (let i = 0; i < 5; i++) sids.push(await rawSession(proxy.url));

  const sixth = await post(proxy.url, initializeBody(1));
  assertTooMany(sixth.status, sixth.headers.get('retry-after'), await sixth.text());
  // The legacy face opens its session with the GET: refused the same way.
  const legacy = await fetch(`${proxy.origin}/sse`, { headers: { accept: 'text/event-stream' }, signal: AbortSignal.timeout(10_000) });
  if (legacy.status === 200) await legacy.body?.cancel(); // an admitted stream never ends by itself
  assertTooMany(legacy.status, legacy.headers.get('retry-after'), legacy.status === 200 ? '{}' : await legacy.text());
  await waitForLimitHit(proxy.origin, 'maxSessions', before, 5_000);

  assert.equal(resultText((await callTool(proxy.url, sids[0]!, 2, 'echo', { text: 'alive' })).response), 'alive');
  assert.equal((await fetch(`${proxy.origin}/healthz`)).status, 200);

  // The cap counts live sessions: ending one frees a slot.
  const del = await fetch(proxy.url, { method: 'DELETE', headers: { 'mcp-session-id': sids[4]!, 'mcp-protocol-version': '2025-06-18' } });
  await del.text();
  assert.ok(del.status < 300, `DELETE answered ${del.status}`);
  await rawSession(proxy.url);
});

test('limits.maxSessionsPerClient: the 4th session from 127.0.0.1 gets 503, one from 127.0.0.2 succeeds', async (t) => {
  const { proxy } = await startHostileStack(t, { limits: { maxSessionsPerClient: 3 } });
  const before = await limitHits(proxy.origin, 'maxSessionsPerClient');
  for (let i = 0; i < 3; i++) await rawSession(proxy.url);
  const fourth = await post(proxy.url, initializeBody(1));
  assertTooMany(fourth.status, fourth.headers.get('retry-after'), await fourth.text());
  await waitForLimitHit(proxy.origin, 'maxSessionsPerClient', before, 5_000);

  const other = await request(proxy.url, { method: 'POST', headers: INIT_HEADERS, body: initializeBody(1), localAddress: '127.0.0.2' });
  assert.equal(other.status, 200, `a session from another address was refused: ${other.body}`);
  assert.ok(other.headers['mcp-session-id']);
});

test('under ulimit -n 256 the session cap is lowered; 400 initializes meet 503s, never resets; health and live sessions work', async (t) => {
  const { proxy } = await startHostileStack(t, { openFiles: 256 });
  const early = await connectStreamable(proxy.url, 'before-the-flood');
  t.after(() => early.close());

  const statuses = new Map<number, number>();
  const failures: string[] = [];
  const healthFailures: string[] = [];
  let next = 0;
  const probeHealth = async () => {
    for (const p of ['/healthz', '/readyz', '/metrics']) {
      const r = await request(`${proxy.origin}${p}`, { timeoutMs: 5_000 }).catch((e: Error) => e);
      if (r instanceof Error || r.status !== 200) healthFailures.push(`${p}: ${r instanceof Error ? r.message : r.status}`);
    }
  };
  // 400 initializes, 16 at a time, health probed every 20.
  const worker = async () => {
    while (next < 400) {
      const n = next++;
      if (n % 20 === 0) await probeHealth();
      const r: PlainResponse | Error = await request(proxy.url, { method: 'POST', headers: INIT_HEADERS, body: initializeBody(n), timeoutMs: 5_000 }).catch(
        (e: Error) => e,
      );
      if (r instanceof Error) failures.push(`${(r as NodeJS.ErrnoException).code ?? ''} ${r.message}`);
      else {
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 503) assertTooMany(r.status, r.headers['retry-after'] as string | undefined, r.body);
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  await probeHealth();

  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} initializes failed without an HTTP answer`);
  assert.deepEqual(healthFailures, []);
  assert.deepEqual([...statuses.keys()].sort(), [200, 503], `statuses: ${JSON.stringify([...statuses])}`);
  assert.equal(textOf(await early.client.callTool({ name: 'echo', arguments: { text: 'still served' } })), 'still served');

  const lowered = await proxy.waitForLine((l) => l.reason === 'max_sessions_lowered', 5_000);
  assert.ok(lowered);
  const cap = metricValue(await readMetrics(proxy.origin), 'frontdoor_sessions_limit');
  assert.ok(cap !== undefined && cap > 0 && cap < 256, `frontdoor_sessions_limit is ${cap}`);
  assert.ok((statuses.get(200) ?? 0) + 1 <= cap, `${statuses.get(200)} sessions admitted over a cap of ${cap}`);
});
