// limits.streamBufferBytes: a client that stops reading a stream must not make the proxy buffer
// without bound. After each write the session hands the sink here. When what was already queued
// before that write is over the bound, the client is not keeping up:
//  - a channel that serves only this session pauses (the backend's bytes wait in the kernel and in
//    the backend, which is what a slow reader should cost) until the client drains; a client that
//    makes no progress for limits.streamStallTimeout loses the stream (a slow one keeps it);
//  - a shared channel is never paused for one slow client: the stream ends at once.
// Memory per stream stays under the bound plus one message. A stream ended this way can be resumed
// with Last-Event-ID on the Streamable HTTP face.
import type { Logger } from 'pino';
import type { ErrorReporter } from '../observability/error-reporter.js';
import type { MessageSink } from './sink.js';

/** Pausing and resuming what the backend sends (only for a link that serves this one session). */
export interface FlowControl {
  pause(): void;
  resume(): void;
}

export interface BackpressureOptions {
  limitBytes: number;
  stallMs: number;
  /** The flow control of the session's link, when it may pause its backend for this session. */
  flow(): FlowControl | undefined;
  /** A stream was ended for being over the bound (count and log it). */
  onOverflow(sink: MessageSink, queuedBytes: number, paused: boolean): void;
}

interface Wait {
  timer: NodeJS.Timeout;
  /** Queued bytes when the window started: less at its end means the client is reading. */
  queued: number;
}

export class Backpressure {
  /** Sinks over the bound while the channel is paused (created on the first: most sessions never wait). */
  private waitingSinks: Map<MessageSink, Wait> | undefined;
  private pausedChannel: FlowControl | undefined;

  constructor(private readonly opts: BackpressureOptions) {}

  get paused(): boolean {
    return this.pausedChannel !== undefined;
  }

  private get waiting(): Map<MessageSink, Wait> {
    return (this.waitingSinks ??= new Map());
  }

  /** Called after a write to `sink`. */
  check(sink: MessageSink): void {
    if (sink.backlogBytes <= this.opts.limitBytes || this.waiting.has(sink)) return;
    const channel = this.opts.flow();
    if (!channel) {
      this.opts.onOverflow(sink, sink.queuedBytes, false);
      sink.overflow();
      return;
    }
    if (this.waiting.size === 0) {
      channel.pause();
      this.pausedChannel = channel;
    }
    this.waiting.set(sink, { timer: this.arm(sink), queued: sink.queuedBytes });
    sink.onceDrained(() => this.release(sink));
  }

  /** One stall window: at its end, a drained client is released, a reading one gets another window. */
  private arm(sink: MessageSink): NodeJS.Timeout {
    return setTimeout(() => {
      const wait = this.waiting.get(sink);
      if (!wait) return;
      const queued = sink.queuedBytes;
      if (queued <= this.opts.limitBytes) return this.release(sink);
      if (queued < wait.queued) {
        wait.queued = queued;
        wait.timer = this.arm(sink);
        return;
      }
      this.opts.onOverflow(sink, queued, true);
      sink.overflow();
      this.release(sink);
    }, this.opts.stallMs);
  }

  private release(sink: MessageSink): void {
    const wait = this.waitingSinks?.get(sink);
    if (wait === undefined) return;
    clearTimeout(wait.timer);
    this.waiting.delete(sink);
    if (this.waiting.size > 0) return;
    const channel = this.pausedChannel;
    this.pausedChannel = undefined;
    channel?.resume();
  }

  /** The session is closing: forget every wait (the channel is closed by its owner). */
  clear(): void {
    for (const wait of this.waitingSinks?.values() ?? []) clearTimeout(wait.timer);
    this.waitingSinks = undefined;
    this.pausedChannel = undefined;
  }
}

/** Counts every stream ended for limits.streamBufferBytes; logs them rate-limited (a flood is one line). */
export function reportOverflow(errors: ErrorReporter, log: () => Logger): BackpressureOptions['onOverflow'] {
  return (sink, queued, paused) => {
    errors.limitHit('streamBufferBytes');
    const suppressed = errors.limiter.take('stream_buffer_full');
    if (suppressed === false) return;
    log().warn(
      {
        reason: 'stream_buffer_full',
        limit: 'streamBufferBytes',
        stream: sink.kind,
        queuedBytes: queued,
        backendPaused: paused,
        ...(suppressed ? { suppressed } : {}),
      },
      'a client stopped reading its stream: ended it (limits.streamBufferBytes); it can resume with Last-Event-ID',
    );
  };
}
