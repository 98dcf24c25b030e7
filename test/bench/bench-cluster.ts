// Scale-out bench: one replica vs three replicas, each behind its own round-robin load balancer
// (haproxy) with its own Redis store, both up at once and measured in alternating rounds (ABBA) so
// that the machine's load falls on both alike. On 2 cores this measures the cost of forwarding (2 of
// 3 requests land on a replica that does not own their session and go on to the owner), not scaling:
// the output says so. Clients are light by default (raw node:http, test/bench/light-clients.ts): the
// SDK client spends more CPU per call than a replica does and would hide the difference.
//
//   npm run build && node dist/test/bench/bench-cluster.js      (also the third part of npm run bench)
//
// Environment:
//   BENCH_CLUSTER_SESSIONS=20     concurrent sessions (Streamable HTTP, tools/call echo in a loop)
//   BENCH_CLUSTER_CALLS=100       sequential calls per session per measured round
//   BENCH_CLUSTER_ROUNDS=3        measured rounds per cluster (order 1 3 3 1 1 3 ...); medians reported
//   BENCH_CLUSTER_WARMUP=1000     unmeasured calls per cluster before the rounds, spread over the sessions
//   BENCH_CLUSTER_CLIENT=light    light | sdk (the MCP SDK client, the bench's former mode)
//
// A bench, not a test: nothing here fails on speed. Exit code 1 only when a call failed.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { counter, startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectStreamable, textOf } from '../helpers/clients.js';
import { startFixture, stopAll } from '../helpers/process.js';
import { envInt } from './bench-env.js';
import { readRunMs } from './bench-proc.js';
import { f, formatTable, percentile } from './bench-table.js';
import { benchAgent, LightStreamable } from './light-clients.js';

const SESSIONS = Math.max(1, envInt('BENCH_CLUSTER_SESSIONS', 20));
const CALLS = Math.max(1, envInt('BENCH_CLUSTER_CALLS', 100));
const ROUNDS = Math.max(1, envInt('BENCH_CLUSTER_ROUNDS', 3));
const WARMUP = envInt('BENCH_CLUSTER_WARMUP', 1000);
const CLIENT = process.env.BENCH_CLUSTER_CLIENT === 'sdk' ? 'sdk' : 'light';
const ROUND_CAP_MS = 60_000;
const CALL_TIMEOUT_MS = 15_000;

const log = (msg: string) => process.stderr.write(`[bench-cluster] ${msg}\n`);

/** One session of either client kind: `echo` resolves true when the text came back. */
interface Session {
  echo(text: string): Promise<boolean>;
  close(): Promise<void>;
}

async function openSession(origin: string, i: number): Promise<Session> {
  if (CLIENT === 'sdk') {
    const c = await connectStreamable(`${origin}/mcp`, `bench-${i}`);
    return {
      echo: async (text) => textOf(await c.client.callTool({ name: 'echo', arguments: { text } })) === text,
      close: () => c.close(),
    };
  }
  const agent = benchAgent();
  const s = await LightStreamable.open(agent, `${origin}/mcp`, {}, CALL_TIMEOUT_MS);
  return {
    echo: async (text) => {
      const m = await s.call('tools/call', { name: 'echo', arguments: { text } }, {});
      return textOf(m.result) === text;
    },
    close: async () => {
      await s.close({});
      agent.destroy();
    },
  };
}

interface Round {
  calls: number;
  errors: number;
  wallMs: number;
  latencies: number[];
  /** CPU ms during the round, from /proc schedstat: every replica together, haproxy, redis. */
  cpu: { replicas: number; lb: number; redis: number };
  forwarded: number;
}

async function drive(sessions: Session[], m: number): Promise<Pick<Round, 'calls' | 'errors' | 'wallMs' | 'latencies'>> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + ROUND_CAP_MS;
  const t0 = performance.now();
  await Promise.all(
    sessions.map(async (s, k) => {
      for (let i = 0; i < m && performance.now() < deadline; i++) {
        const start = performance.now();
        const ok = await s.echo(`${k}-${i}`).catch(() => false);
        if (ok) latencies.push(performance.now() - start);
        else errors++;
      }
    }),
  );
  return { calls: latencies.length, errors, wallMs: performance.now() - t0, latencies };
}

const cpuOf = (pids: number[]) => pids.reduce((a, pid) => a + (readRunMs(pid) ?? 0), 0);
const forwardedOf = async (c: TestCluster) =>
  (await Promise.all(c.replicas.map((r) => counter(r.origin, 'frontdoor_forwarded_total')))).reduce((a, b) => a + b, 0);

async function measure(c: TestCluster, sessions: Session[]): Promise<Round> {
  const pids = c.replicas.map((r) => r.pid);
  const [r0, l0, d0, f0] = [cpuOf(pids), cpuOf([c.lb.pid]), cpuOf([c.redis.pid]), await forwardedOf(c)];
  const r = await drive(sessions, CALLS);
  const [r1, l1, d1, f1] = [cpuOf(pids), cpuOf([c.lb.pid]), cpuOf([c.redis.pid]), await forwardedOf(c)];
  return { ...r, cpu: { replicas: r1 - r0, lb: l1 - l0, redis: d1 - d0 }, forwarded: f1 - f0 };
}

