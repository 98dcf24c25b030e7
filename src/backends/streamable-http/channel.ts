// A channel to a Streamable HTTP MCP server (2025-03-26 … 2025-11-25): request-per-POST
// (docs/architecture.md, Backends). Every message is its own POST, answered by 202, one JSON body or an
// SSE stream; the backend's GET stream, when it offers one, carries what relates to no request;
// DELETE ends the backend session, which lives only in here (backend-session.ts).
import type { Logger } from 'pino';
import type { Channel, ChannelHandlers, MessageLimits, SendOptions } from '../channel.js';
import { isNotification, isRequest, isResponse, type JsonRpcId, type JsonRpcMessage } from '../../jsonrpc/message.js';
import type { IncomingMessage } from 'node:http';
import { decodeMessages, DECODE_PROBLEM_TEXT, type DecodeProblem } from '../decode.js';
import { oversizeCallbacks, sseData, type OversizeCallbacks } from '../oversize.js';
import { BodyFlow } from '../body-flow.js';
import { redirectTarget } from '../redirects.js';
import { headerOf, mediaType } from '../response-head.js';
import { ProxyError } from '../../errors/proxy-error.js';
import { safeUrl } from '../../observability/logger.js';
import { readMessageBody, readText, type BackendHttpClient, type BackendResponse } from '../http-client.js';
import { networkError } from '../http-errors.js';
import { refusalError } from './refusal.js';
import { modernRevisionsOf } from '../modern-http/era-evidence.js';
import { MODERN_ONLY_REASON } from '../modern-http/era-probe-channel.js';
import { BackendSession } from './backend-session.js';
import { readPostStream, runGetStream, type Exchange, type StreamHost } from './streams.js';

export interface StreamableHttpOptions extends MessageLimits {
  url: URL;
  headers: Record<string, string>;
  http: BackendHttpClient;
  /** Time allowed for the answer's headers to `initialize`, notifications, responses and GETs. */
  connectTimeoutMs: number;
  log: Logger;
  onRepair(reason: string, detail: Record<string, unknown>): void;
  /** A same-origin 307/308 moved the endpoint: later channels start at the new URL. */
  onMoved(url: URL): void;
  /** The client's Authorization header, read on every request (auth passthrough; tokens refresh). */
  credentials?: () => string | undefined;
}

const ACCEPT_BOTH = 'application/json, text/event-stream';
/**
 * Headers of the answer to any other request. Servers in JSON-response mode send them only with the
 * result, so this bounds a whole tool call; a client that gives up sends notifications/cancelled,
 * which ends the exchange at once (below).
 */
const REQUEST_HEADERS_TIMEOUT_MS = 30 * 60_000;

/** The backend refused `initialize` as a 2026-07-28-only server does; `backend.era: auto` switches on it. */
const modernOnly = (status: number, revisions: string[]) =>
  new ProxyError(
    'ERR_BACKEND_PROTOCOL',
    MODERN_ONLY_REASON,
    `the backend speaks only MCP ${revisions.join(', ')} and refused initialize (HTTP ${status}); set backend.era to auto or modern to serve it`,
  );

const channelClosed = () => new ProxyError('ERR_BACKEND_DISCONNECTED', 'backend_channel_closed', 'the backend connection is closed');

export class StreamableHttpChannel implements Channel, StreamHost {
  readonly description: string;
  closed = false;
  private url: URL;
  private readonly exchanges = new Set<Exchange>();
  private readonly getAbort = new AbortController();
  private getStarted = false;
  /** Response bodies being read, paused together under backpressure. */
  private readonly flow = new BodyFlow();
  readonly log: Logger;
  private readonly session: BackendSession;

  constructor(
    private readonly opts: StreamableHttpOptions,
    private readonly handlers: ChannelHandlers,
  ) {
    this.url = opts.url;
    this.description = `streamable-http ${safeUrl(opts.url)}`;
    this.log = opts.log.child({ backend: safeUrl(opts.url) });
    this.session = new BackendSession(this.log);
  }

