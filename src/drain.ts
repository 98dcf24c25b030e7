// The SIGTERM drain, with any store: from the signal on, /readyz is 503 and new sessions get 503 +
// Retry-After (a load balancer retries them elsewhere), while requests already running finish,
// bounded by `cluster.drainTimeout`; only then do sessions close. Without it a rolling restart
// fails every call in flight.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ProxyError } from './errors/proxy-error.js';
import type { EndpointKind } from './http/route-paths.js';
import { sessionIdOf } from './http/session-id.js';

export interface DrainOptions {
  timeoutMs: number;
  /** Requests sessions have sent to their backends and not had answered yet. */
  inFlight(): number;
  log: Logger;
}

const POLL_MS = 50;

export class Drain {
  /** Non-GET requests being answered (event streams excluded: they never finish on their own). */
  private active = 0;
  private started = false;

  constructor(private readonly opts: DrainOptions) {}

  get draining(): boolean {
    return this.started;
  }

  /** Counts a request until its answer is done; GET streams are not waited for. */
  track(req: IncomingMessage, res: ServerResponse): void {
    // Node's server.close() goes on serving keep-alive connections that were busy when it was called:
    // while draining, every answer closes its connection, so the client's next request reaches
    // another replica instead of this one.
    if (this.started && !res.headersSent) res.setHeader('connection', 'close');
    if (req.method === 'GET' || req.method === 'HEAD') return;
    this.active++;
    res.once('close', () => this.active--);
  }

  /** Stops new sessions and waits (bounded) until in-flight requests are answered. */
  async run(): Promise<void> {
    this.started = true;
    const busy = () => this.active + this.opts.inFlight();
    const deadline = Date.now() + this.opts.timeoutMs;
    while (busy() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, POLL_MS));
    const unfinished = busy();
    this.opts.log.info(
      { reason: 'replica_drained', unfinished },
      unfinished === 0 ? 'in-flight requests finished' : 'cluster.drainTimeout reached: leaving with requests unfinished',
    );
  }
}

/** A request that would create a session: `initialize` (a POST without a session id) or a legacy GET /sse. */
export function opensSession(req: IncomingMessage, kind: EndpointKind): boolean {
  if (kind === 'sse') return req.method === 'GET';
  return kind === 'mcp' && req.method === 'POST' && sessionIdOf(req) === undefined;
}

/** The refusal of a new session while the process shuts down. */
export function shuttingDown(): ProxyError {
  return new ProxyError('ERR_SHUTTING_DOWN', 'replica_draining', 'this replica is shutting down (cluster.drainTimeout); retry', {
    headers: { 'retry-after': '1' },
  });
}
