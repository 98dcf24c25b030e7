// A link: one backend channel and the member sessions it serves (one for `share: per-session`,
// many for `share: shared`). It alone owns what crosses the channel: the id table (client requests,
// progress tokens, cancellations, server→client requests, its own requests), the one backend
// handshake, reconnects and resubscription (link-channel.ts). Sessions keep the client side; the
// transport keeps the framing. Every backend message goes to exactly one place: an answer to the
// member that asked (a stray answer is dropped and counted), progress to the request's member, a
// server→client request to the one member that may answer it (routing.ts: never a guess), and
// server-wide notifications to every member. A link nobody uses gives its channel back
// (backend.idleRelease, idle-release.ts) and re-opens it for the next request.
import type { Logger } from 'pino';
import type { Channel, SendOptions } from '../backends/channel.js';
import { ProxyError, toProxyError } from '../errors/proxy-error.js';
import { errorResponse, isRequest, isResponse, type JsonRpcId, type JsonRpcMessage, type JsonRpcRequest, type JsonRpcResponse } from '../jsonrpc/message.js';
import { IdTable, type ClientEntry } from './id-table.js';
import { credentialsOf, type Member, type RequestTicket } from './member.js';
import { expireRequests } from './expiry.js';
import { LinkChannel, closedError, type ChannelState } from './link-channel.js';
import { receive } from './link-routing.js';
import { Subscriptions } from './subscriptions.js';
import { ownRequest } from './own-request.js';
import { IdleClock } from './idle-release.js';
import type { LinkOptions } from './link-options.js';

const NO_TICKET: RequestTicket = { open: false };

export class Link {
  readonly members = new Set<Member>();
  readonly table: IdTable;
  readonly subscriptions = new Subscriptions();
  readonly log: Logger;
  private readonly connection: LinkChannel;
  /** Members whose join is under way, their credentials may open the channel (created per join: an idle link holds none). */
  private joining: Set<Member> | undefined;
  /** Repairs this link made: counted every time, logged the first time (the set created on the first). */
  private repairs: Set<string> | undefined;
  /** backend.idleRelease (none when 0). */
  private readonly idleClock: IdleClock | undefined;

  constructor(readonly opts: LinkOptions) {
    this.table = new IdTable(opts.ids);
    this.log = opts.log;
    this.connection = new LinkChannel({
      connector: opts.connector,
      route: opts.route,
      log: opts.log,
      metrics: opts.metrics,
      connectTimeoutMs: opts.connectTimeoutMs,
      reconnect: opts.reconnect,
      sendsInitialized: opts.shared,
      handlers: { onMessage: (m, related) => receive(this, m, related), onClose: (cause) => this.dropped(cause) },
      // A shared link's own requests go with the oldest live member's credential (a warning is logged).
      context: () => (opts.passCredentials ? credentialsOf(() => [...this.members, ...(this.joining ?? [])]) : {}),
      request: (channel, method, params) => this.request(channel, method, params),
      renew: () => this.renewSubscriptions(),
      giveUp: (cause) => void this.close(cause),
    });
    if (opts.idleReleaseMs > 0)
      this.idleClock = new IdleClock(
        opts.idleReleaseMs,
        () => this.idle,
        () => void this.release(),
      );
  }

  /**
   * Nobody needs the channel: no request or server→client request in flight, no resource subscription,
   * and on a per-session link no open client stream (notifications could flow to it); a shared link
   * serves many clients whose streams come and go, so it is idle only once its last member left.
   */
  get idle(): boolean {
    if (this.connection.state !== 'ready' || this.joining !== undefined || !this.table.idle || this.subscriptions.uris().length > 0) return false;
    if (this.opts.shared) return this.members.size === 0;
    for (const m of this.members) if (m.openStreams > 0) return false;
    return true;
  }

  /** Activity on the link (a request, an answer, a client stream opened or closed): the idle delay starts again. */
  touch(): void {
    this.idleClock?.restart();
  }

