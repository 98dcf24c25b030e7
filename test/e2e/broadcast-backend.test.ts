// A backend that broadcasts every response to every SSE session (supergateway 4.0.0 with
// `--outputTransport sse`): each per-session backend connection of the proxy also receives the
// answers to the other connections' requests. Backend request ids are unique per proxy process, so
// such a response matches no request of the connection it arrives on: it is dropped, counted in
// frontdoor_stray_responses_total, and never delivered. No client ever gets another client's answer.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, startProxy, stopAll } from '../helpers/process.js';
import { connectStreamable, textOf, type TestClient } from '../helpers/clients.js';
import { metricValue, readMetrics } from '../helpers/metrics.js';

after(() => stopAll());

const CLIENTS = 3;
const CALLS = 60;

test('three clients through a broadcasting backend: every answer is the caller’s own, strays are dropped and counted', { timeout: 120_000 }, async (t) => {
  const backend = await startFixture('broadcast-sse-server');
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', backend.url]);
  t.after(() => proxy.stop());
  const clients: TestClient[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const c = await connectStreamable(proxy.url, `broadcast-${i}`);
    t.after(() => c.close());
    clients.push(c);
  }
  const stats = (await (await fetch(new URL('/control/stats', backend.url))).json()) as { open: number };
  assert.equal(stats.open, CLIENTS, 'one backend SSE connection per client session (per-session backend)');

  const wrong: string[] = [];
  const failed: string[] = [];
  const loop = async (c: TestClient, i: number) => {
    for (let n = 0; n < CALLS; n++) {
      const text = `client ${i} call ${n}`;
      try {
        const got = textOf(await c.client.callTool({ name: 'echo', arguments: { text } }));
        if (got !== text) wrong.push(`${text} got "${got}"`);
      } catch (e) {
        failed.push(`${text}: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(clients.map((c, i) => loop(c, i)));
  const total = CLIENTS * CALLS;
  assert.equal(wrong.length, 0, `${wrong.length} wrong answers in ${total} echo calls, e.g. ${wrong.slice(0, 3).join('; ')}`);
  assert.equal(failed.length, 0, `${failed.length} failed calls in ${total}, e.g. ${failed.slice(0, 3).join('; ')}`);

  // Every echo answer reached all CLIENTS backend connections (all stayed open throughout), and only
  // one of them had asked: each of the others dropped it as a stray.
  const strays = metricValue(await readMetrics(proxy.origin), 'frontdoor_stray_responses_total', { route: '/' }) ?? 0;
  assert.ok(strays >= (CLIENTS - 1) * total, `frontdoor_stray_responses_total{route="/"} is ${strays}; expected at least ${(CLIENTS - 1) * total}`);
});
