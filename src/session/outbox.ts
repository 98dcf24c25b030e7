// Chooses the one client stream each backend→client message goes to (spec 2025-11-25 §Multiple
// Connections: "MUST NOT broadcast the same message across multiple streams"):
// progress → the stream of the request that owns the token (done by the session); a log message or a
// server→client request while exactly one POST stream awaits answers → that stream; everything else →
// the GET stream, else the newest in-flight POST stream, else a bounded buffer flushed into the next
// stream that opens.
import { isRequest, type JsonRpcMessage } from '../jsonrpc/message.js';
import type { MessageSink } from './sink.js';

export class Outbox {
  private standalone: MessageSink | undefined;
  /** POST streams awaiting answers; created with the first and dropped with the last (idle sessions have none). */
  private requestStreams: Set<MessageSink> | undefined;
  private readonly buffer: Array<{ message: JsonRpcMessage; bytes: number }> = [];
  private bufferedBytes = 0;
  dropped = 0;

  /** Held for a client with no open stream: at most `maxBuffered` messages and `maxBufferedBytes` of JSON. */
  constructor(
    private readonly maxBuffered: number,
    private readonly maxBufferedBytes: number,
  ) {}

  get openStreams(): number {
    return (this.standalone?.open ? 1 : 0) + (this.requestStreams?.size ?? 0);
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** A new GET stream replaces the older one (Cursor opens several; 409 makes it loop: docs/quirks.md, Cursor). */
  attachStandalone(sink: MessageSink): MessageSink | undefined {
    const previous = this.standalone;
    this.standalone = sink;
    this.flushInto(sink);
    return previous?.open ? previous : undefined;
  }

  attachRequestStream(sink: MessageSink): void {
    if (!sink.streaming) return;
    (this.requestStreams ??= new Set()).add(sink);
    this.flushInto(sink);
  }

  detach(sink: MessageSink): void {
    if (this.standalone === sink) this.standalone = undefined;
    if (this.requestStreams?.delete(sink) && this.requestStreams.size === 0) this.requestStreams = undefined;
  }

  /**
   * Delivers to one stream and returns it, or holds the message: 'buffered', or 'dropped' when the
   * buffer went over its bounds and lost its oldest messages.
   */
  route(message: JsonRpcMessage): MessageSink | 'buffered' | 'dropped' {
    const call = this.callStream(message);
    if (call?.deliver(message)) return call;
    if (this.standalone?.open && this.standalone.deliver(message)) return this.standalone;
    let newest: MessageSink | undefined;
    for (const s of this.requestStreams ?? []) if (s.open) newest = s;
    if (newest?.deliver(message)) return newest;
    const bytes = JSON.stringify(message).length;
    this.buffer.push({ message, bytes });
    this.bufferedBytes += bytes;
    let dropped = false;
    while (this.buffer.length > this.maxBuffered || (this.bufferedBytes > this.maxBufferedBytes && this.buffer.length > 0)) {
      this.bufferedBytes -= this.buffer.shift()!.bytes;
      this.dropped++;
      dropped = true;
    }
    return dropped ? 'dropped' : 'buffered';
  }

  /**
   * Tools log and ask the client (sampling, elicitation, roots, ping) while they run, so such a message
   * sent while exactly one POST stream awaits answers belongs to that call, and travels on its stream:
   * there it arrives before the call's answer. On the GET stream, another connection (through a load
   * balancer and maybe another replica), it can arrive after the answer, and a client that is done with
   * the answer never sees it. With several calls open the backend may not say which one it is about
   * (legacy SSE and stdio do not): the GET stream takes it. List changes and resource updates concern
   * the session, not a call: GET stream.
   */
  private callStream(message: JsonRpcMessage): MessageSink | undefined {
    if (!isRequest(message) && !('method' in message && message.method === 'notifications/message')) return undefined;
    let only: MessageSink | undefined;
    for (const s of this.requestStreams ?? []) {
      if (!s.open) continue;
      if (only) return undefined;
      only = s;
    }
    return only;
  }

  private flushInto(sink: MessageSink): void {
    while (this.buffer.length > 0 && sink.open) {
      if (!sink.deliver(this.buffer[0]!.message)) return;
      this.bufferedBytes -= this.buffer.shift()!.bytes;
    }
  }

  endAll(): void {
    this.standalone?.end();
    for (const s of this.requestStreams ?? []) s.end();
    this.standalone = undefined;
    this.requestStreams = undefined;
    this.buffer.length = 0;
    this.bufferedBytes = 0;
  }
}
