// The one id table of a link: every request on its backend channel, whoever made it. A client's
// request gets a process-unique backend id (request-ids.ts) and, when it asks for progress, a
// process-unique progress token; the answer and the progress go back to the member that asked, with
// its own id and token restored. The proxy's own requests (the handshake, subscriptions) live here
// too, and so do the server→client requests, each with the one member it was given to. Pure: no I/O.
import { idKey, progressTokenOf, type JsonRpcId, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../jsonrpc/message.js';
import type { ProxyError } from '../errors/proxy-error.js';
import type { Member, RequestTicket } from './member.js';
import type { RequestIds } from './request-ids.js';

export interface ClientEntry {
  readonly kind: 'client';
  readonly backendId: number;
  readonly member: Member;
  readonly clientId: JsonRpcId;
  readonly method: string;
  readonly ticket: RequestTicket;
  /** The token sent to the backend and the one the client chose, when the request asked for progress. */
  readonly token: { readonly backend: string; readonly client: JsonRpcId } | undefined;
  /** The backend accepted it (its send resolved): only this channel can answer it now. */
  accepted: boolean;
  /** When the proxy stops waiting (limits.requestTimeout); progress moves it. */
  deadline: number;
  /** performance.now() when the link took it to send (the backend latency metric; a wait for a reconnecting channel counts). */
  readonly sent: number;
}

export interface OwnEntry {
  readonly kind: 'own';
  readonly backendId: number;
  readonly method: string;
  readonly sent: number;
  resolve(response: JsonRpcResponse): void;
  fail(error: ProxyError): void;
}

export type Entry = ClientEntry | OwnEntry;

export class IdTable {
  /**
   * Requests in flight by backend id. A member's own requests are found by scanning it (cancellation
   * and the idle sweep, both rare): an index by member cost every session two maps (~400 B) for
   * its whole life, and every call two more map writes.
   */
  private readonly entries = new Map<number, Entry>();
  /** backend progress token → backend id of the request that owns it (created on the first token). */
  private tokens: Map<string, number> | undefined;
  /** backend id key of a server→client request → the member it went to (created on the first one). */
  private serverRequests: Map<string, { member: Member; id: JsonRpcId; method: string }> | undefined;
  /** URL-mode elicitation id → the member it went to (for `notifications/elicitation/complete`; created on the first). */
  private elicitations: Map<string, Member> | undefined;

  constructor(private readonly ids: RequestIds) {}

  get size(): number {
    return this.entries.size;
  }

  /** Nothing in flight either way: no request to the backend, no server→client request unanswered. */
  get idle(): boolean {
    return this.entries.size === 0 && !this.serverRequests?.size;
  }

  /** A member's request, rewritten for the backend: its backend id and token. */
  addClient(member: Member, request: JsonRpcRequest, ticket: RequestTicket, deadline: number): JsonRpcRequest {
    const backendId = this.ids.next();
    const clientToken = progressTokenOf(request);
    let params = request.params;
    let token: ClientEntry['token'];
    if (clientToken !== undefined) {
      token = { backend: `p${backendId}`, client: clientToken };
      (this.tokens ??= new Map()).set(token.backend, backendId);
      params = { ...params, _meta: { ...(params?._meta as Record<string, unknown>), progressToken: token.backend } };
    }
    this.entries.set(backendId, {
      kind: 'client',
      backendId,
      member,
      clientId: request.id,
      method: request.method,
      ticket,
      token,
      accepted: false,
      deadline,
      sent: performance.now(),
    });
    const out: JsonRpcRequest = { jsonrpc: '2.0', id: backendId, method: request.method };
    if (params !== undefined) out.params = params;
    return out;
  }

  /** A request of the proxy's own (the handshake, a subscription). */
  addOwn(method: string, params: Record<string, unknown>, resolve: OwnEntry['resolve'], fail: OwnEntry['fail']): JsonRpcRequest {
    const backendId = this.ids.next();
    this.entries.set(backendId, { kind: 'own', backendId, method, sent: performance.now(), resolve, fail });
    return { jsonrpc: '2.0', id: backendId, method, params };
  }

  /** Removes and returns the entry a backend response answers; undefined for a stray. */
  take(id: JsonRpcId | null): Entry | undefined {
    if (typeof id !== 'number') return undefined;
    const entry = this.entries.get(id);
    if (entry) this.remove(entry);
    return entry;
  }

  forget(backendId: number): void {
    const entry = this.entries.get(backendId);
    if (entry) this.remove(entry);
  }

  accepted(backendId: number): void {
    const entry = this.entries.get(backendId);
    if (entry?.kind === 'client') entry.accepted = true;
  }

  /** The backend id of a member's request still in flight (for its `notifications/cancelled`). */
  backendIdOf(member: Member, clientId: JsonRpcId): number | undefined {
    for (const entry of this.entries.values()) {
      if (entry.kind === 'client' && entry.member === member && entry.clientId === clientId) return entry.backendId;
    }
    return undefined;
  }

  /** A URL-mode elicitation sent to `member`. */
  elicitationSent(elicitationId: string, member: Member): void {
    (this.elicitations ??= new Map()).set(elicitationId, member);
  }

  /** The member a URL-mode elicitation went to, forgotten as it completes. */
  elicitationCompleted(elicitationId: string): Member | undefined {
    const member = this.elicitations?.get(elicitationId);
    this.elicitations?.delete(elicitationId);
    return member;
  }

  /** The request a backend progress notification is about, its deadline moved; with the client's token. */
  progressed(n: JsonRpcNotification, deadline: number): { entry: ClientEntry; message: JsonRpcNotification } | undefined {
    const token = n.params?.progressToken;
    const backendId = typeof token === 'string' ? this.tokens?.get(token) : undefined;
    const entry = backendId === undefined ? undefined : this.entries.get(backendId);
    if (entry?.kind !== 'client' || !entry.token) return undefined;
    entry.deadline = deadline;
    return { entry, message: { ...n, params: { ...n.params, progressToken: entry.token.client } } };
  }

  /** The member a server→client request went to (its id stays the backend's own). */
  serverRequestSent(member: Member, request: JsonRpcRequest): void {
    (this.serverRequests ??= new Map()).set(idKey(request.id), { member, id: request.id, method: request.method });
  }

  /** True when `member` was asked the request this response answers (and it is now settled). */
  answeredBy(member: Member, response: JsonRpcResponse): boolean {
    if (response.id === null) return false;
    const key = idKey(response.id);
    if (this.serverRequests?.get(key)?.member !== member) return false;
    this.serverRequests.delete(key);
    return true;
  }

  /** The backend cancelled a server→client request: the member that has it (the request is settled). */
  serverRequestCancelled(requestId: JsonRpcId): Member | undefined {
    const key = idKey(requestId);
    const owner = this.serverRequests?.get(key);
    this.serverRequests?.delete(key);
    return owner?.member;
  }

  /** The request that caused a message (a Streamable HTTP backend says which POST stream it came on). */
  requestOf(backendId: JsonRpcId): ClientEntry | undefined {
    const entry = typeof backendId === 'number' ? this.entries.get(backendId) : undefined;
    return entry?.kind === 'client' ? entry : undefined;
  }

  /** Removes and returns the client requests whose deadline has passed. */
  takeExpired(now: number, member?: Member): ClientEntry[] {
    const out: ClientEntry[] = [];
    for (const entry of this.entries.values()) {
      if (entry.kind === 'client' && entry.deadline <= now && (member === undefined || entry.member === member)) out.push(entry);
    }
    for (const e of out) this.remove(e);
    return out;
  }

  /** Requests of `member` in flight, and those whose client still waits for the answer. */
  count(member: Member): { inFlight: number; waiting: number } {
    let inFlight = 0;
    let waiting = 0;
    for (const entry of this.entries.values()) {
      if (entry.kind !== 'client' || entry.member !== member) continue;
      inFlight++;
      if (entry.ticket.open) waiting++;
    }
    return { inFlight, waiting };
  }

  /**
   * A member left: its requests are removed (late answers become strays) and returned, with the
   * server→client requests it never answered, for the link to refuse them to the backend.
   */
  leave(member: Member): { requests: ClientEntry[]; unanswered: Array<{ id: JsonRpcId; method: string }> } {
    const requests: ClientEntry[] = [];
    for (const entry of this.entries.values()) if (entry.kind === 'client' && entry.member === member) requests.push(entry);
    for (const e of requests) this.remove(e);
    const unanswered: Array<{ id: JsonRpcId; method: string }> = [];
    for (const [key, owner] of this.serverRequests ?? []) {
      if (owner.member !== member) continue;
      this.serverRequests!.delete(key);
      unanswered.push({ id: owner.id, method: owner.method });
    }
    for (const [id, m] of this.elicitations ?? []) if (m === member) this.elicitations!.delete(id);
    return { requests, unanswered };
  }

  /**
   * The channel dropped: removes what it can no longer answer (the proxy's own requests and the
   * accepted ones). Requests whose send is still under way stay: their send's failure decides.
   */
  takeLost(): Entry[] {
    const lost = [...this.entries.values()].filter((e) => e.kind === 'own' || e.accepted);
    for (const e of lost) this.remove(e);
    this.serverRequests = undefined;
    this.elicitations = undefined;
    return lost;
  }

  /** Everything, for a link that closes. */
  takeAll(): Entry[] {
    const all = [...this.entries.values()];
    for (const e of all) this.remove(e);
    this.serverRequests = undefined;
    this.elicitations = undefined;
    return all;
  }

  private remove(entry: Entry): void {
    this.entries.delete(entry.backendId);
    if (entry.kind !== 'client') return;
    if (entry.token) this.tokens?.delete(entry.token.backend);
  }
}
