// This replica's presence in the store: a registration with a TTL, refreshed by a heartbeat.
// A replica whose key has expired is dead to the others, which may then take its sessions over.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ReplicaRecord, SessionStore } from './store.js';

export interface PresenceOptions {
  store: SessionStore;
  address: string;
  heartbeatMs: number;
  ttlMs: number;
  log: Logger;
  /**
   * After every successful heartbeat; `existed` is false when our key had gone (it expired, or the
   * store came back empty): other replicas may have taken our sessions, and our records may be gone.
   */
  onBeat(existed: boolean): void;
}

export class ReplicaPresence {
  readonly id = `r-${randomUUID().slice(0, 8)}`;
  readonly record: ReplicaRecord;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly opts: PresenceOptions) {
    this.record = { id: this.id, address: opts.address, startedAt: Date.now() };
  }

  /** Registers (rejects when the store is unreachable), then beats every heartbeatMs. */
  async start(): Promise<void> {
    await this.opts.store.heartbeat(this.record, this.opts.ttlMs);
    this.timer = setInterval(() => {
      if (this.beating || this.stopped) return;
      this.beating = this.beat().finally(() => (this.beating = undefined));
    }, this.opts.heartbeatMs);
    this.timer.unref();
  }

  /** Registers again now (after a store outage); rejects when the store does not answer. */
  async register(): Promise<boolean> {
    return this.opts.store.heartbeat(this.record, this.opts.ttlMs);
  }

  private async beat(): Promise<void> {
    try {
      const existed = await this.opts.store.heartbeat(this.record, this.opts.ttlMs);
      if (this.stopped) return;
      if (!existed)
        this.opts.log.warn({ reason: 'presence_lapsed', replica: this.id }, 'our registration had expired: other replicas may have taken over our sessions');
      this.opts.onBeat(existed);
    } catch (e) {
      // The store logs when it becomes unreachable; one line per failed beat would flood the log.
      this.opts.log.debug({ reason: 'heartbeat_failed', err: (e as Error).message }, 'heartbeat to the store failed');
    }
  }

  /** Stops the heartbeat and removes the registration: other replicas take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.beating;
    await this.opts.store
      .deregister(this.id)
      .catch((e: unknown) => this.opts.log.warn({ reason: 'deregister_failed', err: (e as Error).message }, 'could not deregister'));
  }
}
