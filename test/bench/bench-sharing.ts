// Sharing bench: N concurrent SDK Streamable HTTP clients on a route with a stdio backend
// (test/fixtures/stdio-server.js), `share: per-session` (one process per client) vs `share: shared`
// (one process for all), M sequential `tools/call echo` per client. Prints calls/s, p50/p99 and the
// total RSS of the backend processes side by side, the RSS of a single backend, and PASS/MISS lines
// for the targets: shared backend RSS <= 1.2x a single backend, no throughput loss at N clients.
//
//   node dist/test/bench/bench-sharing.js
//
// Environment:
//   BENCH_SHARE_CLIENTS=10     concurrent clients N (each its own MCP session)
//   BENCH_SHARE_CALLS=200      calls per client per measured round M
//   BENCH_SHARE_WARMUP=50      unmeasured calls per client before measuring
//   BENCH_SHARE_ROUNDS=2       measured rounds per mode, in ABBA order (per-session, shared, shared, per-session)
//   BENCH_RUN_MAX_MS=20000     wall-time cap of one round (load loops stop at the deadline)
//
// Both proxies run side by side (one per mode, started like `npm start`), so each proxy's child
// processes are exactly that mode's backends; they are found by parent pid (stdio backends are started
// detached, in their own process group, but keep the proxy as their parent).
// This is a bench, not a test: targets print PASS/MISS and never fail the run; exit code 1 only when
// something broke (a call or connection failed, a proxy could not start).
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { FIXTURES_DIR, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';

type Mode = 'per-session' | 'shared';
const MODES: readonly Mode[] = ['per-session', 'shared'];

function envInt(name: string, dflt: number, min = 1): number {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got ${v}`);
  return n;
}

const CLIENTS = envInt('BENCH_SHARE_CLIENTS', 10);
const CALLS = envInt('BENCH_SHARE_CALLS', 200);
const WARMUP = envInt('BENCH_SHARE_WARMUP', 50, 0);
const ROUNDS = envInt('BENCH_SHARE_ROUNDS', 2);
const RUN_MAX_MS = envInt('BENCH_RUN_MAX_MS', 20_000);
const CALL_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 15_000;
const FIXTURE = path.join(FIXTURES_DIR, 'stdio-server.js');
const BACKEND_NODE_FLAGS = (process.env.BENCH_SHARE_BACKEND_FLAGS ?? '').split(/\s+/).filter(Boolean);
const RSS_TARGET_FACTOR = 1.2;
const THROUGHPUT_TARGET = 0.95;

function log(msg: string): void {
  process.stderr.write(`[bench-sharing] ${msg}\n`);
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

// ---------- backend processes and their memory ----------

function vmRssKb(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Live child processes of `parent`, found by scanning /proc/<pid>/stat for their parent pid. */
function childrenOf(parent: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After the parenthesised command (which may hold spaces): state, ppid, ...
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === parent && state !== 'Z') found.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

interface BackendMemory {
  processes: number;
  totalMb: number;
  perProcessMb: number[];
}

function backendMemory(proxyPid: number): BackendMemory {
  const perProcessMb = childrenOf(proxyPid)
    .map((pid) => vmRssKb(pid))
    .filter((kb): kb is number => kb !== null)
    .map((kb) => kb / 1024);
  return { processes: perProcessMb.length, totalMb: perProcessMb.reduce((a, b) => a + b, 0), perProcessMb };
}

/** Samples the backends' total RSS every 100 ms; keeps the peak. */
class BackendSampler {
  private timer: NodeJS.Timeout | undefined;
  peakMb = 0;
  peakProcesses = 0;
  constructor(private readonly proxyPid: number) {}
  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
  }
  sample(): void {
    const m = backendMemory(this.proxyPid);
    if (m.totalMb > this.peakMb) this.peakMb = m.totalMb;
    if (m.processes > this.peakProcesses) this.peakProcesses = m.processes;
  }
  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }
}

// ---------- proxies, clients, load ----------

function writeConfig(dir: string, mode: Mode): string {
  const file = path.join(dir, `${mode}.yaml`);
  const backend = { transport: 'stdio', command: 'node', args: [...BACKEND_NODE_FLAGS, FIXTURE], share: mode };
  writeFileSync(file, `listen: { port: 0 }\nlog: { level: warn }\nroutes:\n  - path: /\n    backend: ${JSON.stringify(backend)}\n`);
  return file;
}

interface Session {
  client: Client;
  transport: StreamableHTTPClientTransport;
}

async function connectAll(url: string, n: number): Promise<Session[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const client = new Client({ name: `bench-sharing-${i}`, version: '0.1.0' });
      const transport = new StreamableHTTPClientTransport(new URL(url));
      await withTimeout(client.connect(transport), CONNECT_TIMEOUT_MS, 'connect');
      return { client, transport };
    }),
  );
}

async function closeAll(sessions: Session[]): Promise<void> {
  await Promise.allSettled(
    sessions.map(async (s) => {
      await withTimeout(s.transport.terminateSession(), 3_000, 'terminateSession').catch(() => undefined);
      await withTimeout(s.client.close(), 3_000, 'close').catch(() => undefined);
    }),
  );
}

const firstErrors: string[] = [];

interface Round {
  calls: number;
  errors: number;
  wallMs: number;
  latencies: number[];
  hitDeadline: boolean;
}

/** Every client makes up to `m` sequential calls; all loops stop at the deadline. */
async function drive(sessions: Session[], m: number, record: boolean, capMs = RUN_MAX_MS): Promise<Round> {
  const latencies: number[] = [];
  let calls = 0;
  let errors = 0;
  let hitDeadline = false;
  const t0 = performance.now();
  const deadline = t0 + capMs;
  await Promise.all(
    sessions.map(async (s, si) => {
      for (let i = 0; i < m; i++) {
        if (performance.now() >= deadline) {
          hitDeadline = true;
          return;
        }
        const text = `c${si}-${i}-bench-payload`;
        const start = performance.now();
        try {
          const res = await s.client.callTool({ name: 'echo', arguments: { text } }, undefined, { timeout: CALL_TIMEOUT_MS });
          const content = (res as { content?: Array<{ text?: string }> }).content;
          if (content?.[0]?.text !== text) throw new Error(`bad result: ${JSON.stringify(res).slice(0, 200)}`);
          calls++;
          if (record) latencies.push(performance.now() - start);
        } catch (err) {
          errors++;
          if (firstErrors.length < 5) firstErrors.push(err instanceof Error ? err.message : String(err));
        }
      }
    }),
  );
  return { calls, errors, wallMs: performance.now() - t0, latencies, hitDeadline };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

interface ModeResult {
  mode: Mode;
  calls: number;
  errors: number;
  callsPerSec: number;
  bestRoundCallsPerSec: number;
  p50: number;
  p99: number;
  hitDeadline: boolean;
  /** Backends at the end of the measured rounds (steady state), and the sampled peak. */
  processes: number;
  totalRssMb: number;
  perProcessMb: number[];
  peakTotalRssMb: number;
}

// ---------- report ----------

const f = (x: number | null | undefined, digits = 1) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function printTable(results: ModeResult[]): void {
  const rows: string[][] = [['mode', 'backends', 'calls/s', 'best round', 'p50 ms', 'p99 ms', 'backend RSS MB', 'peak MB', 'per process MB', 'errors']];
  for (const r of results) {
    rows.push([
      r.mode,
      String(r.processes),
      f(r.callsPerSec, 0),
      f(r.bestRoundCallsPerSec, 0),
      f(r.p50, 2),
      f(r.p99, 2),
      f(r.totalRssMb),
      f(r.peakTotalRssMb),
      r.perProcessMb.length > 3 ? `${f(Math.min(...r.perProcessMb))}..${f(Math.max(...r.perProcessMb))}` : r.perProcessMb.map((x) => f(x)).join(' '),
      String(r.errors),
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  console.log('');
  console.log(
    `mcp-frontdoor sharing bench: ${CLIENTS} SDK Streamable HTTP clients x ${CALLS} tools/call echo per round, ${ROUNDS} round(s) per mode, stdio backend (stdio-server.js)`,
  );
  console.log("backend RSS = sum of VmRSS of the proxy's child processes after the measured rounds; peak = sampled every 100 ms");
  rows.forEach((row, i) => {
    console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  });
}

// ---------- main ----------

async function main(): Promise<number> {
  const benchStart = performance.now();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'frontdoor-bench-sharing-'));
  try {
    log(`clients=${CLIENTS} calls=${CALLS} warmup=${WARMUP} rounds/mode=${ROUNDS} roundCap=${RUN_MAX_MS}ms`);
    const proxies = {} as Record<Mode, RunningProxy>;
    const sessions = {} as Record<Mode, Session[]>;
    for (const mode of MODES) {
      proxies[mode] = await startProxy(['--config', writeConfig(tmp, mode)]);
      sessions[mode] = await connectAll(proxies[mode].url, CLIENTS);
      log(`${mode}: proxy ${proxies[mode].url} (pid ${proxies[mode].pid}), ${CLIENTS} sessions, ${childrenOf(proxies[mode].pid).length} backend process(es)`);
    }
    let errors = 0;
    for (const mode of MODES) {
      if (WARMUP > 0) errors += (await drive(sessions[mode], WARMUP, false)).errors;
    }
    const samplers = { 'per-session': new BackendSampler(proxies['per-session'].pid), shared: new BackendSampler(proxies.shared.pid) };
    for (const s of Object.values(samplers)) s.start();
    const rounds: Record<Mode, Round[]> = { 'per-session': [], shared: [] };
    const order: Mode[] = [];
    for (let r = 0; r < ROUNDS; r++) order.push(...(r % 2 === 0 ? (['per-session', 'shared'] as const) : (['shared', 'per-session'] as const)));
    for (const mode of order) {
      const r = await drive(sessions[mode], CALLS, true);
      log(
        `${mode.padEnd(11)} ${r.calls} calls in ${r.wallMs.toFixed(0)} ms = ${((r.calls / r.wallMs) * 1000).toFixed(0)} calls/s, errors ${r.errors}${r.hitDeadline ? ' (deadline hit)' : ''}`,
      );
      rounds[mode].push(r);
    }
    for (const s of Object.values(samplers)) s.stop();

    const results: ModeResult[] = MODES.map((mode) => {
      const rs = rounds[mode];
      const lat = rs.flatMap((r) => r.latencies).sort((a, b) => a - b);
      const calls = rs.reduce((a, r) => a + r.calls, 0);
      const wallMs = rs.reduce((a, r) => a + r.wallMs, 0);
      const mem = backendMemory(proxies[mode].pid);
      return {
        mode,
        calls,
        errors: rs.reduce((a, r) => a + r.errors, 0),
        callsPerSec: wallMs > 0 ? (calls / wallMs) * 1000 : 0,
        bestRoundCallsPerSec: Math.max(...rs.map((r) => (r.wallMs > 0 ? (r.calls / r.wallMs) * 1000 : 0))),
        p50: percentile(lat, 50),
        p99: percentile(lat, 99),
        hitDeadline: rs.some((r) => r.hitDeadline),
        processes: mem.processes,
        totalRssMb: mem.totalMb,
        perProcessMb: mem.perProcessMb,
        peakTotalRssMb: samplers[mode].peakMb,
      };
    });
    for (const mode of MODES) await closeAll(sessions[mode]);
    errors += results.reduce((a, r) => a + r.errors, 0);

    // A single backend doing the same work: one session on a fresh per-session process, with as many
    // calls (and as many in flight) as the shared process served. A Node backend's RSS grows with the
    // calls it has served (JIT code, heap growth), so a per-session process that served 1/N of the
    // calls is not the baseline that tells what sharing costs; that process is shown for reference.
    const servedByShared = WARMUP + CALLS * ROUNDS;
    const [one] = await connectAll(proxies['per-session'].url, 1);
    const who = await one!.client.callTool({ name: 'whoami', arguments: {} });
    const singlePid = (JSON.parse((who as { content: Array<{ text: string }> }).content[0]!.text) as { pid: number }).pid;
    const singleRun = await drive(
      Array.from({ length: CLIENTS }, () => one!),
      servedByShared,
      false,
      2 * RUN_MAX_MS,
    );
    errors += singleRun.errors;
    const singleKb = vmRssKb(singlePid);
    await closeAll([one!]);
    log(
      `single backend (pid ${singlePid}): ${singleRun.calls} calls in one session, ${CLIENTS} in flight, ${((singleRun.calls / singleRun.wallMs) * 1000).toFixed(0)} calls/s${singleRun.hitDeadline ? ' (deadline hit)' : ''}`,
    );

    printTable(results);
    const per = results[0]!;
    const shared = results[1]!;
    const single = singleKb === null ? NaN : singleKb / 1024;
    console.log(`single backend RSS (one session, the same ${singleRun.calls} calls the shared one served): ${f(single)} MB`);
    console.log(`one per-session backend (median of ${per.processes}, each served ${servedByShared} calls): ${f(median(per.perProcessMb))} MB`);
    const rssRatio = shared.totalRssMb / single;
    const tputRatio = shared.callsPerSec / per.callsPerSec;
    const bestRatio = shared.bestRoundCallsPerSec / per.bestRoundCallsPerSec;
    const targets = [
      { name: 'shared backends', value: shared.processes, text: `${shared.processes} process(es)`, limit: '= 1', ok: shared.processes === 1 },
      {
        name: 'shared RSS / single backend',
        value: rssRatio,
        text: `${f(shared.totalRssMb)} MB / ${f(single)} MB = ${f(rssRatio, 2)}x`,
        limit: `<= ${RSS_TARGET_FACTOR}x`,
        ok: rssRatio <= RSS_TARGET_FACTOR,
      },
      {
        name: 'shared / per-session calls/s',
        value: tputRatio,
        text: `${f(shared.callsPerSec, 0)} / ${f(per.callsPerSec, 0)} = ${f(tputRatio, 2)}`,
        limit: `>= ${THROUGHPUT_TARGET}`,
        ok: tputRatio >= THROUGHPUT_TARGET,
      },
      {
        name: 'best round vs best round',
        value: bestRatio,
        text: `${f(shared.bestRoundCallsPerSec, 0)} / ${f(per.bestRoundCallsPerSec, 0)} = ${f(bestRatio, 2)}`,
        limit: `>= ${THROUGHPUT_TARGET}`,
        ok: bestRatio >= THROUGHPUT_TARGET,
      },
    ];
    console.log(
      `backend RSS saved by sharing: ${f(per.totalRssMb - shared.totalRssMb)} MB (${f(per.totalRssMb)} MB for ${per.processes} processes vs ${f(shared.totalRssMb)} MB for ${shared.processes})`,
    );
    console.log('');
    console.log('targets:');
    for (const t of targets) console.log(`  ${(t.ok ? 'PASS' : 'MISS').padEnd(4)}  ${t.name.padEnd(30)} ${t.text}  (target ${t.limit})`);
    if (firstErrors.length) {
      console.log('');
      console.log('first call errors:');
      for (const e of firstErrors) console.log(`  ${e}`);
    }
    const [l1] = os.loadavg();
    console.log(`load average at end: ${f(l1, 2)} on ${os.cpus().length} CPUs; bench took ${((performance.now() - benchStart) / 1000).toFixed(1)} s`);
    const round3 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);
    console.log(
      JSON.stringify({
        bench: 'mcp-frontdoor-sharing',
        node: process.version,
        clients: CLIENTS,
        callsPerRound: CALLS,
        rounds: ROUNDS,
        results: results.map((r) => ({
          mode: r.mode,
          calls: r.calls,
          errors: r.errors,
          callsPerSec: round3(r.callsPerSec),
          bestRoundCallsPerSec: round3(r.bestRoundCallsPerSec),
          p50Ms: round3(r.p50),
          p99Ms: round3(r.p99),
          backends: r.processes,
          backendRssMb: round3(r.totalRssMb),
          peakBackendRssMb: round3(r.peakTotalRssMb),
          hitDeadline: r.hitDeadline,
        })),
        singleBackendRssMb: round3(single),
        perSessionMedianRssMb: round3(median(per.perProcessMb)),
        targets: targets.map((t) => ({ name: t.name, value: round3(t.value), limit: t.limit, verdict: t.ok ? 'PASS' : 'MISS' })),
        errors,
      }),
    );
    return errors > 0 ? 1 : 0;
  } finally {
    await stopAll();
    rmSync(tmp, { recursive: true, force: true });
  }
}

// The SDK client transports share one AbortSignal across fetches; under load Node warns about its
// listeners (a client-side matter, both modes alike). Count them instead of printing hundreds.
let listenerWarnings = 0;
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name === 'MaxListenersExceededWarning') {
    listenerWarnings++;
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
  console.error('[bench-sharing] crashed:', err);
  exitCode = 1;
}
if (listenerWarnings > 0) log(`${listenerWarnings} client-side MaxListenersExceededWarning(s) (SDK fetch signal) counted, not printed`);
process.exit(exitCode);
