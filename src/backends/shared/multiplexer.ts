// Id and token bookkeeping for many views (client sessions) on one shared backend channel. Each
// session numbers its requests from 1, so two sessions' `id: 1` would collide upstream: every request
// gets a channel-wide id here and the answer gets the view's own id back. Progress tokens are made
// unique the same way (two SDK clients both use their message id as token), `notifications/cancelled`
// is mapped to the channel-wide id, and server→client requests remember the one view they went to.
// Pure: no I/O. One multiplexer per inner channel (a reopened channel starts afresh).
import { idKey, progressTokenOf, type JsonRpcId, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../../jsonrpc/message.js';

interface ClientEntry<V> {
  readonly kind: 'client';
  readonly view: V;
  readonly localId: JsonRpcId;
  readonly method: string;
  /** The rewritten progress token sent upstream, if the request asked for progress. */
  readonly token: string | undefined;
  /** The view cancelled it: kept for a late answer, but no longer counts as in flight. */
  cancelled: boolean;
}

interface InternalEntry {
  readonly kind: 'internal';
  readonly method: string;
  readonly resolve: (response: JsonRpcResponse) => void;
}

type Entry<V> = ClientEntry<V> | InternalEntry;

export type IncomingResponse<V> =
  | { kind: 'client'; view: V; method: string; response: JsonRpcResponse }
  | { kind: 'internal'; method: string; resolve: (response: JsonRpcResponse) => void; response: JsonRpcResponse };

export interface InFlight {
  /** Requests of the view awaiting an answer (cancelled ones excluded). */
  count: number;
  /** The channel-wide id of its newest such request (higher is newer); 0 when none. */
  newest: number;
}

export class SharedMultiplexer<V> {
  private nextId = 1;
  private readonly pending = new Map<number, Entry<V>>();
  /** view → its local id key → channel-wide id (for cancellation and in-flight accounting). */
  private readonly byView = new Map<V, Map<string, number>>();
  /** rewritten progress token → the view and the token its client chose. */
  private readonly tokens = new Map<string, { view: V; token: JsonRpcId }>();
  /** server→client request id key → the view it was given to. */
  private readonly serverRequests = new Map<string, { view: V; id: JsonRpcId; method: string }>();

  get size(): number {
    return this.pending.size;
  }

  /** A view's request, rewritten for the backend: channel-wide id, and a channel-wide progress token. */
  outgoingRequest(view: V, viewNo: number, request: JsonRpcRequest): JsonRpcRequest {
    const id = this.nextId++;
    const original = progressTokenOf(request);
    let token: string | undefined;
    let params = request.params;
    if (original !== undefined) {
      // Unique per request, so even a client that reuses a token concurrently cannot mix streams.
      token = `${viewNo}.${id}`;
      this.tokens.set(token, { view, token: original });
      const meta = params?._meta as Record<string, unknown>;
      params = { ...params, _meta: { ...meta, progressToken: token } };
    }
    this.pending.set(id, { kind: 'client', view, localId: request.id, method: request.method, token, cancelled: false });
    let ids = this.byView.get(view);
    if (!ids) this.byView.set(view, (ids = new Map()));
    ids.set(idKey(request.id), id);
    const out: JsonRpcRequest = { jsonrpc: '2.0', id, method: request.method };
    if (params !== undefined) out.params = params;
    return out;
  }

  /** A request the proxy makes itself (the one real handshake, subscriptions); answered to `resolve`. */
  internalRequest(method: string, params: Record<string, unknown>, resolve: (response: JsonRpcResponse) => void): JsonRpcRequest {
    const id = this.nextId++;
    this.pending.set(id, { kind: 'internal', method, resolve });
    return { jsonrpc: '2.0', id, method, params };
  }

  /** Forgets a request that never reached the backend (its send failed or timed out). */
  forget(globalId: JsonRpcId): void {
    if (typeof globalId === 'number') this.remove(globalId);
  }

  /** Who a backend response answers, with the view's own id restored; undefined when nobody. */
  incomingResponse(response: JsonRpcResponse): IncomingResponse<V> | undefined {
    if (typeof response.id !== 'number') return undefined;
    const entry = this.remove(response.id);
    if (!entry) return undefined;
    if (entry.kind === 'internal') return { kind: 'internal', method: entry.method, resolve: entry.resolve, response };
    return { kind: 'client', view: entry.view, method: entry.method, response: { ...response, id: entry.localId } };
  }

  /** A view's `notifications/cancelled`, mapped to the channel-wide id; undefined for an unknown id (dropped). */
  outgoingCancel(view: V, n: JsonRpcNotification): JsonRpcNotification | undefined {
    const requestId = n.params?.requestId as JsonRpcId | undefined;
    if (requestId === undefined) return undefined;
    const id = this.byView.get(view)?.get(idKey(requestId));
    if (id === undefined) return undefined;
    const entry = this.pending.get(id);
    if (entry?.kind === 'client') entry.cancelled = true;
    return { ...n, params: { ...n.params, requestId: id } };
  }

  /** A backend progress notification, for the view that owns the token, with its own token restored. */
  incomingProgress(n: JsonRpcNotification): { view: V; message: JsonRpcNotification } | undefined {
    const token = n.params?.progressToken;
    if (typeof token !== 'string') return undefined;
    const owner = this.tokens.get(token);
    if (!owner) return undefined;
    return { view: owner.view, message: { ...n, params: { ...n.params, progressToken: owner.token } } };
  }

  /** Remembers that a server→client request went to `view` (its id stays the backend's own). */
  serverRequestSent(view: V, request: JsonRpcRequest): void {
    this.serverRequests.set(idKey(request.id), { view, id: request.id, method: request.method });
  }

  /**
   * A view's answer to a server→client request: true when that request went to this view (and is
   * now settled), false for an answer to something it was never asked (dropped).
   */
  outgoingResponse(view: V, response: JsonRpcResponse): boolean {
    if (response.id === null) return false;
    const key = idKey(response.id);
    const owner = this.serverRequests.get(key);
    if (owner?.view !== view) return false;
    this.serverRequests.delete(key);
    return true;
  }

  /** The backend cancelled a server→client request: the view that has it; the request is settled. */
  incomingCancel(n: JsonRpcNotification): V | undefined {
    const requestId = n.params?.requestId as JsonRpcId | undefined;
    if (requestId === undefined) return undefined;
    const key = idKey(requestId);
    const owner = this.serverRequests.get(key);
    if (!owner) return undefined;
    this.serverRequests.delete(key);
    return owner.view;
  }

  inFlight(view: V): InFlight {
    let count = 0;
    let newest = 0;
    for (const id of this.byView.get(view)?.values() ?? []) {
      const entry = this.pending.get(id);
      if (entry?.kind !== 'client' || entry.cancelled) continue;
      count++;
      if (id > newest) newest = id;
    }
    return { count, newest };
  }

  /**
   * Forgets a view that left: its pending requests (late answers are dropped) and tokens. Returns
   * the server→client requests it never answered, for the caller to answer the backend.
   */
  detach(view: V): Array<{ id: JsonRpcId; method: string }> {
    for (const id of this.byView.get(view)?.values() ?? []) this.remove(id);
    this.byView.delete(view);
    const unanswered: Array<{ id: JsonRpcId; method: string }> = [];
    for (const [key, owner] of this.serverRequests) {
      if (owner.view !== view) continue;
      this.serverRequests.delete(key);
      unanswered.push({ id: owner.id, method: owner.method });
    }
    return unanswered;
  }

  /** Empties everything (the channel dropped); returns the internal requests still waiting. */
  drain(): Array<(response: JsonRpcResponse) => void> {
    const waiting: Array<(response: JsonRpcResponse) => void> = [];
    for (const entry of this.pending.values()) if (entry.kind === 'internal') waiting.push(entry.resolve);
    this.pending.clear();
    this.byView.clear();
    this.tokens.clear();
    this.serverRequests.clear();
    return waiting;
  }

  private remove(id: number): Entry<V> | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    if (entry.kind === 'client') {
      const ids = this.byView.get(entry.view);
      const key = idKey(entry.localId);
      if (ids?.get(key) === id) ids.delete(key);
      if (entry.token !== undefined) this.tokens.delete(entry.token);
    }
    return entry;
  }
}
