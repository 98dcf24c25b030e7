// One client-facing MCP session: the client side only. It keeps the client's id for the session's
// whole life, the streams its messages go out on (outbox, backpressure), its credentials (auth
// passthrough) and the handshake repairs; it is a member of one link (src/link/), which owns
// everything that crosses the backend channel (ids, the handshake, reconnects). When the link's
// channel drops, only the requests in flight fail; the session keeps its id.
import type { SendOptions } from '../backends/channel.js';
import { ProxyError, toProxyError } from '../errors/proxy-error.js';
import { isRequest, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../jsonrpc/message.js';
import type { Link } from '../link/link.js';
import type { Member, RequestTicket } from '../link/member.js';
import { Outbox } from './outbox.js';
import { Backpressure, reportOverflow } from './backpressure.js';
import type { MessageSink } from './sink.js';
import { DEFAULT_CLIENT_INFO, type SessionOptions } from './session-options.js';
import { needsInitialized } from './handshake-repair.js';
import { SessionBase } from './session-base.js';
import { ToolCalls } from '../policy/tool-calls.js';
import type { ClientTrace } from '../observability/tracing/client-context.js';
import { answerWhenSettled, PASS_THROUGH, type SessionTracer } from '../observability/tracing/tracing.js';

export { DEFAULT_CLIENT_INFO, type SessionOptions };

export class Session extends SessionBase implements Member {
  private state: 'new' | 'ready' | 'closed' = 'new';
  private link: Link | undefined;
  /** The handshake under way: messages racing it (legacy clients POST without waiting) wait for it. */
  private startup: Promise<JsonRpcResponse> | undefined;
  private clientInitialize: JsonRpcRequest | undefined;
  private readonly outbox: Outbox;
  private readonly backpressure: Backpressure;
  /** Repairs already logged for this session (created on the first: most sessions need none). */
  private repairsSeen: Set<string> | undefined;
  private readonly toolCalls: ToolCalls;
  /** Spans of this session's requests (tracing on) or the client's context passed on; made on the first message. */
  private ownTracer: SessionTracer | undefined;

  constructor(opts: SessionOptions) {
    super(opts);
    this.toolCalls = new ToolCalls(opts.tools, (entry) => opts.audit(this, entry), opts.requests);
    this.outbox = new Outbox(opts.maxBufferedMessages, opts.streamBufferBytes);
    this.backpressure = new Backpressure({
      limitBytes: opts.streamBufferBytes,
      stallMs: opts.streamStallTimeoutMs,
      flow: () => this.link?.flowControl(),
      onOverflow: reportOverflow(opts.errors, () => this.log),
    });
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  get started(): boolean {
    return this.startup !== undefined || this.state !== 'new';
  }

  /** The version the backend answered to the handshake. */
  get protocolVersion(): string | undefined {
    return this.link?.protocolVersion;
  }

  /** The client's `initialize` params, as the link replays them (and a takeover re-creates them). */
  get initializeParams(): Record<string, unknown> {
    return this.clientInitialize?.params ?? {};
  }

  get openStreams(): number {
    return this.outbox.openStreams;
  }

  /** Requests of this session the backend has not answered yet. */
  get inFlight(): number {
    return this.link?.table.count(this).inFlight ?? 0;
  }

  /** Requests whose client is still connected and waiting: they keep the session from idling out. */
  get waitingClients(): number {
    return this.link?.table.count(this).waiting ?? 0;
  }

  private get tracer(): SessionTracer {
    return (this.ownTracer ??= this.opts.tracing?.session(this) ?? PASS_THROUGH);
  }

  /**
   * Joins the route's link with the client's `initialize`. Resolves with the backend's answer (the
   * client's id restored); throws a ProxyError when the backend cannot be reached. `client`: the
   * initialize came from a client (traced), with its HTTP request's trace context.
   */
  start(initialize: JsonRpcRequest, client?: { trace: ClientTrace | undefined }): Promise<JsonRpcResponse> {
    return this.toolCalls.initializing(this.handshake(initialize, client));
  }

  /** `start` for the proxy's own handshakes (a takeover, a client that skipped initialize): not a client request. */
  private handshake(initialize: JsonRpcRequest, client?: { trace: ClientTrace | undefined }): Promise<JsonRpcResponse> {
    const tracer = client && this.tracer;
    this.clientInitialize = tracer ? tracer.outbound(initialize, client.trace, false) : initialize;
    this.startup = (async () => {
      const link = this.opts.linker.linkFor(this);
      this.link = link;
      const response = await link.join(this);
      if (!response.error && this.state === 'new') {
        this.state = 'ready';
        // The idle clock starts when the session is usable, not when a slow backend began starting.
        this.touch();
        if (this.opts.onStarted) await this.opts.onStarted(this);
      }
      return { ...response, id: initialize.id };
    })();
    if (tracer) answerWhenSettled(tracer, this.startup, initialize.id);
    return this.startup;
  }

  /** Re-creates a session another replica held (it is gone), from its recorded `initialize` params. */
  async resume(params: Record<string, unknown>): Promise<void> {
    const response = await this.handshake({ jsonrpc: '2.0', id: 'frontdoor-resume', method: 'initialize', params });
    if (response.error)
      throw new ProxyError('ERR_BACKEND_PROTOCOL', 'replayed_initialize_rejected', `the backend rejected the replayed initialize: ${response.error.message}`);
    // The client sent `notifications/initialized` long ago, to the replica that is gone.
    await this.link?.ensureInitialized();
  }

  /**
   * Handshakes for a client that sends requests without ever sending `initialize` (an SSE client that
   * silently reconnected: typescript-sdk#510, python-sdk#1844), with a default identity.
   */
  async startOnBehalf(protocolVersion: string): Promise<void> {
    this.repair('initialize_synthesized', { protocolVersion, clientInfo: DEFAULT_CLIENT_INFO });
    const response = await this.handshake({
      jsonrpc: '2.0',
      id: 'frontdoor-initialize',
      method: 'initialize',
      params: { protocolVersion, capabilities: {}, clientInfo: DEFAULT_CLIENT_INFO },
    });
    if (response.error) {
      throw new ProxyError(
        'ERR_BACKEND_PROTOCOL',
        'synthesized_initialize_rejected',
        `the backend rejected the initialize the proxy sent for this client: ${response.error.message}`,
      );
    }
    await this.link?.ensureInitialized();
  }

  /**
   * Forwards client messages (one POST body). Answers to requests go to `sink`; requests that could
   * not be sent are answered there with an error. Resolves when the backend accepted every message;
   * returns the first error of a notification or response (the caller reports it).
   */
  async submit(messages: JsonRpcMessage[], sink: MessageSink, authorization?: string, trace?: ClientTrace): Promise<ProxyError | undefined> {
    this.touch();
    if (this.startup) await this.startup.catch(() => undefined);
    const link = this.link;
    if (!link || this.state !== 'ready') {
      const err = new ProxyError(
        'ERR_SESSION_CLOSED',
        this.closed ? 'session_closed' : 'session_not_started',
        this.closed ? 'the session was closed' : 'the session has not been initialized',
      );
      const requests = messages.filter(isRequest);
      if (requests.length > 0) this.report(err, { method: requests[0]!.method });
      for (const m of requests) sink.respond(err.toJsonRpc(m.id), err);
      return err;
    }
    // The client's messages reach the backend with the credential of the request that carried them.
    const send: SendOptions = this.opts.passCredentials && authorization !== undefined ? { authorization } : {};
    if (this.opts.repairHandshake && !link.initializedSent && needsInitialized(messages)) {
      // Strict servers (Python SDK < 1.18) answer -32602 to every request before `initialized`;
      // Claude Code's SSE client never sends it (claude-code#58759). Sent first, once.
      this.repair('initialized_injected', { before: messages.find(isRequest)?.method });
      await link.ensureInitialized();
    }
    await link.settled(); // requests racing the injection must not overtake it
    let firstError: ProxyError | undefined;
    let reported: Set<ProxyError> | undefined;
    const one = async (m: JsonRpcMessage) => {
      if (isRequest(m)) this.requestsMade++;
      try {
        if ('method' in m && m.method === 'notifications/initialized' && !isRequest(m)) {
          if ((await link.clientInitialized(this.opts.repairHandshake)) === 'duplicate') this.repair('duplicate_initialized_dropped', {});
          return;
        }
        // A hidden tool (tools.allow/deny) is answered here; the backend never hears of it.
        const refused = isRequest(m) ? this.toolCalls.admit(m) : undefined;
        const out = this.tracer.outbound(m, trace, refused === undefined);
        if (refused) sink.respond(this.settle(refused));
        else await link.send(this, out, send, isRequest(m) ? sink : undefined);
      } catch (e) {
        const err = toProxyError(e);
        if (isRequest(m)) {
          reported ??= new Set();
          if (!reported.has(err)) this.report(err, { method: m.method });
          reported.add(err);
          sink.respond(this.settle(err.toJsonRpc(m.id), err), err);
        } else if (err.code !== 'ERR_BACKEND_SESSION_LOST') firstError ??= err;
        // A notification meant for a backend session that is gone is moot: the link replays
        // `initialized`, and cancels or answers for the old session have nothing to reach.
        else this.log.debug({ ...err.logFields(), method: 'method' in m ? m.method : undefined }, err.message);
      }
    };
    // One message per POST is the rule since batches left the protocol (2025-06-18): no array of promises for it.
    if (messages.length === 1) await one(messages[0]!);
    else await Promise.all(messages.map(one));
    return firstError;
  }

  // -- the member side: what the link hands this session --------------------------------------

  answered(ticket: RequestTicket, response: JsonRpcResponse, error?: ProxyError): void {
    // Tickets are the sinks this session handed the link with each request.
    const sink = ticket as MessageSink;
    if (sink.respond(this.settle(response, error), error)) this.backpressure.check(sink);
    else {
      this.opts.metrics.inc('frontdoor_undeliverable_total', { route: this.opts.route, reason: 'client_gone' });
      this.log.debug({ reason: 'client_gone' }, 'the client left before its response arrived');
    }
  }

  progress(ticket: RequestTicket, notification: JsonRpcNotification): void {
    const sink = ticket as MessageSink;
    if (sink.open && sink.deliver(notification)) this.backpressure.check(sink);
    else this.deliver(notification);
  }

  deliver(message: JsonRpcMessage): void {
    const routed = this.outbox.route(message);
    if (typeof routed === 'object') this.backpressure.check(routed);
    else if (routed === 'dropped') {
      this.opts.metrics.inc('frontdoor_undeliverable_total', { route: this.opts.route, reason: 'buffer_full' });
      this.log.warn({ reason: 'buffer_full', buffered: this.outbox.buffered }, 'client has no open stream and the buffer is full: dropped the oldest message');
    }
  }

  linkClosed(cause: ProxyError): void {
    void this.close(cause.reason);
  }

  // -- streams ----------------------------------------------------------------------------------

  /** Attaches the client's GET stream; an older GET stream of this session is ended. */
  attachStandalone(sink: MessageSink): void {
    this.touch();
    this.outbox.attachStandalone(sink)?.end();
    // A stream is for the backend's notifications: a released channel comes back at once (backend.idleRelease).
    this.link?.acquire();
  }

  attachRequestStream(sink: MessageSink): void {
    this.outbox.attachRequestStream(sink);
  }

  detach(sink: MessageSink): void {
    this.outbox.detach(sink);
    this.touch();
    this.link?.touch();
  }

  /** Gives up on requests the backend has not answered within limits.requestTimeout. */
  expireRequests(now: number): void {
    this.link?.expire(now, this);
  }

  /** A response on its way to the client: its spans end, a tools/list is filtered, a tools/call audited. */
  private settle(response: JsonRpcResponse, error?: ProxyError): JsonRpcResponse {
    this.ownTracer?.answered(response, error);
    return this.toolCalls.settle(response);
  }

  private repair(reason: string, detail: Record<string, unknown>): void {
    const seen = (this.repairsSeen ??= new Set());
    const first = !seen.has(reason);
    seen.add(reason);
    this.opts.onRepair(this, reason, detail, first);
  }

  /** Ends the session: requests in flight are answered with an error, streams end, the link lets go. */
  async close(reason: string): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.backpressure.clear();
    const link = this.link;
    this.link = undefined;
    const err = new ProxyError('ERR_SESSION_CLOSED', reason, `the session was closed (${reason})`);
    const inFlight = link?.leave(this) ?? [];
    // One line for every request answered with this error: their clients hold its errorId.
    if (inFlight.length > 0) this.log.info({ ...err.logFields(), inFlight: inFlight.length }, err.message);
    for (const entry of inFlight) (entry.ticket as MessageSink).respond(this.settle(err.toJsonRpc(entry.clientId), err), err);
    this.outbox.endAll();
    this.opts.onClosed(this, reason);
  }
}
