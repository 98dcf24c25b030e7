// What every attack of test/bench/attacks.ts runs against: the misbehaving fixture and a proxy in
// front of it, both stopped by pid when the attack is over, whatever happened.
import { startFixture, type RunningProcess, type RunningProxy } from '../helpers/process.js';
import { startProxyProcess } from '../helpers/hostile-stack.js';
import { memoryOf, MB } from '../helpers/memory.js';

export interface Row {
  attack: string;
  measured: string;
  figure: string;
}

export interface AttackOptions {
  /** How long hostile sockets are held before checking whether the proxy closed them. */
  holdSeconds: number;
  /** How long the initialize flood runs. */
  floodSeconds: number;
  /** Megabytes the backend sends to a stream nobody reads. */
  floodMb: number;
  /** Size of the single big backend event. */
  eventMb: number;
  /** Size of the "never-ending" event. */
  endlessMb: number;
}

export interface Attack {
  name: string;
  run(opts: AttackOptions): Promise<Row[]>;
}

export interface Stack {
  fixture: RunningProcess & { url: string };
  proxy: RunningProxy;
}

/** Starts fixture + proxy (`--backend <fixture>` plus `flags`), runs `fn`, stops both. */
export async function withStack<T>(
  flags: string[],
  fn: (s: Stack) => Promise<T>,
  opts: { openFiles?: number; backendUrl?: (fixtureUrl: string) => string } = {},
): Promise<T> {
  const fixture = await startFixture('hostile-sse-server');
  try {
    const backend = opts.backendUrl ? opts.backendUrl(fixture.url) : fixture.url;
    const proxy = await startProxyProcess(['--backend', backend, '--port', '0', ...flags], opts.openFiles);
    try {
      return await fn({ fixture, proxy });
    } finally {
      await proxy.stop();
    }
  } finally {
    await fixture.stop();
  }
}

export function rssMb(pid: number): number {
  return memoryOf(pid).rss / MB;
}

export function hwmMb(pid: number): number {
  return memoryOf(pid).hwm / MB;
}

export const fmtMb = (v: number) => `${Math.round(v)} MB`;

/** Bounded by time, whatever the promise does. */
export function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)))]).finally(() => clearTimeout(timer));
}
