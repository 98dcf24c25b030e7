// A seat: one handshake-era backend session that the proxy holds on behalf of modern (2026-07-28)
// clients of one identity (route, principal, declared capabilities, client info). Modern requests
// carry no session, so the proxy handshakes once per identity and serves every request of that
// identity over the seat (docs/modern-face.md, Seats). The seat's session is an ordinary Session: ids,
// reconnects, handshake replay, policy and metrics all come with it.
import type { Session } from '../../session/session.js';
import { NO_SINK, type MessageSink } from '../../session/sink.js';
import {
  errorResponse,
  isRequest,
  RPC_INTERNAL_ERROR,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
} from '../../jsonrpc/message.js';
import type { ListenStream } from './listen-stream.js';
import { asJsonObject } from '../../jsonrpc/json-object.js';

export class Seat {
  /** Calls that may ask the client for input (MRTR methods) running on this seat. */
  private readonly askers = new Set<MessageSink>();
  /** Requests of any kind running on this seat. */
  running = 0;
  private nextId = 0;
  /** Listen streams of this seat, acknowledged or waiting for their subscriptions. */
  private readonly members = new Set<ListenStream>();
  /** Acknowledged listen streams: what concerns no request goes to them. */
  private readonly listeners = new Set<ListenStream>();
  /** Resource URIs the listen streams follow: how many streams, and the backend's answer to subscribing. */
  private readonly followed = new Map<string, { streams: number; ready: Promise<void> }>();
  /** Attached as the session's standalone stream: what concerns no request goes to the listen streams. */
  readonly hub: MessageSink;

  constructor(
    readonly route: string,
    readonly key: string,
    readonly session: Session,
    /** The backend's InitializeResult: what `server/discover` answers. */
    readonly handshake: Record<string, unknown>,
    private readonly refuseInputMessage: string,
  ) {
    const listeners = this.listeners;
    this.hub = {
      kind: 'standalone',
      streaming: true,
      // Open only while someone listens: a seat nobody uses idles out like any session (sessions.idleTimeout).
      get open() {
        return listeners.size > 0;
      },
      deliver: (m) => this.unsolicited(m),
      respond: () => false,
      end: () => this.endListeners(),
      queuedBytes: 0,
      backlogBytes: 0,
      onceDrained: (callback) => queueMicrotask(callback),
      overflow: () => undefined,
    };
  }

  get closed(): boolean {
    return this.session.closed;
  }

  get serverCapabilities(): Record<string, unknown> {
    return asJsonObject(this.handshake.capabilities) ?? {};
  }

  get serverInfo(): { name: string; version: string } | undefined {
    const info = asJsonObject(this.handshake.serverInfo);
    return typeof info?.name === 'string' && typeof info.version === 'string' ? { name: info.name, version: info.version } : undefined;
  }

  /**
   * A request id unique on this seat. Modern clients choose their ids independently, so two of them
   * on one seat may both send id 1; the backend sees only these, the client gets its own back.
   */
  requestId(): string {
    return `m${++this.nextId}`;
  }

  get callsAskingInput(): number {
    return this.askers.size;
  }

  /** A call that may ask for input runs on this seat until `removeAsker`. */
  addAsker(call: MessageSink): void {
    this.askers.add(call);
  }

  removeAsker(call: MessageSink): void {
    this.askers.delete(call);
  }

  /**
   * A server→client request that reached another sink of the seat: the session's outbox sends it to
   * the GET stream (the listen hub) or the newest request stream when several requests are open, and
   * a plain request (tools/list) may be open beside the call. The seat's one call that may ask takes
   * it; with none, or several (the backend's transport does not say which), the backend gets an error.
   */
  routeInput(request: JsonRpcRequest): void {
    const [only, other] = this.askers;
    if (only !== undefined && other === undefined && only.deliver(request)) return;
    this.refuseInput(request);
  }

