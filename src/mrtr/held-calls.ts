// The backend calls the proxy holds open while a modern client answers an InputRequiredResult. MCP
// 2026-07-28 (basic/patterns/mrtr) says servers MUST NOT assume the client retries, so every held call
// has a deadline, and the table is bounded per process, per seat and in bytes of pending input-request
// params: a flood of calls that ask for input and are never answered costs bounded memory.
// Time comes from an injected clock, so the bounds and timers are testable without waiting.
import { randomBytes } from 'node:crypto';

export interface HeldCallLimits {
  /** Per route (`mrtr.maxHeldCalls`). */
  maxHeld: number;
  /** Per identity (`mrtr.maxHeldPerSeat`). */
  maxHeldPerSeat: number;
  /** Sum of the pending input-request params' sizes (`mrtr.maxHeldBytes`, per route). */
  maxBytes: number;
  /** How long a call waits for the client's retry (`mrtr.holdTimeout`). */
  holdTimeoutMs: number;
  /** Rounds per call (`mrtr.maxRounds`). */
  maxRounds: number;
}

export interface HeldCallClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real time; timers do not keep the process alive (a held call is not a reason to stay up). */
export const systemClock: HeldCallClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface HeldCall<T> {
  readonly id: string;
  readonly seat: string;
  round: number;
  bytes: number;
  /** The keys of the current round's pending input requests. */
  keys: readonly string[];
  /** When the hold expires; undefined while a retry is being served (the client is present). */
  deadline: number | undefined;
  readonly value: T;
}

export type HoldRefusal = 'process_cap' | 'seat_cap' | 'bytes_cap';
export type RoundRefusal = HoldRefusal | 'rounds_exceeded' | 'unknown_call';

export interface HeldCallsOptions<T> {
  limits: HeldCallLimits;
  clock: HeldCallClock;
  /** Called once for a call whose deadline passed; it is already out of the table. */
  onExpire: (call: HeldCall<T>) => void;
  /** 128-bit random ids by default: a held id appears in requestState and must not be guessable. */
  newId?: () => string;
}

export class HeldCalls<T> {
  private readonly calls = new Map<string, HeldCall<T>>();
  private readonly timers = new Map<string, unknown>();
  private readonly perSeat = new Map<string, number>();
  private totalBytes = 0;
  private readonly newId: () => string;

  constructor(private readonly options: HeldCallsOptions<T>) {
    this.newId = options.newId ?? (() => randomBytes(16).toString('base64url'));
  }

  get size(): number {
    return this.calls.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  countFor(seat: string): number {
    return this.perSeat.get(seat) ?? 0;
  }

  get(id: string): HeldCall<T> | undefined {
    return this.calls.get(id);
  }

  /** Starts holding a call at round 1 with its first round's pending input requests. */
  hold(seat: string, value: T, round: { bytes: number; keys: readonly string[] }): { ok: true; call: HeldCall<T> } | { ok: false; reason: HoldRefusal } {
    const { limits } = this.options;
    if (this.calls.size >= limits.maxHeld) return { ok: false, reason: 'process_cap' };
    if (this.countFor(seat) >= limits.maxHeldPerSeat) return { ok: false, reason: 'seat_cap' };
    if (this.totalBytes + round.bytes > limits.maxBytes) return { ok: false, reason: 'bytes_cap' };
    const call: HeldCall<T> = { id: this.newId(), seat, round: 1, bytes: round.bytes, keys: round.keys, deadline: undefined, value };
    this.calls.set(call.id, call);
    this.perSeat.set(seat, this.countFor(seat) + 1);
    this.totalBytes += round.bytes;
    this.arm(call);
    return { ok: true, call };
  }

  /** A valid retry arrived: the client is present, so the hold timer stops until the next round. */
  resume(id: string): HeldCall<T> | undefined {
    const call = this.calls.get(id);
    if (call) this.disarm(call);
    return call;
  }

  /** The backend asked again: a new round with new pending requests and a fresh deadline. */
  nextRound(id: string, round: { bytes: number; keys: readonly string[] }): { ok: true; call: HeldCall<T> } | { ok: false; reason: RoundRefusal } {
    const call = this.calls.get(id);
    if (!call) return { ok: false, reason: 'unknown_call' };
    if (call.round >= this.options.limits.maxRounds) return { ok: false, reason: 'rounds_exceeded' };
    if (this.totalBytes - call.bytes + round.bytes > this.options.limits.maxBytes) {
      return { ok: false, reason: 'bytes_cap' };
    }
    this.totalBytes += round.bytes - call.bytes;
    call.bytes = round.bytes;
    call.keys = round.keys;
    call.round += 1;
    this.arm(call);
    return { ok: true, call };
  }

  /** The call is over (result, error, cancel, refusal): out of the table, timer cleared. */
  release(id: string): HeldCall<T> | undefined {
    const call = this.calls.get(id);
    if (!call) return undefined;
    this.disarm(call);
    this.remove(call);
    return call;
  }

  /** Drain or shutdown: every call out, each reported through onExpire as if its deadline passed. */
  expireAll(): number {
    const all = [...this.calls.values()];
    for (const call of all) {
      this.release(call.id);
      this.options.onExpire(call);
    }
    return all.length;
  }

  private arm(call: HeldCall<T>): void {
    this.disarm(call);
    const { clock, limits } = this.options;
    call.deadline = clock.now() + limits.holdTimeoutMs;
    const handle = clock.setTimeout(() => {
      this.timers.delete(call.id);
      if (this.calls.get(call.id) !== call) return;
      this.remove(call);
      this.options.onExpire(call);
    }, limits.holdTimeoutMs);
    this.timers.set(call.id, handle);
  }

  private disarm(call: HeldCall<T>): void {
    const handle = this.timers.get(call.id);
    if (handle !== undefined) this.options.clock.clearTimeout(handle);
    this.timers.delete(call.id);
    call.deadline = undefined;
  }

  private remove(call: HeldCall<T>): void {
    this.calls.delete(call.id);
    this.totalBytes -= call.bytes;
    const left = this.countFor(call.seat) - 1;
    if (left > 0) this.perSeat.set(call.seat, left);
    else this.perSeat.delete(call.seat);
  }
}
