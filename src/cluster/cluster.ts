// Scale-out (docs/architecture.md, Store and cluster): every replica serves every session, with no
// sticky sessions.
//  - A session's record (owner, route, face, negotiated version, the client's `initialize` params)
//    is written to the shared store before its id reaches the client.
//  - A request for a session this replica does not hold is forwarded (streaming, on kept-alive
//    connections) to the owner (forwarder.ts); it carries FORWARDED_HEADER and is forwarded again
//    only by a replica it reached by mistake.
//  - When the owner is dead (no heartbeat), the first replica to see a request claims the session
//    atomically in the store, re-creates it under the same id by replaying `initialize`, and serves it.
//  - Every store operation has a deadline (cluster.storeTimeout). While the store is unreachable the
//    replica is not ready, takes no new session, and answers 503 + Retry-After for sessions it does
//    not hold; its own sessions keep working. When the store is back (maybe empty), the replica
//    registers again and re-writes the records of its sessions (owned-records.ts).
//  - SIGTERM (after the app's drain): deregister, close local sessions but keep their records, so
//    the others take them over at once.
// Loaded only with a redis store (dynamic import), like the Redis client itself.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ProxyError, toProxyError } from '../errors/proxy-error.js';
import { replyError } from '../http/reply.js';
import type { Metrics } from '../observability/metrics.js';
import type { Session } from '../session/session.js';
import type { SessionRegistry } from '../session/registry.js';
import { GuardedStore } from '../store/guarded-store.js';
import { ReplicaPresence } from '../store/replicas.js';
import type { Face, SessionRecord } from '../store/store.js';
import { FORWARDED_HEADER, forwardHops, ownerAddress } from './forward.js';
import { Forwarder } from './forwarder.js';
import { waitForDeath } from './owner-death.js';
import { OwnedRecords } from './owned-records.js';
import { Reassertion } from './reassertion.js';

/** What the cluster needs from a route: its prefix and a way to create a session with a given id. */
export interface ClusterRoute {
  readonly prefix: string;
  createSession(opts: { id?: string; face: Face; principal?: string }): Session;
}

export interface ClusterOptions {
  /** The shared store, guarded: every operation has a deadline and failures mark it unavailable. */
  store: GuardedStore;
  /** The raw store connection, for the event log (Redis Streams) to share. */
  storeClient?: unknown;
  sessions: SessionRegistry;
  log: Logger;
  metrics: Metrics;
  /** The internal base URL of this replica (cluster.advertise, else the listen address). */
  address: string;
  heartbeatMs: number;
  replicaTtlMs: number;
  /** Records live this long without a refresh from their owner. */
  recordTtlMs: number;
  /** The replica is shutting down: it claims no session. */
  draining(): boolean;
}

export class Cluster {
  readonly presence: ReplicaPresence;
  private readonly resuming = new Map<string, Promise<Session | undefined>>();
  private readonly records: OwnedRecords;
  private refresher: NodeJS.Timeout | undefined;
  private left = false;
  /** Re-registration and record re-writes after the store came back (or our key lapsed). */
  private readonly reassertion: Reassertion;
  /** Kept-alive connections to the other replicas, and where each session's requests went lately. */
  private readonly forwarder: Forwarder;

  /** The store's Redis connection, for the event log (Redis Streams) to share. */
  get storeClient(): unknown {
    return this.opts.storeClient;
  }

