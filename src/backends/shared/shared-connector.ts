// `share: shared` (design §4 "Sharing"): every session of a route talks to ONE backend channel (one
// stdio process, one SSE or Streamable HTTP connection). Transport-agnostic: it wraps the route's
// connector, and each `connect()` returns a per-session *view* Channel onto the one inner channel.
//
// - The inner channel opens lazily on the first connect and, after it drops, is reopened once by
//   whichever session reconnects first; every other session shares that reopen.
// - One real handshake per inner channel, with the first session's `initialize` params (its
//   clientInfo and capabilities are what the backend sees); the proxy sends `notifications/initialized`
//   itself right after. Every view's `initialize` is answered with the cached InitializeResult (the
//   negotiated protocol version included); every view's `notifications/initialized` is swallowed.
// - Ids, progress tokens and cancellations are mapped per view (multiplexer.ts); notifications and
//   server→client requests are routed by fan-out.ts.
// - Resource subscriptions are counted per uri: the backend is asked on the first subscriber and told
//   on the last unsubscribe; the others are answered locally. A session that reconnects after a drop
//   (recognised by the very `initialize` params object it replays) re-subscribes its uris.
// - When the inner channel drops, every view's `onClose` fires: in-flight requests fail and each
//   session reconnects through `connect()`. The inner channel closes when the last view closes, after
//   a short linger (a client reconnecting at once finds it still open).
// - Credentials (auth passthrough): the backend gets those of the oldest live session, else of the
//   session that opened the channel; a warning is logged once, since sharing one backend identity
//   between clients is rarely what passthrough intends.
import type { Logger } from 'pino';
import type { BackendConnector, Channel, ChannelContext, ChannelHandlers, SendOptions } from '../channel.js';
import { ProxyError, toProxyError } from '../../errors/proxy-error.js';
import { errorResponse, isRequest, isResponse, RPC_METHOD_NOT_FOUND, type JsonRpcMessage, type JsonRpcRequest, type JsonRpcResponse } from '../../jsonrpc/message.js';
import { chooseView, routeNotification } from './fan-out.js';
import { closedError, Generation, SharedView, type Member, type ViewHost } from './generation.js';

