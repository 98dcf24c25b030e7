// Answers one POST that carried requests, as a MessageSink for the session: one JSON body for
// quick answers, else an SSE stream whose events carry ids from the session's event log (resumable).
import type { ServerResponse } from 'node:http';
import type { MessageSink } from '../../session/sink.js';
import type { JsonRpcMessage, JsonRpcResponse } from '../../jsonrpc/message.js';
import type { ProxyError } from '../../errors/proxy-error.js';
import type { StreamWriter } from '../../session/event-log.js';
import { parseEventId } from '../../session/event-log.js';
import { sseEvent, ssePriming } from '../../jsonrpc/sse-format.js';
import { KeepAlive, startSse } from '../sse-stream.js';
import { dropConnection, onceDrained, queuedBytes } from '../client-stream.js';
import { SSE_RETRY_MS, SSE_UPGRADE_DELAY_MS, type SessionStreams } from './session-streams.js';

/** A POST stream keeps at most this many of its own events for a client that resumes it here. */
const MAX_POST_HISTORY = 1000;

/** Answers one POST that carried at least one request (MCP 2025-11-25, Sending Messages). */
export class PostSink implements MessageSink {
  readonly kind = 'request' as const;
  private sse = false;
  private done = false;
  /** Detached from the session's outbox (the client's connection went away, or the sink finished). */
  private detached = false;
  private answered = 0;
  private readonly responses: JsonRpcResponse[] = [];
  private proxyErrors: ProxyError[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The client's connection; undefined while a resumable stream waits for the client to come back. */
  private conn: ServerResponse | undefined;
  private writer: StreamWriter | undefined;
  /** This stream's events (sequence number, frame), for a client that resumes it on this replica. */
  private readonly history: { seq: number; frame: string }[] = [];
  private historyBytes = 0;
  /** Bytes queued on the connection before the latest write. */
  private backlog = 0;

  constructor(
    res: ServerResponse,
    private readonly opts: {
      jsonAllowed: boolean;
      sseAllowed: boolean;
      expected: number;
      batch: boolean;
      keepAlive: KeepAlive;
      headers: Record<string, string>;
      onEnd(sink: PostSink): void;
      /** Set to make the SSE answer resumable (ids on events, logged). */
      streams?: SessionStreams;
    },
  ) {
    this.conn = res;
    res.once('close', () => {
      if (this.conn === res) this.connectionLost();
    });
  }

  get streaming(): boolean {
    return this.opts.sseAllowed;
  }

  /** True while it takes its own messages: connected, or a resumable stream waiting for its client. */
  get open(): boolean {
    return !this.done && (this.writer !== undefined || (this.conn !== undefined && !this.conn.destroyed));
  }

  get streamId(): string | undefined {
    return this.writer?.streamId;
  }

  /** The backend accepted the requests: start the clock for turning this answer into a stream. */
  accepted(): void {
    if (!this.open || this.sse || !this.opts.sseAllowed) return;
    if (!this.opts.jsonAllowed) {
      this.upgrade();
      return;
    }
    this.timer = setTimeout(() => this.upgrade(), SSE_UPGRADE_DELAY_MS);
  }

  private upgrade(): void {
    if (this.sse || this.done || !this.conn || this.conn.destroyed) return;
    clearTimeout(this.timer);
    this.sse = true;
    startSse(this.conn, this.opts.keepAlive, this.opts.headers);
    const streams = this.opts.streams;
    if (streams) {
      this.writer = streams.log.openStream(streams.sessionId, 'post');
      (streams.pending ??= new Map()).set(this.writer.streamId, this);
      if (streams.priming()) this.conn.write(ssePriming(this.writer.primingId, SSE_RETRY_MS));
    }
    // Responses collected before the upgrade (part of a batch) go first, in arrival order.
    for (const r of this.responses) this.write(r);
    this.responses.length = 0;
  }

  private write(message: JsonRpcMessage): void {
    const json = JSON.stringify(message);
    if (!this.writer) {
      this.conn?.write(sseEvent(json));
      return;
    }
    const id = this.writer.append(message, json);
    const frame = sseEvent(json, 'message', id);
    this.history.push({ seq: parseEventId(id)!.seq, frame });
    this.historyBytes += frame.length;
    const maxBytes = this.opts.streams?.historyBytes ?? Infinity;
    while (this.history.length > MAX_POST_HISTORY || (this.historyBytes > maxBytes && this.history.length > 0)) {
      this.historyBytes -= this.history.shift()!.frame.length;
    }
    if (this.conn && !this.conn.destroyed) {
      this.backlog = queuedBytes(this.conn);
      this.conn.write(frame);
    }
  }

  get queuedBytes(): number {
    return queuedBytes(this.conn);
  }

  get backlogBytes(): number {
    return this.backlog;
  }

  onceDrained(callback: () => void): void {
    onceDrained(this.conn, callback);
  }

  /** The client stopped reading: drop the connection; a resumable stream goes on into its history. */
  overflow(): void {
    dropConnection(this.conn);
  }

  deliver(message: JsonRpcMessage): boolean {
    if (!this.open || !this.opts.sseAllowed) return false;
    this.upgrade();
    this.write(message);
    return true;
  }

  respond(response: JsonRpcResponse, error?: ProxyError): boolean {
    if (!this.open) return false;
    this.answered++;
    if (error) this.proxyErrors.push(error);
    if (!this.opts.jsonAllowed) this.upgrade(); // the client takes only text/event-stream
    if (this.sse) this.write(response);
    else this.responses.push(response);
    if (this.answered >= this.opts.expected) this.complete();
    return true;
  }

  /** True when the events after `afterSeq` are all here, so that `resume` would succeed. */
  canResume(afterSeq: number): boolean {
    if (this.done || !this.writer) return false;
    const first = this.history[0];
    const newest = this.history.at(-1)?.seq ?? 0;
    return afterSeq <= newest && (first === undefined || first.seq <= afterSeq + 1);
  }

  /**
   * Continues this stream on a client's new connection (a GET with `Last-Event-ID`, whose SSE headers
   * are already written): the events after `afterSeq` first, then the rest as it comes. False when it
   * cannot (finished, or the events after `afterSeq` are no longer all here).
   */
  resume(res: ServerResponse, afterSeq: number): boolean {
    if (!this.canResume(afterSeq)) return false;
    const previous = this.conn;
    this.conn = res;
    if (previous && previous !== res && !previous.destroyed) previous.end(); // the client moved on from it
    res.once('close', () => {
      if (this.conn === res) this.connectionLost();
    });
    for (const h of this.history) if (h.seq > afterSeq) res.write(h.frame);
    return true;
  }

  private connectionLost(): void {
    if (this.done) return;
    if (this.sse && this.writer && this.answered < this.opts.expected) {
      // MCP Streamable HTTP: a disconnection is not a cancellation. The stream goes on into the event log
      // (and this sink's history) until the client resumes it with a GET, or its responses are in.
      this.conn = undefined;
      this.detach();
      return;
    }
    this.finish();
  }

  private complete(): void {
    if (this.sse) {
      // MCP Streamable HTTP: after the response the server SHOULD terminate the SSE stream.
      this.conn?.end();
    } else if (this.conn) {
      // Every answer is a proxy error (backend down): say so with the HTTP status too.
      const allFailed = this.proxyErrors.length === this.responses.length && this.proxyErrors[0] !== undefined;
      const status = allFailed ? this.proxyErrors[0]!.status : 200;
      const body = JSON.stringify(this.opts.batch ? this.responses : this.responses[0]);
      this.conn.writeHead(status, { ...this.opts.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      this.conn.end(body);
    }
    this.finish();
  }

  private detach(): void {
    if (this.detached) return;
    this.detached = true;
    this.opts.onEnd(this);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    const streams = this.opts.streams;
    if (this.writer && streams?.pending?.delete(this.writer.streamId) && streams.pending.size === 0) streams.pending = undefined;
    this.history.length = 0;
    this.historyBytes = 0;
    this.detach();
  }

  end(): void {
    if (this.done) return;
    if (this.conn && !this.conn.headersSent && !this.conn.destroyed) this.upgrade();
    this.conn?.end();
    this.finish();
  }
}
