// The shared store of a scale-out deployment (docs/architecture.md): session records and replica presence.
// The embedded default (`store: memory`) never loads Redis; `store: redis://…` loads redis-store.ts
// dynamically. An event log for resumable streams may reuse the Redis connection (RedisStore.client).

/** Which face opened the session: only Streamable HTTP sessions can move to another replica. */
export type Face = 'streamable-http' | 'legacy-sse';

/** What another replica needs to serve, or take over, a session. */
export interface SessionRecord {
  id: string;
  /** The replica id that holds the session's backend channel. */
  owner: string;
  /** The route prefix, e.g. "/". */
  route: string;
  face: Face;
  /** The version the backend negotiated, when the handshake has run. */
  protocolVersion?: string;
  /** The client's `initialize` params, replayed on takeover. */
  initialize?: Record<string, unknown>;
  /**
   * The principal the session belongs to (issuer, subject and client of a token, a key's fingerprint,
   * or a hash of a passthrough credential; never a credential), so a takeover keeps it bound.
   */
  principal?: string;
  createdAt: number;
}

/** A live replica: registered with a TTL and kept alive by heartbeats. */
export interface ReplicaRecord {
  id: string;
  /** The internal base URL other replicas forward to, e.g. http://10.0.0.7:8080 */
  address: string;
  startedAt: number;
}

/** The result of an atomic takeover attempt. */
export type ClaimResult = 'claimed' | 'owner_changed' | 'owner_alive' | 'missing';

/** The result of re-writing an owned record after a store outage: written, or another replica owns it now. */
export type RestoreResult = 'restored' | 'owner_changed';

export interface SessionStore {
  readonly kind: 'memory' | 'redis';
  /** Creates or overwrites a record (fields merge), with a time to live. */
  putSession(record: SessionRecord, ttlMs: number): Promise<void>;
  getSession(id: string): Promise<SessionRecord | undefined>;
  /**
   * Atomically: writes the record (fields merge) only when it is missing or still names
   * `record.owner`, so a session another replica claimed meanwhile is never taken back.
   */
  restoreSession(record: SessionRecord, ttlMs: number): Promise<RestoreResult>;
  /** Deletes the record only if `owner` still owns it. */
  deleteSession(id: string, owner: string): Promise<void>;
  /**
   * Atomically: if the record's owner is `expectedOwner` and that replica has no live registration,
   * `newOwner` becomes the owner. Compare-and-set in one step, so two replicas never both win.
   */
  claimSession(id: string, expectedOwner: string, newOwner: string, ttlMs: number): Promise<ClaimResult>;
  /** Extends the TTL of these records (the owner refreshes its live sessions). */
  touchSessions(ids: string[], ttlMs: number): Promise<void>;
  /** Registers or refreshes a replica; resolves false when the key had expired (others may have taken over). */
  heartbeat(replica: ReplicaRecord, ttlMs: number): Promise<boolean>;
  getReplica(id: string): Promise<ReplicaRecord | undefined>;
  deregister(id: string): Promise<void>;
  close(): Promise<void>;
  /**
   * Reports the connection to a remote store: false when it is lost, true when it is established
   * again (the store may have come back empty). The memory store never calls it.
   */
  onConnectionChange?(listener: (connected: boolean, err?: Error) => void): void;
}

/** `memory`, or a redis:// / rediss:// URL (FRONTDOOR_STORE overrides the config's `store`). */
export function isRedisUrl(store: string): boolean {
  return /^rediss?:\/\//.test(store);
}
