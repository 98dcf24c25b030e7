// One measured round of the main bench: every session makes up to M sequential `tools/call echo`,
// with the CPU time the proxy, the backend and this client spent meanwhile (read before and after).
import { performance } from 'node:perf_hooks';
import { readRunMs } from './bench-proc.js';
import type { BenchSession, Path } from './bench-sessions.js';

export interface Round {
  path: Path;
  calls: number;
  errors: number;
  wallMs: number;
  /** Client-side ms per successful call. */
  latencies: number[];
  /** Per call, ms: client send -> the backend's echo handler runs, and handler -> the client has the result. */
  hopOut: number[];
  hopBack: number[];
  hitDeadline: boolean;
  /** CPU ms during the round (schedstat: ns resolution; the client from process.cpuUsage()). */
  cpuMs: { client: number; backend: number | null; proxy: number | null };
}

/** Wall clock in epoch ms with sub-ms precision, comparable across processes on this machine. */
const wallNow = () => performance.timeOrigin + performance.now();

/** Every session makes up to `m` sequential calls; every loop stops at the deadline. */
export async function drive(path: Path, sessions: BenchSession[], m: number, deadlineMs: number, onError: (e: unknown) => void): Promise<Omit<Round, 'cpuMs'>> {
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
        const sentAt = wallNow();
        try {
          const r = await s.echo(`s${si}-c${i}-bench-payload`);
          latencies.push(performance.now() - start);
          if (r.handlerAt !== undefined) {
            hopOut.push(r.handlerAt - sentAt);
            hopBack.push(wallNow() - r.handlerAt);
          }
          calls++;
        } catch (e) {
          errors++;
          onError(e);
        }
      }
    }),
  );
  return { path, calls, errors, wallMs: performance.now() - t0, latencies, hopOut, hopBack, hitDeadline };
}

export interface Pids {
  backend: number;
  proxy: number;
}

/** A round with the CPU each process spent in it. */
export async function measureRound(
  path: Path,
  sessions: BenchSession[],
  m: number,
  deadlineMs: number,
  pids: Pids,
  onError: (e: unknown) => void,
): Promise<Round> {
  const [b0, p0, c0] = [readRunMs(pids.backend), readRunMs(pids.proxy), process.cpuUsage()];
  const r = await drive(path, sessions, m, deadlineMs, onError);
  const [b1, p1, c1] = [readRunMs(pids.backend), readRunMs(pids.proxy), process.cpuUsage(c0)];
  const delta = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
  return { ...r, cpuMs: { client: (c1.user + c1.system) / 1000, backend: delta(b0, b1), proxy: delta(p0, p1) } };
}
