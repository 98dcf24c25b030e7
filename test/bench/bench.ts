// Throughput / latency / memory bench: N concurrent MCP sessions x M sequential `tools/call echo`,
// DIRECT to a legacy HTTP+SSE backend vs THROUGH the proxy's Streamable HTTP /mcp face.
//
//   npm run bench            (builds, then runs node dist/test/bench/bench.js)
//
// Environment:
//   BENCH_SESSIONS="1,50"        session counts N to run (default 1,50)
//   BENCH_CALLS="1000,80"        calls per session M; one value for every N, or one per N (default 1000 for N=1, 80 otherwise)
//   BENCH_WARMUP=400             unmeasured calls per path before measuring, spread over the sessions (JIT warm-up of client, proxy and backend)
//   BENCH_ROUNDS=2               measured rounds per mode, in ABBA order (direct, proxy, proxy, direct)
//   BENCH_RUN_MAX_MS=20000       wall-time cap of one measured round (load loops stop at the deadline)
//   BENCH_SKIP_PROXY=1           only run the direct half
//   BENCH_PROXY_CPU_PROF=<dir>   run the proxy as `node --cpu-prof --cpu-prof-dir=<dir> dist/src/main.js` (written when it exits)
//   BENCH_PROXY_NODE_OPTIONS=... NODE_OPTIONS for the proxy process only (e.g. --max-semi-space-size=2)
//   BENCH_PROXY_ARGS="..."       extra CLI arguments for the proxy (space separated)
//   BENCH_PROXY_LOG_LEVEL=warn   the proxy's --log-level (falls back to info if no 'listening' line appears)
//
// This is a bench, not a test: targets are printed as PASS/MISS and never fail the run.
// Exit code 1 only when something broke (a call/connection errored, or the proxy could not start).
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PROXY_NODE_FLAGS, REPO_ROOT, startProcess, stopAll, type RunningProcess, type RunningProxy } from '../helpers/process.js';
import { cpuProfFlags, launchProxy, readCpuMs, readStatusKb } from './bench-proc.js';
import { envInt, envList } from './bench-env.js';
import { f, percentile } from './bench-table.js';

type Mode = 'direct' | 'proxy';

interface Session {
  client: Client;
  transport: SSEClientTransport | StreamableHTTPClientTransport;
}

interface RoundResult {
  mode: Mode;
  calls: number;
  errors: number;
  wallMs: number;
  latencies: number[];
  /** Per call: client send -> backend tool handler, and handler -> client receipt (ms, cross-process wall clock). */
  hopOut: number[];
  hopBack: number[];
  hitDeadline: boolean;
  /** CPU ms spent during the round by the bench client (this process), the backend and the proxy. */
  cpuMs: { client: number; backend: number | null; proxy: number | null };
}

interface ModeStats {
  calls: number;
  errors: number;
  connectErrors: number;
  wallMs: number;
  callsPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** p50 of the two halves of a call: to the backend's handler, and back to the client. */
  hopOutP50: number;
  hopBackP50: number;
  roundsCallsPerSec: number[];
  hitDeadline: boolean;
  /** CPU microseconds per successful call, by process. */
  cpuUsPerCall: { client: number; backend: number | null; proxy: number | null };
  /** Max sampled VmRSS (MB) of the process serving this mode: proxy for `proxy`, backend for `direct`. */
  peakRssMb: number | null;
  /** Kernel high-water mark VmHWM (MB) of that process at the end of the N block (lifetime peak so far). */
  hwmMb: number | null;
}

interface NResult {
  n: number;
  m: number;
  direct: ModeStats;
  proxy: ModeStats | null;
}

const BACKEND_MAIN = path.join(REPO_ROOT, 'dist/test/bench/bench-backend.js');
const CALL_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 15_000;

const SESSIONS = envList('BENCH_SESSIONS') ?? [1, 50];
const CALLS = envList('BENCH_CALLS');
const WARMUP = envInt('BENCH_WARMUP', 400);
const ROUNDS = Math.max(1, envInt('BENCH_ROUNDS', 3));
const RUN_MAX_MS = envInt('BENCH_RUN_MAX_MS', 20_000);
const SKIP_PROXY = process.env.BENCH_SKIP_PROXY === '1';

