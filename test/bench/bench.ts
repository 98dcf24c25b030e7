// What the proxy itself costs: N concurrent MCP sessions x M sequential `tools/call echo`, DIRECT to a
// legacy HTTP+SSE backend built on the MCP SDK vs THROUGH the proxy's Streamable HTTP /mcp face, side
// by side; then what an idle session costs in memory at 3,000 sessions.
//
//   npm run bench            (builds, runs this as node dist/test/bench/bench.js, then the other benches)
//
// Environment:
//   BENCH_CLIENT=light,modern      a list of light | sdk | modern (both = light,sdk). light: raw node:http, the
//                                  least a client can do, so the proxy's cost shows; modern: the same speaking
//                                  2026-07-28 to the proxy (no session; its direct path is the legacy light
//                                  client); sdk: the MCP SDK client, which spends more CPU per call than the
//                                  proxy and compresses every ratio toward 1 (default: light,modern). The idle
//                                  stage always uses the light client, holding what an idle SDK client holds
//   BENCH_SESSIONS="1,50"          session counts N
//   BENCH_CALLS="2000,200"         calls per session per round; one value for every N, or one per N
//                                  (default 2000 at N=1 and 200 otherwise; sdk: 1000 and 80)
//   BENCH_WARMUP=3000              unmeasured calls per path before the first round, spread over the sessions
//                                  (with fewer the proxy's first round costs up to 1.4x the CPU of the later ones)
//   BENCH_REWARM=100               unmeasured calls per path before each round, spread over the sessions
//   BENCH_ROUNDS=3                 measured rounds per path, ABBA order (direct, proxy, proxy, direct, ...)
//   BENCH_RUN_MAX_MS=20000         wall-time cap of one round (the load loops stop at the deadline)
//   BENCH_IDLE_SESSIONS=3000       idle sessions for the memory figure (0: skip); lowered to what ulimit -n holds
//   BENCH_IDLE_SETTLE_MS=3000      cap on the time PSS takes to settle after the collection before each reading
//   BENCH_PROXY_MAIN=<path>        the proxy's entry point, e.g. another build's dist/src/main.js (before/after)
//   BENCH_PROXY_CPU_PROF=<dir>     run every proxy with --cpu-prof --cpu-prof-dir=<dir> (written when it exits)
//   BENCH_PROXY_NODE_OPTIONS=...   NODE_OPTIONS for the proxy processes only
//   BENCH_PROXY_ARGS="..."         extra CLI arguments for the proxy (space separated)
//   BENCH_PROXY_LOG_LEVEL=warn     the proxy's --log-level
//
// A bench, not a test: the targets print PASS/MISS and never fail the run. Exit code 1 only when
// something broke (a call or a session failed, a process could not start or died). The last line of
// the output is one JSON object with every figure.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { PROXY_NODE_FLAGS, stopAll } from '../helpers/process.js';
import { runBlock, type BlockSettings } from './bench-block.js';
import { envInt, envList } from './bench-env.js';
import { idleCost, type IdleResult } from './bench-idle.js';
import { blockTable, idleTable } from './bench-report.js';
import type { ClientKind } from './bench-sessions.js';
import { proxyOptionsFromEnv } from './bench-stack.js';
import type { BlockResult } from './bench-stats.js';
import { f } from './bench-table.js';
import { targetLines, targets } from './bench-targets.js';

const CLIENT = process.env.BENCH_CLIENT?.trim() || 'light,modern';
const KINDS = (CLIENT === 'both' ? 'light,sdk' : CLIENT).split(',').map((k) => k.trim()) as ClientKind[];
for (const k of KINDS) if (!['light', 'sdk', 'modern'].includes(k)) throw new Error(`BENCH_CLIENT must list light, sdk or modern (or be both), got ${CLIENT}`);
const SESSIONS = envList('BENCH_SESSIONS') ?? [1, 50];
const CALLS = envList('BENCH_CALLS');
const IDLE_SESSIONS = envInt('BENCH_IDLE_SESSIONS', 3000);
const SETTINGS: BlockSettings = {
  rounds: Math.max(1, envInt('BENCH_ROUNDS', 3)),
  warmup: envInt('BENCH_WARMUP', 3000),
  rewarm: envInt('BENCH_REWARM', 100),
  roundMaxMs: envInt('BENCH_RUN_MAX_MS', 20_000),
  callTimeoutMs: 10_000,
};

