// Scale-out (design §5): every replica serves every session, with no sticky sessions.
//  - A session's record (owner, route, face, negotiated version, the client's `initialize` params)
//    is written to the shared store before its id reaches the client.
//  - A request for a session this replica does not hold is forwarded (streaming) to the owner;
//    forwarded requests carry FORWARDED_HEADER and are never forwarded again.
//  - When the owner is dead (no heartbeat), the first replica to see a request claims the session
//    atomically in the store, re-creates it under the same id by replaying `initialize`, and serves it.
//  - SIGTERM: not ready, finish in-flight requests (bounded), deregister, close local sessions but
//    keep their records, so the others take them over at once.
// Loaded only with a redis store (dynamic import), like the Redis client itself.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ProxyError } from '../errors/proxy-error.js';
import { replyError } from '../http/reply.js';
import type { Metrics } from '../observability/metrics.js';
import type { Session } from '../session/session.js';
import type { SessionRegistry } from '../session/registry.js';
import { ReplicaPresence } from '../store/replicas.js';
import type { SessionFace, SessionRecord, SessionStore } from '../store/store.js';
import { FORWARDED_HEADER, forwardRequest } from './forward.js';

/** What the cluster needs from a route: its prefix and a way to create a session with a given id. */
export interface ClusterRoute {
  readonly prefix: string;
  createSession(opts: { id?: string; face: SessionFace }): Session;
}

export interface ClusterOptions {
  store: SessionStore;
  sessions: SessionRegistry;
  log: Logger;
  metrics: Metrics;
  /** The internal base URL of this replica (cluster.advertise, else the listen address). */
  address: string;
  heartbeatMs: number;
  replicaTtlMs: number;
  /** Records live this long without a refresh from their owner. */
  recordTtlMs: number;
  drainTimeoutMs: number;
  /** Requests still being answered by this replica (streams excluded). */
  activeRequests(): number;
}

const POLL_MS = 100;

export class Cluster {
  readonly presence: ReplicaPresence;
  private readonly resuming = new Map<string, Promise<Session | undefined>>();
  private refresher: NodeJS.Timeout | undefined;
  private draining = false;

  /** The store's Redis connection, for the event log (Redis Streams) to share. */
  get storeClient(): unknown {
    return (this.opts.store as { client?: unknown }).client;
  }

  constructor(private readonly opts: ClusterOptions) {
    this.presence = new ReplicaPresence({
      store: opts.store,
      address: opts.address,
      heartbeatMs: opts.heartbeatMs,
      ttlMs: opts.replicaTtlMs,
      log: opts.log,
      onLapsed: () => void this.dropLostSessions(),
    });
    const m = opts.metrics;
    m.describe('frontdoor_forwarded_total', 'requests forwarded to the replica that owns their session');
    m.describe('frontdoor_forwarded_received_total', 'requests another replica forwarded here');
    m.describe('frontdoor_sessions_claimed_total', 'sessions taken over from a dead replica');
  }

  get replicaId(): string {
    return this.presence.id;
  }

  async start(): Promise<void> {
    await this.presence.start();
    // Owners keep the records of their live sessions from expiring.
    const every = Math.max(1000, Math.floor(this.opts.recordTtlMs / 3));
    this.refresher = setInterval(() => {
      const ids = [...this.opts.sessions.all()].map((s) => s.id);
      this.opts.store.touchSessions(ids, this.opts.recordTtlMs).catch((e: unknown) => this.opts.log.warn({ reason: 'store_error', err: (e as Error).message }, 'could not refresh session records'));
    }, every);
    this.refresher.unref();
    this.opts.log.info({ reason: 'replica_registered', replica: this.replicaId, address: this.opts.address }, 'replica registered in the shared store');
  }

  private record(session: Session, face: SessionFace, route: string): SessionRecord {
    return {
      id: session.id,
      owner: this.replicaId,
      route,
      face,
      protocolVersion: session.protocolVersion,
      initialize: session.initializeParams,
      createdAt: session.createdAt,
    };
  }

  /** Records a session (awaited before its id reaches the client). Store failures are logged, not fatal. */
  async sessionStarted(session: Session, face: SessionFace, route: string): Promise<void> {
    try {
      await this.opts.store.putSession(this.record(session, face, route), this.opts.recordTtlMs);
    } catch (e) {
      session.log.warn({ reason: 'store_error', err: (e as Error).message }, 'could not record the session in the shared store: other replicas cannot serve it');
    }
  }

  /** Counts a request another replica forwarded here (whether or not the session is local). */
  noteRequest(req: IncomingMessage): void {
    if (req.headers[FORWARDED_HEADER] !== undefined) this.opts.metrics.inc('frontdoor_forwarded_received_total');
  }

  /** A legacy stream is about to announce this session id: record it first. */
  async legacyStreamOpening(id: string, route: string): Promise<void> {
    try {
      await this.opts.store.putSession({ id, owner: this.replicaId, route, face: 'legacy-sse', createdAt: Date.now() }, this.opts.recordTtlMs);
    } catch (e) {
      this.opts.log.warn({ reason: 'store_error', err: (e as Error).message }, 'could not record the legacy session in the shared store');
    }
  }

  /** A session ended here. Its record stays when the replica shuts down, so another takes it over. */
  sessionClosed(session: Session, face: SessionFace, reason: string): void {
    if (face === 'streamable-http' && (reason.startsWith('shutdown') || reason === 'ownership_lost')) return;
    this.opts.store.deleteSession(session.id, this.replicaId).catch(() => undefined);
  }

