// The links of one route, and which link a new session joins. `share: per-session`: a link of its
// own for every session (isolation). `share: shared`: one link for every session, whose channel is
// released backend.idleRelease after the last one left, like any idle link's (a client reconnecting
// meanwhile finds it open; the next one re-opens it with the same handshake), except — when the transport
// cannot say which session caused a server→client request (legacy SSE, stdio) — for sessions whose
// clients declare sampling, elicitation or roots: they get a link of their own, so that one user's
// prompt can never reach another user's client (routing.ts).
import type { Logger } from 'pino';
import type { BackendConnector } from '../backends/channel.js';
import type { BackendConfig } from '../config/schema.js';
import type { ErrorReporter } from '../observability/error-reporter.js';
import type { Metrics } from '../observability/metrics.js';
import type { Member } from './member.js';
import { Link } from './link.js';
import type { LinkOptions } from './link-options.js';
import type { RequestIds } from './request-ids.js';
import { answersServerRequests } from './routing.js';

export interface LinkerOptions {
  backend: BackendConfig;
  connector: BackendConnector;
  ids: RequestIds;
  route: string;
  log: Logger;
  metrics: Metrics;
  errors: ErrorReporter;
  passCredentials: boolean;
  requestTimeoutMs: number;
  backendLatency?: LinkOptions['backendLatency'];
}

export class Linker {
  private shared: Link | undefined;
  private readonly links = new Set<Link>();
  private disposed = false;
  private warnedCredentials = false;

  constructor(private readonly opts: LinkerOptions) {}

  /** The link a new session joins (its `initialize` params decide, on a shared route). */
  linkFor(member: Member): Link {
    const b = this.opts.backend;
    if (b.share !== 'shared') return this.create(false);
    // Streamable HTTP backends say which request a server→client request belongs to; the others do not.
    if (b.transport !== 'streamable-http' && answersServerRequests(member)) {
      this.opts.metrics.inc('frontdoor_private_links_total', { route: this.opts.route });
      this.opts.log.info(
        { reason: 'private_link', sessionId: member.label },
        'shared route: this client answers server requests (sampling, elicitation or roots), so it gets a backend link of its own',
      );
      return this.create(false);
    }
    if (this.opts.passCredentials && !this.warnedCredentials) {
      this.warnedCredentials = true;
      this.opts.log.warn(
        { reason: 'shared_backend_credentials' },
        "auth passthrough on a shared backend: the link's own requests carry one session's credentials",
      );
    }
    if (!this.shared || this.shared.closed) this.shared = this.create(true);
    return this.shared;
  }

  private create(shared: boolean): Link {
    if (this.disposed) throw new Error('the route released its backend');
    const b = this.opts.backend;
    const options: LinkOptions = {
      connector: this.opts.connector,
      ids: this.opts.ids,
      shared,
      route: this.opts.route,
      log: this.opts.log,
      metrics: this.opts.metrics,
      errors: this.opts.errors,
      passCredentials: this.opts.passCredentials,
      backendLatency: this.opts.backendLatency,
      connectTimeoutMs: b.timeouts.connect,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      reconnect: { initialDelayMs: b.reconnect.initialDelay, maxDelayMs: b.reconnect.maxDelay, giveUpMs: b.reconnect.giveUpAfter },
      idleReleaseMs: b.idleRelease,
      onEmpty: (link) => this.emptied(link),
    };
    const link = new Link(options);
    this.links.add(link);
    return link;
  }

  private emptied(link: Link): void {
    // The shared link stays: its idle clock releases its channel (backend.idleRelease; never with 0,
    // which keeps a stateful shared server's state for the route's life).
    if (link === this.shared) return;
    this.links.delete(link);
    void link.close();
  }

  /** The state of each link's backend channel (frontdoor_backend_channels). */
  channelStates(): string[] {
    return [...this.links].map((l) => l.channelState);
  }

  /** Closes every link (the route is released); members still attached are told. */
  async dispose(cause: Parameters<Link['close']>[0]): Promise<void> {
    this.disposed = true;
    await Promise.allSettled([...this.links].map((l) => l.close(l.members.size > 0 ? cause : undefined)));
    this.links.clear();
    this.shared = undefined;
  }
}
