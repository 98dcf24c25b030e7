// A subscriptions/listen flood on one seat: many 2026-07-28 listen streams, each following up to 256
// resources (the bound; 257 is -32602 in-band). The seat follows the union of their URIs with one
// resources/subscribe per URI; when every stream is closed, the backend gets resources/unsubscribe for
// every URI (the legacy fixture's /control/stats counts them), and the proxy's memory returns to where it was.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, startProxy, stopAll, type RunningProcess } from '../helpers/process.js';
import { eventually } from '../helpers/clients.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { modernMessages, modernRequest, postModern } from '../helpers/modern.js';
import { SseReader } from '../helpers/sse-reader.js';
import { mb, memoryOf, MB } from '../helpers/memory.js';
import { metricValue, readMetrics } from '../helpers/metrics.js';

after(() => stopAll());

const STREAMS = 16;
const PER_STREAM = 256;
/** Stream i follows URIs i*OVERLAP … i*OVERLAP+255: each URI is followed by one or two streams. */
const OVERLAP = 128;
const UNIQUE = OVERLAP * (STREAMS - 1) + PER_STREAM;
const IDENTITY = { clientInfo: { name: 'listen-flood', version: '1.0.0' } };
const RSS_SLACK = 24 * MB;

interface Stats {
  subscriptions: number;
  unsubscribes: number;
}

async function stats(backend: RunningProcess & { url: string }): Promise<Stats> {
  return (await (await fetch(new URL('/control/stats', backend.url))).json()) as Stats;
}

const uris = (from: number, n: number) => Array.from({ length: n }, (_, j) => `demo://flood/${from + j}`);

/** Opens the flood, waits for every acknowledgement; returns the closers. */
async function openFlood(url: string, cycle: number): Promise<Array<() => void>> {
  return Promise.all(
    Array.from({ length: STREAMS }, async (_, i) => {
      const ac = new AbortController();
      const id = `listen-${cycle}-${i}`;
      const body = modernRequest(
        id,
        'subscriptions/listen',
        { notifications: { resourceSubscriptions: uris(i * OVERLAP, PER_STREAM), toolsListChanged: true } },
        IDENTITY,
      );
      const res = await postModern(url, body, {}, { signal: ac.signal });
      assert.equal(res.status, 200);
      // The acknowledgement waits for the backend's answers to the stream's 256 subscribes (none is lost after it).
      const ack = await new SseReader(res).message(60_000);
      assert.equal(ack.method, 'notifications/subscriptions/acknowledged', JSON.stringify(ack).slice(0, 300));
      assert.equal(ack.params.notifications.resourceSubscriptions.length, PER_STREAM);
      return () => ac.abort();
    }),
  );
}

test(
  `listen flood: ${STREAMS} streams × ${PER_STREAM} resources on one seat, 257 refused, every URI unsubscribed at the end, memory back to baseline`,
  { timeout: 180_000 },
  async (t) => {
    const backend = await startFixture('legacy-sse-server');
    t.after(() => backend.stop());
    const cfg = writeConfigFile({ listen: { port: 0 }, log: { level: 'info', format: 'json' }, routes: [{ path: '/', backend: { url: backend.url } }] });
    t.after(() => cfg.dispose());
    const proxy = await startProxy(['--config', cfg.file]);
    t.after(() => proxy.stop());

    // One bound past the limit, answered in-band (the ladder passed; the params are the method's business).
    const over = await postModern(
      proxy.url,
      modernRequest('too-many', 'subscriptions/listen', { notifications: { resourceSubscriptions: uris(0, PER_STREAM + 1) } }, IDENTITY),
    );
    assert.equal(over.status, 200);
    const [refusal] = await modernMessages(over);
    assert.equal(refusal.id, 'too-many');
    assert.equal(refusal.error?.code, -32602, JSON.stringify(refusal));
    assert.equal(typeof refusal.error?.data?.errorId, 'string');

    let baseline = 0;
    for (const cycle of [1, 2]) {
      const start = await stats(backend);
      const closers = await openFlood(proxy.url, cycle);
      // One resources/subscribe per URI, whatever the number of streams following it.
      await eventually(async () => (await stats(backend)).subscriptions === UNIQUE, `${UNIQUE} subscriptions at the backend`, 60_000);
      const open = memoryOf(proxy.pid).rss;
      assert.equal(metricValue(await readMetrics(proxy.origin), 'frontdoor_route_sessions', { route: '/', face: 'modern' }), 1, 'one seat');
      for (const close of closers) close();
      await eventually(
        async () => {
          const s = await stats(backend);
          return s.subscriptions === 0 && s.unsubscribes - start.unsubscribes === UNIQUE;
        },
        'every URI unsubscribed',
        60_000,
      );
      const rss = memoryOf(proxy.pid).rss;
      t.diagnostic(`cycle ${cycle}: RSS with the flood open ${mb(open)}, after closing ${mb(rss)}`);
      // The first cycle warms the process up (JIT, buffers); the second must end where it started.
      if (cycle === 1) baseline = rss;
      else assert.ok(rss < baseline + RSS_SLACK, `RSS ${mb(rss)} after the second flood, ${mb(baseline)} after the first`);
    }
    assert.equal(proxy.child.exitCode, null);
  },
);
