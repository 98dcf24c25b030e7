// The embedded store: one process, everything in maps. The app does not even create it in the
// default (single-process) mode; it implements the interface for tests and for symmetry.
import type { ClaimResult, ReplicaRecord, RestoreResult, SessionRecord, SessionStore } from './store.js';

interface Expiring<T> {
  value: T;
  until: number;
}

export class MemoryStore implements SessionStore {
  readonly kind = 'memory' as const;
  private readonly sessions = new Map<string, Expiring<SessionRecord>>();
  private readonly replicas = new Map<string, Expiring<ReplicaRecord>>();

  private live<T>(map: Map<string, Expiring<T>>, id: string): T | undefined {
    const e = map.get(id);
    if (!e) return undefined;
    if (e.until <= Date.now()) {
      map.delete(id);
      return undefined;
    }
    return e.value;
  }

  async putSession(record: SessionRecord, ttlMs: number): Promise<void> {
    const old = this.live(this.sessions, record.id);
    this.sessions.set(record.id, { value: { ...old, ...record }, until: Date.now() + ttlMs });
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const r = this.live(this.sessions, id);
    return r && { ...r };
  }

  async restoreSession(record: SessionRecord, ttlMs: number): Promise<RestoreResult> {
    const old = this.live(this.sessions, record.id);
    if (old && old.owner !== record.owner) return 'owner_changed';
    await this.putSession(record, ttlMs);
    return 'restored';
  }

  async deleteSession(id: string, owner: string): Promise<void> {
    if (this.live(this.sessions, id)?.owner === owner) this.sessions.delete(id);
  }

  async claimSession(id: string, expectedOwner: string, newOwner: string, ttlMs: number): Promise<ClaimResult> {
    const r = this.live(this.sessions, id);
    if (!r) return 'missing';
    if (r.owner !== expectedOwner) return 'owner_changed';
    if (this.live(this.replicas, expectedOwner)) return 'owner_alive';
    this.sessions.set(id, { value: { ...r, owner: newOwner }, until: Date.now() + ttlMs });
    return 'claimed';
  }

  async touchSessions(ids: string[], ttlMs: number): Promise<void> {
    for (const id of ids) {
      const e = this.sessions.get(id);
      if (e) e.until = Date.now() + ttlMs;
    }
  }

  async heartbeat(replica: ReplicaRecord, ttlMs: number): Promise<boolean> {
    const existed = this.live(this.replicas, replica.id) !== undefined;
    this.replicas.set(replica.id, { value: replica, until: Date.now() + ttlMs });
    return existed;
  }

  async getReplica(id: string): Promise<ReplicaRecord | undefined> {
    return this.live(this.replicas, id);
  }

  async deregister(id: string): Promise<void> {
    this.replicas.delete(id);
  }

  async close(): Promise<void> {
    this.sessions.clear();
    this.replicas.clear();
  }
}
