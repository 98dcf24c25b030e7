// A channel to a Streamable HTTP server that speaks only MCP 2026-07-28 (no initialize, no session, no
// GET stream), which looks handshake-era to the link above it (docs/modern-backend.md). The client's
// `initialize` is answered from `server/discover`; every request carries the per-request envelope
// and the mirrored headers (outbound.ts); `ping`, `logging/setLevel` and `resources/(un)subscribe`,
// gone in 2026-07-28, are answered here; a `subscriptions/listen` stream stands in for the GET stream
// (listen-stream.ts); an InputRequiredResult becomes server→client requests and a retry
// (input-rounds.ts). Nothing is kept between requests but what the client declared, so the channel
// never ends on its own: `onClose` is never called (a backend that goes away fails each request).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Channel, ChannelHandlers, MessageLimits, SendOptions } from '../channel.js';
import type { BackendHttpClient } from '../http-client.js';
import { BodyFlow } from '../body-flow.js';
import { ProxyError, toProxyError } from '../../errors/proxy-error.js';
import { LOG_LEVELS } from '../../era/envelope.js';
import { asJsonObject } from '../../jsonrpc/json-object.js';
import {
  errorResponse,
  isNotification,
  isRequest,
  isResponse,
  RPC_INVALID_PARAMS,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from '../../jsonrpc/message.js';
import { safeUrl } from '../../observability/logger.js';
import { handshakeResult, initializeResult, listenFilter } from './inbound.js';
import { inputRequiredOf, MAX_INPUT_ROUNDS, retryParams, tooManyRounds } from './input-rounds.js';
import { askClient, InputWaiters } from './input-waiters.js';
import { ListenStream } from './listen-stream.js';
import { clientSideOf, requestHeaders, withEnvelope, type ClientSide } from './outbound.js';
import { postRequest, type PostHost } from './post.js';
import { ToolHeaders } from '../../era/tool-headers.js';

export interface ModernHttpOptions extends MessageLimits {
  url: URL;
  headers: Record<string, string>;
  http: BackendHttpClient;
  /** Time allowed for the answer's headers to `server/discover` and the listen stream. */
  connectTimeoutMs: number;
  /** limits.requestTimeout: a request's answer headers, and the wait for the client's input. */
  requestTimeoutMs: number;
  reconnect: { initialMs: number; maxMs: number };
  log: Logger;
  /** The client's Authorization header, for the channel's own requests (auth passthrough). */
  credentials?: () => string | undefined;
  /** The backend failed (unreachable, or refused `server/discover`): era detection starts over. */
  onBackendFailure?(): void;
}

/** One client request in flight: its POSTs and its input rounds end together on cancellation. */
interface Call {
  readonly abort: AbortController;
}

const channelClosed = () => new ProxyError('ERR_BACKEND_DISCONNECTED', 'backend_channel_closed', 'the backend connection is closed');

export class ModernHttpChannel implements Channel {
  readonly description: string;
  private readonly log: Logger;
  private closed = false;
  private client: ClientSide = clientSideOf(undefined);
  private serverCaps: Record<string, unknown> = {};
  private readonly subscribed = new Set<string>();
  private readonly tools = new ToolHeaders();
  private readonly calls = new Map<JsonRpcId, Call>();
  private readonly waiters: InputWaiters;
  private readonly flow = new BodyFlow();
  private readonly host: PostHost;
  private readonly listen: ListenStream;
  private listening = false;

  constructor(
    private readonly opts: ModernHttpOptions,
    private readonly handlers: ChannelHandlers,
  ) {
    this.description = `streamable-http (2026-07-28) ${safeUrl(opts.url)}`;
    this.log = opts.log.child({ backend: safeUrl(opts.url) });
    this.waiters = new InputWaiters(`mrtr-${randomBytes(4).toString('hex')}`);
    this.host = {
      ...opts,
      log: this.log,
      headers: (authorization) => {
        const credential = authorization ?? opts.credentials?.();
        return { ...opts.headers, ...(credential ? { authorization: credential } : {}) };
      },
      reading: (body: IncomingMessage) => this.flow.reading(body),
    };
    this.listen = new ListenStream({
      host: this.host,
      log: this.log,
      connectTimeoutMs: opts.connectTimeoutMs,
      backoff: opts.reconnect,
      request: (filter) => {
        const params = withEnvelope({ notifications: filter }, this.client);
        return { params, headers: requestHeaders('subscriptions/listen', params) };
      },
      deliver: (m) => {
        if (!this.closed) this.handlers.onMessage(m);
      },
    });
  }

  async send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (this.closed) throw channelClosed();
    if (isRequest(message)) return this.request(message, options);
    if (isResponse(message)) {
      // The client's answer to an input request; one nobody waits for any more is dropped.
      if (!this.waiters.answer(message))
        this.log.debug({ reason: 'unknown_input_answer', id: message.id }, 'dropped an answer to an input request nobody waits for');
      return;
    }
    if (isNotification(message)) {
      // MCP 2026-07-28 defines no client notification over HTTP: each is either acted on here or dropped.
      if (message.method === 'notifications/initialized') {
        this.listening = true;
        this.relisten();
      } else if (message.method === 'notifications/cancelled') {
        // Streamable HTTP, Cancellation (2026-07-28): closing the response stream is the cancellation.
        const id = message.params?.requestId as JsonRpcId | undefined;
        if (id !== undefined) this.calls.get(id)?.abort.abort();
      }
    }
  }

  private async request(m: JsonRpcRequest, options: SendOptions): Promise<void> {
    switch (m.method) {
      case 'initialize':
        return this.initialize(m, options);
      case 'ping':
        return this.reply(m.id, {});
      case 'logging/setLevel': {
        // Gone in 2026-07-28 (Changelog): the level rides in every later request's `_meta` instead.
        const level = m.params?.level;
        if (!(LOG_LEVELS as readonly unknown[]).includes(level)) {
          return this.answer(errorResponse(m.id, RPC_INVALID_PARAMS, `Invalid params: level must be one of ${LOG_LEVELS.join(', ')}`));
        }
        this.client = { ...this.client, logLevel: level as ClientSide['logLevel'] };
        return this.reply(m.id, {});
      }
      case 'resources/subscribe':
      case 'resources/unsubscribe': {
        const uri = m.params?.uri;
        if (typeof uri !== 'string') return this.answer(errorResponse(m.id, RPC_INVALID_PARAMS, 'Invalid params: uri must be a string'));
        if (m.method === 'resources/subscribe') this.subscribed.add(uri);
        else this.subscribed.delete(uri);
        this.relisten();
        return this.reply(m.id, {});
      }
      default:
        return this.forward(m, options);
    }
  }

  /** `initialize` answered from `server/discover` (MCP 2026-07-28, server/discover). */
  private async initialize(m: JsonRpcRequest, options: SendOptions): Promise<void> {
    this.client = clientSideOf(m.params);
    const params = withEnvelope({}, this.client);
    let answer: JsonRpcResponse;
    try {
      answer = await this.post(m.id, 'server/discover', params, options, new AbortController().signal, this.opts.connectTimeoutMs);
    } catch (e) {
      this.opts.onBackendFailure?.();
      throw e;
    }
    if (answer.error !== undefined || asJsonObject(answer.result) === undefined) {
      this.opts.onBackendFailure?.();
      return this.answer({
        jsonrpc: '2.0',
        id: m.id,
        error: answer.error ?? { code: -32603, message: 'the backend answered server/discover without a result' },
      });
    }
    const discover = answer.result!;
    this.serverCaps = asJsonObject(discover.capabilities) ?? {};
    this.log.debug({ reason: 'backend_discovered', versions: discover.supportedVersions }, 'initialize answered from server/discover');
    return this.reply(m.id, initializeResult(discover, m.params?.protocolVersion));
  }

  /**
   * A request forwarded with the envelope; resolves once the backend accepted it, and answers it
   * later: after as many input rounds as the backend asks for (bounded), or with the error that ended it.
   */
  private forward(m: JsonRpcRequest, options: SendOptions): Promise<void> {
    const call: Call = { abort: new AbortController() };
    this.calls.set(m.id, call);
    return new Promise<void>((accepted, refused) => {
      let isAccepted = false;
      const accept = () => {
        isAccepted = true;
        accepted();
      };
      this.run(m, call, options, accept)
        .then((response) => this.answer(response))
        .catch((e: unknown) => {
          const err = toProxyError(e);
          if (err.code === 'ERR_BACKEND_UNAVAILABLE') this.opts.onBackendFailure?.();
          if (!isAccepted) return refused(err);
          if (err.reason !== 'request_cancelled') this.log.warn({ ...err.logFields() }, err.message);
          if (err.code !== 'ERR_BACKEND_DISCONNECTED' && err.code !== 'ERR_BACKEND_TIMEOUT') this.opts.report(err);
          this.answer(err.toJsonRpc(m.id));
        })
        .finally(() => this.calls.delete(m.id));
    });
  }

  private async run(m: JsonRpcRequest, call: Call, options: SendOptions, accept: () => void): Promise<JsonRpcResponse> {
    let params = withEnvelope(m.params, this.client);
    for (let round = 0; round <= MAX_INPUT_ROUNDS; round++) {
      // A retry is a new request (Multi Round-Trip Requests, Retrying): a new id, answered on its own POST.
      const id = round === 0 ? m.id : `${String(m.id)}.${round}`;
      const answer = await this.post(id, m.method, params, options, call.abort.signal, this.opts.requestTimeoutMs, m.id, round === 0 ? accept : undefined);
      if (answer.error !== undefined) return { jsonrpc: '2.0', id: m.id, error: answer.error };
      const result = asJsonObject(answer.result) ?? {};
      const asked = inputRequiredOf(m.method, result);
      if (asked === undefined) {
        if (m.method === 'tools/list') this.learnTools(result);
        return { jsonrpc: '2.0', id: m.id, result: handshakeResult(result) };
      }
      if (asked instanceof ProxyError) throw asked;
      const responses = await askClient(this.waiters, asked.requests, {
        deliver: (request) => this.handlers.onMessage(request, m.id),
        signal: call.abort.signal,
        timeoutMs: this.opts.requestTimeoutMs,
      });
      params = retryParams(params, responses, asked.requestState);
    }
    throw tooManyRounds(m.method);
  }

  private post(
    id: JsonRpcId,
    method: string,
    params: Record<string, unknown>,
    options: SendOptions,
    signal: AbortSignal,
    timeoutMs: number,
    related: JsonRpcId = id,
    onAccepted?: () => void,
  ): Promise<JsonRpcResponse> {
    const headers = requestHeaders(method, params, method === 'tools/call' ? this.tools.of(params.name) : []);
    return postRequest(this.host, {
      id,
      method,
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
      headers,
      authorization: options.authorization,
      signal,
      timeoutMs,
      // Whatever the answer stream carries besides the response belongs to the request (progress, logs).
      onRelated: (x) => {
        if (isNotification(x) && !this.closed) this.handlers.onMessage(x, related);
        else this.log.debug({ reason: 'backend_unexpected_message', related }, 'dropped a message on a response stream that is not a notification');
      },
      ...(onAccepted ? { onAccepted } : {}),
    });
  }

  private learnTools(result: Record<string, unknown>): void {
    for (const problem of this.tools.learn(result)) {
      this.log.warn({ reason: 'backend_tool_headers_invalid' }, `a tool's x-mcp-header declarations are invalid (2026-07-28 clients drop it): ${problem}`);
    }
  }

  /** The listen filter follows the backend's capabilities and the client's subscriptions. */
  private relisten(): void {
    if (this.listening && !this.closed) this.listen.update(listenFilter(this.serverCaps, this.subscribed));
  }

  private reply(id: JsonRpcId, result: Record<string, unknown>): void {
    this.answer({ jsonrpc: '2.0', id, result });
  }

  private answer(response: JsonRpcResponse): void {
    if (!this.closed) this.handlers.onMessage(response);
  }

  pause(): void {
    this.flow.pause();
  }

  resume(): void {
    this.flow.resume();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listen.close();
    for (const call of this.calls.values()) call.abort.abort();
    this.calls.clear();
    this.waiters.clear();
  }
}
