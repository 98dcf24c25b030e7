// The backend channel of a link through its life: opened with the one handshake, re-established
// with backoff after a drop (the handshake replayed, `notifications/initialized` too when the backend
// had seen it, the link's subscriptions renewed), given up after reconnect.giveUpAfter. While it is
// being re-established, sends wait for it, bounded by backend.timeouts.connect. A channel nobody uses
// is released (backend.idleRelease: closed on purpose, state `released`) and re-opened the same way
// by the next send that needs it, once for every send that races it (docs/idle-release.md).
//
// The channel contract it relies on (backends/channel.ts): `send` resolves once the backend accepted
// a message; `onClose` fires once, only when the backend dropped the channel (never after our own
// `close()`); ERR_BACKEND_SESSION_LOST means the backend no longer knows the session, so a request
// refused with it was refused before it ran and may be sent again on a re-established channel.
import type { Logger } from 'pino';
import type { BackendConnector, Channel, ChannelContext, ChannelHandlers } from '../backends/channel.js';
import { Backoff } from '../backends/backoff.js';
import { ProxyError, toProxyError } from '../errors/proxy-error.js';
import type { JsonRpcResponse } from '../jsonrpc/message.js';
import type { Metrics } from '../observability/metrics.js';

export const INITIALIZED = { jsonrpc: '2.0', method: 'notifications/initialized' } as const;

export type ChannelState = 'idle' | 'opening' | 'ready' | 'reconnecting' | 'released' | 'reopening' | 'closed';

export interface LinkChannelOptions {
  connector: BackendConnector;
  route: string;
  log: Logger;
  metrics: Metrics;
  connectTimeoutMs: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number; giveUpMs: number };
  /** A shared link sends `notifications/initialized` itself, right after every handshake. */
  sendsInitialized: boolean;
  /** What the current channel receives and when it drops (a replaced channel is no longer heard). */
  handlers: ChannelHandlers;
  context(): ChannelContext;
  /** A request of the link's own on the current channel (through the link's id table). */
  request(channel: Channel, method: string, params: Record<string, unknown>): Promise<JsonRpcResponse>;
  /** The channel is re-established: renew what the backend session lost (subscriptions). */
  renew(): Promise<void>;
  /** Reconnecting was given up: the link ends. */
  giveUp(cause: ProxyError): void;
}

export class LinkChannel {
  state: ChannelState = 'idle';
  channel: Channel | undefined;
  /** The backend's answer to the current handshake (its InitializeResult). */
  handshake: JsonRpcResponse | undefined;
  /** The params the current handshake used; replayed on every new channel. */
  private params: Record<string, unknown> | undefined;
  /** `notifications/initialized` reached the current channel. */
  initializedSent = false;
  private initializing: Promise<void> | undefined;
  private opening: Promise<JsonRpcResponse> | undefined;
  private reconnecting: Promise<void> | undefined;
  private reopening: Promise<void> | undefined;
  private readonly backoff: Backoff;
  /** Why the last attempt to re-establish failed, told to sends that wait in vain. */
  private lastError: ProxyError | undefined;
  /** Counts channels: only the current one's messages and drop are heard. */
  private generation = 0;
  /** Channels opened with a successful handshake (logged for shared links). */
  private handshakes = 0;

  constructor(private readonly opts: LinkChannelOptions) {
    this.backoff = new Backoff(opts.reconnect.initialDelayMs, opts.reconnect.maxDelayMs);
  }

  get protocolVersion(): string | undefined {
    const v = this.handshake?.result?.protocolVersion;
    return typeof v === 'string' ? v : undefined;
  }

