// Scale-out bench: one replica vs three, each cluster with its own Redis store, measured in
// alternating rounds (A B C C B A ...) so that the machine's load falls on every mode alike:
//   1 replica    haproxy round-robin in front of one replica (nothing to forward)
//   3 replicas   haproxy round-robin in front of three: 2 of 3 requests land on a replica that does
//                not hold their session and are forwarded to the one that does
//   3 sticky     the same three replicas behind a second haproxy that learns each session's replica
//                from the Mcp-Session-Id of its initialize answer: nothing is forwarded. The control:
//                what three processes cost on these cores without forwarding
// On 2 cores this measures the cost of forwarding, not scaling: the output says so. Clients are light
// by default (raw node:http, test/bench/light-clients.ts): the SDK client spends more CPU per call
// than a replica does and would hide the difference.
//
//   npm run build && node dist/test/bench/bench-cluster.js      (also the third part of npm run bench)
//
// Environment:
//   BENCH_CLUSTER_SESSIONS=20     concurrent sessions per mode (Streamable HTTP, tools/call echo in a loop)
//   BENCH_CLUSTER_CALLS=100       sequential calls per session per measured round
//   BENCH_CLUSTER_ROUNDS=3        measured rounds per mode; medians of calls/s reported
//   BENCH_CLUSTER_WARMUP=1000     unmeasured calls per mode before the rounds, spread over the sessions
//   BENCH_CLUSTER_CLIENT=light    light | sdk (the MCP SDK client, the bench's former mode)
//
// A bench, not a test: nothing here fails on speed. Exit code 1 only when a call failed.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { counter, startCluster, type TestCluster } from '../helpers/cluster.js';
import { stopAll, startFixture } from '../helpers/process.js';
import { envInt } from './bench-env.js';
import { readRunMs } from './bench-proc.js';
import { startStickyBalancer } from './bench-cluster-sticky.js';
import { openSession, type BenchClusterSession } from './bench-cluster-session.js';
import { f, formatTable, percentile } from './bench-table.js';

const SESSIONS = Math.max(1, envInt('BENCH_CLUSTER_SESSIONS', 20));
const CALLS = Math.max(1, envInt('BENCH_CLUSTER_CALLS', 100));
const ROUNDS = Math.max(1, envInt('BENCH_CLUSTER_ROUNDS', 3));
const WARMUP = envInt('BENCH_CLUSTER_WARMUP', 1000);
const CLIENT = process.env.BENCH_CLUSTER_CLIENT === 'sdk' ? 'sdk' : 'light';
const ROUND_CAP_MS = 60_000;

const log = (msg: string) => process.stderr.write(`[bench-cluster] ${msg}\n`);

interface Mode {
  name: string;
  cluster: TestCluster;
  origin: string;
  lbPid: number;
  sessions: BenchClusterSession[];
}

interface Round {
  calls: number;
  errors: number;
  wallMs: number;
  latencies: number[];
  /** CPU ms during the round, from /proc schedstat: every replica together, the balancer, Redis. */
  cpu: { replicas: number; lb: number; redis: number };
  forwarded: number;
}