  async send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (this.closed) throw channelClosed();
    const request = isRequest(message) ? message : undefined;
    const exchange: Exchange = {
      requestId: request?.id,
      initialize: request?.method === 'initialize',
      abort: new AbortController(),
      answered: request === undefined,
      cancelled: false,
    };
    this.exchanges.add(exchange);
    let streaming = false;
    try {
      const body = JSON.stringify(message);
      this.opts.traffic?.sent(Buffer.byteLength(body));
      const res = await this.post(body, exchange, options.authorization);
      streaming = await this.onAnswer(res, exchange);
    } catch (e) {
      if (exchange.cancelled) throw new ProxyError('ERR_BACKEND_DISCONNECTED', 'request_cancelled', 'the client cancelled this request');
      if (this.closed && !(e instanceof ProxyError)) throw channelClosed();
      throw e instanceof ProxyError ? e : networkError(e, `POST ${safeUrl(this.url)}`);
    } finally {
      if (!streaming) this.exchanges.delete(exchange);
    }
    if (isNotification(message)) {
      if (message.method === 'notifications/initialized') this.openGetStream();
      if (message.method === 'notifications/cancelled') this.cancel(message.params?.requestId as JsonRpcId | undefined);
    }
  }

  /** POSTs one message, following same-origin 307/308 (Starlette's trailing-slash redirects). */
  private async post(body: string, exchange: Exchange, authorization: string | undefined): Promise<BackendResponse> {
    const timeoutMs = exchange.requestId === undefined || exchange.initialize ? this.opts.connectTimeoutMs : REQUEST_HEADERS_TIMEOUT_MS;
    for (let hop = 0; ; hop++) {
      const res = await this.opts.http.request(this.url, {
        method: 'POST',
        headers: this.headers({ 'content-type': 'application/json', accept: ACCEPT_BOTH }, authorization),
        body,
        timeoutMs,
        signal: exchange.abort.signal,
      });
      const next = redirectTarget(res, this.url, this.url.origin, hop);
      if (!next) return res;
      res.body.resume();
      this.opts.onRepair('backend_redirect_followed', { from: this.url.pathname, to: next.pathname });
      this.url = next;
      this.opts.onMoved(next);
    }
  }

  /** Reads the answer to a POST; true when an SSE body goes on streaming after `send` resolves. */
  private async onAnswer(res: BackendResponse, exchange: Exchange): Promise<boolean> {
    const sentWithSession = this.session.started;
    if (res.status < 200 || res.status >= 300) {
      const body = await readText(res.body, 4096).catch(() => '');
      if (exchange.initialize) {
        const modern = modernRevisionsOf(res.status, body);
        if (modern) throw modernOnly(res.status, modern);
      }
      throw this.refusal(res.status, body, 'POST', headerOf(res, 'www-authenticate'), sentWithSession);
    }
    if (exchange.initialize) this.session.capture(res);
    const type = mediaType(res);
    if (type === 'text/event-stream') {
      const done = readPostStream(this, res.body, exchange).finally(() => this.exchanges.delete(exchange));
      if (!exchange.initialize) {
        done
          .then((failed) => failed && this.failExchange(exchange, failed))
          .catch((e: unknown) => this.log.error({ reason: 'internal_error', err: e }, 'reading a backend response stream failed'));
        return true;
      }
      // The handshake waits for its answer anyway: a stream that fails before it fails the send, so the
      // client gets a 502 rather than an error inside a 200.
      const answered = new Promise<undefined>((resolve) => (exchange.onAnswered = () => resolve(undefined)));
      const failed = await Promise.race([done, answered]);
      if (!exchange.answered) throw failed ?? channelClosed();
      return true;
    }
    if (type === 'application/json') {
      // Whole, up to limits.maxMessageBytes: a larger answer fails this request (never a silent cut).
      const text = await readMessageBody(res.body, this.opts.maxMessageBytes);
      if (text.trim() !== '') this.deliver(text, exchange);
    } else {
      res.body.resume(); // back to the pool once drained
    }
    if (!exchange.answered) {
      throw new ProxyError(
        'ERR_BACKEND_PROTOCOL',
        'backend_no_response',
        `the backend answered a request with HTTP ${res.status} and ${type || 'no body'} but no JSON-RPC response (expected application/json or text/event-stream)`,
      );
    }
    return false;
  }

  /** Turns a backend's refusal into a ProxyError; a session the backend no longer knows ends the channel. */
  refusal(status: number, body: string, method: 'POST' | 'GET', wwwAuthenticate: string | undefined, sentWithSession: boolean): ProxyError {
    const error = refusalError(status, body, `${method} ${safeUrl(this.url)}`, wwwAuthenticate, sentWithSession);
    if (error.code === 'ERR_BACKEND_SESSION_LOST') this.lose(error);
    return error;
  }

  /** Parses a JSON body or SSE data (one message or a batch) and hands each message up. */
  deliver(text: string, exchange?: Exchange): void {
    if (this.closed) return;
    const problem = (reason: DecodeProblem, bytes: number) => {
      if (reason === 'backend_json_too_deep') this.opts.limitHit('maxJsonDepth');
      this.log.warn({ reason, bytes }, DECODE_PROBLEM_TEXT[reason]);
    };
    this.opts.traffic?.received(Buffer.byteLength(text));
    for (const m of decodeMessages(text, this.opts.maxJsonDepth, problem)) {
      if (exchange && isResponse(m) && m.id === exchange.requestId) {
        exchange.answered = true;
        if (exchange.initialize) this.session.negotiated(m);
        exchange.onAnswered?.();
      }
      // On a request's POST stream, everything relates to that request (a server→client request
      // included): the link routes it to the session that made it.
      this.handlers.onMessage(m, exchange?.requestId);
    }
  }

  oversize(exchange?: Exchange): OversizeCallbacks {
    return oversizeCallbacks({
      maxBytes: this.opts.maxMessageBytes,
      log: this.log,
      report: (err) => this.opts.report(err),
      limitHit: (limit) => this.opts.limitHit(limit),
      deliver: (answer) => this.deliver(JSON.stringify(answer), exchange),
      unwrap: sseData,
    });
  }

  reading(body: IncomingMessage): () => void {
    return this.flow.reading(body);
  }

  /** Backpressure: stop reading every response stream while the client is not reading its own. */
  pause(): void {
    this.flow.pause();
  }

  resume(): void {
    this.flow.resume();
  }

  /** A GET on the MCP endpoint for an SSE stream: the standalone stream, or a resumption. */
  get(extra: Record<string, string>, signal: AbortSignal): Promise<BackendResponse> {
    return this.opts.http.request(this.url, {
      method: 'GET',
      headers: this.headers({ accept: 'text/event-stream', 'cache-control': 'no-cache', ...extra }),
      timeoutMs: this.opts.connectTimeoutMs,
      signal,
    });
  }

  get hasSession(): boolean {
    return this.session.started;
  }

  /** A request's exchange ended unanswered: answer it with `error`, so the client's POST ends too. */
  private failExchange(exchange: Exchange, error: ProxyError): void {
    if (this.closed || exchange.answered || exchange.requestId === undefined) return;
    exchange.answered = true;
    if (error.reason !== 'request_cancelled') this.log.warn({ reason: error.reason, code: error.code, errorId: error.errorId }, error.message);
    this.handlers.onMessage(error.toJsonRpc(exchange.requestId));
  }

  private cancel(requestId: JsonRpcId | undefined): void {
    // The backend will never answer a cancelled request (JSON mode would hold the POST forever, SSE
    // mode its stream): stop waiting for it.
    for (const ex of this.exchanges) {
      if (requestId === undefined || ex.requestId !== requestId || ex.answered) continue;
      ex.cancelled = true;
      ex.abort.abort();
    }
  }

  private openGetStream(): void {
    if (this.getStarted || this.closed) return;
    this.getStarted = true;
    runGetStream(this, this.getAbort.signal).catch((e: unknown) =>
      this.log.error({ reason: 'internal_error', err: e }, "reading the backend's GET stream failed"),
    );
  }

  /** `authorization`: the credential of the client request this POST carries (auth passthrough). */
  private headers(extra: Record<string, string>, given?: string): Record<string, string> {
    // Our own Host (from the URL) and no Origin: backends that guard against DNS rebinding accept
    // only their own names.
    const authorization = given ?? this.opts.credentials?.();
    return {
      ...this.opts.headers,
      ...(authorization ? { authorization } : {}),
      ...this.session.headers(),
      ...extra,
    };
  }

  private abortAll(): void {
    this.getAbort.abort();
    for (const ex of this.exchanges) ex.abort.abort();
    this.exchanges.clear();
  }

  /** The backend session is gone: end everything and tell the session once, so it re-initializes. */
  lose(cause: ProxyError): void {
    if (this.closed) return;
    this.closed = true;
    this.abortAll();
    queueMicrotask(() => this.handlers.onClose(cause));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abortAll();
    await this.session.end(this.opts.http, this.url, this.headers({}));
  }
}