  /**
   * A client stream opened (a GET stream, a listen stream): a released channel is re-opened now, not
   * at the next request, so that the backend's notifications reach that stream again.
   */
  acquire(): void {
    this.touch();
    if (this.connection.state !== 'released') return;
    this.connection.reopen().catch((e: unknown) => {
      const err = toProxyError(e);
      this.log.warn({ ...err.logFields(), reason: 'backend_reopen_failed' }, `could not re-open the released backend channel: ${err.message}`);
    });
  }

  private async release(): Promise<void> {
    this.opts.metrics.inc('frontdoor_backend_releases_total', { route: this.opts.route });
    this.log.debug({ reason: 'backend_released', members: this.members.size }, 'backend channel released: nobody used it for backend.idleRelease');
    await this.connection.release();
  }

  get closed(): boolean {
    return this.connection.state === 'closed';
  }

  get protocolVersion(): string | undefined {
    return this.connection.protocolVersion;
  }

  get initializedSent(): boolean {
    return this.connection.initializedSent;
  }

  /** The backend channel's state (frontdoor_backend_channels). */
  get channelState(): ChannelState {
    return this.connection.state;
  }

  /**
   * Adds a member; the first one's `initialize` params make the backend handshake (a member whose
   * params the backend rejects gets that answer, and the next member tries its own). Resolves with
   * the backend's answer to the handshake; rejects when the backend cannot be reached.
   */
  async join(member: Member): Promise<JsonRpcResponse> {
    if (this.closed) throw closedError('the backend link was closed');
    (this.joining ??= new Set()).add(member);
    try {
      for (;;) {
        if (this.connection.state === 'ready' && this.connection.handshake) break;
        // A shared link its last member left was released: re-opened with the handshake it had.
        if (this.connection.state === 'reconnecting' || this.connection.state === 'released' || this.connection.state === 'reopening') {
          await this.connection.ready();
          continue;
        }
        const response = await this.connection.open(member.initializeParams);
        if (this.connection.state === 'ready') continue;
        if (response.error) return response; // rejected (for another member's params: it tries its own next)
      }
      this.members.add(member);
      this.touch();
      return this.connection.handshake;
    } finally {
      this.joining?.delete(member);
      if (this.joining?.size === 0) this.joining = undefined;
    }
  }

  /**
   * A member left: its server→client requests are refused, its subscriptions dropped, and its requests
   * still in flight returned (the member answers its clients; late backend answers become strays).
   */
  leave(member: Member): ClientEntry[] {
    if (!this.members.delete(member)) return [];
    const channel = this.connection.channel;
    const { requests, unanswered } = this.table.leave(member);
    for (const { id, method } of unanswered) {
      channel?.send(errorResponse(id, -32603, `the client session asked for ${method} has closed`)).catch(() => undefined);
    }
    for (const uri of this.subscriptions.leave(member)) {
      if (channel && this.members.size > 0) this.request(channel, 'resources/unsubscribe', { uri }).catch(() => undefined);
    }
    this.touch();
    if (this.members.size === 0) this.opts.onEmpty(this);
    return requests;
  }

  /** Forwards one message of a member. Resolves when the backend accepted it. */
  async send(member: Member, m: JsonRpcMessage, options: SendOptions, ticket: RequestTicket = NO_TICKET): Promise<void> {
    this.touch();
    if (isRequest(m)) return this.sendRequest(member, m, options, ticket);
    // A notification for a released channel is moot: the backend session it was about is gone, and
    // the re-opened one starts from the replayed handshake (a cancel there has nothing to reach).
    if (this.connection.state === 'released') return;
    if (isResponse(m)) {
      // The answer to a server→client request: only the member that was asked may answer it.
      if (!this.table.answeredBy(member, m)) {
        this.log.debug({ reason: 'unknown_server_request_id', id: m.id }, 'dropped a client answer to a request it was not asked');
        return;
      }
      return (await this.connection.ready()).send(m, options);
    }
    if (m.method === 'notifications/initialized') return; // sent by the link (clientInitialized)
    if (m.method === 'notifications/cancelled') {
      const requestId = m.params?.requestId as JsonRpcId | undefined;
      const backendId = requestId === undefined ? undefined : this.table.backendIdOf(member, requestId);
      // An unmapped id would cancel whatever request carries that id upstream: dropped.
      if (backendId === undefined) return;
      return (await this.connection.ready()).send({ ...m, params: { ...m.params, requestId: backendId } }, options);
    }
    return (await this.connection.ready()).send(m, options);
  }

