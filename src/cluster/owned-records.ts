// The store records of the sessions this replica holds: written before a session id reaches its
// client, refreshed while the session lives, deleted when it ends, and re-written after a store
// outage (Redis may come back empty). A re-write is conditional (one Lua script): a record another
// replica claimed meanwhile is never taken back; our copy of that session is closed instead.
import type { Logger } from 'pino';
import type { Session } from '../session/session.js';
import type { SessionRegistry } from '../session/registry.js';
import type { Face, SessionRecord, SessionStore } from '../store/store.js';

export interface OwnedRecordsOptions {
  store: SessionStore;
  sessions: SessionRegistry;
  /** This replica's id, the owner named in its records. */
  owner: string;
  /** Records live this long without a refresh from their owner. */
  ttlMs: number;
  log: Logger;
}

/** Records re-written concurrently after an outage: bounded, so a big replica does not flood the store. */
const RESTORE_CONCURRENCY = 32;

export class OwnedRecords {
  /** Face and route of every session recorded here: what a re-write needs besides the session. */
  private readonly where = new Map<string, { face: Face; route: string }>();

  constructor(private readonly opts: OwnedRecordsOptions) {}

  private record(session: Session, face: Face, route: string): SessionRecord {
    return {
      id: session.id,
      owner: this.opts.owner,
      route,
      face,
      protocolVersion: session.protocolVersion,
      initialize: session.initializeParams,
      principal: session.owner?.id,
      createdAt: session.createdAt,
    };
  }

  /**
   * A session finished its handshake. A Streamable HTTP session exists for other replicas only
   * through its record: rejects (ERR_STORE_UNAVAILABLE) when it cannot be written, and the
   * session is not created. A legacy session was recorded when its stream opened; adding the
   * handshake to its record is optional (legacy sessions cannot move), so a failure only logs.
   */
  async started(session: Session, face: Face, route: string): Promise<void> {
    this.where.set(session.id, { face, route });
    const put = this.opts.store.putSession(this.record(session, face, route), this.opts.ttlMs);
    if (face === 'streamable-http') return put;
    put.catch((e: unknown) =>
      session.log.debug({ reason: 'store_unavailable', err: (e as Error).message }, 'could not add the handshake to the legacy session record'),
    );
  }

  /** A legacy stream is about to announce this id: its record comes first (rejects when it cannot). */
  async streamOpening(id: string, route: string): Promise<void> {
    this.where.set(id, { face: 'legacy-sse', route });
    try {
      await this.opts.store.putSession({ id, owner: this.opts.owner, route, face: 'legacy-sse', createdAt: Date.now() }, this.opts.ttlMs);
    } catch (e) {
      this.where.delete(id);
      throw e;
    }
  }

  /** A session ended here. Its record stays when the replica shuts down, so another takes it over. */
  closed(session: Session, face: Face, reason: string): void {
    this.forget(session.id);
    if (face === 'streamable-http' && (reason.startsWith('shutdown') || reason === 'ownership_lost')) return;
    this.opts.store.deleteSession(session.id, this.opts.owner).catch(() => undefined);
  }

  /** A stream that never became a session (its client left first): its record goes too. */
  abandoned(id: string): void {
    this.forget(id);
    this.opts.store.deleteSession(id, this.opts.owner).catch(() => undefined);
  }

  private forget(id: string): void {
    this.where.delete(id);
  }

  /** Keeps the records of live sessions from expiring. */
  async refresh(): Promise<void> {
    const ids = [...this.opts.sessions.all()].map((s) => s.id);
    await this.opts.store.touchSessions(ids, this.opts.ttlMs);
  }

  /**
   * Re-writes the record of every live session here, unless another replica owns it now: that
   * session is closed (`ownership_lost`). Rejects when the store fails meanwhile (retry later).
   */
  async restore(): Promise<{ restored: number; lost: number }> {
    let restored = 0;
    let lost = 0;
    const live = [...this.opts.sessions.all()].filter((s) => !s.closed && this.where.has(s.id));
    for (let i = 0; i < live.length; i += RESTORE_CONCURRENCY) {
      await Promise.all(
        live.slice(i, i + RESTORE_CONCURRENCY).map(async (session) => {
          const where = this.where.get(session.id);
          if (!where || session.closed) return; // ended meanwhile
          const result = await this.opts.store.restoreSession(this.record(session, where.face, where.route), this.opts.ttlMs);
          if (result === 'restored') {
            restored++;
            return;
          }
          lost++;
          session.log.warn({ reason: 'ownership_lost' }, 'another replica took this session over while the store was unreachable: closing our copy');
          void session.close('ownership_lost');
        }),
      );
    }
    return { restored, lost };
  }
}