interface Result {
  replicas: number;
  calls: number;
  errors: number;
  /** Median over the rounds, and each round's. */
  callsPerSec: number;
  rounds: number[];
  p50: number;
  p99: number;
  /** CPU µs per call (all rounds together). */
  us: { replicas: number; lb: number; redis: number };
  forwardedShare: number;
}

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

function summarize(replicas: number, rounds: Round[]): Result {
  const calls = rounds.reduce((a, r) => a + r.calls, 0);
  const lat = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const perCall = (pick: (r: Round) => number) => (calls > 0 ? (rounds.reduce((a, r) => a + pick(r), 0) * 1000) / calls : NaN);
  const rates = rounds.map((r) => (r.calls / r.wallMs) * 1000);
  return {
    replicas,
    calls,
    errors: rounds.reduce((a, r) => a + r.errors, 0),
    callsPerSec: median(rates),
    rounds: rates,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    us: { replicas: perCall((r) => r.cpu.replicas), lb: perCall((r) => r.cpu.lb), redis: perCall((r) => r.cpu.redis) },
    forwardedShare: calls > 0 ? rounds.reduce((a, r) => a + r.forwarded, 0) / calls : NaN,
  };
}

async function main(): Promise<number> {
  const backend = await startFixture('legacy-sse-server');
  const clusters: TestCluster[] = [];
  try {
    for (const n of [1, 3]) clusters.push(await startCluster(backend.url, n));
    const sessions: Session[][] = [];
    for (const c of clusters) {
      const list: Session[] = [];
      for (let i = 0; i < SESSIONS; i++) list.push(await openSession(c.lbOrigin, i));
      sessions.push(list);
      // Warm-up: every path JIT-compiled on every replica.
      await drive(list, Math.max(5, Math.ceil(WARMUP / SESSIONS)));
    }
    const rounds: Round[][] = [[], []];
    for (let i = 0; i < ROUNDS * 2; i++) {
      // ABBA: 1 3 3 1 1 3 ...
      const k = [0, 1, 1, 0][i % 4]!;
      const load = os.loadavg()[0]!;
      const r = await measure(clusters[k]!, sessions[k]!);
      rounds[k]!.push(r);
      log(`round ${i + 1}: ${k === 0 ? 1 : 3} replica(s) ${((r.calls / r.wallMs) * 1000).toFixed(0)} calls/s, loadavg ${load.toFixed(2)}`);
    }
    for (const list of sessions) await Promise.all(list.map((s) => s.close().catch(() => undefined)));
    const [one, three] = [summarize(1, rounds[0]!), summarize(3, rounds[1]!)];

    console.log(
      `\nmcp-frontdoor scale-out bench: ${SESSIONS} ${CLIENT} sessions x ${CALLS} tools/call echo x ${ROUNDS} rounds, haproxy round-robin, Redis store, legacy SSE backend`,
    );
    console.log(
      `loadavg at the end: ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')} (${os.cpus().length} cores)`,
    );
    const rows = [
      [
        'replicas',
        'calls',
        'calls/s (median)',
        'rounds',
        'p50 ms',
        'p99 ms',
        'replicas CPU µs/call',
        'haproxy µs/call',
        'redis µs/call',
        'forwarded',
        'errors',
      ],
    ];
    for (const r of [one, three]) {
      rows.push([
        String(r.replicas),
        String(r.calls),
        f(r.callsPerSec, 0),
        r.rounds.map((x) => x.toFixed(0)).join('/'),
        f(r.p50),
        f(r.p99),
        f(r.us.replicas, 0),
        f(r.us.lb, 0),
        f(r.us.redis, 0),
        `${(r.forwardedShare * 100).toFixed(0)}%`,
        String(r.errors),
      ]);
    }
    for (const line of formatTable(rows)) console.log(line);
    console.log(
      `3 replicas / 1 replica: calls/s ${(three.callsPerSec / one.callsPerSec).toFixed(2)}, replicas' CPU per call ${(three.us.replicas / one.us.replicas).toFixed(2)}`,
    );
    console.log(
      'On 2 cores three replicas compete for the same CPUs, and 2 of 3 requests are forwarded to the owning replica: this shows the forwarding cost, not scaling.',
    );
    console.log(
      JSON.stringify({
        bench: 'mcp-frontdoor-cluster',
        client: CLIENT,
        sessions: SESSIONS,
        calls: CALLS,
        rounds: ROUNDS,
        loadavg: os.loadavg(),
        results: [one, three],
      }),
    );
    return one.errors + three.errors > 0 ? 1 : 0;
  } finally {
    for (const c of clusters) await c.stop().catch(() => undefined);
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
