// All live sessions of the process, and idle expiry: a session with no request and no open stream
// for `idleTimeoutMs` closes and releases its backend. Clients often never send DELETE (Claude
// Code's health check leaves a session behind every time, design §4).
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import type { Session } from './session.js';

export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly idleTimeoutMs: number,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {
    // Sweep often enough that expiry is late by at most a quarter of the timeout.
    const every = Math.max(50, Math.min(30_000, Math.floor(idleTimeoutMs / 4)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
    metrics.gauge('frontdoor_sessions', () => this.sessions.size);
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
      if (session.openStreams === 0 && session.inFlight === 0 && now - session.lastActivity > this.idleTimeoutMs) {
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
