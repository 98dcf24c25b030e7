// What an idle session costs in memory: S sessions held open and doing nothing, directly against the
// backend and through the proxy, on fresh processes; the cost is the growth of the process's PSS
// (smaps_rollup) over its baseline, divided by S. The baseline is read after a few warm-up sessions,
// so that code compiled and pools filled on first use are not charged to the sessions; both readings
// follow full GCs in the measured processes (bench-gc-hook.ts), so that the handshakes' garbage is not
// either (left to V8, when it goes varies by tens of seconds and moves the figure by ~10 KB/session).
// An idle session is what an idle SDK client holds: the Streamable HTTP client keeps the standalone
// GET stream it opened after notifications/initialized (its POST connections are pooled and time
// out), the legacy SSE client its GET /sse stream. The light clients hold exactly that; their POSTs
// go through a keep-alive agent that is emptied before the reading.
// Every session holds descriptors: the proxy 2 (the client's stream and the backend's), the backend
// and this process 1 each. The count is lowered, with a note, when the open-file limit cannot hold it
// (the proxy itself would refuse sessions past what its descriptors allow).
import type http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT, type RunningProcess } from '../helpers/process.js';
import { openFileLimit, readPssKb } from './bench-proc.js';
import { startBackend, startStack, type ProxyOptions } from './bench-stack.js';
import { benchAgent, LightLegacy, LightStreamable } from './light-clients.js';

export interface IdleSettings {
  sessions: number;
  /** Sessions opened before the baseline is read. */
  warm: number;
  /** Cap on the time to open the sessions of one side. */
  openMaxMs: number;
  /** Cap on the time PSS takes to settle after the collection before a reading. */
  settleMs: number;
  timeoutMs: number;
}

export interface IdleSide {
  held: number;
  errors: number;
  baselineKb: number | null;
  heldKb: number | null;
  /** (held - baseline) / sessions held. */
  perSessionKb: number | null;
}

export interface IdleResult {
  requested: number;
  target: number;
  openFiles: number | null;
  note: string | null;
  direct: IdleSide;
  proxy: IdleSide;
  /** The backend behind the proxy, for the same sessions (the proxy opened them). */
  backendBehindProxy: IdleSide;
  firstErrors: string[];
}

/**
 * Sessions the open-file limit holds: the proxy's own cap (limits/session-caps.ts: 64 descriptors
 * reserved, a quarter of the rest for connections, 2 per session) and this process's (the direct and
 * the proxied sessions are held at once, one descriptor each), with some room.
 */
function sessionsTheLimitHolds(openFiles: number): number {
  return Math.min(Math.floor(((openFiles - 64) * 0.75) / 2), Math.floor((openFiles - 200) / 2)) - 50;
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

interface Held {
  drop(): void;
}

async function openMany(open: () => Promise<Held>, count: number, maxMs: number, noteError: (e: unknown) => void): Promise<{ held: Held[]; errors: number }> {
  const held: Held[] = [];
  let errors = 0;
  const deadline = performance.now() + maxMs;
  // Batches of 20: thousands of handshakes at once would overflow accept backlogs and hit timeouts,
  // which is not what this measures.
  for (let i = 0; i < count && performance.now() < deadline && errors < 20; i += 20) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(20, count - i) }, open));
    for (const r of batch) {
      if (r.status === 'fulfilled') held.push(r.value);
      else {
        errors++;
        noteError(r.reason);
      }
    }
  }
  return { held, errors };
}

/** The node flags that load bench-gc-hook.ts: V8's memory-pressure collection on SIGUSR2. */
export const GC_HOOK_FLAGS = ['--import', pathToFileURL(path.join(REPO_ROOT, 'dist/test/bench/bench-gc-hook.js')).href];

/** V8's memory-pressure collection in every process (bench-gc-hook.ts), each acknowledged on its stdout. */
async function collectGarbage(procs: RunningProcess[]): Promise<void> {
  await Promise.all(
    procs.map(async (p) => {
      const done = p.lines.filter((l) => l.startsWith('{"benchGc"')).length;
      const acked = p.waitForLine((l) => l.benchGc === done + 1, 15_000);
      process.kill(p.pid, 'SIGUSR2');
      const line = await acked;
      if (line.error !== null) throw new Error(`pid ${p.pid}: the collection before a PSS reading failed: ${String(line.error)}`);
    }),
  );
}

/**
 * PSS of each process once its memory is settled after the GCs (V8 returns freed pages in background
 * tasks): sampled every 200 ms until two readings in a row are within 1% of each other, for at most
 * `ms`; the lowest reading counts.
 */
