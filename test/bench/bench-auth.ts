// What route authorization costs: N concurrent sessions x M sequential `tools/call echo` on one proxy
// with a route per mode over the same legacy SSE backend, and direct to that backend as a reference.
//   /none        no authorization
//   /key         auth.mode apiKey (Authorization: Bearer <key>)
//   /jwt cached  auth.mode oauth, one token from the authorization server on every request (the
//                proxy's verified-token cache answers after the first: the steady state)
//   /jwt-fresh   the same oauth config, a different token on every request (a signature check each: the cold cost)
//   /policy      no authorization, tools.allow/deny (the tool gate matches globs on every call)
//   /policy warn the same route alone on a second proxy at log level warn (the control for the next)
//   /policy info the same route alone on a third proxy at log level info: the audit line of each call is written
// Clients are light (raw node:http, test/bench/light-clients.ts) so that the proxy's own cost shows.
//
//   node dist/test/bench/bench-auth.js        (the last part of npm run bench)
//
// Environment:
//   BENCH_AUTH_SESSIONS="1,20"    session counts N (default 1,20)
//   BENCH_AUTH_CALLS="1000,50"    calls per session M per measured round; one value for every N, or one per N
//   BENCH_AUTH_WARMUP=3000        unmeasured calls per mode before measuring, spread over the sessions (fewer leave
//                                 the JIT unsettled: the first rounds then cost up to 2x the CPU of the later ones)
//   BENCH_AUTH_ROUNDS=2           measured rounds per mode, ABBA order (the modes forward, then backward)
//   BENCH_AUTH_RUN_MAX_MS=20000   wall-time cap of one round (load loops stop at the deadline)
//   BENCH_AUTH_MODES=none,jwt     run only these modes (ids: direct none key jwt jwt-fresh policy policy-warn policy-info)
//   BENCH_PROXY_CPU_PROF=<dir>    run both proxies with --cpu-prof (written to <dir> when they exit)
//
// A bench, not a test: nothing here fails on speed. Exit code 1 only when something broke (a call or
// a connection failed, a proxy could not start or died, a route did not refuse what it must).
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { stopAll } from '../helpers/process.js';
import { benchModes, checkLocks, MODE_IDS, type BenchSession, type Mode, type ModeId } from './bench-auth-modes.js';
import { startAuthBenchStack, type AuthBenchStack } from './bench-auth-stack.js';
import { envInt, envList } from './bench-env.js';
import { cpuProfFlags, readCpuMs, readRunMs } from './bench-proc.js';
import { f, formatTable, percentile } from './bench-table.js';
import { benchAgent } from './light-clients.js';
import { drive as driveRound } from './bench-rounds.js';

