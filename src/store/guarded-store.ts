// Every operation on the shared store, with a deadline (`cluster.storeTimeout`) and a health flag.
// A store that does not answer must never hold a client request without limit: a failed or late
// operation becomes ERR_STORE_UNAVAILABLE (503 + Retry-After), marks the store down (/readyz 503,
// new sessions refused) until an operation succeeds again, and is counted on /metrics.
import type { Logger } from 'pino';
import { ProxyError } from '../errors/proxy-error.js';
import type { Metrics } from '../observability/metrics.js';
import type { ClaimResult, ReplicaRecord, RestoreResult, SessionRecord, SessionStore } from './store.js';

export interface GuardOptions {
  timeoutMs: number;
  log: Logger;
  metrics: Metrics;
  /** The connection to the store came back: records may need re-writing (it may be empty). */
  onReconnected(): void;
}

class StoreDeadline extends Error {
  constructor(op: string, ms: number) {
    super(`${op} did not answer within ${ms} ms`);
  }
}

export class GuardedStore implements SessionStore {
  readonly kind: SessionStore['kind'];
  private up = true;

  constructor(
    private readonly inner: SessionStore,
    private readonly opts: GuardOptions,
  ) {
    this.kind = inner.kind;
    opts.metrics.describe('frontdoor_store_up', '1 while the shared session store answers, 0 while it is unreachable');
    opts.metrics.describe(
      'frontdoor_store_failures_total',
      'operations on the shared session store that failed or missed cluster.storeTimeout, and lost connections, by operation',
    );
    opts.metrics.gauge('frontdoor_store_up', () => (this.up ? 1 : 0));
    inner.onConnectionChange?.((connected, err) => {
      if (connected) return opts.onReconnected();
      opts.metrics.inc('frontdoor_store_failures_total', { op: 'connection' });
      this.mark(false, 'connection', err);
    });
  }

  /** False from a failed operation (or a lost connection) until an operation succeeds. */
  get available(): boolean {
    return this.up;
  }

  /** Seconds a refused client should wait: about one store deadline. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.opts.timeoutMs / 1000));
  }

  /** The error a request gets when the store cannot answer it (its cause goes to the log, not the client). */
  unavailable(cause?: unknown): ProxyError {
    return new ProxyError(
      'ERR_STORE_UNAVAILABLE',
      'store_unavailable',
      `the shared session store is unreachable (cluster.storeTimeout: ${this.opts.timeoutMs} ms); retry`,
      {
        cause,
        headers: { 'retry-after': String(this.retryAfterSeconds) },
      },
    );
  }

  private mark(up: boolean, op: string, err?: unknown): void {
    if (up === this.up) return;
    this.up = up;
    if (up) this.opts.log.info({ reason: 'store_available' }, 'the shared session store answers again');
    else
      this.opts.log.warn(
        { reason: 'store_unavailable', op, err: err instanceof Error ? err.message : undefined },
        'the shared session store is unreachable: the replica is not ready and takes no new session',
      );
  }

  private async call<T>(op: string, run: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreDeadline(op, this.opts.timeoutMs)), this.opts.timeoutMs);
    });
    try {
      const value = await Promise.race([run(), deadline]);
      this.mark(true, op);
      return value;
    } catch (e) {
      this.opts.metrics.inc('frontdoor_store_failures_total', { op });
      this.mark(false, op, e);
      throw this.unavailable(e);
    } finally {
      clearTimeout(timer);
    }
  }

  putSession(record: SessionRecord, ttlMs: number): Promise<void> {
    return this.call('put_session', () => this.inner.putSession(record, ttlMs));
  }

  restoreSession(record: SessionRecord, ttlMs: number): Promise<RestoreResult> {
    return this.call('restore_session', () => this.inner.restoreSession(record, ttlMs));
  }

  getSession(id: string): Promise<SessionRecord | undefined> {
    return this.call('get_session', () => this.inner.getSession(id));
  }

  deleteSession(id: string, owner: string): Promise<void> {
    return this.call('delete_session', () => this.inner.deleteSession(id, owner));
  }

  claimSession(id: string, expectedOwner: string, newOwner: string, ttlMs: number): Promise<ClaimResult> {
    return this.call('claim_session', () => this.inner.claimSession(id, expectedOwner, newOwner, ttlMs));
  }

  touchSessions(ids: string[], ttlMs: number): Promise<void> {
    return this.call('touch_sessions', () => this.inner.touchSessions(ids, ttlMs));
  }

  heartbeat(replica: ReplicaRecord, ttlMs: number): Promise<boolean> {
    return this.call('heartbeat', () => this.inner.heartbeat(replica, ttlMs));
  }

  getReplica(id: string): Promise<ReplicaRecord | undefined> {
    return this.call('get_replica', () => this.inner.getReplica(id));
  }

  deregister(id: string): Promise<void> {
    return this.call('deregister', () => this.inner.deregister(id));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
