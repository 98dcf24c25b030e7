// What the Streamable HTTP face of one route works with, and the lookups its handlers share.
import type { IncomingMessage } from 'node:http';
import { ProxyError } from '../../errors/proxy-error.js';
import type { Session } from '../../session/session.js';
import type { EventLog } from '../../session/event-log.js';
import { primes, type SessionStreams } from './session-streams.js';
import type { FaceContext } from '../face-context.js';
import type { Principal } from '../../auth/principal.js';
import type { ModernFace } from '../modern-http/context.js';

export { SESSION_HEADER } from '../../http/session-id.js';

export interface StreamableHttpContext extends FaceContext {
  /** Where SSE events are recorded for resumption (`Last-Event-ID`): memory, or Redis Streams. */
  readonly eventLog: EventLog;
  /** Each session's resumable streams on this replica, for this route; gone with the session object. */
  readonly streams: WeakMap<Session, SessionStreams>;
  /** Bytes a POST stream keeps of its own events for a client that resumes it (sessions.eventLog.maxBytes). */
  streamHistoryBytes: number;
  /** The 2026-07-28 face that shares the endpoint: its seats and what it learned of the tools. */
  readonly modern: ModernFace;
}

export function streamsOf(session: Session, ctx: StreamableHttpContext): SessionStreams {
  let streams = ctx.streams.get(session);
  if (!streams) {
    streams = {
      log: ctx.eventLog,
      sessionId: session.id,
      priming: () => primes(session.protocolVersion),
      pending: undefined,
      standalone: new Map(),
      historyBytes: ctx.streamHistoryBytes,
    };
    ctx.streams.set(session, streams);
  }
  return streams;
}

/** The session a request names, if it exists and the request may use it (auth passthrough). */
export function findSession(ctx: StreamableHttpContext, id: string, principal: Principal | undefined): Session {
  const session = ctx.sessions.get(id);
  if (!session) {
    // A terminated or unknown session gets 404 (MCP session management); clients then re-initialize.
    throw new ProxyError(
      'ERR_SESSION_NOT_FOUND',
      'session_not_found',
      'Session not found: the Mcp-Session-Id is unknown or expired; send initialize to start a new session',
    );
  }
  const denied = session.authorize(principal);
  if (denied) throw denied;
  return session;
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
