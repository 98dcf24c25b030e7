// Scale-out bench: one replica vs three replicas, both behind the same kind of round-robin load
// balancer (haproxy) with a Redis store, driven by the same SDK Streamable HTTP clients in the same
// run. On a 2-core machine this measures the cost of forwarding (2 of 3 requests go to a replica
// that does not own the session and are forwarded to the owner), not scaling: say so in the output.
import { performance } from 'node:perf_hooks';
import { startFixture, stopAll } from '../helpers/process.js';
import { startCluster } from '../helpers/cluster.js';
import { connectStreamable, textOf } from '../helpers/clients.js';

const SESSIONS = Number(process.env.BENCH_CLUSTER_SESSIONS ?? 20);
const CALLS = Number(process.env.BENCH_CLUSTER_CALLS ?? 100);
const ROUND_CAP_MS = 60_000;

interface Result {
  replicas: number;
  calls: number;
  errors: number;
  callsPerSec: number;
  p50: number;
  p99: number;
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

async function run(backendUrl: string, replicas: number): Promise<Result> {
  const cluster = await startCluster(backendUrl, replicas);
  try {
    const clients = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => connectStreamable(`${cluster.lbOrigin}/mcp`, `bench-${i}`)));
    // Warm-up: every path JIT-compiled on every replica.
    await Promise.all(
      clients.map(async (c) => {
        for (let i = 0; i < 10; i++) await c.client.callTool({ name: 'echo', arguments: { text: 'w' } });
      }),
    );
    const latencies: number[] = [];
    let errors = 0;
    const deadline = Date.now() + ROUND_CAP_MS;
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (c, k) => {
        for (let i = 0; i < CALLS && Date.now() < deadline; i++) {
          const s = performance.now();
          try {
            const text = textOf(await c.client.callTool({ name: 'echo', arguments: { text: `${k}-${i}` } }));
            if (text !== `${k}-${i}`) errors++;
          } catch {
            errors++;
          }
          latencies.push(performance.now() - s);
        }
      }),
    );
    const wall = performance.now() - t0;
    await Promise.all(clients.map((c) => c.close()));
    latencies.sort((a, b) => a - b);
    return { replicas, calls: latencies.length, errors, callsPerSec: (latencies.length / wall) * 1000, p50: pct(latencies, 50), p99: pct(latencies, 99) };
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<number> {
  const backend = await startFixture('legacy-sse-server');
  try {
    const one = await run(backend.url, 1);
    const three = await run(backend.url, 3);
    console.log(`\nmcp-frontdoor scale-out bench: ${SESSIONS} SDK sessions x ${CALLS} tools/call echo, haproxy round-robin, Redis store, legacy SSE backend`);
    console.log('replicas  calls  calls/s   p50 ms   p99 ms  errors');
    for (const r of [one, three]) {
      console.log(
        `${String(r.replicas).padStart(8)}  ${String(r.calls).padStart(5)}  ${r.callsPerSec.toFixed(0).padStart(7)}  ${r.p50.toFixed(2).padStart(7)}  ${r.p99.toFixed(2).padStart(7)}  ${String(r.errors).padStart(6)}`,
      );
    }
    console.log(`3 replicas / 1 replica calls/s: ${(three.callsPerSec / one.callsPerSec).toFixed(2)}`);
    console.log(
      'On 2 cores three replicas compete for the same CPUs, and 2 of 3 requests are forwarded to the owning replica: this shows the forwarding cost, not scaling.',
    );
    console.log(JSON.stringify({ bench: 'mcp-frontdoor-cluster', sessions: SESSIONS, calls: CALLS, results: [one, three] }));
    return one.errors + three.errors > 0 ? 1 : 0;
  } finally {
    await backend.stop();
    await stopAll();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    void stopAll().finally(() => process.exit(1));
  },
);