  /**
   * A request names a session this replica does not hold. 'local': run the local handler (the
   * session was taken over, or it is unknown and the handler answers 404); 'handled': answered here.
   */
  async route(req: IncomingMessage, res: ServerResponse, sessionId: string, route: ClusterRoute): Promise<'local' | 'handled'> {
    const forwarded = req.headers[FORWARDED_HEADER] !== undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      const pending = this.resuming.get(sessionId);
      if (pending) {
        await pending;
        return 'local';
      }
      let record: SessionRecord | undefined;
      try {
        record = await this.opts.store.getSession(sessionId);
      } catch (e) {
        return this.fail(res, new ProxyError('ERR_BACKEND_UNAVAILABLE', 'store_unavailable', `the shared session store is unreachable: ${(e as Error).message}`));
      }
      // Unknown, or ours and already gone: the local handler answers 404 (clients re-initialize).
      if (!record || record.owner === this.replicaId) return 'local';
      const owner = await this.opts.store.getReplica(record.owner).catch(() => undefined);
      if (owner) {
        if (forwarded) return 'local'; // never forwarded twice
        this.opts.metrics.inc('frontdoor_forwarded_total', { to: owner.id });
        const outcome = await forwardRequest(req, res, new URL(owner.address), this.replicaId);
        if (outcome === 'done') return 'handled';
        // Refused: the owner has just died. Wait (bounded) for its registration to lapse, then claim.
        this.opts.log.info({ reason: 'owner_unreachable', owner: owner.id, sessionId }, 'the replica holding the session refused the connection');
        if (!(await this.waitForDeath(owner.id))) {
          return this.fail(res, new ProxyError('ERR_BACKEND_UNAVAILABLE', 'owner_unreachable', `the replica holding this session (${owner.id}) is unreachable`));
        }
        continue;
      }
      // The owner is dead. A legacy session dies with its stream: the client opens a new one.
      if (record.face === 'legacy-sse' || record.route !== route.prefix || !record.initialize) {
        await this.opts.store.deleteSession(sessionId, record.owner).catch(() => undefined);
        return 'local';
      }
      if (this.draining) return this.fail(res, new ProxyError('ERR_SHUTTING_DOWN', 'replica_draining', 'this replica is shutting down; retry', { headers: { 'retry-after': '1' } }));
      const claim = await this.opts.store.claimSession(sessionId, record.owner, this.replicaId, this.opts.recordTtlMs).catch(() => 'owner_changed' as const);
      if (claim === 'missing') return 'local';
      if (claim !== 'claimed') continue; // someone else won (or the owner came back): look again
      await this.resume(record, route);
      return 'local';
    }
    return this.fail(res, new ProxyError('ERR_BACKEND_UNAVAILABLE', 'owner_unresolved', 'the replica holding this session could not be determined; retry'));
  }

  private resume(record: SessionRecord, route: ClusterRoute): Promise<Session | undefined> {
    const task = (async () => {
      const session = route.createSession({ id: record.id, face: 'streamable-http' });
      try {
        await session.resume(record.initialize ?? {});
        this.opts.sessions.add(session);
        this.opts.metrics.inc('frontdoor_sessions_claimed_total', { route: route.prefix });
        session.log.info({ reason: 'session_taken_over', from: record.owner, protocolVersion: session.protocolVersion }, 'took over a session of a dead replica; initialize replayed');
        return session;
      } catch (e) {
        session.log.warn({ reason: 'takeover_failed', err: (e as Error).message }, 'could not re-create the session taken over');
        await session.close('takeover_failed');
        return undefined;
      }
    })();
    this.resuming.set(record.id, task);
    void task.finally(() => this.resuming.delete(record.id));
    return task;
  }

  private async waitForDeath(replicaId: string): Promise<boolean> {
    const deadline = Date.now() + this.opts.replicaTtlMs + this.opts.heartbeatMs;
    while (Date.now() < deadline) {
      const alive = await this.opts.store.getReplica(replicaId).catch(() => undefined);
      if (!alive) return true;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return false;
  }

  private fail(res: ServerResponse, err: ProxyError): 'handled' {
    this.opts.metrics.inc('frontdoor_errors_total', { route: '', reason: err.reason });
    replyError(res, err);
    return 'handled';
  }

  /** Our registration lapsed: sessions another replica claimed meanwhile are no longer ours. */
  private async dropLostSessions(): Promise<void> {
    for (const session of [...this.opts.sessions.all()]) {
      const record = await this.opts.store.getSession(session.id).catch(() => undefined);
      if (record && record.owner !== this.replicaId) void session.close('ownership_lost');
    }
  }

  /**
   * Graceful leave: stop claiming, wait (bounded) until in-flight requests are answered, then
   * deregister so that other replicas take our sessions over at once. Records are kept.
   */
  async drain(): Promise<void> {
    this.draining = true;
    const deadline = Date.now() + this.opts.drainTimeoutMs;
    while (Date.now() < deadline && (this.opts.activeRequests() > 0 || this.opts.sessions.inFlight() > 0)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const left = this.opts.activeRequests() + this.opts.sessions.inFlight();
    this.opts.log.info({ reason: 'replica_drained', unfinished: left }, left === 0 ? 'in-flight requests finished' : 'drain timeout: leaving with requests unfinished');
    clearInterval(this.refresher);
    await this.presence.stop();
  }

  async close(): Promise<void> {
    clearInterval(this.refresher);
    if (!this.draining) await this.presence.stop();
    await this.opts.store.close();
  }
}

/** Creates the cluster for a redis store: connects (rejects when Redis is unreachable) and registers. */
export async function createCluster(storeUrl: string, opts: Omit<ClusterOptions, 'store'>): Promise<Cluster> {
  const { RedisStore } = await import('../store/redis-store.js');
  const store = await RedisStore.connect(storeUrl, opts.log);
  const cluster = new Cluster({ ...opts, store });
  try {
    await cluster.start();
  } catch (e) {
    await store.close();
    throw e;
  }
  return cluster;
}
