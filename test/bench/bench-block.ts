// One block of the main bench: N sessions x M calls with one client kind, direct and through the
// proxy, on a fresh backend and a fresh proxy (the proxy's peak RSS is then this block's). Both paths
// are warmed up, then measured in interleaved rounds, ABBA order (direct, proxy, proxy, direct, ...),
// each round after a few unmeasured calls: a path that sat idle while the other ran may have had its
// idle-time GCs (V8's memory reducer), and those calls bring back what they flushed.
import { readStatusKb, resetPeakRss } from './bench-proc.js';
import { measureRound, drive, type Round } from './bench-rounds.js';
import { closeSessions, openSessions, type ClientKind, type Path } from './bench-sessions.js';
import { alive, startStack, type ProxyOptions } from './bench-stack.js';
import { compare, pathStats, type BlockResult } from './bench-stats.js';
import { benchAgent } from './light-clients.js';

export interface BlockSettings {
  rounds: number;
  /** Unmeasured calls per path before the first round, spread over the sessions. */
  warmup: number;
  /** Unmeasured calls per path before each round, spread over the sessions. */
  rewarm: number;
  roundMaxMs: number;
  callTimeoutMs: number;
}

export interface BlockOutcome {
  result: BlockResult;
  /** The first few errors, for the report. */
  firstErrors: string[];
  /** The proxy or the backend exited during the block. */
  died: string | null;
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

export async function runBlock(kind: ClientKind, n: number, m: number, proxyOpts: ProxyOptions, s: BlockSettings): Promise<BlockOutcome> {
  const firstErrors: string[] = [];
  const noteError = (e: unknown) => {
    if (firstErrors.length < 5) firstErrors.push(e instanceof Error ? e.message : String(e));
  };
  const stack = await startStack(proxyOpts);
  const agent = benchAgent();
  try {
    const pids = { backend: stack.backend.pid, proxy: stack.proxy.pid };
    // The peak that counts is the load's, from the sessions' opening on: not the start-up's.
    resetPeakRss(pids.backend);
    resetPeakRss(pids.proxy);
    log(`${kind} N=${n}: backend pid ${pids.backend}, proxy pid ${pids.proxy}; opening ${n} + ${n} sessions`);
    const opened = {
      direct: await openSessions(kind, agent, 'direct', stack.backend.url, n, s.callTimeoutMs),
      proxy: await openSessions(kind, agent, 'proxy', stack.proxy.url, n, s.callTimeoutMs),
    };
    const extraErrors: Record<Path, number> = { direct: opened.direct.errors.length, proxy: opened.proxy.errors.length };
    for (const e of [...opened.direct.errors, ...opened.proxy.errors]) noteError(e);

    const paths: Path[] = ['direct', 'proxy'];
    const perSession = (calls: number, min: number) => Math.max(min, Math.ceil(calls / n));
    for (const path of paths) {
      const w = await drive(path, opened[path].sessions, perSession(s.warmup, 5), Math.min(s.roundMaxMs, 15_000), noteError);
      extraErrors[path] += w.errors;
    }
    const rounds: Record<Path, Round[]> = { direct: [], proxy: [] };
    for (let r = 0; r < s.rounds; r++) {
      for (const path of r % 2 === 0 ? paths : [...paths].reverse()) {
        const sessions = opened[path].sessions;
        extraErrors[path] += (await drive(path, sessions, perSession(s.rewarm, 2), s.roundMaxMs, noteError)).errors;
        const round = await measureRound(path, sessions, m, s.roundMaxMs, pids, noteError);
        const cpu = path === 'proxy' ? round.cpuMs.proxy : round.cpuMs.backend;
        log(
          `${kind} N=${n} ${path.padEnd(6)} ${round.calls} calls in ${round.wallMs.toFixed(0)} ms = ${((round.calls / round.wallMs) * 1000).toFixed(0)} calls/s, ` +
            `${path === 'proxy' ? 'proxy' : 'backend'} ${cpu === null ? '-' : ((cpu * 1000) / Math.max(1, round.calls)).toFixed(0)} us/call, errors ${round.errors}${round.hitDeadline ? ' (deadline hit)' : ''}`,
        );
        rounds[path].push(round);
      }
    }
    const hwm = (pid: number) => {
      const kb = readStatusKb(pid, 'VmHWM');
      return kb === null ? null : kb / 1024;
    };
    const peakRssMb = { proxy: hwm(pids.proxy), backend: hwm(pids.backend) };
    const died =
      !alive(stack.proxy) || !alive(stack.backend)
        ? `proxy exit ${stack.proxy.child.exitCode ?? stack.proxy.child.signalCode}, backend exit ${stack.backend.child.exitCode ?? stack.backend.child.signalCode}`
        : null;
    await closeSessions([...opened.direct.sessions, ...opened.proxy.sessions]);
    const result = compare(kind, n, m, pathStats(rounds.direct, extraErrors.direct), pathStats(rounds.proxy, extraErrors.proxy), peakRssMb);
    return { result, firstErrors, died };
  } finally {
    agent.destroy();
    await stack.stop();
  }
}
