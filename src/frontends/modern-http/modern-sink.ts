// Answers one modern (2026-07-28) request, as a MessageSink of its seat's session: one JSON body for
// quick answers, else an SSE stream (progress, log messages at the request's logLevel). No event ids:
// the 2026-07-28 revision has no resumability, and closing the stream is cancellation (Streamable HTTP,
// Cancellation), which the sink reports as `abandoned`.
import type { ServerResponse } from 'node:http';
import type { MessageSink } from '../../session/sink.js';
import { isRequest, type JsonRpcMessage, type JsonRpcRequest, type JsonRpcResponse } from '../../jsonrpc/message.js';
import type { ProxyError } from '../../errors/proxy-error.js';
import { sseEvent } from '../../jsonrpc/sse-format.js';
import { KeepAlive, startSse } from '../sse-stream.js';
import { dropConnection, onceDrained, queuedBytes } from '../client-stream.js';
import { SSE_UPGRADE_DELAY_MS } from '../streamable-http/session-streams.js';
import { logLevelPasses, type LogLevel } from '../../era/envelope.js';
import { answerStatus } from '../../era/results.js';

export interface ModernSinkOptions {
  jsonAllowed: boolean;
  sseAllowed: boolean;
  keepAlive: KeepAlive;
  logLevel: LogLevel | undefined;
  /** The answer as the client must see it: its own id back, the era's shape. */
  shape(response: JsonRpcResponse, error: ProxyError | undefined): JsonRpcResponse;
  /** A server→client request during this call: MRTR takes it (true) or the seat refuses it. */
  input(request: JsonRpcRequest, sink: ModernSink): boolean;
  /** A notification that concerns no request (list changes, resource updates): the seat's listen streams. */
  unrelated(message: JsonRpcMessage): void;
  /** The client closed the response before the answer: the request is cancelled. */
  abandoned(sink: ModernSink): void;
  /** The sink is done (answered or abandoned): detach it from the session. */
  onEnd(sink: ModernSink): void;
}

export class ModernSink implements MessageSink {
  readonly kind = 'request' as const;
  private sse = false;
  private done = false;
  private timer: NodeJS.Timeout | undefined;
  private backlog = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: ModernSinkOptions,
  ) {
    res.once('close', () => {
      if (this.done) return;
      this.finish();
      this.opts.abandoned(this);
    });
  }

  get streaming(): boolean {
    return this.opts.sseAllowed;
  }

  get open(): boolean {
    return !this.done && !this.res.destroyed;
  }

  /** The backend accepted the request: start the clock for turning this answer into a stream. */
  accepted(): void {
    if (!this.open || this.sse || !this.opts.sseAllowed) return;
    if (!this.opts.jsonAllowed) return this.upgrade();
    this.timer = setTimeout(() => this.upgrade(), SSE_UPGRADE_DELAY_MS);
  }

  private upgrade(): void {
    if (this.sse || !this.open || !this.opts.sseAllowed) return;
    clearTimeout(this.timer);
    this.sse = true;
    startSse(this.res, this.opts.keepAlive, {});
  }

  /** Writes one message on the stream (upgrading to SSE); false when the answer must stay JSON. */
  write(message: JsonRpcMessage): boolean {
    if (!this.open || !this.opts.sseAllowed) return false;
    this.upgrade();
    this.backlog = queuedBytes(this.res);
    this.res.write(sseEvent(JSON.stringify(message)));
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

  overflow(): void {
    dropConnection(this.res);
  }

  deliver(message: JsonRpcMessage): boolean {
    if (!this.open) return false;
    if (isRequest(message)) return this.opts.input(message, this);
    if (!('method' in message)) return false;
    if (message.method === 'notifications/message') {
      // MCP 2026-07-28, Server, Logging: only at the request's logLevel or above, none without one.
      if (logLevelPasses(this.opts.logLevel, message.params?.level)) this.write(message);
      return true;
    }
    if (message.method === 'notifications/progress') {
      this.write(message);
      return true;
    }
    this.opts.unrelated(message);
    return true;
  }

  respond(response: JsonRpcResponse, error?: ProxyError): boolean {
    if (!this.open) return false;
    const out = this.opts.shape(response, error);
    if (this.sse) {
      this.write(out);
      this.res.end();
    } else {
      const body = JSON.stringify(out);
      this.res.writeHead(answerStatus(out.error), { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      this.res.end(body);
    }
    this.finish();
    return true;
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.opts.onEnd(this);
  }

  end(): void {
    if (this.done) return;
    if (!this.res.headersSent && !this.res.destroyed) this.upgrade();
    this.res.end();
    this.finish();
  }
}
