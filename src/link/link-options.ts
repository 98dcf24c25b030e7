// What a link is built with (link.ts): its backend, its sharing mode, its limits and where it reports.
import type { Logger } from 'pino';
import type { BackendConnector } from '../backends/channel.js';
import type { ErrorReporter } from '../observability/error-reporter.js';
import type { Metrics } from '../observability/metrics.js';
import type { RequestIds } from './request-ids.js';
import type { Link } from './link.js';

export interface LinkOptions {
  connector: BackendConnector;
  ids: RequestIds;
  /** Several members: the link answers the backend's pings, sends `initialized` itself, routes by member. */
  shared: boolean;
  route: string;
  log: Logger;
  metrics: Metrics;
  errors: ErrorReporter;
  /** Lend the members' credentials to the backend (auth passthrough). */
  passCredentials: boolean;
  /** Where each backend answer's latency goes (frontdoor_backend_request_duration_seconds). */
  backendLatency?: { observe(seconds: number): void };
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number; giveUpMs: number };
  /** backend.idleRelease: release the channel after this long unused (0: never). */
  idleReleaseMs: number;
  /** The last member left. */
  onEmpty(link: Link): void;
}
