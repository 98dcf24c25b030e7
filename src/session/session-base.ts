// What a session is to the rest of the proxy apart from its streams and its link: its id, its clocks,
// the principal it belongs to, and its log lines. The base of Session (session.ts), which adds the
// client's streams and the link to the backend.
import { randomUUID } from 'node:crypto';
import type { Level, Logger } from 'pino';
import type { ProxyError } from '../errors/proxy-error.js';
import type { Principal } from '../auth/principal.js';
import type { SessionOptions } from './session-options.js';
import { SessionOwner } from './session-owner.js';

export abstract class SessionBase {
  /** Client-facing id: a UUID, visible ASCII only (MCP session management). Never sent to a backend. */
  readonly id: string;
  readonly createdAt = Date.now();
  lastActivity = Date.now();
  /** Requests the client made after its handshake: a session that expires with none was abandoned. */
  requestsMade = 0;
  /** The client's address when the session counts against the per-client cap (released at close). */
  readonly client: string | undefined;
  /** The session's logger, made on first use: a pino child costs ~450 B, and most sessions never log. */
  private ownLog: Logger | undefined;
  /** The principal the session belongs to (routes with authorization): its id, label and credential. */
  readonly owner: SessionOwner | undefined;

  constructor(protected readonly opts: SessionOptions) {
    this.id = opts.id ?? randomUUID();
    this.client = opts.client;
    this.owner = opts.requireAuth ? new SessionOwner(opts.principal) : undefined;
  }

  /** The session's own logger, for its rarer lines (warnings, repairs, resumptions). */
  get log(): Logger {
    return (this.ownLog ??= this.opts.log.child({ sessionId: this.id, route: this.opts.route }));
  }

  /** As pino's: whether a line at `level` is written. */
  isLevelEnabled(level: Level): boolean {
    return this.opts.log.isLevelEnabled(level);
  }

  /**
   * An info line of the kind every session writes (start, end, the audit of a tools/call), written
   * through the parent logger with the session's fields, so that writing it does not give the session
   * a child logger for the rest of its life. The line reads as the child's would.
   */
  info(fields: Record<string, unknown>, msg: string): void {
    if (this.ownLog) this.ownLog.info(fields, msg);
    else if (this.isLevelEnabled('info')) this.opts.log.info({ sessionId: this.id, route: this.opts.route, ...fields }, msg);
  }

  get label(): string {
    return this.id;
  }

  touch(): void {
    this.lastActivity = Date.now();
  }

  /** Checks the principal of one client request (session-owner.ts); a route with no auth has none. */
  authorize(principal: Principal | undefined): ProxyError | undefined {
    return this.owner?.check(principal);
  }

  /** Passthrough: the latest credential, for the proxy's own backend requests on the session's behalf. */
  credentials(): string | undefined {
    return this.owner?.credential();
  }

  /** Counts and logs an error a client of this session is answered with (once, with its errorId). */
  protected report(err: ProxyError, fields: Record<string, unknown>): void {
    if (err.code.startsWith('ERR_BACKEND_')) err.route ??= this.opts.route;
    this.opts.errors.report(err, fields, this.log);
  }
}