function callsFor(kind: ClientKind, n: number, idx: number): number {
  if (CALLS) return CALLS[idx] ?? CALLS[CALLS.length - 1]!;
  if (kind === 'sdk') return n === 1 ? 1000 : 80;
  return n === 1 ? 2000 : 200;
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const round3 = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? null : Math.round(x * 1000) / 1000);

function blockJson(b: BlockResult) {
  const path = (s: BlockResult['direct']) => ({
    calls: s.calls,
    errors: s.errors,
    callsPerSec: round3(s.callsPerSec),
    roundsCallsPerSec: s.roundsCallsPerSec.map(round3),
    p50Ms: round3(s.p50),
    p99Ms: round3(s.p99),
    hopOutP50Ms: round3(s.hopOutP50),
    hopBackP50Ms: round3(s.hopBackP50),
    hitDeadline: s.hitDeadline,
    cpuUsPerCall: { client: round3(s.cpuUs.client), backend: round3(s.cpuUs.backend), proxy: round3(s.cpuUs.proxy) },
  });
  return {
    n: b.n,
    m: b.m,
    direct: path(b.direct),
    proxy: path(b.proxy),
    ratio: round3(b.ratio),
    p50AddedMs: round3(b.p50AddedMs),
    proxyCpuOverBackendDirect: round3(b.cpuRatio),
    backendCpuBehindProxyOverDirect: round3(b.backendCpuBehindProxy),
    peakRssMb: { proxy: round3(b.peakRssMb.proxy), backend: round3(b.peakRssMb.backend) },
  };
}

/**
 * The SDK client transports pass one long-lived AbortSignal to every fetch; Node's fetch removes its
 * abort listener only when the Request is garbage-collected, so under load the listeners pile up past
 * undici's limit and Node prints a MaxListenersExceededWarning per call: a property of the client, not
 * of the proxy. Prints the first one; the count is returned.
 */
function countListenerWarnings(): () => number {
  let count = 0;
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.name !== 'MaxListenersExceededWarning') process.stderr.write(`${w.name}: ${w.message}\n`);
    else if (count++ === 0) log(`client-side warning (SDK fetch signal, not the proxy; further ones counted): ${w.message}`);
  });
  return () => count;
}

