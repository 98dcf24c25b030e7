// This replica's side of forwarding: the kept-alive connections to the owners (forward-pool.ts),
// where each session's requests went lately (owner-cache.ts), and the request itself (forward.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from '../observability/metrics.js';
import { forwardRequest } from './forward.js';
import { ForwardPool } from './forward-pool.js';
import { OwnerCache, type KnownOwner } from './owner-cache.js';

export class Forwarder {
  private readonly pool: ForwardPool;
  private readonly owners: OwnerCache;

  constructor(
    private readonly opts: {
      metrics: Metrics;
      /** This replica's id, added to the forwarded header. */
      replicaId: string;
      /** How long a session's owner is remembered: cluster.heartbeat. */
      rememberMs: number;
    },
  ) {
    opts.metrics.describe('frontdoor_forwarded_total', 'requests forwarded to the replica that owns their session');
    this.pool = new ForwardPool(opts.metrics);
    this.owners = new OwnerCache(opts.rememberMs);
  }

  /** Where this session's requests went within the last rememberMs, if anywhere. */
  known(sessionId: string): KnownOwner | undefined {
    return this.owners.get(sessionId, Date.now());
  }

  /** The session is served here now (taken over), or went away. */
  forget(sessionId: string): void {
    this.owners.delete(sessionId);
  }

  /**
   * Forwards to `owner` (forward.ts for 'done' and 'unreachable'). `fromStore`: the store named this
   * owner just now, so it is remembered, unless the answer says the session is gone or the owner failed.
   */
  async forward(req: IncomingMessage, res: ServerResponse, sessionId: string, owner: KnownOwner, fromStore: boolean): Promise<'done' | 'unreachable'> {
    this.opts.metrics.inc('frontdoor_forwarded_total', { to: owner.id });
    const outcome = await forwardRequest(req, res, { host: owner.host, port: owner.port, from: this.opts.replicaId, pool: this.pool });
    if (outcome === 'done' && res.statusCode < 400 && req.method !== 'DELETE') {
      if (fromStore) this.owners.set(sessionId, owner, Date.now());
    } else this.owners.delete(sessionId);
    return outcome;
  }

  /** Closes every connection to the owners (a forwarded stream still open ends with it). */
  destroy(): void {
    this.pool.destroy();
  }
}