async function drive(sessions: BenchClusterSession[], m: number): Promise<Pick<Round, 'calls' | 'errors' | 'wallMs' | 'latencies'>> {
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

async function measure(mode: Mode): Promise<Round> {
  const c = mode.cluster;
  const pids = c.replicas.map((r) => r.pid);
  const [r0, l0, d0, f0] = [cpuOf(pids), cpuOf([mode.lbPid]), cpuOf([c.redis.pid]), await forwardedOf(c)];
  const r = await drive(mode.sessions, CALLS);
  const [r1, l1, d1, f1] = [cpuOf(pids), cpuOf([mode.lbPid]), cpuOf([c.redis.pid]), await forwardedOf(c)];
  return { ...r, cpu: { replicas: r1 - r0, lb: l1 - l0, redis: d1 - d0 }, forwarded: f1 - f0 };
}

interface Result {
  name: string;
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

function summarize(name: string, rounds: Round[]): Result {
  const calls = rounds.reduce((a, r) => a + r.calls, 0);
  const lat = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const perCall = (pick: (r: Round) => number) => (calls > 0 ? (rounds.reduce((a, r) => a + pick(r), 0) * 1000) / calls : NaN);
  const rates = rounds.map((r) => (r.calls / r.wallMs) * 1000);
  return {
    name,
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

function report(results: Result[]): void {
  const loadavg = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  console.log(
    `\nmcp-frontdoor scale-out bench: ${SESSIONS} ${CLIENT} sessions x ${CALLS} tools/call echo x ${ROUNDS} rounds per mode, haproxy, Redis store, legacy SSE backend`,
  );
  console.log(`loadavg at the end: ${loadavg} (${os.cpus().length} cores)`);
  const rows = [
    ['mode', 'calls', 'calls/s (median)', 'rounds', 'p50 ms', 'p99 ms', 'replicas µs/call', 'haproxy µs/call', 'redis µs/call', 'forwarded', 'errors'],
  ];
  for (const r of results) {
    rows.push([
      r.name,
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
  const [one, three, sticky] = results as [Result, Result, Result];
  const ratio = (a: Result) =>
    `calls/s ${(a.callsPerSec / one.callsPerSec).toFixed(2)}, replicas' CPU per call ${(a.us.replicas / one.us.replicas).toFixed(2)}`;
  console.log(`3 replicas / 1 replica: ${ratio(three)}`);
  console.log(`3 sticky / 1 replica:   ${ratio(sticky)}`);
  const perForward = (three.us.replicas - sticky.us.replicas) / three.forwardedShare;
  console.log(`forwarding: ${f(perForward, 0)} µs of replica CPU per forwarded call (3 replicas vs 3 sticky)`);
  console.log(
    'On 2 cores three replicas compete for the same CPUs (3 sticky shows what that costs without forwarding), and 2 of 3 requests are forwarded to the owning replica: this shows the forwarding cost, not scaling.',
  );
  console.log(
    JSON.stringify({ bench: 'mcp-frontdoor-cluster', client: CLIENT, sessions: SESSIONS, calls: CALLS, rounds: ROUNDS, loadavg: os.loadavg(), results }),
  );
}

async function main(): Promise<number> {
  const backend = await startFixture('legacy-sse-server');
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const one = await startCluster(backend.url, 1);
    stops.push(() => one.stop());
    const three = await startCluster(backend.url, 3);
    stops.push(() => three.stop());
    const sticky = await startStickyBalancer(three.replicas.map((r) => new URL(r.origin).host));
    stops.push(() => sticky.stop());
    const modes: Mode[] = [
      { name: '1 replica', cluster: one, origin: one.lbOrigin, lbPid: one.lb.pid, sessions: [] },
      { name: '3 replicas', cluster: three, origin: three.lbOrigin, lbPid: three.lb.pid, sessions: [] },
      { name: '3 sticky', cluster: three, origin: sticky.origin, lbPid: sticky.pid, sessions: [] },
    ];
    for (const m of modes) {
      for (let i = 0; i < SESSIONS; i++) m.sessions.push(await openSession(CLIENT, m.origin, i));
      stops.push(() => Promise.all(m.sessions.map((s) => s.close().catch(() => undefined))));
      // Warm-up: every path JIT-compiled on every replica.
      await drive(m.sessions, Math.max(5, Math.ceil(WARMUP / SESSIONS)));
    }
    const rounds: Round[][] = modes.map(() => []);
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
      for (const k of order) {
        const load = os.loadavg()[0]!;
        const r = await measure(modes[k]!);
        rounds[k]!.push(r);
        log(`round ${i + 1}: ${modes[k]!.name} ${((r.calls / r.wallMs) * 1000).toFixed(0)} calls/s, loadavg ${load.toFixed(2)}`);
      }
    }
    const results = modes.map((m, k) => summarize(m.name, rounds[k]!));
    report(results);
    return results.some((r) => r.errors > 0) ? 1 : 0;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
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