export async function settledPss(procs: RunningProcess[], ms: number): Promise<(number | null)[]> {
  await collectGarbage(procs);
  const low: (number | null)[] = procs.map(() => null);
  let last: (number | null)[] = procs.map(() => null);
  const until = performance.now() + ms;
  for (let i = 0; i < 1_000; i++) {
    const now = procs.map((p) => readPssKb(p.pid));
    now.forEach((kb, k) => {
      if (kb !== null && (low[k] === null || kb < low[k]!)) low[k] = kb;
    });
    const steady = now.every((kb, k) => kb !== null && last[k] !== null && Math.abs(kb - last[k]!) <= kb * 0.01);
    if (steady || performance.now() >= until) break;
    last = now;
    await new Promise((r) => setTimeout(r, 200)); // the sampling interval of the steadiness being measured
  }
  return low;
}

function side(held: number, errors: number, baselineKb: number | null, heldKb: number | null): IdleSide {
  const perSessionKb = baselineKb !== null && heldKb !== null && held > 0 ? (heldKb - baselineKb) / held : null;
  return { held, errors, baselineKb, heldKb, perSessionKb };
}

interface Way {
  what: string;
  open(agent: http.Agent): Promise<Held>;
  /** The processes whose PSS is read for it. */
  procs: RunningProcess[];
}

/**
 * Warm-up sessions, the baseline, `target` more sessions, the held reading, for every way at once (they
 * run on separate processes; opening 2 x 3,000 sessions is most of this stage's time). Drops every
 * session afterwards.
 */
async function measureWays(ways: Way[], target: number, s: IdleSettings, noteError: (e: unknown) => void): Promise<IdleSide[][]> {
  const agents = ways.map(() => benchAgent());
  const all: Held[] = [];
  const procs = ways.flatMap((w) => w.procs);
  const openAll = (count: number) =>
    Promise.all(
      ways.map(async (w, i) => {
        const opened = await openMany(() => w.open(agents[i]!), count, s.openMaxMs, noteError);
        all.push(...opened.held);
        // The agent's idle keep-alive sockets are not part of an idle session (an SDK client's time out).
        agents[i]!.destroy();
        return opened;
      }),
    );
  try {
    const warm = await openAll(s.warm);
    const baseline = await settledPss(procs, s.settleMs);
    const t0 = performance.now();
    const main = await openAll(target);
    log(`idle: ${ways.map((w, i) => `${w.what} ${main[i]!.held.length}`).join(', ')} sessions opened in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const held = await settledPss(procs, s.settleMs);
    let k = 0;
    return ways.map((w, i) =>
      w.procs.map(() => {
        const at = k++;
        return side(main[i]!.held.length, main[i]!.errors + warm[i]!.errors, baseline[at]!, held[at]!);
      }),
    );
  } finally {
    for (const h of all) h.drop();
    for (const a of agents) a.destroy();
  }
}

export async function idleCost(proxyOpts: ProxyOptions, s: IdleSettings): Promise<IdleResult> {
  const firstErrors: string[] = [];
  const noteError = (e: unknown) => {
    if (firstErrors.length < 5) firstErrors.push(e instanceof Error ? e.message : String(e));
  };
  const openFiles = openFileLimit();
  const fits = sessionsTheLimitHolds(openFiles ?? 1024);
  const target = Math.max(0, Math.min(s.sessions, fits - s.warm));
  const note =
    target < s.sessions
      ? `the open-file limit (${openFiles ?? 'unknown, taken as 1024'}) holds about ${fits} sessions (the proxy 2 descriptors each, this process 2): measured at ${target} instead of ${s.sessions}; raise ulimit -n to measure more`
      : null;
  if (note) log(note);

  const backend = await startBackend(GC_HOOK_FLAGS);
  // The proxy refuses more than limits.maxSessionsPerClient (1000) sessions from one address; every
  // bench session comes from 127.0.0.1.
  const stack = await startStack(proxyOpts, { limits: { maxSessionsPerClient: target + s.warm + 100 }, execArgv: GC_HOOK_FLAGS }).catch(
    async (err: unknown) => {
      await backend.stop();
      throw err;
    },
  );
  try {
    const direct: Way = {
      what: 'direct',
      procs: [backend],
      open: async (agent) => {
        const session = await LightLegacy.open(agent, backend.url, s.timeoutMs);
        return { drop: () => session.close() };
      },
    };
    const proxied: Way = {
      what: 'proxy',
      procs: [stack.proxy, stack.backend],
      open: async (agent) => {
        const session = await LightStreamable.open(agent, stack.proxy.url, {}, s.timeoutMs, true);
        return { drop: () => session.drop() };
      },
    };
    const [[d], [p, behind]] = (await measureWays([direct, proxied], target, s, noteError)) as [[IdleSide], [IdleSide, IdleSide]];
    return { requested: s.sessions, target, openFiles, note, direct: d, proxy: p, backendBehindProxy: behind, firstErrors };
  } finally {
    await stack.stop();
    await backend.stop();
  }
}