  /** A backend message that concerns no request: list changes and resource updates go to the listeners. */
  unsolicited(m: JsonRpcMessage): boolean {
    if (isRequest(m)) {
      this.routeInput(m);
      return true;
    }
    if (!('method' in m)) return false;
    if (m.method.endsWith('/list_changed') && this.listChanged) this.listChanged(m);
    else this.offer(m);
    return true;
  }

  /**
   * Set by the seat table: a list change seen on one seat goes to every listener of the principal.
   * A modern client cannot tell which seat served its calls, and a per-session 2024 server announces a
   * change only to the session that caused it; a listener that hears of it re-lists, which is cheap.
   */
  listChanged: ((m: JsonRpcNotification) => void) | undefined;

  /** Gives a notification to this seat's own listen streams (their filters decide). */
  offer(m: JsonRpcNotification): void {
    for (const l of this.listeners) l.offer(m);
  }

  /** A server→client request no modern call can take: the backend gets an error at once, never a guess. */
  refuseInput(request: JsonRpcRequest): void {
    this.refuse(request.id, this.refuseInputMessage);
  }

  /** Answers a backend's server→client request with an error. */
  refuse(id: JsonRpcId, message: string): void {
    void this.session.submit([errorResponse(id, RPC_INTERNAL_ERROR, message)], NO_SINK);
  }

  /** Answers a backend's server→client request with the client's input (MRTR). */
  answer(id: JsonRpcId, result: Record<string, unknown>): void {
    void this.session.submit([{ jsonrpc: '2.0', id, result }], NO_SINK);
  }

  cancel(requestId: string, reason: string): void {
    void this.session.submit([{ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, reason } }], NO_SINK);
  }

  /**
   * Adds a listen stream once the backend has answered the resource subscriptions its filter needs,
   * then acknowledges it: an update sent after the acknowledgement is never lost in between
   * (MCP 2026-07-28, Basic, Subscriptions: the acknowledgement says the subscription is established).
   */
  async listen(stream: ListenStream): Promise<void> {
    this.members.add(stream);
    const ready: Promise<void>[] = [];
    for (const uri of stream.filter.resourceSubscriptions ?? []) {
      let followed = this.followed.get(uri);
      if (!followed) {
        followed = { streams: 0, ready: this.ownRequest('resources/subscribe', { uri }) };
        this.followed.set(uri, followed);
      }
      followed.streams++;
      ready.push(followed.ready);
    }
    if (ready.length > 0) await Promise.all(ready);
    if (!this.members.has(stream) || !stream.open) return;
    this.listeners.add(stream);
    // Attached once, by the first listener: attaching the hub again would end it as a replaced
    // standalone stream, and every listen stream of the seat with it.
    if (this.listeners.size === 1) this.session.attachStandalone(this.hub);
    stream.acknowledge();
  }

  unlisten(stream: ListenStream): void {
    if (!this.members.delete(stream)) return;
    for (const uri of stream.filter.resourceSubscriptions ?? []) {
      const followed = this.followed.get(uri);
      if (!followed || --followed.streams > 0) continue;
      this.followed.delete(uri);
      if (!this.closed) void this.ownRequest('resources/unsubscribe', { uri });
    }
    if (this.listeners.delete(stream) && this.listeners.size === 0) this.session.detach(this.hub);
  }

  /** Sends one of the proxy's own requests on the seat; resolves when the backend answered (either way). */
  private ownRequest(method: string, params: Record<string, unknown>): Promise<void> {
    return new Promise((resolve) => {
      const sink: MessageSink = { ...NO_SINK, open: true, respond: () => (resolve(), true) };
      void this.session.submit([{ jsonrpc: '2.0', id: this.requestId(), method, params }], sink).then(() => undefined, resolve);
    });
  }

  private endListeners(): void {
    for (const l of [...this.members]) l.end();
    this.members.clear();
    this.listeners.clear();
    this.followed.clear();
  }
}
