// One inner channel of a shared backend and everything that lives exactly as long as it does: the
// views (sessions) attached to it, the id/token multiplexer, the resource subscriptions it holds at
// the backend, and the requests the proxy makes on it itself. A reopened channel is a new generation.
import type { Channel, ChannelContext, SendOptions, ChannelHandlers } from '../channel.js';
import { ProxyError, toProxyError } from '../../errors/proxy-error.js';
import { errorResponse, RPC_INTERNAL_ERROR, type JsonRpcMessage, type JsonRpcResponse } from '../../jsonrpc/message.js';
import { SharedMultiplexer } from './multiplexer.js';
import { SubscriptionTable } from './fan-out.js';

/** What a client session keeps across its views (a reconnect makes a new view): its subscriptions. */
export interface Member {
  readonly uris: Set<string>;
}

/** Where a view's traffic goes: the shared connector. */
export interface ViewHost {
  fromView(view: SharedView, message: JsonRpcMessage, options?: SendOptions): Promise<void>;
  closeView(view: SharedView): Promise<void>;
}

/** One session's Channel onto the shared inner channel. */
export class SharedView implements Channel {
  readonly description: string;
  closed = false;
  /** Its client's declared capabilities; set by its `initialize`. */
  capabilities: Record<string, unknown> | undefined;
  /** True once its `initialize` was answered with success: it receives server-wide notifications. */
  ready = false;
  member: Member | undefined;

  constructor(
    readonly no: number,
    readonly gen: Generation,
    readonly handlers: ChannelHandlers,
    readonly context: ChannelContext,
    private readonly host: ViewHost,
  ) {
    this.description = `shared(${gen.channel.description})`;
  }

  send(message: JsonRpcMessage, options?: SendOptions): Promise<void> {
    return this.host.fromView(this, message, options);
  }

  close(): Promise<void> {
    return this.host.closeView(this);
  }

  /** Hands a backend message to the session, unless it left. */
  deliver(message: JsonRpcMessage): void {
    if (!this.closed) this.handlers.onMessage(message);
  }
}

export function closedError(): ProxyError {
  return new ProxyError('ERR_BACKEND_DISCONNECTED', 'backend_channel_closed', 'the backend connection is closed');
}

export class Generation {
  channel!: Channel;
  alive = true;
  closedBy: ProxyError | undefined;
  readonly views = new Set<SharedView>();
  readonly mux = new SharedMultiplexer<SharedView>();
  readonly subscriptions = new SubscriptionTable<SharedView>();
  /** uri → the backend's answer to our `resources/subscribe` (pending or settled). */
  private readonly backendSubscriptions = new Map<string, Promise<JsonRpcResponse>>();
  /** URL-mode elicitation id → the view it was given to (for `notifications/elicitation/complete`). */
  readonly elicitations = new Map<string, SharedView>();
  /** The one real handshake on this channel (pending or settled with success). */
  handshake: Promise<JsonRpcResponse> | undefined;
  linger: NodeJS.Timeout | undefined;

  constructor(
    readonly no: number,
    private readonly requestTimeoutMs: number,
  ) {}

  /** Marks the channel gone; returns its views (now closed) and fails the proxy's own requests. */
  end(cause: ProxyError): SharedView[] {
    this.alive = false;
    this.closedBy = cause;
    clearTimeout(this.linger);
    for (const resolve of this.mux.drain()) resolve(cause.toJsonRpc(null));
    const views = [...this.views];
    this.views.clear();
    for (const v of views) v.closed = true;
    return views;
  }

  /** A request the proxy itself makes on this channel. Rejects when unsent, unanswered in time or dropped. */
  request(method: string, params: Record<string, unknown>): Promise<JsonRpcResponse> {
    return new Promise<JsonRpcResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.mux.forget(out.id);
        reject(new ProxyError('ERR_BACKEND_TIMEOUT', 'backend_request_timeout', `the shared backend did not answer ${method} within ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      const out = this.mux.internalRequest(method, params, (response) => {
        clearTimeout(timer);
        // drain() answers with id null: the channel ended under the request.
        if (response.id === null) reject(this.closedBy ?? closedError());
        else resolve(response);
      });
      if (!this.alive) {
        clearTimeout(timer);
        this.mux.forget(out.id);
        reject(this.closedBy ?? closedError());
        return;
      }
      this.channel.send(out).catch((e: unknown) => {
        clearTimeout(timer);
        this.mux.forget(out.id);
        reject(toProxyError(e));
      });
    });
  }

  /** Adds the view to the uri's subscribers; the first one asks the backend, the others share its answer. */
  async subscribe(view: SharedView, uri: string): Promise<JsonRpcResponse> {
    this.subscriptions.add(uri, view);
    let pending = this.backendSubscriptions.get(uri);
    if (!pending) {
      const asked = this.request('resources/subscribe', { uri });
      pending = asked;
      this.backendSubscriptions.set(uri, asked);
      const forgetIfFailed = () => {
        if (this.backendSubscriptions.get(uri) === asked) this.backendSubscriptions.delete(uri);
      };
      asked.then((r) => r.error && forgetIfFailed(), forgetIfFailed);
    }
    try {
      const response = await pending;
      if (response.error) this.subscriptions.remove(uri, view);
      return response;
    } catch (e) {
      this.subscriptions.remove(uri, view);
      throw e;
    }
  }

  /** Removes the view from the uri's subscribers; the backend is told when it was the last. */
  async unsubscribe(view: SharedView, uri: string): Promise<JsonRpcResponse | undefined> {
    const last = this.subscriptions.remove(uri, view);
    if (!last || !this.backendSubscriptions.delete(uri)) return undefined;
    return this.request('resources/unsubscribe', { uri });
  }

  /** A view left: its unanswered server→client requests are refused, its subscriptions released. */
  detach(view: SharedView): void {
    this.views.delete(view);
    if (!this.alive) return;
    for (const { id, method } of this.mux.detach(view)) {
      this.channel.send(errorResponse(id, RPC_INTERNAL_ERROR, `the client session asked for ${method} has closed`)).catch(() => undefined);
    }
    for (const uri of this.subscriptions.removeView(view)) {
      if (this.backendSubscriptions.delete(uri)) this.request('resources/unsubscribe', { uri }).catch(() => undefined);
    }
    for (const [id, v] of this.elicitations) if (v === view) this.elicitations.delete(id);
  }
}
