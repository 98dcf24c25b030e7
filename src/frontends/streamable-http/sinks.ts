// The two kinds of client stream of the Streamable HTTP face, as MessageSinks for the session.
import type { ServerResponse } from 'node:http';
import type { MessageSink } from '../../session/sink.js';
import type { JsonRpcMessage, JsonRpcResponse } from '../../jsonrpc/message.js';
import type { ProxyError } from '../../errors/proxy-error.js';
import { KeepAlive, startSse, writeSseMessage } from '../sse-stream.js';

/**
 * If a request's response is not there this long after the backend accepted the request, the POST
 * answer becomes an SSE stream, so keep-alives can flow while a long tool call runs. Quick answers
 * go out as one JSON body: one write, and much cheaper for clients to parse than an SSE stream.
 */
export const SSE_UPGRADE_DELAY_MS = 250;

/** Answers one POST that carried at least one request (spec 2025-11-25 L101-125). */
export class PostSink implements MessageSink {
  readonly kind = 'request' as const;
  private sse = false;
  private done = false;
  private answered = 0;
  private readonly responses: JsonRpcResponse[] = [];
  private proxyErrors: ProxyError[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: {
      jsonAllowed: boolean;
      sseAllowed: boolean;
      expected: number;
      batch: boolean;
      keepAlive: KeepAlive;
      headers: Record<string, string>;
      onEnd(sink: PostSink): void;
    },
  ) {
    res.once('close', () => this.finish());
  }

  get streaming(): boolean {
    return this.opts.sseAllowed;
  }

  get open(): boolean {
    return !this.done && !this.res.destroyed;
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
    if (this.sse || !this.open) return;
    clearTimeout(this.timer);
    this.sse = true;
    startSse(this.res, this.opts.keepAlive, this.opts.headers);
    // Responses collected before the upgrade (part of a batch) go first, in arrival order.
    for (const r of this.responses) writeSseMessage(this.res, JSON.stringify(r));
    this.responses.length = 0;
  }

  deliver(message: JsonRpcMessage): boolean {
    if (!this.open || !this.opts.sseAllowed) return false;
    this.upgrade();
    writeSseMessage(this.res, JSON.stringify(message));
    return true;
  }

  respond(response: JsonRpcResponse, error?: ProxyError): boolean {
    if (!this.open) return false;
    this.answered++;
    if (error) this.proxyErrors.push(error);
    if (!this.opts.jsonAllowed) this.upgrade(); // the client takes only text/event-stream
    if (this.sse) writeSseMessage(this.res, JSON.stringify(response));
    else this.responses.push(response);
    if (this.answered >= this.opts.expected) this.complete();
    return true;
  }

  private complete(): void {
    if (this.sse) {
      // Spec L124-125: after the response the server SHOULD terminate the SSE stream.
      this.res.end();
    } else {
      // Every answer is a proxy error (backend down): say so with the HTTP status too.
      const allFailed = this.proxyErrors.length === this.responses.length && this.proxyErrors[0] !== undefined;
      const status = allFailed ? this.proxyErrors[0]!.status : 200;
      const body = JSON.stringify(this.opts.batch ? this.responses : this.responses[0]);
      this.res.writeHead(status, { ...this.opts.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      this.res.end(body);
    }
    this.finish();
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

/** The GET stream (spec L135-154): server-initiated requests and notifications, never responses. */
export class StandaloneSink implements MessageSink {
  readonly kind = 'standalone' as const;
  readonly streaming = true;
  private done = false;

  constructor(
    private readonly res: ServerResponse,
    keepAlive: KeepAlive,
    headers: Record<string, string>,
    onEnd: (sink: StandaloneSink) => void,
  ) {
    startSse(res, keepAlive, headers);
    res.once('close', () => {
      this.done = true;
      onEnd(this);
    });
  }

  get open(): boolean {
    return !this.done && !this.res.destroyed;
  }

  deliver(message: JsonRpcMessage): boolean {
    if (!this.open) return false;
    writeSseMessage(this.res, JSON.stringify(message));
    return true;
  }

  respond(): boolean {
    return false;
  }

  end(): void {
    this.done = true;
    this.res.end();
  }
}