function callsFor(n: number, idx: number): number {
  if (CALLS) return CALLS.length === 1 ? CALLS[0]! : (CALLS[idx] ?? CALLS[CALLS.length - 1]!);
  return n === 1 ? 1000 : 80;
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---------- RSS sampling ----------

class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  maxKb = 0;
  samples = 0;
  constructor(private readonly pid: number) {}
  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
  }
  private sample(): void {
    const kb = readStatusKb(this.pid, 'VmRSS');
    if (kb !== null) {
      this.samples++;
      if (kb > this.maxKb) this.maxKb = kb;
    }
  }
  stop(): number | null {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return this.samples > 0 ? this.maxKb / 1024 : null;
  }
}

// ---------- sessions and load ----------

async function connectOne(mode: Mode, url: string): Promise<Session> {
  const client = new Client({ name: `bench-${mode}`, version: '0.1.0' });
  const transport = mode === 'direct' ? new SSEClientTransport(new URL(url)) : new StreamableHTTPClientTransport(new URL(url));
  await withTimeout(client.connect(transport), CONNECT_TIMEOUT_MS, `${mode} connect`);
  return { client, transport };
}

async function connectAll(mode: Mode, url: string, n: number): Promise<{ sessions: Session[]; errors: number; firstError?: string }> {
  // Connect in small batches so 50 simultaneous handshakes don't dominate the first samples.
  const sessions: Session[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const batch = 10;
  for (let i = 0; i < n; i += batch) {
    const results = await Promise.allSettled(Array.from({ length: Math.min(batch, n - i) }, () => connectOne(mode, url)));
    for (const r of results) {
      if (r.status === 'fulfilled') sessions.push(r.value);
      else {
        errors++;
        firstError ??= r.reason instanceof Error ? r.reason.message : String(r.reason);
      }
    }
  }
  return firstError === undefined ? { sessions, errors } : { sessions, errors, firstError };
}

async function closeAll(sessions: Session[]): Promise<void> {
  await Promise.allSettled(
    sessions.map(async (s) => {
      if (s.transport instanceof StreamableHTTPClientTransport) {
        await withTimeout(s.transport.terminateSession(), 3_000, 'terminateSession').catch(() => undefined);
      }
      await withTimeout(s.client.close(), 3_000, 'close').catch(() => undefined);
    }),
  );
}

const firstCallErrors: string[] = [];

/** Wall clock in epoch ms with sub-ms precision, comparable across processes on this machine. */
const wallNow = () => performance.timeOrigin + performance.now();

/** One call; `out`/`back` are the client->backend-handler and handler->client times in ms (NaN if unknown). */
async function oneCall(s: Session, text: string): Promise<{ ok: boolean; out: number; back: number }> {
  const sentAt = wallNow();
  try {
    const res = await s.client.callTool({ name: 'echo', arguments: { text } }, undefined, { timeout: CALL_TIMEOUT_MS });
    const doneAt = wallNow();
    const content = (res as { content?: Array<{ type: string; text?: string }> }).content;
    const ok = !res.isError && content?.[0]?.type === 'text' && content[0].text === text;
    if (!ok && firstCallErrors.length < 5) firstCallErrors.push(`bad result: ${JSON.stringify(res).slice(0, 300)}`);
    const at = (res._meta as Record<string, unknown> | undefined)?.['bench/handlerAt'];
    return typeof at === 'number' ? { ok, out: at - sentAt, back: doneAt - at } : { ok, out: NaN, back: NaN };
  } catch (err) {
    if (firstCallErrors.length < 5) firstCallErrors.push(err instanceof Error ? err.message : String(err));
    return { ok: false, out: NaN, back: NaN };
  }
}

/** Every session makes up to `m` sequential calls; all loops stop at the deadline. */
async function drive(mode: Mode, sessions: Session[], m: number, deadlineMs: number, record: boolean): Promise<RoundResult> {
  const latencies: number[] = [];
  const hopOut: number[] = [];
  const hopBack: number[] = [];
  let calls = 0;
  let errors = 0;
  let hitDeadline = false;
  const t0 = performance.now();
  const deadline = t0 + deadlineMs;
  await Promise.all(
    sessions.map(async (s, si) => {
      for (let i = 0; i < m; i++) {
        if (performance.now() >= deadline) {
          hitDeadline = true;
          return;
        }
        const start = performance.now();
        const r = await oneCall(s, `s${si}-c${i}-bench-payload`);
        const dt = performance.now() - start;
        if (r.ok) {
          calls++;
          if (record) {
            latencies.push(dt);
            if (!Number.isNaN(r.out)) {
              hopOut.push(r.out);
              hopBack.push(r.back);
            }
          }
        } else errors++;
      }
    }),
  );
  return { mode, calls, errors, wallMs: performance.now() - t0, latencies, hopOut, hopBack, hitDeadline, cpuMs: { client: 0, backend: null, proxy: null } };
}

function stats(rounds: RoundResult[], connectErrors: number, peakRssMb: number | null, hwmMb: number | null): ModeStats {
  const lat = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const calls = rounds.reduce((a, r) => a + r.calls, 0);
  const wallMs = rounds.reduce((a, r) => a + r.wallMs, 0);
  return {
    calls,
    errors: rounds.reduce((a, r) => a + r.errors, 0),
    connectErrors,
    wallMs,
    callsPerSec: wallMs > 0 ? (calls / wallMs) * 1000 : 0,
    p50: percentile(lat, 50),
    p90: percentile(lat, 90),
    p99: percentile(lat, 99),
    max: lat.length ? lat[lat.length - 1]! : NaN,
    hopOutP50: percentile(
      rounds.flatMap((r) => r.hopOut).sort((a, b) => a - b),
      50,
    ),
    hopBackP50: percentile(
      rounds.flatMap((r) => r.hopBack).sort((a, b) => a - b),
      50,
    ),
    roundsCallsPerSec: rounds.map((r) => (r.wallMs > 0 ? (r.calls / r.wallMs) * 1000 : 0)),
    hitDeadline: rounds.some((r) => r.hitDeadline),
    cpuUsPerCall: {
      client: calls ? (rounds.reduce((a, r) => a + r.cpuMs.client, 0) * 1000) / calls : NaN,
      backend: rounds.every((r) => r.cpuMs.backend !== null) && calls ? (rounds.reduce((a, r) => a + r.cpuMs.backend!, 0) * 1000) / calls : null,
      proxy: rounds.every((r) => r.cpuMs.proxy !== null) && calls ? (rounds.reduce((a, r) => a + r.cpuMs.proxy!, 0) * 1000) / calls : null,
    },
    peakRssMb,
    hwmMb,
  };
}

// ---------- one N block ----------

async function runBlock(n: number, m: number, backend: RunningProcess & { url: string }, proxy: RunningProxy | null): Promise<NResult> {
  log(`N=${n}: connecting ${n} direct${proxy ? ` + ${n} proxy` : ''} session(s)`);
  const direct = await connectAll('direct', backend.url, n);
  if (direct.firstError) log(`direct connect errors: ${direct.errors} (first: ${direct.firstError})`);

  let proxied: Awaited<ReturnType<typeof connectAll>> | null = null;
  const proxySampler = proxy ? new RssSampler(proxy.pid) : null;
  proxySampler?.start();
  if (proxy) {
    proxied = await connectAll('proxy', proxy.url, n);
    if (proxied.firstError) log(`proxy connect errors: ${proxied.errors} (first: ${proxied.firstError})`);
  }

  // Warm up both paths (not measured).
  const warmDeadline = Math.min(RUN_MAX_MS, 15_000);
  const warm = Math.max(5, Math.ceil(WARMUP / n));
  const wd = await drive('direct', direct.sessions, warm, warmDeadline, false);
  const wp = proxied ? await drive('proxy', proxied.sessions, warm, warmDeadline, false) : null;
  const warmErrors = { direct: wd.errors, proxy: wp?.errors ?? 0 };
  if (warmErrors.direct || warmErrors.proxy) log(`warm-up errors: direct=${warmErrors.direct} proxy=${warmErrors.proxy}`);

  // Measured rounds in ABBA order: D P P D (D P for one round, D P P D D P ... for more).
  const order: Mode[] = [];
  for (let r = 0; r < ROUNDS; r++) order.push(...((r % 2 === 0 ? ['direct', 'proxy'] : ['proxy', 'direct']) as Mode[]));
  const results: Record<Mode, RoundResult[]> = { direct: [], proxy: [] };
  const backendSampler = new RssSampler(backend.pid);
  for (const mode of order) {
    if (mode === 'proxy' && !proxied) continue;
    const sessions = mode === 'direct' ? direct.sessions : proxied!.sessions;
    if (mode === 'direct') backendSampler.start();
    const c0 = process.cpuUsage();
    const b0 = readCpuMs(backend.pid);
    const p0 = proxy ? readCpuMs(proxy.pid) : null;
    const r = await drive(mode, sessions, m, RUN_MAX_MS, true);
    const c1 = process.cpuUsage(c0);
    const b1 = readCpuMs(backend.pid);
    const p1 = proxy ? readCpuMs(proxy.pid) : null;
    r.cpuMs = {
      client: (c1.user + c1.system) / 1000,
      backend: b0 !== null && b1 !== null ? b1 - b0 : null,
      proxy: p0 !== null && p1 !== null ? p1 - p0 : null,
    };
    if (mode === 'direct') backendSampler.stop();
    log(
      `N=${n} ${mode.padEnd(6)} ${r.calls} calls in ${r.wallMs.toFixed(0)} ms = ${((r.calls / r.wallMs) * 1000).toFixed(0)} calls/s, errors ${r.errors}${r.hitDeadline ? ' (deadline hit)' : ''}`,
    );
    results[mode].push(r);
  }
  // Fold warm-up errors into the first round so they are counted.
  if (results.direct[0]) results.direct[0].errors += warmErrors.direct;
  if (results.proxy[0]) results.proxy[0].errors += warmErrors.proxy;

  const proxyPeak = proxySampler?.stop() ?? null;
  const backendPeak = backendSampler.samples > 0 ? backendSampler.maxKb / 1024 : null;
  const proxyHwmKb = proxy ? readStatusKb(proxy.pid, 'VmHWM') : null;
  const backendHwmKb = readStatusKb(backend.pid, 'VmHWM');

  await closeAll(direct.sessions);
  if (proxied) await closeAll(proxied.sessions);

  return {
    n,
    m,
    direct: stats(results.direct, direct.errors, backendPeak, backendHwmKb === null ? null : backendHwmKb / 1024),
    proxy: proxied ? stats(results.proxy, proxied.errors, proxyPeak, proxyHwmKb === null ? null : proxyHwmKb / 1024) : null,
  };
}

// ---------- report ----------

function printTable(results: NResult[], proxyNote: string | null): void {
  const rows: string[][] = [
    ['N', 'M/sess', 'calls/s D', 'calls/s P', 'P/D', 'p50 D', 'p50 P', 'p50 +', 'p99 D', 'p99 P', 'RSS P MB', 'RSS B MB', 'err D', 'err P'],
  ];
  for (const r of results) {
    const p = r.proxy;
    rows.push([
      String(r.n),
      String(r.m),
      f(r.direct.callsPerSec, 0),
      p ? f(p.callsPerSec, 0) : 'skipped',
      p ? f(p.callsPerSec / r.direct.callsPerSec, 2) : '-',
      f(r.direct.p50, 3),
      p ? f(p.p50, 3) : '-',
      p ? f(p.p50 - r.direct.p50, 3) : '-',
      f(r.direct.p99, 3),
      p ? f(p.p99, 3) : '-',
      p ? f(p.peakRssMb, 1) : '-',
      f(r.direct.peakRssMb, 1),
      String(r.direct.errors + r.direct.connectErrors),
      p ? String(p.errors + p.connectErrors) : '-',
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const out = rows.map((row) => row.map((cell, c) => cell.padStart(widths[c]!)).join('  '));
  console.log('');
  console.log(
    'mcp-frontdoor bench: D = direct (SSEClientTransport -> legacy SSE backend), P = through the proxy (StreamableHTTPClientTransport -> /mcp -> backend)',
  );
  console.log(
    'latencies in ms per tools/call (client-side, performance.now()); RSS P = proxy peak VmRSS sampled every 100 ms during the N block; RSS B = backend peak during direct rounds',
  );
  console.log(out[0]);
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of out.slice(1)) console.log(line);
  if (proxyNote) console.log(`proxy: ${proxyNote}`);
  console.log('');
  console.log('CPU per call (us, from /proc/<pid>/stat and process.cpuUsage(), 10 ms tick resolution per round):');
  const cpuRows: string[][] = [['N', 'mode', 'client', 'proxy', 'backend', 'total']];
  for (const r of results) {
    for (const [mode, st] of [
      ['direct', r.direct],
      ['proxy', r.proxy],
    ] as const) {
      if (!st) continue;
      const c = st.cpuUsPerCall;
      const proxyUs = mode === 'proxy' ? c.proxy : null;
      const total = c.client + (c.backend ?? 0) + (proxyUs ?? 0);
      cpuRows.push([String(r.n), mode, f(c.client, 0), mode === 'proxy' ? f(proxyUs, 0) : '-', f(c.backend, 0), f(total, 0)]);
    }
  }
  const cw = cpuRows[0]!.map((_, c) => Math.max(...cpuRows.map((row) => row[c]!.length)));
  for (const row of cpuRows) console.log('  ' + row.map((cell, c) => cell.padStart(cw[c]!)).join('  '));
  console.log('');
  console.log('per hop, p50 ms (client send -> backend echo handler runs; handler -> client has the result):');
  const hopRows: string[][] = [['N', 'out D', 'out P', 'out +', 'back D', 'back P', 'back +']];
  for (const r of results) {
    const p = r.proxy;
    hopRows.push([
      String(r.n),
      f(r.direct.hopOutP50, 3),
      p ? f(p.hopOutP50, 3) : '-',
      p ? f(p.hopOutP50 - r.direct.hopOutP50, 3) : '-',
      f(r.direct.hopBackP50, 3),
      p ? f(p.hopBackP50, 3) : '-',
      p ? f(p.hopBackP50 - r.direct.hopBackP50, 3) : '-',
    ]);
  }
  const hw = hopRows[0]!.map((_, c) => Math.max(...hopRows.map((row) => row[c]!.length)));
  for (const row of hopRows) console.log('  ' + row.map((cell, c) => cell.padStart(hw[c]!)).join('  '));
  const [l1, l5] = os.loadavg();
  console.log(`load average at end: ${f(l1, 2)} (1 min), ${f(l5, 2)} (5 min) on ${os.cpus().length} CPUs; other load on the machine skews the figures`);
}

interface Target {
  name: string;
  value: number | null;
  limit: string;
  verdict: 'PASS' | 'MISS' | 'N/A';
}

function targets(results: NResult[]): Target[] {
  const out: Target[] = [];
  const byN = (n: number) => results.find((r) => r.n === n);
  for (const n of [1, 50]) {
    const r = byN(n);
    const ratio = r?.proxy ? r.proxy.callsPerSec / r.direct.callsPerSec : null;
    out.push({ name: `N=${n} proxy/direct calls/s`, value: ratio, limit: '>= 0.75', verdict: ratio === null ? 'N/A' : ratio >= 0.75 ? 'PASS' : 'MISS' });
    // The same ratio from each mode's best round: on a shared 2-core VM a slow spell can hit one
    // mode's round and not the other's; the best rounds are the least disturbed.
    const best = r?.proxy ? Math.max(...r.proxy.roundsCallsPerSec) / Math.max(...r.direct.roundsCallsPerSec) : null;
    out.push({ name: `N=${n} best round vs best round`, value: best, limit: '>= 0.75', verdict: best === null ? 'N/A' : best >= 0.75 ? 'PASS' : 'MISS' });
  }
  const r1 = byN(1);
  const added = r1?.proxy ? r1.proxy.p50 - r1.direct.p50 : null;
  out.push({ name: 'N=1 p50 added (ms)', value: added, limit: '<= 1', verdict: added === null ? 'N/A' : added <= 1 ? 'PASS' : 'MISS' });
  const r50 = byN(50);
  const rss = r50?.proxy?.peakRssMb ?? null;
  out.push({ name: 'N=50 proxy peak RSS (MB)', value: rss, limit: '<= 80', verdict: rss === null ? 'N/A' : rss <= 80 ? 'PASS' : 'MISS' });
  return out;
}

// ---------- main ----------

async function main(): Promise<number> {
  const benchStart = performance.now();
  log(`proxy runs as npm start and the Docker image run it: node ${PROXY_NODE_FLAGS.join(' ')} dist/src/main.js`);
  log(
    `sessions=${SESSIONS.join(',')} calls=${SESSIONS.map((n, i) => callsFor(n, i)).join(',')} warmup=${WARMUP} rounds/mode=${ROUNDS} roundCap=${RUN_MAX_MS}ms`,
  );

  const backendProc = startProcess(process.execPath, [BACKEND_MAIN, '--port', '0']);
  const announced = await backendProc.waitForLine((l) => typeof l.listening === 'string');
  let backend = Object.assign(backendProc, { url: announced.listening as string });
  log(`backend ${backend.url} (pid ${backend.pid})`);

  let proxy: RunningProxy | null = null;
  let proxyNote: string | null = null;
  let proxyFailed = false;
  if (SKIP_PROXY) {
    proxyNote = 'SKIPPED (BENCH_SKIP_PROXY=1)';
  } else {
    const extra = (process.env.BENCH_PROXY_ARGS ?? '').split(/\s+/).filter(Boolean);
    const env: NodeJS.ProcessEnv = {};
    if (process.env.BENCH_PROXY_NODE_OPTIONS) env.NODE_OPTIONS = process.env.BENCH_PROXY_NODE_OPTIONS;
    const execArgv = cpuProfFlags(process.env.BENCH_PROXY_CPU_PROF);
    const startProxy = (a: string[], o: { env: NodeJS.ProcessEnv }) => launchProxy(a, o.env, execArgv);
    const level = process.env.BENCH_PROXY_LOG_LEVEL ?? 'warn';
    const args = (lvl: string) => ['--backend', backend.url, '--host', '127.0.0.1', '--log-level', lvl, ...extra];
    try {
      try {
        proxy = await startProxy(args(level), { env });
      } catch (err) {
        // The `listening` line is logged at info; a proxy that filters it out at warn is still usable.
        // Retry at info (only session-level lines are logged there) so the bench can run, and say so.
        const msg = err instanceof Error ? err.message : String(err);
        if (level === 'info' || !msg.startsWith('timed out')) throw err;
        await stopAll().catch(() => undefined);
        const again = startProcess(process.execPath, [BACKEND_MAIN, '--port', '0']);
        const line = await again.waitForLine((l) => typeof l.listening === 'string');
        backend = Object.assign(again, { url: line.listening as string });
        proxy = await startProxy(args('info'), { env });
        proxyNote = `started at --log-level info: at --log-level ${level} the proxy printed no 'listening' line within 15 s`;
        log(proxyNote);
      }
      log(`proxy ${proxy.url} (pid ${proxy.pid})`);
    } catch (err) {
      proxyFailed = true;
      const msg = (err instanceof Error ? err.message : String(err)).split('\n').slice(0, 8).join(' | ');
      proxyNote = `SKIPPED: proxy could not start: ${msg}`;
      log(proxyNote);
    }
  }

  const results: NResult[] = [];
  for (const [i, n] of SESSIONS.entries()) {
    results.push(await runBlock(n, callsFor(n, i), backend, proxy));
  }

  const proxyAlive = proxy ? proxy.child.exitCode === null && proxy.child.signalCode === null : null;
  if (proxy && !proxyAlive)
    proxyNote = `${proxyNote ? proxyNote + '; ' : ''}proxy exited during the bench (code ${proxy.child.exitCode}, signal ${proxy.child.signalCode})`;

  printTable(results, proxyNote);
  const tg = targets(results);
  console.log('');
  console.log('targets:');
  for (const t of tg) console.log(`  ${t.verdict.padEnd(4)}  ${t.name.padEnd(28)} ${f(t.value, 3).padStart(8)}  (target ${t.limit})`);
  if (firstCallErrors.length) {
    console.log('');
    console.log('first call errors:');
    for (const e of firstCallErrors) console.log(`  ${e}`);
  }

  const errors = results.reduce((a, r) => a + r.direct.errors + r.direct.connectErrors + (r.proxy ? r.proxy.errors + r.proxy.connectErrors : 0), 0);
  if (maxListenerWarnings > 0)
    console.log(
      `note: ${maxListenerWarnings} MaxListenersExceededWarning(s) in the bench client (SDK transports' shared AbortSignal; client-side, both modes)`,
    );
  const benchMs = performance.now() - benchStart;
  console.log('');
  console.log(`bench took ${(benchMs / 1000).toFixed(1)} s`);
  const round = (x: number | null) => (x === null || Number.isNaN(x) ? null : Math.round(x * 1000) / 1000);
  const modeJson = (s: ModeStats | null) =>
    s && {
      calls: s.calls,
      errors: s.errors,
      connectErrors: s.connectErrors,
      callsPerSec: round(s.callsPerSec),
      roundsCallsPerSec: s.roundsCallsPerSec.map(round),
      p50Ms: round(s.p50),
      p90Ms: round(s.p90),
      p99Ms: round(s.p99),
      maxMs: round(s.max),
      hopOutP50Ms: round(s.hopOutP50),
      hopBackP50Ms: round(s.hopBackP50),
      peakRssMb: round(s.peakRssMb),
      hwmMb: round(s.hwmMb),
      hitDeadline: s.hitDeadline,
      cpuUsPerCall: { client: round(s.cpuUsPerCall.client), proxy: round(s.cpuUsPerCall.proxy), backend: round(s.cpuUsPerCall.backend) },
    };
  const summary = {
    bench: 'mcp-frontdoor',
    node: process.version,
    cpus: os.cpus().length,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    warmup: WARMUP,
    roundsPerMode: ROUNDS,
    proxy: proxy ? (proxyAlive ? 'ok' : 'exited') : proxyFailed ? 'failed-to-start' : 'skipped',
    results: results.map((r) => ({
      n: r.n,
      m: r.m,
      direct: modeJson(r.direct),
      proxy: modeJson(r.proxy),
      ratio: r.proxy ? round(r.proxy.callsPerSec / r.direct.callsPerSec) : null,
      p50AddedMs: r.proxy ? round(r.proxy.p50 - r.direct.p50) : null,
    })),
    targets: tg.map((t) => ({ name: t.name, value: round(t.value), limit: t.limit, verdict: t.verdict })),
    errors,
    clientMaxListenerWarnings: maxListenerWarnings,
    durationMs: Math.round(benchMs),
  };
  console.log(JSON.stringify(summary));
  return errors > 0 || proxyFailed || (proxy !== null && !proxyAlive) ? 1 : 0;
}

// The SDK client transports pass one long-lived AbortSignal to every fetch; Node's fetch removes its
// abort listener only when the Request is garbage-collected, so under load the listeners pile up past
// undici's limit of 1500 and Node prints one MaxListenersExceededWarning per call. That is a property
// of the client side (both modes), not of the proxy: print the first one and a count, not hundreds.
let maxListenerWarnings = 0;
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name === 'MaxListenersExceededWarning') {
    if (maxListenerWarnings++ === 0) log(`client-side warning (SDK fetch signal, not the proxy; further ones counted): ${w.message}`);
    return;
  }
  process.stderr.write(`${w.name}: ${w.message}\n`);
});

let exitCode: number;
process.on('SIGINT', () => {
  void stopAll().finally(() => process.exit(130));
});
try {
  exitCode = await main();
} catch (err) {
  console.error('[bench] crashed:', err);
  exitCode = 1;
} finally {
  await stopAll();
}
process.exit(exitCode);
