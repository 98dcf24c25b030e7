// The event log in Redis (store: redis), so a client can resume a stream on any replica, also after
// the replica that held it went away. One Redis Stream per session, `<prefix>events:<session id>`,
// entries `{ s: stream id, q: sequence, m: message JSON }`: XADD with an exact MAXLEN (count bound)
// and auto ids, which are milliseconds, so XTRIM MINID applies the age bound; PEXPIRE removes the
// key of a session that went quiet. Appends are fire-and-forget but issued in order on the one
// connection replayAfter reads with, so a replay sees every append made before it. That connection
// has a deadline per command and no offline queue (redis-store.ts): while Redis is unreachable an
// append fails at once (logged once; the event still reached the open stream) and a replay finds
// nothing (the client gets a fresh stream), so a session never waits on the store.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
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

/** What this log needs of a node-redis v5 client (the store's client fits). */
export interface RedisStreamsClient {
  xAdd(
    key: string,
    id: string,
    message: Record<string, string>,
    options?: { TRIM?: { strategy?: 'MAXLEN' | 'MINID'; strategyModifier?: '=' | '~'; threshold: number } },
  ): Promise<unknown>;
  xTrim(key: string, strategy: 'MAXLEN' | 'MINID', threshold: number | string): Promise<unknown>;
  xRange(key: string, start: string, end: string): Promise<Array<{ id: unknown; message: unknown }>>;
  pExpire(key: string, ms: number): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

export class RedisEventLog implements EventLog {
  readonly limits: EventLogLimits;
  /** Per process: stream ids minted here never collide with another replica's. */
  private readonly nonce = randomBytes(4).toString('hex');
  private nextStream = 0;
  private failures = 0;

  constructor(
    private readonly client: RedisStreamsClient,
    private readonly log: Logger,
    limits: Partial<EventLogLimits> = {},
    private readonly prefix = 'frontdoor:',
  ) {
    this.limits = { ...DEFAULT_EVENT_LOG_LIMITS, ...limits };
  }

  private key(sessionId: string): string {
    return `${this.prefix}events:${sessionId}`;
  }

  openStream(sessionId: string, kind: StreamKind): StreamWriter {
    const streamId = `${kind === 'get' ? 'g' : 'p'}${this.nonce}-${this.nextStream++}`;
    return streamWriter(streamId, 0, (seq, json) => this.store(sessionId, streamId, seq, json));
  }

  continueStream(sessionId: string, replay: Replay): StreamWriter {
    return streamWriter(replay.streamId, replay.lastSeq, (seq, json) => this.store(sessionId, replay.streamId, seq, json));
  }

  private store(sessionId: string, streamId: string, seq: number, json: string): void {
    const key = this.key(sessionId);
    const fields = { s: streamId, q: String(seq), m: json };
    const done = Promise.all([
      this.client.xAdd(key, '*', fields, { TRIM: { strategy: 'MAXLEN', strategyModifier: '=', threshold: this.limits.maxEvents } }),
      this.client.xTrim(key, 'MINID', String(Date.now() - this.limits.maxAgeMs)),
      this.client.pExpire(key, this.limits.maxAgeMs),
    ]);
    done.then(
      () => (this.failures = 0),
      (e: unknown) => {
        // The event still reached the client's open stream; only a later resume of it can miss it.
        if (this.failures++ === 0) this.log.warn({ reason: 'event_log_write_failed', err: (e as Error).message }, 'redis event log: append failed');
      },
    );
  }

  async replayAfter(sessionId: string, lastEventId: string): Promise<Replay | undefined> {
    const parsed = parseEventId(lastEventId);
    if (!parsed) return undefined;
    const key = this.key(sessionId);
    let entries: Array<{ id: unknown; message: unknown }>;
    try {
      await this.client.xTrim(key, 'MINID', String(Date.now() - this.limits.maxAgeMs));
      entries = await this.client.xRange(key, '-', '+');
    } catch (e) {
      this.log.warn({ reason: 'event_log_read_failed', err: (e as Error).message }, 'redis event log: replay failed');
      return undefined;
    }
    const events: LoggedEvent[] = [];
    let first: number | undefined;
    let lastSeq = 0;
    for (const entry of entries) {
      const f = entry.message as Record<string, string>;
      if (f.s !== parsed.streamId || f.q === undefined || f.m === undefined) continue;
      const seq = Number(f.q);
      first ??= seq;
      lastSeq = Math.max(lastSeq, seq);
      if (seq > parsed.seq) events.push({ id: eventId(parsed.streamId, seq), message: JSON.parse(f.m) as JsonRpcMessage });
    }
    // Unknown (nothing of the stream left), from the future, or events after the id already trimmed.
    if (first === undefined || parsed.seq > lastSeq || first > parsed.seq + 1) return undefined;
    return { streamId: parsed.streamId, kind: streamKind(parsed.streamId), events, lastSeq };
  }

  forget(sessionId: string): void {
    this.client.del(this.key(sessionId)).catch(() => undefined);
  }

  close(): void {
    // The connection belongs to the store, which closes it.
  }
}
