// One client-facing MCP session and its backend channel. The client keeps its session id for the
// session's whole life; when the backend channel drops (stream ended, backend restarted), the session
// reconnects with backoff and replays the client's `initialize` and `notifications/initialized`
// (design §4; spec notes §3 U6). Only requests in flight at the drop fail.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Channel, SendOptions } from '../backends/channel.js';
import { SessionCredentials } from './session-credentials.js';
import { ProxyError, toProxyError } from '../errors/proxy-error.js';
import {
  isRequest,
  isResponse,
  progressTokenOf,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from '../jsonrpc/message.js';
import { Correlator } from './correlator.js';
import { Outbox } from './outbox.js';
import { Backpressure } from './backpressure.js';
import type { MessageSink } from './sink.js';
import { Backoff } from './backoff.js';
import { DEFAULT_CLIENT_INFO, INITIALIZED, type SessionOptions } from './session-options.js';
import { needsInitialized } from './handshake-repair.js';
import { requestOnChannel } from './internal-request.js';

export { DEFAULT_CLIENT_INFO, type SessionOptions };

type State = 'new' | 'ready' | 'reconnecting' | 'closed';

export class Session {
  /** Client-facing id: a UUID, visible ASCII only (spec 2025-11-25 L203-204). Never sent to a backend. */
  readonly id: string;
  readonly createdAt = Date.now();
  /** The client's address when the session counts against the per-client cap (released at close). */
  readonly client: string | undefined;
  lastActivity = Date.now();
  /** The version the backend answered to the client's `initialize`. */
  protocolVersion: string | undefined;

  private state: State = 'new';
  private channel: Channel | undefined;
  private ready: Promise<void> | undefined;
  private readonly correlator = new Correlator();
  private readonly outbox: Outbox;
  private readonly backpressure: Backpressure;
  private clientInitialize: JsonRpcRequest | undefined;
  /** `notifications/initialized` reached the current backend channel (from the client or injected). */
  private initializedSent = false;
  private injecting: Promise<void> | undefined;
  /** Resource uris the client subscribed to: a new backend channel knows none of them. */
  private readonly subscriptions = new Set<string>();
  private readonly repairsSeen = new Set<string>();
  private readonly backoff: Backoff;
  /** Auth passthrough only: the principal the session belongs to and its latest credential. */
  private readonly credentials: SessionCredentials | undefined;
  /** Why the last reconnect attempt failed, told to clients whose requests wait in vain. */
  private lastReconnectError: ProxyError | undefined;
  readonly log: Logger;

  constructor(private readonly opts: SessionOptions) {
    this.id = opts.id ?? randomUUID();
    this.client = opts.client;
    this.credentials = opts.passCredentials ? new SessionCredentials() : undefined;
    this.outbox = new Outbox(opts.maxBufferedMessages, opts.streamBufferBytes);
    this.backpressure = new Backpressure({
      limitBytes: opts.streamBufferBytes,
      stallMs: opts.streamStallTimeoutMs,
      channel: () => this.channel,
      onOverflow: (sink, queued, paused) => {
        this.opts.errors.limitHit('streamBufferBytes');
        const suppressed = this.opts.errors.limiter.take('stream_buffer_full');
        if (suppressed === false) return;
        this.log.warn(
          { reason: 'stream_buffer_full', limit: 'streamBufferBytes', stream: sink.kind, queuedBytes: queued, backendPaused: paused, ...(suppressed ? { suppressed } : {}) },
          'a client stopped reading its stream: ended it (limits.streamBufferBytes); it can resume with Last-Event-ID',
        );
      },
    });
    this.backoff = new Backoff(opts.reconnectInitialDelayMs, opts.reconnectMaxDelayMs);
    this.log = opts.log.child({ sessionId: this.id, route: opts.route });
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  get openStreams(): number {
    return this.outbox.openStreams;
  }

  get inFlight(): number {
    return this.correlator.size;
  }

  /** Requests whose client is still connected and waiting: they keep the session from idling out. */
  get waitingClients(): number {
    return this.correlator.waitingClients();
  }

  /**
   * Gives up on requests the backend has not answered within limits.requestTimeout (progress moves
   * the deadline): the client gets an error, the backend `notifications/cancelled` so it can stop
   * working, and the entry is freed (a backend that never answers must not hold memory for ever).
   */
  expireRequests(now: number): void {
    for (const entry of this.correlator.takeExpired(now)) {
      const err = new ProxyError('ERR_BACKEND_TIMEOUT', 'request_timeout', `the backend did not answer ${entry.method} within limits.requestTimeout (${this.opts.requestTimeoutMs} ms)`, { limit: 'requestTimeout' });
      this.report(err, { method: entry.method });
      entry.sink.respond(err.toJsonRpc(entry.clientId), err);
      const cancel = { jsonrpc: '2.0' as const, method: 'notifications/cancelled', params: { requestId: entry.backendId, reason: 'timed out at the proxy (limits.requestTimeout)' } };
      this.channel?.send(cancel).catch((e: unknown) => this.log.debug({ reason: 'cancel_failed' }, toProxyError(e).message));
    }
  }

  touch(): void {
    this.lastActivity = Date.now();
  }

  /**
   * Opens the backend channel and forwards the client's `initialize`. Resolves with the backend's
   * answer (the client's id restored); throws a ProxyError when the backend cannot be reached.
   */
  start(initialize: JsonRpcRequest): Promise<JsonRpcResponse> {
    const started = this.open(initialize);
    // Messages that arrive while the handshake runs (legacy clients may POST without waiting) wait for it.
    this.ready = started.then(
      () => undefined,
      () => undefined,
    );
    return started;
  }

  /** The client's `initialize` params, as replayed to backends (and recorded for a takeover). */
  get initializeParams(): Record<string, unknown> | undefined {
    return this.clientInitialize?.params;
  }

  /**
   * Re-creates a session another replica held (it is gone): replays the recorded `initialize` on a
   * new backend channel, then `notifications/initialized` (the client sent it long ago).
   */
  async resume(params: Record<string, unknown>): Promise<void> {
    const response = await this.start({ jsonrpc: '2.0', id: 'frontdoor-resume', method: 'initialize', params });
    if (response.error) {
      throw new ProxyError('ERR_BACKEND_PROTOCOL', 'replayed_initialize_rejected', `the backend rejected the replayed initialize: ${response.error.message}`);
    }
    this.initializedSent = true;
    await this.channel?.send(INITIALIZED);
  }

  get started(): boolean {
    return this.ready !== undefined || this.state !== 'new';
  }

  /**
   * Handshakes with the backend for a client that sends requests without ever sending `initialize`
   * (an SSE client that silently reconnected: typescript-sdk#510, python-sdk#1844), using a default
   * identity, then sends `notifications/initialized`.
   */
  async startOnBehalf(protocolVersion: string): Promise<void> {
    this.repair('initialize_synthesized', { protocolVersion, clientInfo: DEFAULT_CLIENT_INFO });
    const response = await this.start({
      jsonrpc: '2.0',
      id: 'frontdoor-initialize',
      method: 'initialize',
      params: { protocolVersion, capabilities: {}, clientInfo: DEFAULT_CLIENT_INFO },
    });
    if (response.error) {
      throw new ProxyError('ERR_BACKEND_PROTOCOL', 'synthesized_initialize_rejected', `the backend rejected the initialize the proxy sent for this client: ${response.error.message}`);
    }
    this.initializedSent = true;
    await this.channel?.send(INITIALIZED);
  }

  private channelHandlers() {
    return { onMessage: (m: JsonRpcMessage) => this.onBackendMessage(m), onClose: (cause: ProxyError) => this.onChannelClose(cause) };
  }

  private channelContext() {
    const credentials = this.credentials;
    return credentials ? { credentials: () => credentials.current() } : {};
  }

  /**
   * Auth passthrough: checks the credential of one client request (session-credentials.ts); always
   * passes when the route does not pass credentials to its backend (they then never leave the proxy).
   */
  authorize(authorization: string | undefined): ProxyError | undefined {
    return this.credentials?.check(authorization);
  }

  private repair(reason: string, detail: Record<string, unknown>): void {
    const first = !this.repairsSeen.has(reason);
    this.repairsSeen.add(reason);
    this.opts.onRepair(this, reason, detail, first);
  }

  private async open(initialize: JsonRpcRequest): Promise<JsonRpcResponse> {
    this.clientInitialize = initialize;
    this.channel = await this.opts.connector.connect(this.channelHandlers(), this.channelContext());
    const response = await this.internalRequest('initialize', initialize.params ?? {});
    const result = response.result as { protocolVersion?: unknown } | undefined;
    if (typeof result?.protocolVersion === 'string') this.protocolVersion = result.protocolVersion;
    if (!response.error) this.state = 'ready';
    // The idle clock starts when the session is usable, not when a slow backend began starting.
    this.touch();
    if (!response.error && this.opts.onStarted) await this.opts.onStarted(this);
    return { ...response, id: initialize.id };
  }

  /**
   * Forwards client messages (one POST body) to the backend. Responses to requests go to `sink`.
   * Resolves when the backend accepted every message; requests that could not be sent are answered
   * on the sink with an error. Returns the first error for notifications/responses, if any.
   */
  async submit(messages: JsonRpcMessage[], sink: MessageSink, authorization?: string): Promise<ProxyError | undefined> {
    // The client's messages reach the backend with the credential of the request that carried them.
    const send: SendOptions = this.opts.passCredentials && authorization !== undefined ? { authorization } : {};
    this.touch();
    const channel = await this.channelReady().catch((e: unknown) => toProxyError(e));
    if (channel instanceof ProxyError) {
      const requests = messages.filter(isRequest);
      // Answered here, so logged here; an error for notifications only is the caller's to report.
      if (requests.length > 0) this.report(channel, { method: requests[0]!.method });
      for (const m of requests) sink.respond(channel.toJsonRpc(m.id), channel);
      return channel;
    }
    if (this.opts.repairHandshake && !this.initializedSent && this.state === 'ready' && needsInitialized(messages)) {
      // Strict servers (Python SDK < 1.18) answer -32602 to every request before `initialized`;
      // Claude Code's SSE client never sends it (claude-code#58759). Send it first, once.
      this.initializedSent = true;
      this.repair('initialized_injected', { before: messages.find(isRequest)?.method });
      this.injecting = channel.send(INITIALIZED).catch((e: unknown) => {
        this.initializedSent = false;
        this.log.warn({ reason: 'initialized_injection_failed' }, toProxyError(e).message);
      });
    }
    // Requests racing the injection must not overtake it.
    if (this.injecting) await this.injecting;
    let firstError: ProxyError | undefined;
    const sends: Promise<void>[] = [];
    for (const m of messages) {
      const outgoing = this.prepare(m, sink);
      if (outgoing === undefined) continue;
      sends.push(
        this.forward(channel, outgoing, send).catch((e: unknown) => {
          const err = toProxyError(e);
          if (isRequest(m) && isRequest(outgoing)) {
            const entry = this.correlator.take(outgoing.id);
            if (entry) {
              this.report(err, { method: m.method });
              sink.respond(err.toJsonRpc(m.id), err);
            }
          } else if (err.code !== 'ERR_BACKEND_SESSION_LOST') firstError ??= err;
          // A notification meant for a backend session that is gone is moot: the replay sends
          // `initialized` again, and cancels or answers for the old session have nothing to reach.
          else this.log.debug({ ...err.logFields(), method: 'method' in m ? m.method : undefined }, err.message);
        }),
      );
    }
    await Promise.all(sends);
    return firstError;
  }

  /**
   * Sends one message. A request refused because the backend no longer knows our session (404, an
   * expired Streamable HTTP session) was refused before it ran — servers check the session first — so
   * it is sent again, once, on the re-initialized channel: the client never sees the expiry.
   */
  private async forward(channel: Channel, outgoing: JsonRpcMessage, send: SendOptions): Promise<void> {
    try {
      await channel.send(outgoing, send);
    } catch (e) {
      const err = toProxyError(e);
      if (err.code !== 'ERR_BACKEND_SESSION_LOST' || !isRequest(outgoing) || outgoing.method === 'initialize' || this.state === 'closed') throw err;
      // Let the channel's onClose start the reconnect before waiting for it.
      await new Promise((r) => setImmediate(r));
      const next = await this.channelReady();
      if (next === channel) throw err;
      this.repair('request_retried_after_reinitialize', { method: outgoing.method });
      return this.forward(next, outgoing, send);
    }
    if (!isRequest(outgoing)) return;
    const entry = this.correlator.markAccepted(outgoing.id as number);
    // Accepted by a channel that has meanwhile dropped: its answer can no longer come.
    if (entry && this.channel !== channel) {
      throw new ProxyError('ERR_BACKEND_DISCONNECTED', 'backend_stream_ended', 'the backend connection dropped while this request was in flight');
    }
  }

  /** Rewrites one client message for the backend; undefined when it must not be forwarded. */
  private prepare(m: JsonRpcMessage, sink: MessageSink): JsonRpcMessage | undefined {
    if (isResponse(m)) return m; // answer to a server→client request: ids are the backend's own
    if (isRequest(m)) {
      const uri = m.params?.uri;
      if (typeof uri === 'string' && m.method === 'resources/subscribe') this.subscriptions.add(uri);
      if (typeof uri === 'string' && m.method === 'resources/unsubscribe') this.subscriptions.delete(uri);
      const backendId = this.correlator.addClient(m.id, m.method, sink, progressTokenOf(m), Date.now() + this.opts.requestTimeoutMs);
      return { ...m, id: backendId };
    }
    if (m.method === 'notifications/initialized') {
      if (this.initializedSent) {
        if (this.opts.repairHandshake) {
          this.repair('duplicate_initialized_dropped', {});
          return undefined;
        }
        return m;
      }
      this.initializedSent = true;
      return m;
    }
    if (m.method === 'notifications/cancelled') {
      const requestId = m.params?.requestId as JsonRpcId | undefined;
      const backendId = requestId === undefined ? undefined : this.correlator.backendIdOf(requestId);
      // An unmapped id would cancel whatever request happens to carry that id upstream: drop it.
      if (backendId === undefined) return undefined;
      return { ...m, params: { ...m.params, requestId: backendId } };
    }
    return m;
  }

  /** Attaches the client's GET stream; an older GET stream of this session is ended. */
  attachStandalone(sink: MessageSink): void {
    this.touch();
    const previous = this.outbox.attachStandalone(sink);
    previous?.end();
  }

  attachRequestStream(sink: MessageSink): void {
    this.outbox.attachRequestStream(sink);
  }

  detach(sink: MessageSink): void {
    this.outbox.detach(sink);
    this.touch();
  }

  private onBackendMessage(m: JsonRpcMessage): void {
    if (isResponse(m)) {
      const entry = this.correlator.take(m.id);
      if (!entry) {
        this.log.warn({ reason: 'unknown_response_id', id: m.id }, 'dropped a backend response that answers no pending request');
        return;
      }
      if (entry.internal) {
        entry.resolve(m);
        return;
      }
      const delivered = entry.sink.respond({ ...m, id: entry.clientId });
      if (!delivered) {
        this.opts.metrics.inc('frontdoor_undeliverable_total', { route: this.opts.route, reason: 'client_gone' });
        this.log.debug({ reason: 'client_gone', method: entry.method }, 'the client left before its response arrived');
      } else this.backpressure.check(entry.sink);
      return;
    }
    if (m.method === 'notifications/progress') {
      const token = m.params?.progressToken as JsonRpcId | undefined;
      const owner = token === undefined ? undefined : this.correlator.progressed(token, Date.now() + this.opts.requestTimeoutMs);
      if (owner?.sink.open && owner.sink.deliver(m)) {
        this.backpressure.check(owner.sink);
        return;
      }
    }
    const routed = this.outbox.route(m);
    if (typeof routed === 'object') this.backpressure.check(routed);
    else if (routed === 'dropped') {
      this.opts.metrics.inc('frontdoor_undeliverable_total', { route: this.opts.route, reason: 'buffer_full' });
      this.log.warn({ reason: 'buffer_full', buffered: this.outbox.buffered }, 'client has no open stream and the buffer is full: dropped the oldest message');
    }
  }

  private onChannelClose(cause: ProxyError): void {
    this.channel = undefined;
    if (this.state === 'closed') return;
    this.opts.metrics.inc('frontdoor_backend_drops_total', { route: this.opts.route, reason: cause.reason });
    // One error, one errorId, one log line for every request that was in flight on the lost channel.
    const err = new ProxyError('ERR_BACKEND_DISCONNECTED', cause.reason, `the backend connection dropped while this request was in flight (${cause.message})`, cause.detail === undefined ? {} : { detail: cause.detail });
    err.route = this.opts.route;
    // While the session starts, the caller of start() reports the failure (same error, same errorId).
    if (this.state !== 'new') this.log.warn({ ...err.logFields(), inFlight: this.correlator.size }, `backend channel lost: ${cause.message}`);
    this.failInFlight(err, true);
    // 'new': start() is waiting and sees the failure; 'reconnecting': the running loop retries.
    if (this.state !== 'ready') return;
    this.state = 'reconnecting';
    // The backend that says it lost our session is up: re-handshake at once, no backoff first.
    this.ready = this.reconnect(cause.code === 'ERR_BACKEND_SESSION_LOST');
  }

  private failInFlight(err: ProxyError, acceptedOnly = false): void {
    for (const entry of acceptedOnly ? this.correlator.drainAccepted() : this.correlator.drain()) {
      if (entry.internal) entry.fail(err);
      else entry.sink.respond(err.toJsonRpc(entry.clientId), err);
    }
  }

  private async reconnect(immediately = false): Promise<void> {
    this.backoff.reset();
    const since = Date.now();
    for (let attempt = 1; this.state === 'reconnecting'; attempt++) {
      if (!(immediately && attempt === 1)) await this.backoff.wait();
      if (this.state !== 'reconnecting') return;
      if (this.opts.reconnectGiveUpMs > 0 && Date.now() - since > this.opts.reconnectGiveUpMs) {
        // A backend that stays down (a stdio server crashing at start, a host gone) must not be
        // retried forever for a session an open GET stream keeps alive: end it; the client's next
        // request gets 404 and re-initializes, and sees the backend's state then.
        this.log.warn({ reason: 'backend_unrecoverable', attempts: attempt - 1, lastError: this.lastReconnectError?.message }, 'giving up reconnecting; closing the session');
        void this.close('backend_unrecoverable');
        return;
      }
      try {
        await this.rehandshake();
        this.state = 'ready';
        this.opts.metrics.inc('frontdoor_backend_reconnects_total', { route: this.opts.route });
        this.log.info({ attempt, reason: 'backend_reconnected' }, 'backend channel re-established; initialize replayed');
        return;
      } catch (e) {
        const err = toProxyError(e);
        this.lastReconnectError = err;
        this.log.debug({ attempt, reason: err.reason }, `reconnect attempt failed: ${err.message}`);
      }
    }
  }

  /** Opens a new channel and replays the client's handshake on it. */
  private async rehandshake(): Promise<void> {
    const channel = await this.opts.connector.connect(this.channelHandlers(), this.channelContext());
    if (this.state === 'closed') {
      await channel.close();
      return;
    }
    this.channel = channel;
    const response = await this.internalRequest('initialize', this.clientInitialize?.params ?? {});
    if (response.error) {
      await channel.close();
      this.channel = undefined;
      throw new ProxyError('ERR_BACKEND_PROTOCOL', 'replayed_initialize_rejected', `the backend rejected the replayed initialize: ${response.error.message}`);
    }
    // Replay exactly what the backend saw before: `initialized` only if it was sent (by the client
    // or injected); a fresh channel has not seen it yet.
    const replayInitialized = this.initializedSent;
    this.initializedSent = false;
    if (replayInitialized) {
      await channel.send(INITIALIZED);
      this.initializedSent = true;
    }
    // Subscriptions lived in the old backend session: renew them, or resources/updated stops.
    for (const uri of this.subscriptions) {
      const answer = await this.internalRequest('resources/subscribe', { uri }).catch((e: unknown) => toProxyError(e).toJsonRpc(null));
      if (answer.error) this.log.warn({ reason: 'resubscribe_failed', uri }, `could not renew a resource subscription: ${answer.error.message}`);
    }
  }

  /** The channel, waiting (bounded) while a reconnect is under way. */
  private async channelReady(): Promise<Channel> {
    if (this.state === 'closed') throw new ProxyError('ERR_SESSION_CLOSED', 'session_closed', 'the session was closed');
    if (this.channel && this.state === 'ready') return this.channel;
    if (this.ready === undefined) throw new ProxyError('ERR_SESSION_CLOSED', 'session_not_started', 'the session has not been initialized');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const last = this.lastReconnectError ? `: ${this.lastReconnectError.message}` : '';
        reject(new ProxyError('ERR_BACKEND_UNAVAILABLE', 'backend_reconnecting', `the backend is unreachable and the proxy is reconnecting${last}`));
      }, this.opts.connectTimeoutMs);
    });
    try {
      await Promise.race([this.ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (!this.channel || this.state !== 'ready') throw new ProxyError('ERR_SESSION_CLOSED', 'session_closed', 'the session was closed');
    return this.channel;
  }

  /** Counts and logs an error a client of this session is answered with (once, with its errorId). */
  private report(err: ProxyError, fields: Record<string, unknown>): void {
    if (err.code.startsWith('ERR_BACKEND_')) err.route ??= this.opts.route;
    this.opts.errors.report(err, fields, this.log);
  }

  /** A request the proxy itself makes to the backend, answered through the correlator. */
  private internalRequest(method: string, params: Record<string, unknown>): Promise<JsonRpcResponse> {
    return requestOnChannel(this.channel, this.correlator, method, params, this.opts.connectTimeoutMs);
  }

  /** Ends the session: in-flight requests fail, streams end, the backend channel closes. */
  async close(reason: string): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.backoff.cancel();
    this.backpressure.clear();
    this.failInFlight(new ProxyError('ERR_SESSION_CLOSED', reason, `the session was closed (${reason})`));
    this.outbox.endAll();
    const channel = this.channel;
    this.channel = undefined;
    await channel?.close().catch(() => undefined);
    this.opts.onClosed(this, reason);
  }
}