  private async sendRequest(member: Member, m: JsonRpcRequest, options: SendOptions, ticket: RequestTicket): Promise<void> {
    if (m.method === 'ping' && this.connection.state === 'released') {
      // The proxy is the client's peer: a keep-alive ping need not start a backend to be answered.
      member.answered(ticket, { jsonrpc: '2.0', id: m.id, result: {} });
      return;
    }
    const uri = m.params?.uri;
    if (typeof uri === 'string' && (m.method === 'resources/subscribe' || m.method === 'resources/unsubscribe')) {
      // Counted per uri: the backend hears the first subscribe and the last unsubscribe only.
      const forward = m.method === 'resources/subscribe' ? this.subscriptions.add(uri, member) : this.subscriptions.remove(uri, member);
      if (!forward) {
        member.answered(ticket, { jsonrpc: '2.0', id: m.id, result: {} });
        return;
      }
    }
    const out = this.table.addClient(member, m, ticket, Date.now() + this.opts.requestTimeoutMs);
    try {
      await this.forward(out, options);
    } catch (e) {
      this.table.forget(out.id as number);
      throw e;
    } finally {
      this.touch();
    }
  }

  /**
   * Sends a request; one refused because the backend no longer knew our session (refused before it
   * ran: servers check the session first) is sent again, once, on the re-established channel.
   */
  private async forward(out: JsonRpcRequest, options: SendOptions, retried = false): Promise<void> {
    const channel = await this.connection.ready();
    try {
      await channel.send(out, options);
    } catch (e) {
      const err = toProxyError(e);
      if (err.code !== 'ERR_BACKEND_SESSION_LOST' || retried || this.closed) throw err;
      this.connection.lost(channel, err);
      this.repair('request_retried_after_reinitialize', { method: out.method });
      return this.forward(out, options, true);
    }
    this.table.accepted(out.id as number);
    // Accepted by a channel that has meanwhile dropped: its answer can no longer come.
    if (this.connection.channel !== channel && this.table.take(out.id)) {
      throw new ProxyError('ERR_BACKEND_DISCONNECTED', 'backend_stream_ended', 'the backend connection dropped while this request was in flight');
    }
  }

  /**
   * The client sent `notifications/initialized`: forwarded once per channel; a duplicate is dropped
   * when `dedupe`; on a shared link the link sent the one real one itself ('shared').
   */
  async clientInitialized(dedupe: boolean): Promise<'forwarded' | 'duplicate' | 'shared'> {
    if (this.opts.shared) return 'shared';
    if (this.connection.initializedSent && dedupe) return 'duplicate';
    if (!this.connection.initializedSent) return this.connection.ensureInitialized().then(() => 'forwarded');
    await (await this.connection.ready()).send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return 'forwarded';
  }

  /** Handshake repair: `initialized` before the first request, once per channel. */
  ensureInitialized(): Promise<void> {
    return this.connection.ensureInitialized();
  }

  /** Resolves once a pending `initialized` went out (requests must not overtake it). */
  settled(): Promise<void> {
    return this.connection.settled();
  }

  /** Waits (bounded) for the channel; rejects when the link cannot serve. */
  ready(): Promise<Channel> {
    return this.connection.ready();
  }