  /**
   * Opens the channel and handshakes with `params`; concurrent callers share one opening. Resolves with
   * the backend's answer (an error answer leaves the link unopened, for other params to try).
   */
  open(params: Record<string, unknown>): Promise<JsonRpcResponse> {
    this.opening ??= this.connectAndHandshake(params, 'opening').finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async connectAndHandshake(params: Record<string, unknown>, phase: 'opening' | 'reconnecting' | 'reopening'): Promise<JsonRpcResponse> {
    if (phase === 'opening') this.state = 'opening';
    let channel: Channel;
    const generation = ++this.generation;
    const current = () => generation === this.generation;
    const handlers: ChannelHandlers = {
      onMessage: (m, related) => {
        if (current()) this.opts.handlers.onMessage(m, related);
      },
      onClose: (cause) => {
        if (!current()) return;
        this.generation++;
        this.opts.handlers.onClose(cause);
      },
    };
    try {
      channel = await this.opts.connector.connect(handlers, this.opts.context());
    } catch (e) {
      if (this.state === 'opening') this.state = 'idle';
      throw e;
    }
    if (this.state === 'closed') {
      await channel.close();
      throw closedError('the link was closed while its backend channel opened');
    }
    this.channel = channel;
    let response: JsonRpcResponse;
    try {
      response = await this.opts.request(channel, 'initialize', params);
    } catch (e) {
      this.abandon(channel);
      throw e;
    }
    if (response.error) {
      this.abandon(channel);
      return response;
    }
    this.handshake = response;
    this.params = params;
    this.handshakes++;
    if (this.opts.sendsInitialized) {
      this.opts.log.info(
        {
          reason: this.handshakes > 1 ? 'shared_backend_rehandshaken' : 'shared_backend_initialized',
          generation: this.handshakes,
          backend: channel.description,
        },
        'shared backend link initialized; its InitializeResult answers every session',
      );
    }
    const replayInitialized = this.opts.sendsInitialized || (phase !== 'opening' && this.initializedSent);
    this.initializedSent = false;
    if (replayInitialized) await this.sendInitialized(channel);
    this.state = 'ready';
    return response;
  }

  /** A channel whose handshake failed: closed, and the link back to unopened (unless it is reconnecting). */
  private abandon(channel: Channel): void {
    if (this.channel === channel) this.channel = undefined;
    if (this.state === 'opening') this.state = 'idle';
    channel.close().catch(() => undefined);
  }

  private async sendInitialized(channel: Channel): Promise<void> {
    this.initializedSent = true;
    await channel.send(INITIALIZED);
  }

  /** Sends `notifications/initialized` once per channel (handshake repair); racing sends wait for it. */
  ensureInitialized(): Promise<void> {
    if (this.initializedSent || this.state !== 'ready' || !this.channel) return this.initializing ?? Promise.resolve();
    const channel = this.channel;
    this.initializing = this.sendInitialized(channel)
      .catch((e: unknown) => {
        if (this.channel === channel) this.initializedSent = false;
        this.opts.log.warn({ reason: 'initialized_injection_failed' }, toProxyError(e).message);
      })
      .finally(() => (this.initializing = undefined));
    return this.initializing;
  }

  /** Waits for a pending `initialized` so that no request overtakes it. */
  settled(): Promise<void> {
    return this.initializing ?? Promise.resolve();
  }

  /** The channel, waiting (bounded by backend.timeouts.connect) while it is being re-established. */
  async ready(): Promise<Channel> {
    if (this.state === 'closed') throw closedError('the session was closed');
    if (this.state === 'ready' && this.channel) return this.channel;
    if (this.state === 'released' || this.state === 'reopening') {
      await this.reopen();
    } else if (this.state === 'idle') {
      if (!this.params) throw closedError('the session has not been initialized');
      const response = await this.open(this.params);
      if (response.error)
        throw new ProxyError('ERR_BACKEND_PROTOCOL', 'replayed_initialize_rejected', `the backend rejected the replayed initialize: ${response.error.message}`);
    } else {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const last = this.lastError ? `: ${this.lastError.message}` : '';
          reject(new ProxyError('ERR_BACKEND_UNAVAILABLE', 'backend_reconnecting', `the backend is unreachable and the proxy is reconnecting${last}`));
        }, this.opts.connectTimeoutMs);
      });
      try {
        await Promise.race([this.opening ?? this.reconnecting, timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
    if (this.state !== 'ready' || !this.channel) throw closedError('the session was closed');
    return this.channel;
  }

  /**
   * A send learnt that `channel` is lost (the backend no longer knows our session): handled as its
   * drop, now, whatever the order in which the channel reports it (its own report is then ignored).
   */
  lost(channel: Channel, cause: ProxyError): void {
    if (this.channel !== channel) return;
    this.generation++;
    this.opts.handlers.onClose(cause);
  }

  /** The backend dropped the channel: re-establish it (at once when the backend said it lost our session). */
  dropped(cause: ProxyError, keepAlive: boolean): void {
    this.channel = undefined;
    if (this.state !== 'ready') return; // opening: the handshake fails; reconnecting: the loop retries
    if (!keepAlive) {
      this.state = 'idle';
      return;
    }
    this.state = 'reconnecting';
    this.reconnecting = this.reconnect(cause.code === 'ERR_BACKEND_SESSION_LOST');
  }

  private async reconnect(immediately: boolean): Promise<void> {
    this.backoff.reset();
    const since = Date.now();
    for (let attempt = 1; this.state === 'reconnecting'; attempt++) {
      if (!(immediately && attempt === 1)) await this.backoff.wait();
      if (this.state !== 'reconnecting') return;
      const giveUp = this.opts.reconnect.giveUpMs;
      if (giveUp > 0 && Date.now() - since > giveUp) {
        // A backend that stays down (a stdio server crashing at start, a host gone) is not retried for
        // ever for members an open stream keeps alive: the link ends, clients re-initialize later.
        const err = new ProxyError(
          'ERR_BACKEND_UNAVAILABLE',
          'backend_unrecoverable',
          `the backend stayed unreachable for backend.reconnect.giveUpAfter (${giveUp} ms)`,
        );
        this.opts.log.warn({ ...err.logFields(), attempts: attempt - 1, lastError: this.lastError?.message }, 'giving up reconnecting');
        this.opts.giveUp(err);
        return;
      }
      try {
        const response = await this.connectAndHandshake(this.params ?? {}, 'reconnecting');
        if (response.error)
          throw new ProxyError(
            'ERR_BACKEND_PROTOCOL',
            'replayed_initialize_rejected',
            `the backend rejected the replayed initialize: ${response.error.message}`,
          );
        await this.opts.renew();
        this.opts.metrics.inc('frontdoor_backend_reconnects_total', { route: this.opts.route });
        this.opts.log.info({ attempt, reason: 'backend_reconnected' }, 'backend channel re-established; initialize replayed');
        return;
      } catch (e) {
        this.lastError = toProxyError(e);
        if ((this.state as ChannelState) !== 'closed') this.state = 'reconnecting';
        this.opts.log.debug({ attempt, reason: this.lastError.reason }, `reconnect attempt failed: ${this.lastError.message}`);
      }
    }
  }

  /**
   * backend.idleRelease: closes the ready channel on purpose. The handshake's params and whether the
   * backend had seen `initialized` are kept, so a re-open replays both, as a reconnect does.
   */
  async release(): Promise<void> {
    if (this.state !== 'ready') return;
    this.state = 'released';
    this.generation++; // the closing channel's last messages and its drop are no longer heard
    const channel = this.channel;
    this.channel = undefined;
    await channel?.close().catch(() => undefined);
  }

  /**
   * A released channel is needed again: one re-open (connect, replayed initialize and initialized,
   * renewed subscriptions) for every caller that races it. A failure leaves it released, so the next
   * request tries again; the callers get the backend's own error (unreachable, timed out, refused).
   */
  reopen(): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    this.reopening ??= this.reopenOnce().finally(() => (this.reopening = undefined));
    return this.reopening;
  }

  private async reopenOnce(): Promise<void> {
    if (this.state !== 'released') throw closedError('the session was closed');
    this.state = 'reopening';
    try {
      const response = await this.connectAndHandshake(this.params ?? {}, 'reopening');
      if (response.error)
        throw new ProxyError('ERR_BACKEND_PROTOCOL', 'replayed_initialize_rejected', `the backend rejected the replayed initialize: ${response.error.message}`);
      await this.opts.renew();
      this.opts.metrics.inc('frontdoor_backend_reopens_total', { route: this.opts.route });
      this.opts.log.debug({ reason: 'backend_reopened' }, 'released backend channel re-opened; initialize replayed');
    } catch (e) {
      if ((this.state as ChannelState) === 'reopening') this.state = 'released';
      throw e;
    }
  }

  /** Ends it for good. */
  async close(): Promise<void> {
    this.state = 'closed';
    this.generation++;
    this.backoff.cancel();
    const channel = this.channel;
    this.channel = undefined;
    await channel?.close().catch(() => undefined);
  }
}

export function closedError(message: string): ProxyError {
  return new ProxyError('ERR_SESSION_CLOSED', 'session_closed', message);
}
