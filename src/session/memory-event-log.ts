// The in-process event log (the default): per session, one ordered list of events across its
// streams, bounded by count, bytes and age, plus a small record per stream (its newest sequence number and
// how far eviction has reached). A sweeper drops sessions whose events have all aged out, so a
// session that ended without DELETE costs nothing after `maxAgeMs`.
import type { JsonRpcMessage } from '../jsonrpc/message.js';
import {
  DEFAULT_EVENT_LOG_LIMITS,
  eventId,
  streamWriter,
  parseEventId,
  streamKind,
  type EventLog,
  type EventLogLimits,
  type LoggedEvent,
  type Replay,
  type StreamKind,
  type StreamWriter,
} from './event-log.js';

interface Entry {
  readonly streamId: string;
  readonly seq: number;
  readonly at: number;
  /** The message's JSON: its size is what the byte bound counts, and no object graph is retained. */
  readonly json: string;
}

interface StreamRecord {
  /** The newest sequence number recorded. */
  seq: number;
  /** Every event with a sequence number up to this one has been dropped. */
  evictedThrough: number;
}

interface SessionLog {
  /** Append order, which is also time order: eviction takes from the front. */
  readonly entries: Entry[];
  readonly streams: Map<string, StreamRecord>;
  touched: number;
  /** Characters of JSON held in `entries`. */
  bytes: number;
}

export class MemoryEventLog implements EventLog {
  readonly limits: EventLogLimits;
  private readonly sessions = new Map<string, SessionLog>();
  /** One counter for the whole log: a stream id is never reused, even after a session's log was swept. */
  private nextStream = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    limits: Partial<EventLogLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_EVENT_LOG_LIMITS, ...limits };
    const every = Math.max(1000, Math.min(60_000, Math.floor(this.limits.maxAgeMs / 2)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  /** Sessions with anything recorded (for tests and metrics). */
  get size(): number {
    return this.sessions.size;
  }

  /** Characters of JSON held over every session (sessions.eventLog.maxBytes bounds each session's share). */
  get bytes(): number {
    let n = 0;
    for (const log of this.sessions.values()) n += log.bytes;
    return n;
  }

  openStream(sessionId: string, kind: StreamKind): StreamWriter {
    const streamId = `${kind === 'get' ? 'g' : 'p'}${this.nextStream++}`;
    this.record(sessionId, streamId, 0);
    return streamWriter(streamId, 0, (seq, json) => this.store(sessionId, streamId, seq, json));
  }

  continueStream(sessionId: string, replay: Replay): StreamWriter {
    return streamWriter(replay.streamId, replay.lastSeq, (seq, json) => this.store(sessionId, replay.streamId, seq, json));
  }

  private record(sessionId: string, streamId: string, seq: number): { log: SessionLog; stream: StreamRecord } {
    let log = this.sessions.get(sessionId);
    if (!log) {
      log = { entries: [], streams: new Map(), touched: this.now(), bytes: 0 };
      this.sessions.set(sessionId, log);
    }
    let stream = log.streams.get(streamId);
    if (!stream) {
      // A stream that outlived its session's record (swept while idle): what came before is gone.
      stream = { seq, evictedThrough: Math.max(0, seq - 1) };
      log.streams.set(streamId, stream);
    }
    return { log, stream };
  }

  private store(sessionId: string, streamId: string, seq: number, json: string): void {
    const { log, stream } = this.record(sessionId, streamId, seq);
    stream.seq = Math.max(stream.seq, seq);
    const at = this.now();
    log.entries.push({ streamId, seq, at, json });
    log.bytes += json.length;
    log.touched = at;
    this.prune(log, at);
  }

  replayAfter(sessionId: string, lastEventId: string): Promise<Replay | undefined> {
    return Promise.resolve(this.replayNow(sessionId, lastEventId));
  }

  /** The synchronous core of replayAfter. */
  replayNow(sessionId: string, lastEventId: string): Replay | undefined {
    const parsed = parseEventId(lastEventId);
    const log = this.sessions.get(sessionId);
    if (!parsed || !log) return undefined;
    this.prune(log, this.now());
    const stream = log.streams.get(parsed.streamId);
    if (!stream || parsed.seq > stream.seq || parsed.seq < stream.evictedThrough) return undefined;
    const events: LoggedEvent[] = [];
    for (const e of log.entries) {
      if (e.streamId === parsed.streamId && e.seq > parsed.seq) events.push({ id: eventId(e.streamId, e.seq), message: JSON.parse(e.json) as JsonRpcMessage });
    }
    return { streamId: parsed.streamId, kind: streamKind(parsed.streamId), events, lastSeq: stream.seq };
  }

  forget(sessionId: string): void {
    this.sessions.delete(sessionId);
  }

  close(): void {
    clearInterval(this.sweeper);
    this.sessions.clear();
  }

  private prune(log: SessionLog, now: number): void {
    const oldest = now - this.limits.maxAgeMs;
    let drop = 0;
    while (
      drop < log.entries.length &&
      (log.entries.length - drop > this.limits.maxEvents || log.bytes > this.limits.maxBytes || log.entries[drop]!.at < oldest)
    ) {
      const e = log.entries[drop]!;
      const stream = log.streams.get(e.streamId);
      if (stream) stream.evictedThrough = Math.max(stream.evictedThrough, e.seq);
      log.bytes -= e.json.length;
      drop++;
    }
    if (drop > 0) log.entries.splice(0, drop);
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, log] of this.sessions) {
      this.prune(log, now);
      if (log.entries.length === 0 && now - log.touched > this.limits.maxAgeMs) this.sessions.delete(id);
    }
  }
}
