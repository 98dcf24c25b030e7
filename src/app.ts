// The composition root (docs/architecture.md, The shape): config → routes (backends, links,
// sessions, faces) → one HTTP server. Wiring only: what each piece does lives in its own file. With
// route-runtime.ts, the only file that knows both frontends and backends.
import { processStateKey } from './frontends/modern-http/mrtr.js';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import { KeepAlive } from './frontends/sse-stream.js';
import { createEdgePasses } from './http/edge-passes.js';
import { isLoopbackAddress } from './http/host-origin.js';
import { createPublicAddress } from './http/forwarded.js';
import { createTrustedPeer } from './http/trusted-proxies.js';
import { BodyBudget } from './http/body-budget.js';
import { createHttpServer } from './http/create-server.js';
import { createErrorReporter } from './observability/error-reporter.js';
import { describeProcessMetrics } from './observability/process-metrics.js';
import { Metrics } from './observability/metrics.js';
import { ProxyMetrics } from './observability/proxy-metrics.js';
import { RequestIds } from './link/request-ids.js';
import { openFileLimit } from './limits/open-files.js';
import { sessionCaps } from './limits/session-caps.js';
import { relayOAuth } from './auth/passthrough-route.js';
import { SessionRegistry } from './session/registry.js';
import { buildRouteRuntime } from './route-runtime.js';
import type { RouteDeps } from './route-contract.js';
import { Drain } from './drain.js';
import { TRACING_OFF, type Tracing } from './observability/tracing/tracing.js';
import { isRedisUrl } from './store/store.js';
import type { EventLog } from './session/event-log.js';
import { MemoryEventLog } from './session/memory-event-log.js';
import { createDispatch } from './serve/dispatch.js';
import { createRepairLog } from './serve/repair-log.js';
import { RouteTable, type ReloadDiff } from './serve/route-table.js';
// Type only: the cluster (and the Redis client) load dynamically, only with store: redis://…
import type { Cluster } from './cluster/cluster.js';

export interface App {
  readonly server: Server;
  readonly metrics: Metrics;
  /** Starts launched backends, then listens. Resolves with the MCP endpoint URLs. */
  start(): Promise<string[]>;
  /** Stops taking requests, closes every session and launched backend. */
  stop(reason: string): Promise<void>;
  /**
   * Applies a new, already validated config: added routes start, removed routes drain, changed
   * routes give new sessions the new backend, untouched routes (and their sessions) never notice.
   */
  reload(next: Config): Promise<ReloadDiff>;
}

