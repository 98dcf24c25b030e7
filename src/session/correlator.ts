// Request-id bookkeeping for one backend channel (design §1: "one shared correlator maps request id
// → pending reply"). Client ids are rewritten to channel-unique numbers so that requests the proxy
// makes itself (a replayed `initialize`) and, later, several clients on one shared backend can never
// collide. Pure: no I/O.
import { idKey, type JsonRpcId, type JsonRpcResponse } from '../jsonrpc/message.js';
import type { MessageSink } from './sink.js';
import type { ProxyError } from '../errors/proxy-error.js';

export interface ClientPending {
  readonly internal: false;
  /** The id the backend knows the request by. */
  readonly backendId: number;
  readonly clientId: JsonRpcId;
  readonly method: string;
  readonly sink: MessageSink;
  readonly progressToken: JsonRpcId | undefined;
  /** The backend accepted the request (its send resolved): its answer can only come from that channel. */
  accepted: boolean;
  /** When the proxy stops waiting (limits.requestTimeout); each progress notification moves it. */
  deadline: number;
}

export interface InternalPending {
  readonly internal: true;
  readonly method: string;
  resolve(response: JsonRpcResponse): void;
  /** The channel failed under it: the proxy's own request fails with that error as it is. */
  fail(error: ProxyError): void;
}

export type Pending = ClientPending | InternalPending;

export class Correlator {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly byClientId = new Map<string, number>();
  /** Progress token → the backend id of the request that owns it. */
  private readonly byProgressToken = new Map<string, number>();

  get size(): number {
    return this.pending.size;
  }

  /** Registers a client request and returns the id to use towards the backend. */
  addClient(clientId: JsonRpcId, method: string, sink: MessageSink, progressToken: JsonRpcId | undefined, deadline: number): number {
    const id = this.nextId++;
    this.pending.set(id, { internal: false, backendId: id, clientId, method, sink, progressToken, accepted: false, deadline });
    this.byClientId.set(idKey(clientId), id);
    if (progressToken !== undefined) this.byProgressToken.set(idKey(progressToken), id);
    return id;
  }

  addInternal(method: string, resolve: (response: JsonRpcResponse) => void, fail: (error: ProxyError) => void): number {
    const id = this.nextId++;
    this.pending.set(id, { internal: true, method, resolve, fail });
    return id;
  }

  /** Removes and returns the entry a backend response answers. */
  take(backendId: JsonRpcId | null): Pending | undefined {
    if (typeof backendId !== 'number') return undefined;
    const entry = this.pending.get(backendId);
    if (!entry) return undefined;
    this.pending.delete(backendId);
    if (!entry.internal) {
      this.byClientId.delete(idKey(entry.clientId));
      if (entry.progressToken !== undefined) this.byProgressToken.delete(idKey(entry.progressToken));
    }
    return entry;
  }

  /** The backend id of a client request still in flight (for `notifications/cancelled`). */
  backendIdOf(clientId: JsonRpcId): number | undefined {
    return this.byClientId.get(idKey(clientId));
  }

  /**
   * The request a progress notification is about (and so the stream it goes to); the backend is
   * working on it, so its deadline moves to `deadline` (the SDK clients restart their timeout the same way).
   */
  progressed(token: JsonRpcId, deadline: number): ClientPending | undefined {
    const id = this.byProgressToken.get(idKey(token));
    const entry = id === undefined ? undefined : this.pending.get(id);
    if (!entry || entry.internal) return undefined;
    entry.deadline = deadline;
    return entry;
  }

  /** Removes and returns the client requests whose deadline has passed. */
  takeExpired(now: number): ClientPending[] {
    const out: ClientPending[] = [];
    for (const [id, entry] of this.pending) {
      if (!entry.internal && entry.deadline <= now) {
        out.push(entry);
        this.take(id);
      }
    }
    return out;
  }

  /** Client requests whose client is still connected, waiting for the answer. */
  waitingClients(): number {
    let n = 0;
    for (const entry of this.pending.values()) if (!entry.internal && entry.sink.open) n++;
    return n;
  }

  markAccepted(backendId: number): boolean {
    const entry = this.pending.get(backendId);
    if (!entry || entry.internal) return false;
    entry.accepted = true;
    return true;
  }

  /**
   * Removes the entries a dropped channel can no longer answer: the proxy's own and the accepted
   * ones. Requests whose send is still under way stay: their send's failure decides (and may retry).
   */
  drainAccepted(): Pending[] {
    const out: Pending[] = [];
    for (const [id, entry] of this.pending) {
      if (entry.internal || entry.accepted) {
        out.push(entry);
        this.take(id);
      }
    }
    return out;
  }

  /** Removes every entry, returning them (the session closed). */
  drain(): Pending[] {
    const all = [...this.pending.values()];
    this.pending.clear();
    this.byClientId.clear();
    this.byProgressToken.clear();
    return all;
  }
}
