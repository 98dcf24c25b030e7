// A channel to a legacy HTTP+SSE MCP server (2024-11-05 transport): one long-lived GET stream per
// channel carries every backend→client message; each client→backend message is its own POST to the
// URL of the `endpoint` event. A duplex pipe (docs/architecture.md, Backends).
import type { EventSourceMessage } from 'eventsource-parser';
import type { Logger } from 'pino';
import type { Channel, ChannelHandlers, MessageLimits, SendOptions } from '../channel.js';
import type { JsonRpcMessage } from '../../jsonrpc/message.js';
import { BoundedSseParser } from '../../jsonrpc/bounded-sse.js';
import { decodeMessages, DECODE_PROBLEM_TEXT } from '../decode.js';
import { messageTooLarge, oversizeCallbacks, sseData, type OversizeCallbacks } from '../oversize.js';
import { ProxyError } from '../../errors/proxy-error.js';
import { safeUrl } from '../../observability/logger.js';
import { resolveEndpoint } from './endpoint-url.js';
import { backendHttpError, backendSessionLost, networkError } from '../http-errors.js';
import { redirectTarget } from '../redirects.js';
import { headerOf, mediaType } from '../response-head.js';
import type { BackendHttpClient } from '../http-client.js';
import type { PostAnswer } from '../lean-http/post-pool.js';
import type { EventStream } from '../lean-http/event-stream.js';
import { lowerCaseNames } from '../lean-http/request-head.js';
import type { AnswerHead } from '../response-head.js';

export interface LegacySseOptions extends MessageLimits {
  url: URL;
  headers: Record<string, string>;
  connectTimeoutMs: number;
  http: BackendHttpClient;
  postTimeoutMs: number;
  log: Logger;
  onRepair(reason: string, detail: Record<string, unknown>): void;
  /** The client's Authorization header, read on every request (auth passthrough; tokens refresh). */
  credentials?: () => string | undefined;
}

/** The first bytes of a refusal's body that go into its error message. */
export const ERROR_TEXT_BYTES = 4096;

/** One backend SSE stream and its POSTs; opened by open-channel.ts once the stream's head is in. */
export class LegacySseChannel implements Channel {
  readonly description: string;
  /** The headers of every POST (rendered once): the configured ones, then the message's own. */
  private readonly postHeaders: Record<string, string>;
  private endpoint: URL | undefined;
  private closed = false;
  private settled = false;

  constructor(
    private readonly opts: LegacySseOptions,
    private readonly handlers: ChannelHandlers,
    private readonly stream: EventStream,
    private readonly onReady: (endpoint: URL) => void,
    private readonly onFailedBeforeReady: (e: ProxyError) => void,
  ) {
    this.description = `sse ${safeUrl(opts.url)}`;
    this.postHeaders = { ...lowerCaseNames(opts.headers), 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    // eventsource-parser handles \n, \r\n and \r line endings, comments and multi-line data
    // (Python servers use sse-starlette's CRLF separators); the wrapper bounds one event's size. The
    // channel is the parser's options object: no callbacks per channel (docs/performance.md).
    this.maxEventChars = opts.maxMessageBytes;
    this.parser = new BoundedSseParser(this);
  }

  readonly maxEventChars: number;
  private readonly parser: BoundedSseParser;
  /** What follows a dropped oversized event; made on the first (most channels never see one). */
  private oversize: OversizeCallbacks | undefined;

  /** The stream's text, decoded (UTF-8 sequences split across chunks stay intact). */
  feed(text: string): void {
    this.parser.feed(text);
  }

  onOversize(head: string): void {
    this.oversizeCallbacks().onOversize(head);
  }

  onOversizeEnd(tail: string, chars: number): void {
    this.oversizeCallbacks().onOversizeEnd(tail, chars);
  }

  private oversizeCallbacks(): OversizeCallbacks {
    return (this.oversize ??= oversizeCallbacks({
      maxBytes: this.opts.maxMessageBytes,
      log: this.opts.log,
      report: this.opts.report,
      limitHit: this.opts.limitHit,
      deliver: (answer) => this.handlers.onMessage(answer),
      unwrap: sseData,
    }));
  }

  /** The stream ended (the backend closed it) or broke (`err`). */
  streamEnded(err?: Error): void {
    this.fail(
      err
        ? networkError(err, `SSE stream ${safeUrl(this.opts.url)}`, 'ERR_BACKEND_DISCONNECTED')
        : new ProxyError('ERR_BACKEND_DISCONNECTED', 'backend_stream_ended', 'the backend closed its SSE stream', { detail: safeUrl(this.opts.url) }),
    );
  }

  onEvent(ev: EventSourceMessage): void {
    if (ev.event === 'endpoint') {
      let resolved;
      try {
        resolved = resolveEndpoint(ev.data, this.opts.url);
      } catch (e) {
        this.fail(
          new ProxyError('ERR_BACKEND_PROTOCOL', 'backend_bad_endpoint', 'the backend sent an unusable endpoint event', {
            detail: `${(e as Error).message}: ${ev.data.slice(0, 200)}`,
          }),
        );
        return;
      }
      if (resolved.originRewrittenFrom) {
        this.opts.onRepair('endpoint_origin_rewritten', { from: resolved.originRewrittenFrom, to: resolved.url.origin });
      }
      this.endpoint = resolved.url;
      if (!this.settled) {
        this.settled = true;
        this.onReady(resolved.url);
      }
      return;
    }
    if (ev.event !== undefined && ev.event !== 'message') return;
    this.deliver(ev.data);
  }

  private deliver(data: string): void {
    this.opts.traffic?.received(Buffer.byteLength(data));
    const messages = decodeMessages(data, this.opts.maxJsonDepth, (reason, bytes) => {
      if (reason === 'backend_json_too_deep') this.opts.limitHit('maxJsonDepth');
      this.opts.log.warn({ backend: safeUrl(this.opts.url), reason, bytes }, DECODE_PROBLEM_TEXT[reason]);
    });
    for (const m of messages) this.handlers.onMessage(m);
  }

  /** Backpressure: stop reading the backend's stream while the client is not reading its own. */
  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    if (!this.closed) this.stream.resume();
  }