async function main(): Promise<number> {
  const started = performance.now();
  const listenerWarnings = countListenerWarnings();
  const load0 = os.loadavg();
  const proxyOpts = proxyOptionsFromEnv();
  log(`proxy: node ${[...PROXY_NODE_FLAGS, ...proxyOpts.execArgv].join(' ')} ${proxyOpts.main}`);
  log(
    `clients=${KINDS.join(',')} sessions=${SESSIONS.join(',')} rounds/path=${SETTINGS.rounds} warmup=${SETTINGS.warmup} idle=${IDLE_SESSIONS} roundCap=${SETTINGS.roundMaxMs}ms`,
  );
  const problems: string[] = [];
  const firstErrors: string[] = [];
  const blocks = new Map<ClientKind, BlockResult[]>();
  for (const kind of KINDS) {
    const list: BlockResult[] = [];
    for (const [i, n] of SESSIONS.entries()) {
      try {
        const out = await runBlock(kind, n, callsFor(kind, n, i), proxyOpts, SETTINGS);
        list.push(out.result);
        firstErrors.push(...out.firstErrors);
        if (out.died) problems.push(`${kind} N=${n}: a process died: ${out.died}`);
      } catch (err) {
        problems.push(`${kind} N=${n} could not run: ${(err instanceof Error ? err.message : String(err)).split('\n').slice(0, 6).join(' | ')}`);
      }
    }
    blocks.set(kind, list);
  }
  let idle: IdleResult | null = null;
  if (IDLE_SESSIONS > 0) {
    try {
      idle = await idleCost(proxyOpts, {
        sessions: IDLE_SESSIONS,
        warm: 50,
        openMaxMs: 120_000,
        settleMs: envInt('BENCH_IDLE_SETTLE_MS', 3000),
        timeoutMs: 15_000,
      });
      firstErrors.push(...idle.firstErrors);
    } catch (err) {
      problems.push(`idle sessions could not run: ${(err instanceof Error ? err.message : String(err)).split('\n').slice(0, 6).join(' | ')}`);
    }
  }

  console.log('');
  console.log(`mcp-frontdoor bench: tools/call echo, direct vs through the proxy (${proxyOpts.main})`);
  for (const [kind, list] of blocks) if (list.length) for (const line of blockTable(kind, list, SETTINGS.rounds)) console.log(line);
  if (idle) for (const line of idleTable(idle)) console.log(line);
  const basisKind: ClientKind = blocks.get('light')?.length ? 'light' : 'sdk';
  const tg = targets(blocks.get(basisKind) ?? [], idle);
  const basis = basisKind === 'light' ? 'light client, same run' : 'SDK client: the targets are set for the light client';
  for (const line of targetLines(tg, basis)) console.log(line);
  const errors =
    [...blocks.values()].flat().reduce((a, b) => a + b.direct.errors + b.proxy.errors, 0) +
    (idle ? idle.direct.errors + idle.proxy.errors : 0) +
    problems.length;
  if (firstErrors.length || problems.length) console.log(['', 'problems:', ...problems, ...firstErrors.slice(0, 8)].join('\n  '));
  if (listenerWarnings() > 0) console.log(`note: ${listenerWarnings()} MaxListenersExceededWarning(s) in the SDK client (its fetch signal; client-side)`);
  const load1 = os.loadavg();
  const benchMs = performance.now() - started;
  console.log('');
  console.log(
    `load average: ${f(load0[0], 2)} at start, ${f(load1[0], 2)} (1 min) / ${f(load1[1], 2)} (5 min) at end on ${os.cpus().length} CPUs; other load skews the figures`,
  );
  console.log(`bench took ${(benchMs / 1000).toFixed(1)} s`);
  const summary = {
    bench: 'mcp-frontdoor',
    node: process.version,
    cpus: os.cpus().length,
    loadavg: { start: load0.map((x) => Math.round(x * 100) / 100), end: load1.map((x) => Math.round(x * 100) / 100) },
    proxyMain: proxyOpts.main,
    roundsPerPath: SETTINGS.rounds,
    warmup: SETTINGS.warmup,
    clients: Object.fromEntries([...blocks].map(([kind, list]) => [kind, list.map(blockJson)])),
    idle: idle && {
      requested: idle.requested,
      sessions: idle.target,
      openFiles: idle.openFiles,
      note: idle.note,
      pssKbPerSession: {
        direct: round3(idle.direct.perSessionKb),
        proxy: round3(idle.proxy.perSessionKb),
        backendBehindProxy: round3(idle.backendBehindProxy.perSessionKb),
      },
      held: { direct: idle.direct.held, proxy: idle.proxy.held },
      errors: idle.direct.errors + idle.proxy.errors,
    },
    targetsBasis: basisKind,
    targets: tg.map((t) => ({ name: t.name.trim(), value: round3(t.value), limit: t.limit, verdict: t.verdict })),
    problems,
    errors,
    durationMs: Math.round(benchMs),
  };
  console.log(JSON.stringify(summary));
  return errors > 0 ? 1 : 0;
}

let exitCode = 1;
process.on('SIGINT', () => void stopAll().finally(() => process.exit(130)));
try {
  exitCode = await main();
} catch (err) {
  console.error('[bench] crashed:', err);
} finally {
  await stopAll();
}
process.exit(exitCode);
