// The GET stream of a session as a MessageSink: server-initiated requests and notifications, never
// responses; every event carries an id from the session's event log (resumable).
import type { ServerResponse } from 'node:http';
import type { MessageSink } from '../../session/sink.js';
import type { JsonRpcMessage } from '../../jsonrpc/message.js';
import type { LoggedEvent, StreamWriter } from '../../session/event-log.js';
import { sseEvent, ssePriming } from '../../jsonrpc/sse-format.js';
import { KeepAlive, startSse } from '../sse-stream.js';
import { dropConnection, onceDrained, queuedBytes } from '../client-stream.js';
import { SSE_RETRY_MS, type SessionStreams } from './session-streams.js';

/**
 * The GET stream (MCP Streamable HTTP, Listening for Messages from the Server): server-initiated
 * requests and notifications, never responses.
 * A GET that resumed a logged GET stream goes on with that stream's ids, after replaying what the
 * client missed; a fresh GET opens a new stream and is primed for clients of 2025-11-25 or later.
 */
export class StandaloneSink implements MessageSink {
  readonly kind = 'standalone' as const;
  readonly streaming = true;
  private done = false;
  /** Bytes queued on the connection before the latest write. */
  private backlog = 0;

  constructor(
    private readonly res: ServerResponse,
    keepAlive: KeepAlive,
    headers: Record<string, string>,
    onEnd: (sink: StandaloneSink) => void,
    private readonly stream?: { writer: StreamWriter; streams: SessionStreams; replay?: LoggedEvent[] },
  ) {
    startSse(res, keepAlive, headers);
    if (stream) {
      stream.streams.standalone.set(stream.writer.streamId, this);
      if (stream.replay) for (const e of stream.replay) res.write(sseEvent(JSON.stringify(e.message), 'message', e.id));
      else if (stream.streams.priming()) res.write(ssePriming(stream.writer.primingId, SSE_RETRY_MS));
    }
    res.on('close', () => {
      this.done = true;
      this.forget();
      onEnd(this);
    });
  }

  get streamId(): string | undefined {
    return this.stream?.writer.streamId;
  }

  get open(): boolean {
    return !this.done && !this.res.destroyed;
  }

  deliver(message: JsonRpcMessage): boolean {
    if (!this.open) return false;
    const json = JSON.stringify(message);
    const id = this.stream?.writer.append(message, json);
    this.backlog = queuedBytes(this.res);
    this.res.write(sseEvent(json, 'message', id));
    return true;
  }

  get queuedBytes(): number {
    return queuedBytes(this.res);
  }

  get backlogBytes(): number {
    return this.backlog;
  }

  onceDrained(callback: () => void): void {
    onceDrained(this.res, callback);
  }

  /** The client stopped reading: drop the connection; it resumes with Last-Event-ID from the event log. */
  overflow(): void {
    this.done = true;
    dropConnection(this.res);
  }

  respond(): boolean {
    return false;
  }

  end(): void {
    this.done = true;
    this.forget();
    this.res.end();
  }

  private forget(): void {
    const s = this.stream;
    if (s && s.streams.standalone.get(s.writer.streamId) === this) s.streams.standalone.delete(s.writer.streamId);
  }
}