const SESSIONS = envList('BENCH_AUTH_SESSIONS') ?? [1, 20];
const CALLS = envList('BENCH_AUTH_CALLS') ?? [1000, 50];
const WARMUP = envInt('BENCH_AUTH_WARMUP', 3000);
const REWARM = envInt('BENCH_AUTH_REWARM', 200);
const ROUNDS = Math.max(1, envInt('BENCH_AUTH_ROUNDS', 2));
const RUN_MAX_MS = envInt('BENCH_AUTH_RUN_MAX_MS', 20_000);
const ONLY = (process.env.BENCH_AUTH_MODES ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const CALL_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 15_000;

const callsFor = (idx: number) => CALLS[idx] ?? CALLS[CALLS.length - 1]!;
const log = (msg: string) => process.stderr.write(`[bench-auth] ${msg}\n`);
const firstErrors: string[] = [];
const noteError = (e: unknown) => {
  if (firstErrors.length < 5) firstErrors.push(e instanceof Error ? e.message : String(e));
};

interface Round {
  calls: number;
  errors: number;
  wallMs: number;
  latencies: number[];
  hitDeadline: boolean;
  /** CPU ms during the round: proxy (schedstat and stat), backend (schedstat), this client. */
  cpu: { proxyRun: number | null; proxyStat: number | null; backend: number | null; client: number };
  /** Lines and bytes the proxy wrote to stdout during the round, when they are counted. */
  output: { lines: number; bytes: number } | null;
}

/**
 * The main bench's loop (bench-rounds.ts: up to `m` sequential calls per session, stopped at the
 * deadline) over this bench's sessions, whose echo says only whether the text came back.
 */
async function drive(sessions: BenchSession[], m: number, deadlineMs: number): Promise<Omit<Round, 'cpu' | 'output'>> {
  const echoing = sessions.map((s) => ({
    close: () => s.close(),
    echo: async (text: string) => {
      if (!(await s.echo(text))) throw new Error(`${text}: a wrong answer`);
      return { ok: true, handlerAt: undefined };
    },
  }));
  // The path label is the loop's own bookkeeping: unused here.
  const r = await driveRound('proxy', echoing, m, deadlineMs, noteError);
  return { calls: r.calls, errors: r.errors, wallMs: r.wallMs, latencies: r.latencies, hitDeadline: r.hitDeadline };
}

async function measure(mode: Mode, sessions: BenchSession[], m: number, stack: AuthBenchStack): Promise<Round> {
  // A process that sat idle while the other modes ran has had its idle-time GCs (V8's memory
  // reducer): a few calls first bring back what they flushed, so that no mode pays for its rest.
  const rewarm = Math.ceil(REWARM / sessions.length);
  await mode.prepare(sessions.length * rewarm);
  await drive(sessions, rewarm, RUN_MAX_MS);
  await mode.prepare(sessions.length * m);
  const backendPid = stack.backend.pid;
  const out = mode.id === 'policy-info' ? stack.infoOutput : null;
  const [lines0, bytes0] = [out?.lines ?? 0, out?.bytes ?? 0];
  const run = (pid: number | null) => (pid === null ? null : readRunMs(pid));
  const [p0, s0, b0, c0] = [run(mode.proxyPid), mode.proxyPid === null ? null : readCpuMs(mode.proxyPid), readRunMs(backendPid), process.cpuUsage()];
  const r = await drive(sessions, m, RUN_MAX_MS);
  // pino writes asynchronously: the audit lines of the last calls may still be on their way. Their
  // writing belongs to this round's CPU, so wait for them (bounded) before the second reading.
  if (out) {
    const expected = lines0 + r.calls + r.errors;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, 2_000); // bounded: a line that never comes must not hang the bench
      function done(): void {
        clearTimeout(timer);
        out!.onLines = undefined;
        resolve();
      }
      out.onLines = () => out.lines >= expected && done();
      out.onLines();
    });
  }
  const [p1, s1, b1, c1] = [run(mode.proxyPid), mode.proxyPid === null ? null : readCpuMs(mode.proxyPid), readRunMs(backendPid), process.cpuUsage(c0)];
  const delta = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
  return {
    ...r,
    cpu: { proxyRun: delta(p0, p1), proxyStat: delta(s0, s1), backend: delta(b0, b1), client: (c1.user + c1.system) / 1000 },
    output: out && { lines: out.lines - lines0, bytes: out.bytes - bytes0 },
  };
}

interface ModeResult {
  mode: Mode;
  calls: number;
  errors: number;
  callsPerSec: number;
  roundsCallsPerSec: number[];
  p50: number;
  p99: number;
  hitDeadline: boolean;
  /** CPU microseconds per successful call. */
  us: { proxyRun: number | null; proxyStat: number | null; backend: number | null; client: number };
  output: { lines: number; bytes: number } | null;
}

function summarize(mode: Mode, rounds: Round[], connectErrors: number): ModeResult {
  const lat = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const calls = rounds.reduce((a, r) => a + r.calls, 0);
  const wallMs = rounds.reduce((a, r) => a + r.wallMs, 0);
  const perCall = (pick: (r: Round) => number | null) =>
    calls > 0 && rounds.every((r) => pick(r) !== null) ? (rounds.reduce((a, r) => a + pick(r)!, 0) * 1000) / calls : null;
  return {
    mode,
    calls,
    errors: rounds.reduce((a, r) => a + r.errors, 0) + connectErrors,
    callsPerSec: wallMs > 0 ? (calls / wallMs) * 1000 : 0,
    roundsCallsPerSec: rounds.map((r) => (r.wallMs > 0 ? (r.calls / r.wallMs) * 1000 : 0)),
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    hitDeadline: rounds.some((r) => r.hitDeadline),
    output: rounds.every((r) => r.output)
      ? { lines: rounds.reduce((a, r) => a + r.output!.lines, 0), bytes: rounds.reduce((a, r) => a + r.output!.bytes, 0) }
      : null,
    us: {
      proxyRun: perCall((r) => r.cpu.proxyRun),
      proxyStat: perCall((r) => r.cpu.proxyStat),
      backend: perCall((r) => r.cpu.backend),
      client: perCall((r) => r.cpu.client)!,
    },
  };
}

