// All live sessions of the process, and idle expiry: a session with no request and no open stream
// for `idleTimeoutMs` closes and releases its backend. Clients often never send DELETE (Claude
// Code's health check leaves a session behind every time: docs/quirks.md).
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import type { Session } from './session.js';
import { ProxyError } from '../errors/proxy-error.js';
import type { SessionCaps } from '../limits/session-caps.js';

export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  /** Sessions admitted (created, live or starting) in all and per client address: the caps count them. */
  private admitted = 0;
  private readonly perClient = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly idleTimeoutMs: number,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    requestTimeoutMs: number,
    private readonly caps: Pick<SessionCaps, 'maxSessions' | 'maxSessionsPerClient'>,
  ) {
    // Sweep often enough that idle sessions and unanswered requests expire late by at most a quarter
    // of their timeout (and a second).
    const every = Math.max(50, Math.min(1_000, Math.floor(Math.min(idleTimeoutMs, requestTimeoutMs) / 4)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
    metrics.gauge('frontdoor_sessions', () => this.sessions.size);
    metrics.gauge('frontdoor_sessions_limit', () => caps.maxSessions);
  }

  /**
   * Counts a new session of `client` against the caps (limits.maxSessions, maxSessionsPerClient), or
   * refuses it with 503 before any backend channel is opened. Every admitted session is released
   * once, when it closes.
   */
  admit(client: string): ProxyError | undefined {
    const mine = this.perClient.get(client) ?? 0;
    const over = this.admitted >= this.caps.maxSessions ? 'maxSessions' : mine >= this.caps.maxSessionsPerClient ? 'maxSessionsPerClient' : undefined;
    if (over) {
      const bound = over === 'maxSessions' ? this.caps.maxSessions : this.caps.maxSessionsPerClient;
      return new ProxyError(
        'ERR_TOO_MANY_SESSIONS',
        over === 'maxSessions' ? 'too_many_sessions' : 'too_many_client_sessions',
        `Service Unavailable: limits.${over} (${bound}) sessions are open; close sessions or retry later`,
        {
          headers: { 'retry-after': '5' },
          limit: over,
        },
      );
    }
    this.admitted++;
    this.perClient.set(client, mine + 1);
    return undefined;
  }

  release(client: string): void {
    this.admitted = Math.max(0, this.admitted - 1);
    const mine = (this.perClient.get(client) ?? 1) - 1;
    if (mine <= 0) this.perClient.delete(client);
    else this.perClient.set(client, mine);
  }

  get size(): number {
    return this.sessions.size;
  }

  add(session: Session): void {
    this.sessions.set(session.id, session);
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  all(): IterableIterator<Session> {
    return this.sessions.values();
  }

  /** Requests sent to backends and not answered yet, over every session. */
  inFlight(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.inFlight;
    return n;
  }

  /** Called by a session when it closed, whatever the reason. */
  remove(session: Session): void {
    this.sessions.delete(session.id);
  }

  private sweep(): void {
    const now = Date.now();
    for (const session of this.sessions.values()) {
      session.expireRequests(now);
      // A request whose client went away does not keep the session: the backend may never answer it.
      if (session.openStreams === 0 && session.waitingClients === 0 && now - session.lastActivity > this.idleTimeoutMs) {
        this.metrics.inc('frontdoor_sessions_expired_total');
        void session.close('idle_timeout');
      }
    }
  }

  async closeAll(reason: string): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.sessions.values()].map((s) => s.close(reason)));
    this.log.debug({ reason }, 'all sessions closed');
  }
}
