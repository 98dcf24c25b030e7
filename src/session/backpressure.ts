// limits.streamBufferBytes: a client that stops reading a stream must not make the proxy buffer
// without bound. After each write the session hands the sink here. Over the bound:
//  - a channel that serves only this session pauses (the backend's bytes wait in the kernel and in
//    the backend, which is what a slow reader should cost), and resumes once the client drains;
//    a client that has not drained within limits.streamStallTimeout loses the stream;
//  - a shared channel is never paused for one slow client: the stream ends at once.
// A stream that ends this way is resumable (Last-Event-ID) on the Streamable HTTP face.
import type { Channel } from '../backends/channel.js';
import type { MessageSink } from './sink.js';

export interface BackpressureOptions {
  limitBytes: number;
  stallMs: number;
  /** The session's current channel (it changes across reconnects). */
  channel(): Channel | undefined;
  /** A stream was ended for being over the bound (count and log it). */
  onOverflow(sink: MessageSink, queuedBytes: number, paused: boolean): void;
}

export class Backpressure {
  /** Sinks over the bound while the channel is paused, with their stall timers. */
  private readonly waiting = new Map<MessageSink, NodeJS.Timeout>();
  private pausedChannel: Channel | undefined;

  constructor(private readonly opts: BackpressureOptions) {}

  get paused(): boolean {
    return this.pausedChannel !== undefined;
  }

  /** Called after a write to `sink`. */
  check(sink: MessageSink): void {
    const queued = sink.queuedBytes;
    if (queued <= this.opts.limitBytes || this.waiting.has(sink)) return;
    const channel = this.opts.channel();
    if (!channel?.pause) {
      this.opts.onOverflow(sink, queued, false);
      sink.overflow();
      return;
    }
    if (this.waiting.size === 0) {
      channel.pause();
      this.pausedChannel = channel;
    }
    const timer = setTimeout(() => {
      this.opts.onOverflow(sink, sink.queuedBytes, true);
      sink.overflow();
      this.release(sink);
    }, this.opts.stallMs);
    this.waiting.set(sink, timer);
    sink.onceDrained(() => this.release(sink));
  }

  private release(sink: MessageSink): void {
    const timer = this.waiting.get(sink);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.waiting.delete(sink);
    if (this.waiting.size > 0) return;
    const channel = this.pausedChannel;
    this.pausedChannel = undefined;
    channel?.resume?.();
  }

  /** The session is closing: forget every wait (the channel is closed by its owner). */
  clear(): void {
    for (const timer of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    this.pausedChannel = undefined;
  }
}
