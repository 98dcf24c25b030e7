// The main bench's figures from its rounds: per path the median over rounds (a slow spell of the
// shared machine hits one round, not the median), and the side-by-side comparison. Pure.
import type { Round } from './bench-rounds.js';
import type { ClientKind } from './bench-sessions.js';
import { percentile } from './bench-table.js';

export interface PathStats {
  rounds: number;
  calls: number;
  /** Failed calls of every round and the warm-up, and sessions that did not open. */
  errors: number;
  callsPerSec: number;
  roundsCallsPerSec: number[];
  p50: number;
  p99: number;
  /** p50 of the two halves of a call over every round: to the backend's handler, and back. */
  hopOutP50: number;
  hopBackP50: number;
  hitDeadline: boolean;
  /** CPU microseconds per successful call, median over rounds; `proxy` is null on the direct path. */
  cpuUs: { client: number; backend: number | null; proxy: number | null };
}

export interface BlockResult {
  kind: ClientKind;
  n: number;
  m: number;
  direct: PathStats;
  proxy: PathStats;
  /** Kernel high-water marks (VmHWM, MB) at the end of the block: the peak of fresh processes. */
  peakRssMb: { proxy: number | null; backend: number | null };
  /** Proxy calls/s over direct calls/s (medians). */
  ratio: number;
  /** Proxy p50 minus direct p50, ms. */
  p50AddedMs: number;
  /**
   * Proxy CPU per call over the backend's when a client talks to it directly. Not over the backend's
   * in the proxy rounds: that one moves with what the proxy makes the backend do (a connection per
   * forwarded request costs the backend an accept and a fresh parser), so a proxy that made the
   * backend work harder would look better.
   */
  cpuRatio: number | null;
  /** The backend's CPU per call behind the proxy over its CPU per call direct. */
  backendCpuBehindProxy: number | null;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const perSec = (r: Round) => (r.wallMs > 0 ? (r.calls / r.wallMs) * 1000 : 0);

function cpuPerCall(rounds: Round[], pick: (r: Round) => number | null): number | null {
  const values = rounds.map((r) => {
    const ms = pick(r);
    return ms === null || r.calls === 0 ? null : (ms * 1000) / r.calls;
  });
  return values.every((v) => v !== null) ? median(values as number[]) : null;
}

export function pathStats(rounds: Round[], extraErrors: number): PathStats {
  const proxied = rounds[0]?.path === 'proxy';
  return {
    rounds: rounds.length,
    calls: rounds.reduce((a, r) => a + r.calls, 0),
    errors: rounds.reduce((a, r) => a + r.errors, 0) + extraErrors,
    callsPerSec: median(rounds.map(perSec)),
    roundsCallsPerSec: rounds.map(perSec),
    p50: median(rounds.map((r) => percentile(sorted(r.latencies), 50))),
    p99: median(rounds.map((r) => percentile(sorted(r.latencies), 99))),
    hopOutP50: percentile(sorted(rounds.flatMap((r) => r.hopOut)), 50),
    hopBackP50: percentile(sorted(rounds.flatMap((r) => r.hopBack)), 50),
    hitDeadline: rounds.some((r) => r.hitDeadline),
    cpuUs: {
      client: cpuPerCall(rounds, (r) => r.cpuMs.client) ?? NaN,
      backend: cpuPerCall(rounds, (r) => r.cpuMs.backend),
      proxy: proxied ? cpuPerCall(rounds, (r) => r.cpuMs.proxy) : null,
    },
  };
}

export function compare(kind: ClientKind, n: number, m: number, direct: PathStats, proxy: PathStats, peakRssMb: BlockResult['peakRssMb']): BlockResult {
  const p = proxy.cpuUs.proxy;
  const b = direct.cpuUs.backend;
  const behind = proxy.cpuUs.backend;
  return {
    kind,
    n,
    m,
    direct,
    proxy,
    peakRssMb,
    ratio: direct.callsPerSec > 0 ? proxy.callsPerSec / direct.callsPerSec : NaN,
    p50AddedMs: proxy.p50 - direct.p50,
    cpuRatio: p !== null && b !== null && b > 0 ? p / b : null,
    backendCpuBehindProxy: behind !== null && b !== null && b > 0 ? behind / b : null,
  };
}