  constructor(private readonly opts: ClusterOptions) {
    this.presence = new ReplicaPresence({
      store: opts.store,
      address: opts.address,
      heartbeatMs: opts.heartbeatMs,
      ttlMs: opts.replicaTtlMs,
      log: opts.log,
      onBeat: (existed) => {
        if (!existed || this.reassertion.pending) this.reassert();
      },
    });
    this.records = new OwnedRecords({ store: opts.store, sessions: opts.sessions, owner: this.presence.id, ttlMs: opts.recordTtlMs, log: opts.log });
    this.reassertion = new Reassertion({ presence: this.presence, records: this.records, log: opts.log, left: () => this.left });
    this.forwarder = new Forwarder({ metrics: opts.metrics, replicaId: this.presence.id, rememberMs: opts.heartbeatMs });
    const m = opts.metrics;
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
      // A failure is counted and logged by the store; an outage ends with a full re-write anyway.
      this.records.refresh().catch(() => undefined);
    }, every);
    this.refresher.unref();
    this.opts.log.info({ reason: 'replica_registered', replica: this.replicaId, address: this.opts.address }, 'replica registered in the shared store');
  }

  /** The store answers and our records are in it: the replica may be ready and take new sessions. */
  get storeUp(): boolean {
    return this.opts.store.available && this.reassertion.settled;
  }

  /** Why a new session is refused while the store is unreachable (503 + Retry-After). */
  storeUnavailable(): ProxyError {
    return this.opts.store.unavailable();
  }

  /** The store is back (or our registration lapsed): register again and re-write our records (reassertion.ts). */
  reassert(): void {
    this.reassertion.request();
  }

  /**
   * Records a session, awaited before its id reaches the client. Rejects (ERR_STORE_UNAVAILABLE)
   * for a Streamable HTTP session whose record cannot be written: it is then not created.
   */
  sessionStarted(session: Session, face: Face, route: string): Promise<void> {
    return this.records.started(session, face, route);
  }

  /** Counts a request another replica forwarded here (whether or not the session is local). */
  noteRequest(req: IncomingMessage): void {
    if (req.headers[FORWARDED_HEADER] !== undefined) this.opts.metrics.inc('frontdoor_forwarded_received_total');
  }

  /** A legacy stream is about to announce this session id: record it first (rejects when the store cannot). */
  legacyStreamOpening(id: string, route: string): Promise<void> {
    return this.records.streamOpening(id, route);
  }

  /** The client of a legacy stream left before the stream opened: its record goes. */
  legacyStreamAbandoned(id: string): void {
    this.records.abandoned(id);
  }

  /** A session ended here. Its record stays when the replica shuts down, so another takes it over. */
  sessionClosed(session: Session, face: Face, reason: string): void {
    this.records.closed(session, face, reason);
  }

  /**
   * A request names a session this replica does not hold. 'local': run the local handler (the
   * session was taken over, or it is unknown and the handler answers 404); 'handled': answered here.
   */
  async route(req: IncomingMessage, res: ServerResponse, sessionId: string, route: ClusterRoute): Promise<'local' | 'handled'> {
    // Only the store knows where this session lives: without it, 503 at once (the client retries).
    if (!this.opts.store.available) return this.fail(res, this.opts.store.unavailable(), sessionId);
    try {
      return await this.locate(req, res, sessionId, route);
    } catch (e) {
      // A store operation failed or missed its deadline (GuardedStore: ERR_STORE_UNAVAILABLE).
      return this.fail(res, toProxyError(e), sessionId);
    }
  }

  private async locate(req: IncomingMessage, res: ServerResponse, sessionId: string, route: ClusterRoute): Promise<'local' | 'handled'> {
    const hops = forwardHops(req);
    for (let attempt = 0; attempt < 4; attempt++) {
      const pending = this.resuming.get(sessionId);
      if (pending) {
        await pending;
        return 'local';
      }
      // Forwarded lately: to the same owner, without asking the store (owner-cache.ts); if it cannot
      // be reached, the request (untouched) takes the long way.
      const known = attempt === 0 && hops === 0 ? this.forwarder.known(sessionId) : undefined;
      if (known) {
        if ((await this.forwarder.forward(req, res, sessionId, known, false)) === 'done') return 'handled';
        continue;
      }
      const record = await this.opts.store.getSession(sessionId);
      // Ours and closed because this replica is leaving (on a connection a forwarder kept alive): the
      // record stays so that another replica takes the session over, where the client's retry goes.
      if (record?.owner === this.replicaId && this.left) return this.fail(res, leaving(), sessionId);
      // Unknown, or ours and already gone: the local handler answers 404 (clients re-initialize).
      if (!record || record.owner === this.replicaId) return 'local';
      const owner = await this.opts.store.getReplica(record.owner);
      if (owner) {
        // Forwarded here although another replica holds it (the forwarder's picture was stale): once
        // more to the owner the store names, rather than a 404 that ends the session; not a third time.
        if (hops >= 2) return 'local';
        const outcome = await this.forwarder.forward(req, res, sessionId, { id: owner.id, ...ownerAddress(owner.address) }, true);
        if (outcome === 'done') return 'handled';
        // Unreachable, the request untouched: the owner has just died. Wait (bounded) for its registration to lapse, then claim.
        this.opts.log.info({ reason: 'owner_unreachable', owner: owner.id, sessionId }, 'the replica holding the session refused the connection');
        if (!(await waitForDeath(this.opts.store, owner.id, this.opts.replicaTtlMs + this.opts.heartbeatMs))) {
          return this.fail(
            res,
            new ProxyError('ERR_BACKEND_UNAVAILABLE', 'owner_unreachable', `the replica holding this session (${owner.id}) is unreachable`),
            sessionId,
          );
        }
        continue;
      }
      // The owner is dead. A legacy session dies with its stream: the client opens a new one.
      if (record.face === 'legacy-sse' || record.route !== route.prefix || !record.initialize) {
        await this.opts.store.deleteSession(sessionId, record.owner).catch(() => undefined);
        return 'local';
      }
      if (this.opts.draining()) return this.fail(res, leaving(), sessionId);
      const claim = await this.opts.store.claimSession(sessionId, record.owner, this.replicaId, this.opts.recordTtlMs);
      if (claim === 'missing') return 'local';
      if (claim !== 'claimed') continue; // someone else won (or the owner came back): look again
      await this.resume(record, route);
      return 'local';
    }
    return this.fail(
      res,
      new ProxyError('ERR_BACKEND_UNAVAILABLE', 'owner_unresolved', 'the replica holding this session could not be determined; retry'),
      sessionId,
    );
  }

  private resume(record: SessionRecord, route: ClusterRoute): Promise<Session | undefined> {
    const task = (async () => {
      // Bound to the principal it had: a takeover must not let another principal in.
      const session = route.createSession({ id: record.id, face: 'streamable-http', principal: record.principal });
      try {
        await session.resume(record.initialize ?? {});
        this.opts.sessions.add(session);
        this.forwarder.forget(record.id);
        this.opts.metrics.inc('frontdoor_sessions_claimed_total', { route: route.prefix });
        session.log.info(
          { reason: 'session_taken_over', from: record.owner, protocolVersion: session.protocolVersion },
          'took over a session of a dead replica; initialize replayed',
        );
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

  /** Answers a request here, logged once with its errorId (the store's own error only in the log). */
  private fail(res: ServerResponse, err: ProxyError, sessionId: string): 'handled' {
    this.opts.metrics.inc('frontdoor_errors_total', { route: '', reason: err.reason });
    const cause = err.cause instanceof Error ? err.cause.message : undefined;
    this.opts.log.warn({ reason: err.reason, code: err.code, errorId: err.errorId, status: err.status, sessionId, cause }, err.message);
    replyError(res, err);
    return 'handled';
  }

  /**
   * Leaves the cluster once the app has drained: deregister so that other replicas take our
   * sessions over at once. Records are kept.
   */
  async leave(): Promise<void> {
    if (this.left) return;
    this.left = true;
    clearInterval(this.refresher);
    await this.reassertion.finished();
    await this.presence.stop();
  }

  async close(): Promise<void> {
    await this.leave();
    // Idle connections never held the process up (unreferenced); those still in use end here.
    this.forwarder.destroy();
    await this.opts.store.close();
  }
}

function leaving(): ProxyError {
  return new ProxyError('ERR_SHUTTING_DOWN', 'replica_draining', 'this replica is shutting down; retry', { headers: { 'retry-after': '1' } });
}

/** Creates the cluster for a redis store: connects (rejects when Redis is unreachable) and registers. */
export async function createCluster(storeUrl: string, opts: Omit<ClusterOptions, 'store' | 'storeClient'> & { storeTimeoutMs: number }): Promise<Cluster> {
  const { RedisStore } = await import('../store/redis-store.js');
  const redis = await RedisStore.connect(storeUrl, { commandTimeoutMs: opts.storeTimeoutMs });
  let cluster: Cluster | undefined;
  const store = new GuardedStore(redis, { timeoutMs: opts.storeTimeoutMs, log: opts.log, metrics: opts.metrics, onReconnected: () => cluster?.reassert() });
  cluster = new Cluster({ ...opts, store, storeClient: redis.client });
  try {
    await cluster.start();
  } catch (e) {
    await redis.close();
    throw e;
  }
  return cluster;
}
