// The keep-alive connections this replica holds to the other replicas, for forwarded requests
// (forward.ts): a connection per request cost the owner and the forwarder a TCP handshake, an accept,
// a socket and a parser each time, which made three replicas slower than one on the same cores.
//  - No cap on connections in use: a forwarded SSE stream holds its connection for as long as it
//    lasts, and a cap would queue other sessions' requests behind it.
//  - At most MAX_IDLE idle connections per owner: each one holds a descriptor here and one of the
//    owner's connections (its limits.maxSessions share of the open-file limit).
//  - An idle connection is closed before the owner would close it (its keep-alive timeout, which
//    Node announces in `Keep-Alive: timeout=N` and the agent honours, minus a second), so that the
//    owner rarely closes one under a request; forward.ts handles the rest.
//  - Idle connections do not keep the process alive (the agent unrefs them); the pool is destroyed
//    when the replica leaves the cluster.
import { Agent } from 'node:http';
import type { Metrics } from '../observability/metrics.js';

const MAX_IDLE = 64;
/** Our own default limits.keepAliveTimeout is 5 s; an owner's Keep-Alive hint lowers this further. */
const IDLE_MS = 4_000;

export class ForwardPool {
  readonly agent = new Agent({ keepAlive: true, maxFreeSockets: MAX_IDLE, timeout: IDLE_MS, scheduling: 'lifo' });

  constructor(private readonly metrics: Metrics) {
    metrics.describe('frontdoor_forward_connections_total', 'connections opened to other replicas for forwarded requests');
    metrics.describe('frontdoor_forward_retries_total', 'forwarded requests sent again on a new connection: a reused one failed before the owner read them');
    metrics.gauge('frontdoor_forward_idle_connections', () => {
      let n = 0;
      for (const list of Object.values(this.agent.freeSockets)) n += list?.length ?? 0;
      return n;
    });
  }

  /** A new connection to an owner (a reused one is not counted). */
  opened(): void {
    this.metrics.inc('frontdoor_forward_connections_total');
  }

  retried(): void {
    this.metrics.inc('frontdoor_forward_retries_total');
  }

  /** Closes every connection, idle or in use (a forwarded stream still open ends with it). */
  destroy(): void {
    this.agent.destroy();
  }
}