export interface SharedConnectorOptions {
  /** How long the proxy's own requests to the backend (handshake, subscriptions) may take. */
  requestTimeoutMs?: number;
  /** How long the inner channel stays open after its last session left. */
  lingerMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_LINGER_MS = 5_000;
const INITIALIZED = { jsonrpc: '2.0', method: 'notifications/initialized' } as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class SharedBackend implements BackendConnector, ViewHost {
  readonly description: string;
  private current: Generation | undefined;
  private opening: Promise<Generation> | undefined;
  private generations = 0;
  private views = 0;
  /** The `initialize` params of the first session: every real handshake uses them. */
  private handshakeParams: Record<string, unknown> | undefined;
  /** A session's `initialize` params object (replayed as-is on reconnect) → its member record. */
  private readonly members = new WeakMap<object, Member>();
  private warnedCredentials = false;
  private disposed = false;
  private readonly requestTimeoutMs: number;
  private readonly lingerMs: number;

  constructor(
    private readonly inner: BackendConnector,
    private readonly log: Logger,
    private readonly onRepair: (reason: string, detail: Record<string, unknown>) => void,
    opts: SharedConnectorOptions,
  ) {
    this.description = `shared ${inner.description}`;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.lingerMs = opts.lingerMs ?? DEFAULT_LINGER_MS;
  }

  async connect(handlers: ChannelHandlers, context: ChannelContext = {}): Promise<Channel> {
    if (this.disposed) throw new ProxyError('ERR_SHUTTING_DOWN', 'shutting_down', 'the proxy is shutting down');
    if (context.credentials && !this.warnedCredentials) {
      this.warnedCredentials = true;
      this.log.warn(
        { reason: 'shared_backend_credentials', backend: this.inner.description },
        'auth passthrough on a shared backend: the backend sees the credentials of one session (the oldest live one) for every session',
      );
    }
    const gen = await this.generation(context);
    const view = new SharedView(++this.views, gen, handlers, context, this);
    gen.views.add(view);
    clearTimeout(gen.linger);
    gen.linger = undefined;
    return view;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const gen = this.current;
    // Sessions still attached (normally there are none: they close first) are told, not left hanging.
    if (gen && gen.views.size > 0) this.backendClosed(gen, new ProxyError('ERR_SHUTTING_DOWN', 'backend_released', 'the route released its backend'), true);
    else if (gen) this.retire(gen);
    await this.inner.dispose();
  }

  /** The live inner channel, opening one if there is none; concurrent callers share one opening. */
  private generation(context: ChannelContext): Promise<Generation> {
    if (this.current?.alive) return Promise.resolve(this.current);
    this.opening ??= this.open(context).finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async open(context: ChannelContext): Promise<Generation> {
    const gen = new Generation(++this.generations, this.requestTimeoutMs);
    gen.channel = await this.inner.connect(
      { onMessage: (m) => this.fromBackend(gen, m), onClose: (cause) => this.backendClosed(gen, cause) },
      this.innerContext(gen, context),
    );
    if (this.disposed) {
      await gen.channel.close();
      throw new ProxyError('ERR_SHUTTING_DOWN', 'shutting_down', 'the proxy is shutting down');
    }
    this.current = gen;
    this.log.info({ reason: 'shared_backend_open', generation: gen.no, backend: gen.channel.description }, 'shared backend channel open');
    return gen;
  }

  private innerContext(gen: Generation, opener: ChannelContext): ChannelContext {
    const openerCredentials = opener.credentials;
    if (!openerCredentials) return {};
    return {
      credentials: () => {
        for (const v of gen.views) if (v.context.credentials) return v.context.credentials();
        return openerCredentials();
      },
    };
  }

  // -- view → backend ---------------------------------------------------------------------------

  async fromView(view: SharedView, m: JsonRpcMessage, options?: SendOptions): Promise<void> {
    const gen = view.gen;
    if (view.closed || !gen.alive) throw closedError();
    if (isRequest(m)) {
      if (m.method === 'initialize') return this.initialize(view, m);
      if (m.method === 'resources/subscribe' && typeof m.params?.uri === 'string') return this.subscribe(view, m, m.params.uri);
      if (m.method === 'resources/unsubscribe' && typeof m.params?.uri === 'string') return this.unsubscribe(view, m, m.params.uri);
      const out = gen.mux.outgoingRequest(view, view.no, m);
      try {
        // The credential of the session's own request, never another session's.
        await gen.channel.send(out, options);
      } catch (e) {
        gen.mux.forget(out.id);
        throw e;
      }
      return;
    }
    if (isResponse(m)) {
      // The answer to a server→client request: ids are the backend's own, and only the view that
      // was asked may answer.
      if (!gen.mux.outgoingResponse(view, m)) {
        this.log.debug({ reason: 'unknown_server_request_id', id: m.id }, 'dropped a client answer to a request it was not asked');
        return;
      }
      return gen.channel.send(m, options);
    }
    if (m.method === 'notifications/initialized') return; // the proxy sent the one real `initialized`
    if (m.method === 'notifications/cancelled') {
      const out = gen.mux.outgoingCancel(view, m);
      // An unmapped id would cancel another session's request: drop it.
      return out ? gen.channel.send(out, options) : undefined;
    }
    return gen.channel.send(m, options);
  }

  /** Answers a view's `initialize` from the one real handshake, performing it first if needed. */
  private async initialize(view: SharedView, m: JsonRpcRequest): Promise<void> {
    const params = m.params ?? {};
    view.capabilities = isObject(params.capabilities) ? params.capabilities : {};
    let member = this.members.get(params);
    if (!member) this.members.set(params, (member = { uris: new Set() }));
    view.member = member;
    this.handshakeParams ??= params;
    const response = await this.handshake(view.gen);
    if (view.closed) return;
    if (response.error) {
      view.handlers.onMessage({ jsonrpc: '2.0', id: m.id, error: response.error });
      return;
    }
    view.ready = true;
    view.handlers.onMessage({ jsonrpc: '2.0', id: m.id, result: response.result ?? {} });
    // A session back after a drop: its subscriptions are re-sent on the new channel.
    for (const uri of member.uris) {
      view.gen.subscribe(view, uri).then(
        (r) => {
          if (r.error) this.log.warn({ reason: 'resubscribe_rejected', uri, error: r.error.message }, 'the backend rejected a subscription renewed after a reconnect');
        },
        (e: unknown) => this.log.warn({ reason: 'resubscribe_failed', uri }, toProxyError(e).message),
      );
    }
  }

  private handshake(gen: Generation): Promise<JsonRpcResponse> {
    gen.handshake ??= this.performHandshake(gen).then(
      (r) => {
        if (r.error) gen.handshake = undefined; // the next session tries again
        return r;
      },
      (e: unknown) => {
        gen.handshake = undefined;
        throw e;
      },
    );
    return gen.handshake;
  }

  private async performHandshake(gen: Generation): Promise<JsonRpcResponse> {
    let response: JsonRpcResponse;
    const params = this.handshakeParams ?? {};
    try {
      response = await gen.request('initialize', params);
    } catch (e) {
      const err = toProxyError(e);
      // A backend that does not answer its handshake is of no use to anyone: start afresh.
      if (err.code === 'ERR_BACKEND_TIMEOUT') this.backendClosed(gen, err, true);
      throw err;
    }
    if (response.error) {
      this.log.warn({ reason: 'shared_initialize_rejected', generation: gen.no, error: response.error.message }, 'the shared backend rejected initialize');
      // Params the backend refuses must not stick: the next session's initialize is tried instead.
      if (this.handshakeParams === params) this.handshakeParams = undefined;
      return response;
    }
    await gen.channel.send(INITIALIZED);
    this.log.info(
      { reason: gen.no > 1 ? 'shared_backend_rehandshaken' : 'shared_backend_initialized', generation: gen.no },
      'shared backend initialized; its InitializeResult answers every session',
    );
    return response;
  }

  private async subscribe(view: SharedView, m: JsonRpcRequest, uri: string): Promise<void> {
    view.member?.uris.add(uri);
    let response: JsonRpcResponse;
    try {
      response = await view.gen.subscribe(view, uri);
    } catch (e) {
      view.member?.uris.delete(uri);
      throw e;
    }
    if (response.error) view.member?.uris.delete(uri);
    this.answer(view, m, response);
  }

  private async unsubscribe(view: SharedView, m: JsonRpcRequest, uri: string): Promise<void> {
    view.member?.uris.delete(uri);
    // Other sessions still subscribed (or none ever was): answered here, the backend keeps its state.
    const response = (await view.gen.unsubscribe(view, uri)) ?? { jsonrpc: '2.0', id: m.id, result: {} };
    this.answer(view, m, response);
  }

  private answer(view: SharedView, request: JsonRpcRequest, response: JsonRpcResponse): void {
    if (view.closed) return;
    view.handlers.onMessage(response.error ? { jsonrpc: '2.0', id: request.id, error: response.error } : { jsonrpc: '2.0', id: request.id, result: response.result ?? {} });
  }

  /** A session left: its unanswered server→client requests are refused, its subscriptions dropped. */
  async closeView(view: SharedView): Promise<void> {
    if (view.closed) return;
    view.closed = true;
    const gen = view.gen;
    gen.detach(view);
    if (!gen.alive || gen.views.size > 0) return;
    clearTimeout(gen.linger);
    gen.linger = setTimeout(() => {
      if (gen.views.size === 0) this.retire(gen);
    }, this.lingerMs);
    gen.linger.unref();
  }

  /** Closes an inner channel on purpose (no session left, or shutdown). */
  private retire(gen: Generation): void {
    if (!gen.alive) return;
    gen.end(closedError());
    if (this.current === gen) this.current = undefined;
    this.log.debug({ reason: 'shared_backend_idle', generation: gen.no }, 'shared backend channel closed: no session left');
    gen.channel.close().catch(() => undefined);
  }

  // -- backend → views ----------------------------------------------------------------------------

  /** The inner channel dropped (or is abandoned): every view closes and its session reconnects. */
  private backendClosed(gen: Generation, cause: ProxyError, closeChannel = false): void {
    if (!gen.alive) return;
    const views = gen.end(cause);
    if (this.current === gen) this.current = undefined;
    if (closeChannel) gen.channel.close().catch(() => undefined);
    this.log.warn(
      { reason: cause.reason, code: cause.code, generation: gen.no, sessions: views.length },
      `shared backend channel lost: ${cause.message}; its sessions reconnect through one new channel`,
    );
    for (const v of views) v.handlers.onClose(cause);
  }

  private fromBackend(gen: Generation, m: JsonRpcMessage): void {
    if (!gen.alive) return;
    if (isResponse(m)) {
      const answered = gen.mux.incomingResponse(m);
      if (!answered) {
        this.log.debug({ reason: 'unknown_response_id', id: m.id }, 'dropped a backend response that answers no pending request');
      } else if (answered.kind === 'internal') answered.resolve(answered.response);
      else answered.view.deliver(answered.response);
      return;
    }
    if (isRequest(m)) return this.serverRequest(gen, m);
    const route = routeNotification(m);
    switch (route.kind) {
      case 'progress': {
        const owned = gen.mux.incomingProgress(m);
        if (owned) owned.view.deliver(owned.message);
        return;
      }
      case 'cancelled': {
        const view = gen.mux.incomingCancel(m);
        if (view) view.deliver(m);
        return;
      }
      case 'subscribers':
        for (const v of gen.subscriptions.subscribers(route.uri)) v.deliver(m);
        return;
      case 'elicitation': {
        const view = gen.elicitations.get(route.elicitationId);
        gen.elicitations.delete(route.elicitationId);
        if (view) view.deliver(m);
        return;
      }
      case 'all':
        for (const v of gen.views) if (v.ready) v.deliver(m);
        return;
    }
  }

  /** A server→client request: to the session most likely to have caused it that can answer it. */
  private serverRequest(gen: Generation, m: JsonRpcRequest): void {
    if (m.method === 'ping') {
      // The backend checks its peer, which is the proxy's one connection: answer for every session.
      gen.channel.send({ jsonrpc: '2.0', id: m.id, result: {} }).catch(() => undefined);
      return;
    }
    const candidates = [...gen.views].filter((v) => v.ready).map((v) => ({ view: v, capabilities: v.capabilities, inFlight: gen.mux.inFlight(v) }));
    const view = chooseView(m, candidates);
    if (!view) {
      this.onRepair('server_request_unroutable', { method: m.method, sessions: candidates.length });
      gen.channel
        .send(errorResponse(m.id, RPC_METHOD_NOT_FOUND, `no client session of this shared backend accepts ${m.method}`))
        .catch(() => undefined);
      return;
    }
    gen.mux.serverRequestSent(view, m);
    const elicitationId = m.params?.elicitationId;
    if (m.method === 'elicitation/create' && typeof elicitationId === 'string') gen.elicitations.set(elicitationId, view);
    view.deliver(m);
  }
}

/** Wraps a transport's connector so that every session of the route shares one backend channel. */
export function createSharedConnector(
  inner: BackendConnector,
  log: Logger,
  onRepair: (reason: string, detail: Record<string, unknown>) => void,
  opts: SharedConnectorOptions = {},
): BackendConnector {
  return new SharedBackend(inner, log, onRepair, opts);
}
