// The client's event stream on the legacy face (spec 2024-11-05 §HTTP with SSE): the first event
// is `endpoint`; then every server message, responses included, travels on this one stream.
import type { ServerResponse } from 'node:http';
import type { MessageSink } from '../../session/sink.js';
import type { JsonRpcMessage, JsonRpcResponse } from '../../jsonrpc/message.js';
import { sseEvent } from '../../jsonrpc/sse-format.js';
import { KeepAlive, startSse } from '../sse-stream.js';
import { dropConnection, onceDrained, queuedBytes } from '../client-stream.js';

export class LegacyStreamSink implements MessageSink {
  readonly kind = 'standalone' as const;
  readonly streaming = true;
  private done = false;
  /** Bytes queued on the connection before the latest write. */
  private backlog = 0;

  constructor(
    private readonly res: ServerResponse,
    keepAlive: KeepAlive,
    endpoint: string,
    onEnd: (sink: LegacyStreamSink) => void,
  ) {
    startSse(res, keepAlive);
    res.write(sseEvent(endpoint, 'endpoint'));
    res.on('close', () => {
      this.done = true;
      onEnd(this);
    });
  }

  get open(): boolean {
    return !this.done && !this.res.destroyed;
  }

  deliver(message: JsonRpcMessage): boolean {
    if (!this.open) return false;
    this.backlog = queuedBytes(this.res);
    this.res.write(sseEvent(JSON.stringify(message)));
    return true;
  }

  respond(response: JsonRpcResponse): boolean {
    return this.deliver(response);
  }

  end(): void {
    this.done = true;
    this.res.end();
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

  /** On this face the stream is the session: dropping it ends the session too. */
  overflow(): void {
    this.done = true;
    dropConnection(this.res);
  }
}