async function openAll(mode: Mode, n: number): Promise<{ sessions: BenchSession[]; errors: number }> {
  const sessions: BenchSession[] = [];
  let errors = 0;
  // Small batches: 20 handshakes at once would be a load of their own.
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.allSettled(
      Array.from({ length: Math.min(10, n - i) }, () => Promise.race([mode.open(), timeout(CONNECT_TIMEOUT_MS, `${mode.label} connect`)])),
    );
    for (const r of batch) {
      if (r.status === 'fulfilled') sessions.push(r.value);
      else {
        errors++;
        noteError(r.reason);
      }
    }
  }
  return { sessions, errors };
}

function timeout(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms).unref());
}

async function runBlock(modes: Mode[], n: number, m: number, stack: AuthBenchStack): Promise<ModeResult[]> {
  log(`N=${n}: opening ${n} session(s) per mode`);
  const open = new Map<ModeId, { sessions: BenchSession[]; errors: number }>();
  for (const mode of modes) open.set(mode.id, await openAll(mode, n));
  const perSession = Math.max(5, Math.ceil(WARMUP / n));
  for (const mode of modes) {
    await mode.prepare(n * perSession);
    const w = await drive(open.get(mode.id)!.sessions, perSession, Math.min(RUN_MAX_MS, 15_000));
    open.get(mode.id)!.errors += w.errors;
  }
  const rounds = new Map<ModeId, Round[]>(modes.map((mode) => [mode.id, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of r % 2 === 0 ? modes : [...modes].reverse()) {
      const round = await measure(mode, open.get(mode.id)!.sessions, m, stack);
      const us = round.cpu.proxyRun === null ? '' : `, proxy ${f((round.cpu.proxyRun * 1000) / Math.max(1, round.calls), 0)} us/call`;
      log(
        `N=${n} ${mode.label.padEnd(12)} ${round.calls} calls in ${round.wallMs.toFixed(0)} ms${us}, errors ${round.errors}${round.hitDeadline ? ' (deadline hit)' : ''}`,
      );
      rounds.get(mode.id)!.push(round);
    }
  }
  for (const { sessions } of open.values()) await Promise.allSettled(sessions.map((s) => Promise.race([s.close(), timeout(3_000, 'close')])));
  return modes.map((mode) => summarize(mode, rounds.get(mode.id)!, open.get(mode.id)!.errors));
}

function printBlock(n: number, m: number, results: ModeResult[]): void {
  const base = results.find((r) => r.mode.id === 'none');
  const rows = [['mode', 'calls/s', 'x /none', 'p50 ms', 'p99 ms', 'proxy us/call', '+ vs /none', 'proxy (stat)', 'backend us', 'client us', 'errors']];
  for (const r of results) {
    const proxied = r.mode.proxyPid !== null;
    rows.push([
      r.mode.label,
      f(r.callsPerSec, 0),
      base ? f(r.callsPerSec / base.callsPerSec, 2) : '-',
      f(r.p50, 3),
      f(r.p99, 3),
      proxied ? f(r.us.proxyRun, 0) : '-',
      proxied && base?.us.proxyRun != null && r.us.proxyRun !== null ? f(r.us.proxyRun - base.us.proxyRun, 0) : '-',
      proxied ? f(r.us.proxyStat, 0) : '-',
      f(r.us.backend, 0),
      f(r.us.client, 0),
      `${r.errors}${r.hitDeadline ? ' (cap)' : ''}`,
    ]);
  }
  console.log(`\nN=${n} session(s) x ${m} calls, ${ROUNDS} round(s) per mode`);
  for (const line of formatTable(rows, '  ')) console.log(line);
  const warn = results.find((r) => r.mode.id === 'policy-warn');
  const info = results.find((r) => r.mode.id === 'policy-info');
  if (warn?.us.proxyRun != null && info?.us.proxyRun != null)
    console.log(`  the audit line (/policy info - /policy warn, two processes alike): ${f(info.us.proxyRun - warn.us.proxyRun, 0)} us of proxy CPU per call`);
  if (info?.output)
    console.log(
      `  ${info.mode.label} wrote ${info.output.lines} stdout lines for ${info.calls} measured calls, ${f(info.output.bytes / Math.max(1, info.output.lines), 0)} bytes each`,
    );
}

async function main(): Promise<number> {
  const started = performance.now();
  const modeIds = ONLY.length ? MODE_IDS.filter((id) => ONLY.includes(id)) : [...MODE_IDS];
  log(
    `sessions=${SESSIONS.join(',')} calls=${SESSIONS.map((_, i) => callsFor(i)).join(',')} warmup=${WARMUP} rounds=${ROUNDS} roundCap=${RUN_MAX_MS}ms modes=${modeIds.join(',')}`,
  );
  let stack: AuthBenchStack;
  try {
    stack = await startAuthBenchStack(cpuProfFlags(process.env.BENCH_PROXY_CPU_PROF));
  } catch (err) {
    log(`the stack could not start: ${err instanceof Error ? err.message.split('\n').slice(0, 6).join(' | ') : String(err)}`);
    return 1;
  }
  try {
    log(
      `proxy ${stack.proxy.origin} (pid ${stack.proxy.pid}), warn/info proxies pids ${stack.proxyWarn.pid}/${stack.proxyInfo.pid}, backend pid ${stack.backend.pid}`,
    );
    const agent = benchAgent();
    const problems = await checkLocks(stack, agent, CALL_TIMEOUT_MS);
    for (const p of problems) log(`LOCK BROKEN: ${p}`);
    const modes = (await benchModes(stack, agent, CALL_TIMEOUT_MS)).filter((mode) => modeIds.includes(mode.id));
    const [load1] = os.loadavg();
    const results: { n: number; m: number; modes: ModeResult[] }[] = [];
    for (const [i, n] of SESSIONS.entries()) results.push({ n, m: callsFor(i), modes: await runBlock(modes, n, callsFor(i), stack) });
    const alive = [stack.proxy, stack.proxyWarn, stack.proxyInfo].every((p) => p.child.exitCode === null && p.child.signalCode === null);
    const as = await stack.oidc.stats();
    agent.destroy();

    console.log('\nmcp-frontdoor authorization bench: tools/call echo through one proxy, a route per mode, legacy SSE backend');
    console.log('latency: client-side ms per call; CPU: us per call from /proc (schedstat: ns resolution; stat: utime+stime, 10 ms ticks per round)');
    for (const r of results) printBlock(r.n, r.m, r.modes);
    console.log(`\nauthorization server: ${as.discovery} metadata and ${as.jwks} JWKS fetches, ${as.token} token requests over the whole bench`);
    const [l1, l5] = os.loadavg();
    console.log(
      `load average: ${f(load1, 2)} at start, ${f(l1, 2)} (1 min) / ${f(l5, 2)} (5 min) at end on ${os.cpus().length} CPUs; other load skews the figures`,
    );
    console.log(`bench took ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (firstErrors.length) console.log(`first errors:\n${firstErrors.map((e) => `  ${e}`).join('\n')}`);
    if (!alive) console.log('a proxy exited during the bench');
    const errors = results.flatMap((r) => r.modes).reduce((a, x) => a + x.errors, 0);
    return errors > 0 || problems.length > 0 || !alive ? 1 : 0;
  } finally {
    stack.dispose();
  }
}

let exitCode = 1;
process.on('SIGINT', () => void stopAll().finally(() => process.exit(130)));
try {
  exitCode = await main();
} catch (err) {
  console.error('[bench-auth] crashed:', err);
} finally {
  await stopAll();
}
process.exit(exitCode);
