// The stand-in for the GET stream a 2026-07-28 backend does not have: one `subscriptions/listen` POST
// stream per channel (MCP 2026-07-28, Basic, Subscriptions), whose notifications the channel hands up
// as unsolicited messages. Reopened with the new filter when the client's resource subscriptions
// change, and with backoff (backends/backoff.ts) when it ends or breaks, for as long as the channel is
// open. A backend that answers the listen request with a JSON-RPC error has no such stream: the
// channel goes on without it, as a 2025 channel does without a GET stream.
import type { Logger } from 'pino';
import { Backoff } from '../backoff.js';
import { toProxyError } from '../../errors/proxy-error.js';
import { canonicalJson } from '../../jsonrpc/canonical-json.js';
import { isNotification, type JsonRpcMessage } from '../../jsonrpc/message.js';
import type { ListenFilter } from '../../era/listen-filter.js';
import { isEmptyFilter } from './inbound.js';
import { postRequest, type PostHost } from './post.js';

/** A stream that lived this long (or brought a notification) was healthy: the backoff starts over. */
const HEALTHY_STREAM_MS = 1_000;
const ACKNOWLEDGED = 'notifications/subscriptions/acknowledged';

export interface ListenOptions {
  host: PostHost;
  log: Logger;
  connectTimeoutMs: number;
  backoff: { initialMs: number; maxMs: number };
  /** The request's params with the envelope and its headers (the channel's client side, now). */
  request(filter: ListenFilter): { params: Record<string, unknown>; headers: Record<string, string> };
  deliver(m: JsonRpcMessage): void;
}

export class ListenStream {
  private filter: ListenFilter = {};
  private key = canonicalJson({});
  private abort: AbortController | undefined;
  private readonly backoff: Backoff;
  private opened = 0;
  private closed = false;
  /** The backend refused the method: no stream on this channel. */
  private unsupported = false;

  constructor(private readonly opts: ListenOptions) {
    this.backoff = new Backoff(opts.backoff.initialMs, opts.backoff.maxMs);
  }

  /** Listens with `filter` from now on: a changed filter reopens the stream, an empty one closes it. */
  update(filter: ListenFilter): void {
    if (this.closed || this.unsupported) return;
    const key = canonicalJson(filter);
    if (key === this.key && this.abort !== undefined) return;
    this.filter = filter;
    this.key = key;
    this.abort?.abort();
    this.abort = undefined;
    this.backoff.cancel();
    if (isEmptyFilter(filter)) return;
    const abort = new AbortController();
    this.abort = abort;
    this.run(abort.signal).catch((e: unknown) => this.opts.log.error({ reason: 'internal_error', err: e }, 'the subscriptions/listen stream failed'));
  }

  close(): void {
    this.closed = true;
    this.abort?.abort();
    this.backoff.cancel();
  }

  private async run(signal: AbortSignal): Promise<void> {
    this.backoff.reset();
    for (let attempt = 0; !signal.aborted && !this.closed; attempt++) {
      if (attempt > 0) await this.backoff.wait(0, signal);
      if (signal.aborted || this.closed) return;
      const { params, headers } = this.opts.request(this.filter);
      const id = `listen-${++this.opened}`;
      const openedAt = Date.now();
      let delivered = 0;
      try {
        const answer = await postRequest(this.opts.host, {
          id,
          method: 'subscriptions/listen',
          body: JSON.stringify({ jsonrpc: '2.0', id, method: 'subscriptions/listen', params }),
          headers,
          signal,
          timeoutMs: this.opts.connectTimeoutMs,
          onRelated: (m) => {
            if (!isNotification(m)) return;
            if (m.method === ACKNOWLEDGED) {
              this.opts.log.debug({ reason: 'backend_listen_acknowledged', honoured: m.params?.notifications }, 'the backend acknowledged its listen stream');
              return;
            }
            delivered++;
            this.opts.deliver(m);
          },
        });
        if (answer.error !== undefined) {
          this.unsupported = true;
          this.opts.log.info(
            { reason: 'backend_listen_refused', code: answer.error.code },
            `the backend refused subscriptions/listen; going on without notifications: ${answer.error.message}`,
          );
          return;
        }
      } catch (e) {
        if (signal.aborted || this.closed) return;
        const err = toProxyError(e);
        this.opts.log.debug({ reason: err.reason, attempt }, `the backend's listen stream failed: ${err.message}`);
      }
      if (delivered > 0 || Date.now() - openedAt >= HEALTHY_STREAM_MS) this.backoff.reset();
    }
  }
}
