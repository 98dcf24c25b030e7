// backend.idleRelease measured (issue 14): S sessions that do what `claude mcp get` and start-up
// health checks do — initialize, notifications/initialized, tools/list, then nothing, never DELETE —
// through a proxy with idleRelease 0 (what every proxy did before: the backend channel lives until
// sessions.idleTimeout) and one with a short idleRelease. Read for each: the backend's open SSE
// connections once the sessions went quiet (and, with release, once the delay passed), and the
// proxy's memory per quiet session (PSS growth over a baseline, after full GCs: bench-idle.ts). Then,
// on released sessions, the latency of the first call (one re-open: connect, replayed initialize and
// initialized) against the same call again on the now warm channel.
//   node dist/test/bench/bench-release.js        (part of npm run bench)
//   BENCH_RELEASE_SESSIONS=1000 (0: skip)   BENCH_RELEASE_MAX_MS=120000 (cap per side on opening and waiting)
// A bench, not a test: it prints tables and never fails on the figures.
import { performance } from 'node:perf_hooks';
import { startFixture, stopAll, type RunningProcess } from '../helpers/process.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { metricValue, readMetrics } from '../helpers/metrics.js';
import { launchProxy } from './bench-proc.js';
import { GC_HOOK_FLAGS, settledPss } from './bench-idle.js';
import { envInt } from './bench-env.js';

const SESSIONS = envInt('BENCH_RELEASE_SESSIONS', 1000);
const MAX_MS = envInt('BENCH_RELEASE_MAX_MS', 120_000);
const DELAY_MS = 2_000;
const LATENCY_SAMPLES = 50;
const log = (msg: string) => process.stderr.write(`[bench-release] ${msg}\n`);

interface Side {
  label: string;
  held: number;
  backendOpenQuiet: number;
  backendOpenAfter: number;
  perSessionKb: number | null;
  releases: number;
  firstCallMs: number[];
  warmCallMs: number[];
}

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };

async function rpc(url: string, body: unknown, session?: string): Promise<Response> {
  const res = await fetch(url, { method: 'POST', headers: session ? { ...HEADERS, 'mcp-session-id': session } : HEADERS, body: JSON.stringify(body) });
  await res.arrayBuffer();
  if (res.status >= 300) throw new Error(`${(body as { method: string }).method} answered ${res.status}`);
  return res;
}

/** One health check: initialize, initialized, tools/list; the session is left behind. */
async function healthCheck(url: string): Promise<string> {
  const init = await rpc(url, {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench-health-check', version: '1' } },
  });
  const id = init.headers.get('mcp-session-id')!;
  await rpc(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, id);
  await rpc(url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, id);
  return id;
}

async function backendOpen(backendUrl: string): Promise<number> {
  return ((await (await fetch(new URL('/control/stats', backendUrl))).json()) as { open: number }).open;
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100)); // polling interval of a bench reading
  }
  return check();
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);
const p90 = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]! : NaN);

async function timedCall(url: string, session: string, id: number): Promise<number> {
  const t0 = performance.now();
  await rpc(url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } }, session);
  return performance.now() - t0;
}

async function side(label: string, idleRelease: number): Promise<Side> {
  const backend = await startFixture('legacy-sse-server');
  const cfg = writeConfigFile({
    listen: { port: 0 },
    log: { level: 'warn' },
    limits: { maxSessions: SESSIONS + 100, maxSessionsPerClient: SESSIONS + 100 },
    routes: [{ path: '/', backend: { transport: 'sse', url: backend.url, idleRelease } }],
  });
  const procs: RunningProcess[] = [backend];
  try {
    const proxy = await launchProxy(['--config', cfg.file], {}, GC_HOOK_FLAGS);
    procs.push(proxy);
    for (let i = 0; i < 5; i++) await healthCheck(proxy.url); // warm-up: code and pools are not charged to the sessions
    const [baseline] = await settledPss([proxy], 5_000);
    const ids: string[] = [];
    const deadline = performance.now() + MAX_MS;
    for (let i = 0; i < SESSIONS && performance.now() < deadline; i += 20) {
      const batch = await Promise.allSettled(Array.from({ length: Math.min(20, SESSIONS - i) }, () => healthCheck(proxy.url)));
      for (const r of batch) if (r.status === 'fulfilled') ids.push(r.value);
    }
    const quiet = await backendOpen(backend.url);
    log(`${label}: ${ids.length} sessions quiet, backend holds ${quiet} connections`);
    if (idleRelease > 0) {
      await waitFor(
        async () => (metricValue(await readMetrics(proxy.origin), 'frontdoor_backend_releases_total', { route: '/' }) ?? 0) >= ids.length + 5,
        DELAY_MS + MAX_MS / 4,
      );
      await waitFor(async () => (await backendOpen(backend.url)) === 0, 10_000);
    }
    const after = await backendOpen(backend.url);
    const [held] = await settledPss([proxy], 10_000);
    const releases = metricValue(await readMetrics(proxy.origin), 'frontdoor_backend_releases_total', { route: '/' }) ?? 0;
    const firstCallMs: number[] = [];
    const warmCallMs: number[] = [];
    for (const id of ids.slice(0, LATENCY_SAMPLES)) {
      firstCallMs.push(await timedCall(proxy.url, id, 3));
      warmCallMs.push(await timedCall(proxy.url, id, 4));
    }
    const perSessionKb = baseline != null && held != null && ids.length > 0 ? (held - baseline) / ids.length : null;
    return { label, held: ids.length, backendOpenQuiet: quiet, backendOpenAfter: after, perSessionKb, releases, firstCallMs, warmCallMs };
  } finally {
    cfg.dispose();
    await Promise.all(procs.map((p) => p.stop()));
  }
}

async function main(): Promise<void> {
  if (SESSIONS <= 0) return;
  const before = await side('idleRelease 0 (before)', 0);
  const after = await side(`idleRelease ${DELAY_MS} ms (after)`, DELAY_MS);
  const ms = (v: number) => (Number.isNaN(v) ? 'n/a' : v.toFixed(1));
  const kb = (v: number | null) => (v === null ? 'n/a' : v.toFixed(1));
  console.log(`\n## Idle release: ${SESSIONS} health-check sessions (initialize, tools/list, quiet; legacy SSE backend)\n`);
  console.log('| proxy | sessions | backend connections when quiet | after idleRelease | releases | proxy KB per quiet session |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const s of [before, after])
    console.log(`| ${s.label} | ${s.held} | ${s.backendOpenQuiet} | ${s.backendOpenAfter} | ${s.releases} | ${kb(s.perSessionKb)} |`);
  console.log(`\n| call on a session (${after.label}, ${after.firstCallMs.length} sessions) | median ms | p90 ms |`);
  console.log('| --- | ---: | ---: |');
  console.log(`| first call after release (re-open: connect + initialize + initialized) | ${ms(median(after.firstCallMs))} | ${ms(p90(after.firstCallMs))} |`);
  console.log(`| the same call again (warm channel) | ${ms(median(after.warmCallMs))} | ${ms(p90(after.warmCallMs))} |`);
  console.log(`| idleRelease 0: first call after quiet (never released) | ${ms(median(before.firstCallMs))} | ${ms(p90(before.firstCallMs))} |`);
}

main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
