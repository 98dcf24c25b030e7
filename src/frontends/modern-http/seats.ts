// The seats of one route: modern clients of one identity share seats; a call that may ask the client
// for input (tools/call, prompts/get, resources/read) takes a seat of its own, so that a legacy
// backend's server→client request (which does not say which call it is about) has one call to go to.
// Bounded: sessions.seats.max per route, sessions.seats.maxPerIdentity per identity; past the per-identity
// bound a call shares the least busy seat (counted as a limit hit) rather than failing.
import type { Seat } from './seat.js';
import { ProxyError } from '../../errors/proxy-error.js';

export interface SeatBounds {
  maxSeats: number;
  maxSeatsPerIdentity: number;
}

export class Seats {
  private readonly byKey = new Map<string, Seat[]>();
  /**
   * Seats being opened, per identity. They count against sessions.seats.maxPerIdentity like open
   * ones (else a burst of first calls would open one seat each), and a request that needs no seat of
   * its own waits for one of them rather than opening another: concurrent first requests share a handshake.
   */
  private readonly opening = new Map<string, Set<Promise<Seat>>>();
  private count = 0;

  constructor(
    private readonly bounds: SeatBounds,
    private readonly limitHit: (limit: string) => void,
  ) {}

  get size(): number {
    return this.count;
  }

  /**
   * A seat for `key`. `asksInput`: the call may ask for input and needs a seat no other such call uses.
   * `open` handshakes a new one (throws a ProxyError when the backend refuses or is down).
   */
  async acquire(key: string, asksInput: boolean, open: () => Promise<Seat>): Promise<Seat> {
    const live = this.live(key);
    const free = asksInput ? live.find((s) => s.callsAskingInput === 0) : leastBusy(live);
    if (free) return free;
    const pending = this.opening.get(key);
    if (!asksInput && pending) return first(pending);
    if (live.length + (pending?.size ?? 0) >= this.bounds.maxSeatsPerIdentity) {
      this.limitHit('sessions.seats.maxPerIdentity');
      // maxSeatsPerIdentity >= 1, so with no live seat there is one being opened.
      return leastBusy(live) ?? first(pending!);
    }
    if (this.count >= this.bounds.maxSeats) this.prune();
    if (this.count >= this.bounds.maxSeats) {
      const any = leastBusy(live);
      if (any) {
        this.limitHit('sessions.seats.max');
        return any;
      }
      // The refusal's ProxyError carries the limit: the error reporter counts this hit (once).
      throw new ProxyError(
        'ERR_TOO_MANY_SESSIONS',
        'too_many_seats',
        `Service Unavailable: sessions.seats.max (${this.bounds.maxSeats}) seats are open; retry later`,
        {
          headers: { 'retry-after': '5' },
          limit: 'sessions.seats.max',
        },
      );
    }
    this.count++;
    const opened = open().then(
      (seat) => {
        this.add(key, seat);
        return seat;
      },
      (e: unknown) => {
        this.count--;
        throw e;
      },
    );
    const set = pending ?? new Set<Promise<Seat>>();
    if (!pending) this.opening.set(key, set);
    set.add(opened);
    const settled = () => {
      set.delete(opened);
      if (set.size === 0 && this.opening.get(key) === set) this.opening.delete(key);
    };
    opened.then(settled, settled);
    return opened;
  }

  private add(key: string, seat: Seat): void {
    const principal = principalOf(key);
    seat.listChanged = (m) => {
      for (const [k, seats] of this.byKey) if (principalOf(k) === principal) for (const s of seats) if (!s.closed) s.offer(m);
    };
    const list = this.byKey.get(key);
    if (list) list.push(seat);
    else this.byKey.set(key, [seat]);
  }

  /** The identity's seats still open; closed ones (idle expiry, backend gone) are dropped here. */
  private live(key: string): Seat[] {
    const list = this.byKey.get(key);
    if (!list) return [];
    const open = list.filter((s) => !s.closed);
    this.count -= list.length - open.length;
    if (open.length === 0) this.byKey.delete(key);
    else if (open.length !== list.length) this.byKey.set(key, open);
    return open;
  }

  /** Drops every closed seat (idle expiry, backend gone), so the bound counts only live ones. */
  private prune(): void {
    for (const key of [...this.byKey.keys()]) this.live(key);
  }
}

/** The earliest of the seats being opened (a Set iterates in insertion order). */
function first(pending: Set<Promise<Seat>>): Promise<Seat> {
  return pending.values().next().value!;
}

function leastBusy(seats: Seat[]): Seat | undefined {
  let best: Seat | undefined;
  for (const s of seats) if (best === undefined || s.running < best.running) best = s;
  return best;
}

/** The principal part of a seat key (open-seat.ts: principal, capabilities, client name, version). */
function principalOf(key: string): string {
  return key.slice(0, key.indexOf('\u0000'));
}
