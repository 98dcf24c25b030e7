// Where this replica forwarded a session's requests lately: for a short time (cluster.heartbeat) the
// next request of that session goes to the same owner without asking the store twice (its record,
// then the owner's registration), which cost the forwarder a third of its CPU and Redis most of its
// work. Pure: the caller says what to remember and forget.
//
// Why a stale entry is harmless: an owner that died or left refuses the connection, and the request,
// untouched (forward.ts), goes the long way through the store; a replica that answers in its place
// (a new process on the old address, or one that no longer holds the session) forwards it once more
// to the owner the store names (cluster.ts). The lifetime stays shorter than a registration's, so
// an entry never outlives what the store said about the owner by more than one heartbeat.

export interface KnownOwner {
  /** The owner's replica id. */
  id: string;
  host: string;
  port: number;
}

/** Enough for every busy session of a large replica; beyond it the oldest entries go first. */
const MAX_ENTRIES = 4096;

export class OwnerCache {
  private readonly entries = new Map<string, { owner: KnownOwner; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = MAX_ENTRIES,
  ) {}

  get(sessionId: string, now: number): KnownOwner | undefined {
    const e = this.entries.get(sessionId);
    if (!e) return undefined;
    if (e.until > now) return e.owner;
    this.entries.delete(sessionId);
    return undefined;
  }

  /** The store named this owner just now. */
  set(sessionId: string, owner: KnownOwner, now: number): void {
    this.entries.delete(sessionId); // re-inserted last: the Map's order is the eviction order
    this.entries.set(sessionId, { owner, until: now + this.ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(sessionId: string): void {
    this.entries.delete(sessionId);
  }

  get size(): number {
    return this.entries.size;
  }
}
