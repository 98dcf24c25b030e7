// What one session's Streamable HTTP streams share on this replica: the event log that makes them
// resumable (every SSE event carries an id; a client that loses a connection resumes with
// `Last-Event-ID`, MCP 2025-11-25, Resumability and Redelivery), the POST streams still running and
// the GET streams open here, and the timings of SSE answers.
import type { EventLog } from '../../session/event-log.js';
import type { PostSink } from './post-sink.js';
import type { StandaloneSink } from './standalone-sink.js';

/**
 * If a request's response is not there this long after the backend accepted the request, the POST
 * answer becomes an SSE stream, so keep-alives can flow while a long tool call runs. Quick answers
 * go out as one JSON body: one write, and much cheaper for clients to parse than an SSE stream.
 */
export const SSE_UPGRADE_DELAY_MS = 250;

/** The `retry` (ms) sent with priming events: how soon a client reconnects after losing a stream. */
export const SSE_RETRY_MS = 1000;

/** Priming events (empty `data`) only for clients that negotiated this version or later (TS SDK rule). */
export const PRIMING_MIN_VERSION = '2025-11-25';

export function primes(protocolVersion: string | undefined): boolean {
  return protocolVersion !== undefined && protocolVersion >= PRIMING_MIN_VERSION;
}

/** One session's resumable streams on this replica. */
export interface SessionStreams {
  readonly log: EventLog;
  readonly sessionId: string;
  /** Whether new streams start with a priming event (the session's negotiated version). */
  priming(): boolean;
  /**
   * POST streams whose responses are still due, by stream id: a GET with Last-Event-ID continues
   * them. Created with the first, dropped with the last: most sessions have none most of the time.
   */
  pending: Map<string, PostSink> | undefined;
  /** GET streams open here, by stream id. */
  readonly standalone: Map<string, StandaloneSink>;
  /** Bytes of its own events a POST stream keeps for a client that resumes it here (sessions.eventLog.maxBytes). */
  readonly historyBytes: number;
}
