// Request-id bookkeeping for one backend channel (design §1: "one shared correlator maps request id
// → pending reply"). Client ids are rewritten to channel-unique numbers so that requests the proxy
// makes itself (a replayed `initialize`) and, later, several clients on one shared backend can never
// collide. Pure: no I/O.
import { idKey, type JsonRpcId, type JsonRpcResponse } from '../jsonrpc/message.js';
import type { MessageSink } from './sink.js';

export interface ClientPending {
  readonly internal: false;
  readonly clientId: JsonRpcId;
  readonly method: string;
  readonly sink: MessageSink;
  readonly progressToken: JsonRpcId | undefined;
  /** The backend accepted the request (its send resolved): its answer can only come from that channel. */
  accepted: boolean;
}

export interface InternalPending {
  readonly internal: true;
  readonly method: string;
  resolve(response: JsonRpcResponse): void;
}

export type Pending = ClientPending | InternalPending;

export class Correlator {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly byClientId = new Map<string, number>();
  private readonly byProgressToken = new Map<string, MessageSink>();

  get size(): number {
    return this.pending.size;
  }

  /** Registers a client request and returns the id to use towards the backend. */
  addClient(clientId: JsonRpcId, method: string, sink: MessageSink, progressToken: JsonRpcId | undefined): number {
    const id = this.nextId++;
    this.pending.set(id, { internal: false, clientId, method, sink, progressToken, accepted: false });
    this.byClientId.set(idKey(clientId), id);
    if (progressToken !== undefined && sink.streaming) this.byProgressToken.set(idKey(progressToken), sink);
    return id;
  }

  addInternal(method: string, resolve: (response: JsonRpcResponse) => void): number {
    const id = this.nextId++;
    this.pending.set(id, { internal: true, method, resolve });
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

  sinkForProgress(token: JsonRpcId): MessageSink | undefined {
    return this.byProgressToken.get(idKey(token));
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