  /** Backpressure: only a link that serves one member may stop reading its backend for that member. */
  flowControl(): { pause(): void; resume(): void } | undefined {
    const channel = this.connection.channel;
    if (this.opts.shared || !channel?.pause || !channel.resume) return undefined;
    return { pause: () => channel.pause!(), resume: () => channel.resume!() };
  }

  /** Gives up on a member's requests unanswered past limits.requestTimeout (progress moves it). */
  expire(now: number, member: Member): void {
    expireRequests(this, now, member);
  }

  /** Sends on the current channel, if any (best effort: a cancellation, a refusal). */
  notify(message: JsonRpcMessage): void {
    this.connection.channel?.send(message).catch(() => undefined);
  }

  /** A request of the link's own on `channel`, bounded by backend.timeouts.connect. */
  request(channel: Channel, method: string, params: Record<string, unknown>): Promise<JsonRpcResponse> {
    return ownRequest(this.table, channel, method, params, this.opts.connectTimeoutMs);
  }

  private async renewSubscriptions(): Promise<void> {
    const channel = this.connection.channel;
    if (!channel) return;
    for (const uri of this.subscriptions.uris()) {
      const answer = await this.request(channel, 'resources/subscribe', { uri }).catch((e: unknown) => toProxyError(e).toJsonRpc(null));
      if (answer.error) this.log.warn({ reason: 'resubscribe_failed', uri }, `could not renew a resource subscription: ${answer.error.message}`);
    }
  }

  private repair(reason: string, detail: Record<string, unknown>): void {
    this.opts.metrics.inc('frontdoor_repairs_total', { route: this.opts.route, reason });
    const seen = (this.repairs ??= new Set());
    if (seen.has(reason)) return;
    seen.add(reason);
    this.log.info({ reason, ...detail }, `repair: ${reason}`);
  }

  get deadline(): number {
    return Date.now() + this.opts.requestTimeoutMs;
  }

  private dropped(cause: ProxyError): void {
    if (this.closed) return;
    this.opts.metrics.inc('frontdoor_backend_drops_total', { route: this.opts.route, reason: cause.reason });
    const err = new ProxyError(
      'ERR_BACKEND_DISCONNECTED',
      cause.reason,
      `the backend connection dropped while this request was in flight (${cause.message})`,
      cause.detail === undefined ? {} : { detail: cause.detail },
    );
    err.route = this.opts.route;
    const lost = this.table.takeLost();
    // One error, one errorId, one log line for every request lost with the channel. While the link
    // opens, whoever waits for the handshake reports it.
    if (this.connection.state !== 'opening') this.log.warn({ ...err.logFields(), inFlight: lost.length }, `backend channel lost: ${cause.message}`);
    for (const entry of lost) {
      if (entry.kind === 'own') entry.fail(this.connection.state === 'opening' ? cause : err);
      else entry.member.answered(entry.ticket, err.toJsonRpc(entry.clientId), err);
    }
    this.connection.dropped(cause, this.members.size > 0);
  }

  /** Ends the link: its requests fail, its members are told (unless `cause` is undefined), the channel closes. */
  async close(cause?: ProxyError): Promise<void> {
    if (this.closed) return;
    this.idleClock?.stop();
    const err = cause ?? closedError('the backend link was closed');
    await this.connection.close();
    const entries = this.table.takeAll();
    // One line for every client request answered with this error: their clients hold its errorId.
    const clients = entries.filter((e) => e.kind === 'client').length;
    if (clients > 0) this.log.warn({ ...err.logFields(), inFlight: clients }, `backend link closed: ${err.message}`);
    for (const entry of entries) {
      if (entry.kind === 'own') entry.fail(err);
      else entry.member.answered(entry.ticket, err.toJsonRpc(entry.clientId), err);
    }
    const members = [...this.members];
    this.members.clear();
    if (cause) for (const m of members) m.linkClosed(cause);
  }
}