export function createApp(config: Config, log: Logger, opts: { configDir?: string; store?: string; tracing?: Tracing } = {}): App {
  /** FRONTDOOR_STORE (passed by main) overrides the config's `store`. */
  const storeUrl = opts.store || config.store;
  const clustered = isRedisUrl(storeUrl);
  let cluster: Cluster | undefined;
  let accepting = false;
  const metrics = new Metrics();
  describeProcessMetrics(metrics);
  const proxyMetrics = new ProxyMetrics(metrics, config.observability.metrics);
  const errors = createErrorReporter(metrics, log);
  const keepAlive = new KeepAlive();
  const caps = sessionCaps(config, openFileLimit());
  if (caps.lowered) {
    log.warn(
      { reason: 'max_sessions_lowered', maxSessions: caps.maxSessions, configured: caps.lowered.configured, openFiles: caps.lowered.openFiles },
      `limits.maxSessions lowered to ${caps.maxSessions}: the open-file limit (ulimit -n ${caps.lowered.openFiles}) cannot hold more sessions; raise it to allow more`,
    );
  }
  const sessions = new SessionRegistry(config.sessions.idleTimeout, log, metrics, config.limits.requestTimeout, caps);
  /** SIGTERM, with any store: in-flight requests finish before sessions close. */
  const drain = new Drain({ timeoutMs: config.cluster.drainTimeout, inFlight: () => sessions.inFlight(), log });
  const publicAddress = createPublicAddress({
    publicUrl: config.listen.publicUrl,
    listenHost: config.listen.host,
    listenPort: config.listen.port,
    trusted: createTrustedPeer(config.listen.trustProxy),
  });

  const eventLogLimits = {
    maxEvents: config.sessions.eventLog.maxEvents,
    maxAgeMs: config.sessions.eventLog.maxAge,
    maxBytes: config.sessions.eventLog.maxBytes,
  };
  /** Resumable streams' log: in memory, replaced by the Redis one when the cluster connects. */
  let eventLog: EventLog = new MemoryEventLog(eventLogLimits);
  metrics.gauge('frontdoor_event_log_bytes', () => (eventLog instanceof MemoryEventLog ? eventLog.bytes : 0));
  const bodyBudget = new BodyBudget(config.limits.maxBufferedBodyBytes);
  metrics.gauge('frontdoor_body_bytes_buffered', () => bodyBudget.inUse);

  const deps: RouteDeps = {
    config,
    configDir: opts.configDir,
    log,
    metrics,
    sessions,
    keepAlive,
    body: { maxBytes: config.limits.maxBodyBytes, timeoutMs: config.limits.bodyTimeout, budget: bodyBudget },
    errors,
    ids: new RequestIds(),
    tracing: opts.tracing ?? TRACING_OFF,
    publicPrefix: publicAddress.prefix,
    publicBase: publicAddress.base,
    clientAddress: publicAddress.client,
    hooks: () => cluster,
    eventLog: () => eventLog,
    routeMetrics: (path) => proxyMetrics.route(path),
    stateKey: processStateKey(config.mrtr.stateSecret),
  };
  const routes = new RouteTable(config, (route) => buildRouteRuntime(route, deps), log);
  const repairs = createRepairLog(metrics, log);
  const publicUrl = config.listen.publicUrl ? new URL(config.listen.publicUrl) : undefined;
  const passes = createEdgePasses({
    policy: {
      loopback: isLoopbackAddress(config.listen.host),
      allowedHosts: [...config.listen.allowedHosts, ...(publicUrl ? [publicUrl.host] : [])],
      allowedOrigins: [...config.listen.allowedOrigins, ...(publicUrl ? [publicUrl.origin] : [])],
    },
    routes: () => routes.live,
    drainingRoutes: () => routes.drainingWithSessions(),
    metrics,
    errors,
    // Scale-out: not ready while the shared store is unreachable (or our records are being re-written).
    ready: () => accepting && (cluster?.storeUp ?? true),
    onOAuthPassthrough: (route, probe, req, res, path) => {
      metrics.inc('frontdoor_oauth_passthrough_total', { route: route.prefix });
      relayOAuth(route, probe, req, res, path, publicAddress.base);
    },
    onOAuthProbe: (path) => repairs.oauthProbe(path),
    onPathRepair: (route, reason, ctx) => repairs.pathRepair(route, reason, ctx),
  });
  const dispatch = createDispatch({ passes, errors, metrics, drain, sessions, clustered, cluster: () => cluster });
  const server = createHttpServer(config.limits, caps, errors, metrics, dispatch);

  return {
    server,
    metrics,
    async start() {
      for (const route of routes.live) await route.launch();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.listen.port, config.listen.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const addr = server.address() as AddressInfo;
      // A wildcard bind is reachable on loopback; print that rather than an address no client can use.
      const host = addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address === '::' ? '[::1]' : addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      if (clustered) {
        const { createCluster } = await import('./cluster/cluster.js');
        const c = config.cluster;
        cluster = await createCluster(storeUrl, {
          sessions,
          log,
          metrics,
          address: c.advertise?.replace(/\/+$/, '') ?? `http://${host}:${addr.port}`,
          heartbeatMs: c.heartbeat,
          replicaTtlMs: c.replicaTtl,
          storeTimeoutMs: c.storeTimeout,
          recordTtlMs: Math.max(2 * config.sessions.idleTimeout, 60_000),
          draining: () => drain.draining,
        });
        const { RedisEventLog } = await import('./session/event-log-redis.js');
        eventLog.close();
        eventLog = new RedisEventLog(cluster.storeClient as ConstructorParameters<typeof RedisEventLog>[0], log, eventLogLimits);
      }
      accepting = true;
      const base = config.listen.publicUrl ? config.listen.publicUrl.replace(/\/$/, '') : `http://${host}:${addr.port}`;
      return routes.live.map((r) => `${base}${r.endpoint}`);
    },
    async stop(reason) {
      accepting = false;
      // /readyz is false from here; in-flight requests finish (bounded) before sessions close. Scale-out:
      // then leave the cluster, keeping the session records so that other replicas take the sessions over.
      await drain.run();
      await cluster?.leave();
      server.close();
      await sessions.closeAll(reason);
      keepAlive.stop();
      server.closeAllConnections();
      await Promise.allSettled(routes.all().map((r) => r.dispose()));
      eventLog.close();
      await cluster?.close().catch(() => undefined);
    },
    reload: (next) => routes.reload(next),
  };
}
