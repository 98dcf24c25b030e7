// The event log behind resumable Streamable HTTP streams (MCP 2025-11-25, Streamable HTTP,
// Resumability and Redelivery): every SSE event a client-facing stream carries is recorded with an id, so a
// client that reconnects with `Last-Event-ID` gets what it missed on that stream and nothing else.
//
// Event ids are `<streamId>:<seq>`: the stream id is unique within the session (`g…` for GET streams,
// `p…` for POST answers) and the sequence number counts that stream's events from 1 (0 is the priming
// event, which is never stored). So ids are unique across all streams of the session, name their
// stream, and are visible ASCII, as that section asks. Clients treat them as opaque.
import type { JsonRpcMessage } from '../jsonrpc/message.js';

export type StreamKind = 'get' | 'post';

export interface LoggedEvent {
  readonly id: string;
  readonly message: JsonRpcMessage;
}

export interface Replay {
  readonly streamId: string;
  readonly kind: StreamKind;
  /** The events after the given id on that stream, oldest first. */
  readonly events: LoggedEvent[];
  /** The sequence number of the stream's newest event (the given one when nothing followed it). */
  readonly lastSeq: number;
}

export interface EventLogLimits {
  /** Events kept per session, across its streams; the oldest go first. */
  maxEvents: number;
  /** Events older than this are dropped. */
  maxAgeMs: number;
  /** Bytes of events kept per session (their JSON): large messages must not multiply by maxEvents. */
  maxBytes: number;
}

export const DEFAULT_EVENT_LOG_LIMITS: Readonly<EventLogLimits> = { maxEvents: 1000, maxAgeMs: 5 * 60_000, maxBytes: 4 * 1024 * 1024 };

/** Writes one stream's events; it owns the stream's sequence numbers (one writer per stream). */
export interface StreamWriter {
  readonly streamId: string;
  /** The id of the priming event (sequence 0): before every stored event of the stream. */
  readonly primingId: string;
  /** Records one event (`json` is the message as written to the client) and returns its id. */
  append(message: JsonRpcMessage, json: string): string;
}

export interface EventLog {
  /** A new stream for this session, with an id never used before in it (nor by another replica). */
  openStream(sessionId: string, kind: StreamKind): StreamWriter;
  /** Goes on writing a stream a client resumed (after `replay.lastSeq`). */
  continueStream(sessionId: string, replay: Replay): StreamWriter;
  /**
   * The events after `lastEventId` on the stream it names. undefined when the id is malformed, names
   * no stream of this session, or events after it have already been dropped (count or age bound):
   * a partial replay would silently lose messages. Reflects every append made before the call (a
   * remote log persists appends in the background, in order, on the connection it reads with).
   */
  replayAfter(sessionId: string, lastEventId: string): Promise<Replay | undefined>;
  /** Drops everything about the session (it ended). */
  forget(sessionId: string): void;
  /** Stops timers and drops everything. */
  close(): void;
}

/** A stream's writer over a log's `store`: numbers events from `from` + 1 (the same in every log). */
export function streamWriter(streamId: string, from: number, store: (seq: number, json: string) => void): StreamWriter {
  let seq = from;
  return {
    streamId,
    primingId: eventId(streamId, 0),
    append: (_message, json) => {
      seq++;
      store(seq, json);
      return eventId(streamId, seq);
    },
  };
}

export function eventId(streamId: string, seq: number): string {
  return `${streamId}:${seq}`;
}

export function parseEventId(id: string): { streamId: string; seq: number } | undefined {
  const m = /^([gp][0-9A-Za-z.-]{1,64}):(0|[1-9][0-9]{0,15})$/.exec(id.trim());
  if (!m) return undefined;
  return { streamId: m[1]!, seq: Number(m[2]) };
}

export function streamKind(streamId: string): StreamKind {
  return streamId.startsWith('g') ? 'get' : 'post';
}
