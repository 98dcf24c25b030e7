// Chooses the one client stream each backend→client message goes to (spec 2025-11-25 §Multiple
// Connections: "MUST NOT broadcast the same message across multiple streams"):
// progress → the stream of the request that owns the token (done by the session); everything else →
// the GET stream, else the newest in-flight POST stream, else a bounded buffer flushed into the next
// stream that opens.
import type { JsonRpcMessage } from '../jsonrpc/message.js';
import type { MessageSink } from './sink.js';

export class Outbox {
  private standalone: MessageSink | undefined;
  private readonly requestStreams = new Set<MessageSink>();
  private readonly buffer: JsonRpcMessage[] = [];
  dropped = 0;

  constructor(private readonly maxBuffered: number) {}

  get openStreams(): number {
    return (this.standalone?.open ? 1 : 0) + this.requestStreams.size;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** A new GET stream replaces the older one (Cursor opens several; 409 makes it loop, spec notes §6). */
  attachStandalone(sink: MessageSink): MessageSink | undefined {
    const previous = this.standalone;
    this.standalone = sink;
    this.flushInto(sink);
    return previous?.open ? previous : undefined;
  }

  attachRequestStream(sink: MessageSink): void {
    if (!sink.streaming) return;
    this.requestStreams.add(sink);
    this.flushInto(sink);
  }

  detach(sink: MessageSink): void {
    if (this.standalone === sink) this.standalone = undefined;
    this.requestStreams.delete(sink);
  }

  /** Returns false when the message had to be dropped because the buffer was full. */
  route(message: JsonRpcMessage): boolean {
    if (this.standalone?.open && this.standalone.deliver(message)) return true;
    let newest: MessageSink | undefined;
    for (const s of this.requestStreams) if (s.open) newest = s;
    if (newest?.deliver(message)) return true;
    this.buffer.push(message);
    if (this.buffer.length > this.maxBuffered) {
      this.buffer.shift();
      this.dropped++;
      return false;
    }
    return true;
  }

  private flushInto(sink: MessageSink): void {
    while (this.buffer.length > 0 && sink.open) {
      if (!sink.deliver(this.buffer[0]!)) return;
      this.buffer.shift();
    }
  }

  endAll(): void {
    this.standalone?.end();
    for (const s of this.requestStreams) s.end();
    this.standalone = undefined;
    this.requestStreams.clear();
    this.buffer.length = 0;
  }
}