  /** The stream ended or broke: report once, unless we closed it ourselves. */
  fail(cause: ProxyError): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.destroy();
    if (!this.settled) {
      this.settled = true;
      this.onFailedBeforeReady(cause);
      return;
    }
    this.handlers.onClose(cause);
  }

  async send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (this.closed || !this.endpoint) {
      throw new ProxyError('ERR_BACKEND_DISCONNECTED', 'backend_channel_closed', 'the backend connection is closed');
    }
    const body = JSON.stringify(message);
    this.opts.traffic?.sent(Buffer.byteLength(body));
    // The credential of the client request this message came with; the session's own otherwise.
    const authorization = options.authorization ?? this.opts.credentials?.();
    const headers = authorization ? { ...this.postHeaders, authorization } : this.postHeaders;
    let target = this.endpoint;
    for (let hop = 0; ; hop++) {
      let res: PostAnswer;
      try {
        res = await this.opts.http.post(target, headers, body, { timeoutMs: this.opts.postTimeoutMs, bodyLimit: this.bodyLimit });
      } catch (e) {
        throw networkError(e, `POST ${safeUrl(target)}`);
      }
      const status = res.status;
      if (status >= 200 && status < 300) {
        this.readPostBody(res);
        return;
      }
      const next = redirectTarget(res, target, this.opts.url.origin, hop);
      if (next) {
        this.opts.onRepair('backend_redirect_followed', { from: target.pathname, to: next.pathname });
        this.endpoint = target = next;
        continue;
      }
      if (status === 404 || status === 410) {
        // The endpoint URL names the backend's session: a 404 to it says the backend no longer
        // knows it (restart behind the same stream, expiry). The stream is useless, so end the
        // channel and let the session re-handshake.
        const lost = backendSessionLost(status, `POST ${safeUrl(target)}`);
        queueMicrotask(() => this.fail(lost));
        throw lost;
      }
      throw backendHttpError(status, `POST ${safeUrl(target)}`, res.body, headerOf(res, 'www-authenticate'));
    }
  }

  /**
   * What to keep of a POST's answer: some servers answer the POST itself with the JSON-RPC response
   * (kept up to limits.maxMessageBytes); an error's first 4 KB go into its message; the rest
   * (202 Accepted and its text) is read and dropped.
   */
  private readonly bodyLimit = (head: AnswerHead): number => {
    if (head.status === 200) return mediaType(head) === 'application/json' ? this.opts.maxMessageBytes + 1 : 0;
    return head.status >= 300 ? ERROR_TEXT_BYTES : 0;
  };

  /** A response in the POST's answer goes where stream messages go; a larger one fails the request it answers. */
  private readPostBody(res: PostAnswer): void {
    if (res.status !== 200 || mediaType(res) !== 'application/json') return;
    if (res.bodyBytes > this.opts.maxMessageBytes) throw messageTooLarge(this.opts.maxMessageBytes, res.bodyBytes);
    if (res.body.trim() !== '') this.deliver(res.body);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream.destroy();
  }
}
