// The composition root (docs/architecture.md, The shape): config → backends, sessions and frontends → one HTTP server.
// The only file that imports both a frontend and a backend.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import { handleStreamableHttp } from './frontends/streamable-http/handler.js';
import { handleLegacyMessage, handleLegacyStream } from './frontends/legacy-sse/handler.js';
import { KeepAlive } from './frontends/sse-stream.js';
import { createEdgePasses, type EdgeContext } from './http/edge-passes.js';
import { isLoopbackAddress } from './http/host-origin.js';
import { createPublicAddress } from './http/forwarded.js';
import { createTrustedPeer } from './http/trusted-proxies.js';
import { BodyBudget } from './http/body-budget.js';
import { createHttpServer } from './http/create-server.js';
import { createErrorReporter } from './observability/error-reporter.js';
import { OnceLog } from './observability/once-log.js';
import { RequestIds } from './link/request-ids.js';
import { openFileLimit } from './limits/open-files.js';
import { sessionCaps } from './limits/session-caps.js';
import { replyEmpty, replyError, replyJson } from './http/reply.js';
import { Metrics } from './observability/metrics.js';
import { runPasses } from './pipeline/run-passes.js';
import { relayOAuth } from './auth/passthrough-route.js';
import { SessionRegistry } from './session/registry.js';
import { buildRouteRuntime, type RouteDeps, type RouteRuntime } from './route-runtime.js';
import { diffRoutes } from './config/diff-routes.js';
import { ProxyError, toProxyError } from './errors/proxy-error.js';
import { Drain, opensSession, shuttingDown } from './drain.js';
import { isRedisUrl } from './store/store.js';
import type { EventLog } from './session/event-log.js';
import { MemoryEventLog } from './session/memory-event-log.js';
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
  reload(next: Config): Promise<{ added: string[]; removed: string[]; changed: string[]; unchanged: string[] }>;
}

export function createApp(config: Config, log: Logger, opts: { configDir?: string; store?: string } = {}): App {
  /** FRONTDOOR_STORE (passed by main) overrides the config's `store`. */
  const storeUrl = opts.store || config.store;
  const clustered = isRedisUrl(storeUrl);
  let cluster: Cluster | undefined;
  const metrics = new Metrics();
  metrics.describe('frontdoor_errors_total', 'requests answered with an error, by reason');
  metrics.describe('frontdoor_repairs_total', 'repairs the proxy made, by reason');
  metrics.describe('frontdoor_backend_drops_total', 'backend channels lost');
  metrics.describe('frontdoor_backend_reconnects_total', 'backend channels re-established with a replayed initialize');
  metrics.describe('frontdoor_limit_hits_total', 'requests, streams and messages refused or cut by a limit, by the limits.* key that applied');
  metrics.gauge('process_resident_memory_bytes', () => process.memoryUsage.rss());
  metrics.gauge('nodejs_heap_used_bytes', () => process.memoryUsage().heapUsed);
  metrics.gauge('nodejs_heap_total_bytes', () => process.memoryUsage().heapTotal);
  metrics.gauge('nodejs_external_memory_bytes', () => process.memoryUsage().external);
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
  let accepting = false;
  const publicAddress = createPublicAddress({
    publicUrl: config.listen.publicUrl,
    listenHost: config.listen.host,
    listenPort: config.listen.port,
    trusted: createTrustedPeer(config.listen.trustProxy),
  });
  const publicPrefix = publicAddress.prefix;
  const publicBase = publicAddress.base;
  /** Repairs are logged once per client and reason (bounded), counted every time. */
  const loggedRepairs = new OnceLog();

  const eventLogLimits = { maxEvents: config.sessions.eventLog.maxEvents, maxAgeMs: config.sessions.eventLog.maxAge, maxBytes: config.sessions.eventLog.maxBytes };
  /** Resumable streams' log: in memory, replaced by the Redis one when the cluster connects. */
  let eventLog: EventLog = new MemoryEventLog(eventLogLimits);
  metrics.gauge('frontdoor_event_log_bytes', () => (eventLog instanceof MemoryEventLog ? eventLog.bytes : 0));
  const errors = createErrorReporter(metrics, log);
  const limits = config.limits;
  const bodyBudget = new BodyBudget(limits.maxBufferedBodyBytes);
  metrics.gauge('frontdoor_body_bytes_buffered', () => bodyBudget.inUse);
  const body = { maxBytes: limits.maxBodyBytes, timeoutMs: limits.bodyTimeout, budget: bodyBudget };
  const deps: RouteDeps = { config, configDir: opts.configDir, log, metrics, sessions, keepAlive, body, errors, ids: new RequestIds(), publicPrefix, publicBase, clientAddress: publicAddress.client, hooks: () => cluster, eventLog: () => eventLog };
  /** The routes new sessions use; reload() swaps them. Removed or changed routes drain. */
  let routes: RouteRuntime[] = config.routes.map((route) => buildRouteRuntime(route, deps));
  const draining = new Set<RouteRuntime>();
  let current = config;

  const passes = createEdgePasses<RouteRuntime>({
    policy: {
      loopback: isLoopbackAddress(config.listen.host),
      allowedHosts: [...config.listen.allowedHosts, ...(config.listen.publicUrl ? [new URL(config.listen.publicUrl).host] : [])],
      allowedOrigins: [...config.listen.allowedOrigins, ...(config.listen.publicUrl ? [new URL(config.listen.publicUrl).origin] : [])],
    },
    routes: () => routes,
    drainingRoutes: () => [...draining].filter((d) => d.sessionCount() > 0),
    metrics,
    // Scale-out: not ready while the shared store is unreachable (or our records are being re-written).
    ready: () => accepting && (cluster?.storeUp ?? true),
    onOAuthPassthrough: (route, probe, req, res, path) => {
      metrics.inc('frontdoor_oauth_passthrough_total', { route: route.prefix });
      relayOAuth(route, probe, req, res, path, publicBase);
    },
    onOAuthProbe: (path) => {
      metrics.inc('frontdoor_repairs_total', { route: '', reason: 'oauth_probe_answered' });
      if (loggedRepairs.first(`oauth ${path}`)) {
        log.info({ reason: 'oauth_probe_answered', path }, 'repair: answered an OAuth discovery probe with a JSON 404 (no authorization needed)');
      }
    },
    onPathRepair: (route, reason, ctx) => {
      metrics.inc('frontdoor_repairs_total', { route: route.prefix, reason });
      // Logged once per client (session id, else user agent) and reason; counted every time.
      const who = String(ctx.req.headers['mcp-session-id'] ?? ctx.req.headers['user-agent'] ?? 'unknown');
      if (loggedRepairs.first(`${route.prefix} ${reason} ${who}`)) {
        log.info({ route: route.prefix, reason, path: ctx.path.slice(0, 200), method: ctx.req.method, userAgent: ctx.req.headers['user-agent']?.slice(0, 200) }, `repair: ${reason}`);
      }
    },
  });

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const ctx: EdgeContext<RouteRuntime> = { req, res, path: q >= 0 ? url.slice(0, q) : url };
    const decided = runPasses(passes, ctx);
    if (decided) {
      const { reply } = decided;
      if (reply.kind === 'error') {
        errors.report(reply.error, { pass: decided.pass, method: req.method, path: ctx.path.slice(0, 200) });
        replyError(res, reply.error);
      } else if (reply.kind === 'json') replyJson(res, reply.status, reply.body, reply.headers);
      else if (reply.kind === 'text') {
        res.writeHead(reply.status, { ...reply.headers, 'content-type': reply.contentType });
        res.end(reply.body);
      } else if (reply.kind === 'delegate') reply.handle();
      else replyEmpty(res, reply.status, reply.headers);
      return;
    }
    const route = ctx.route!;
    metrics.inc('frontdoor_http_requests_total', { face: ctx.face ?? 'mcp' });
    drain.track(req, res);
    if (opensSession(req, ctx.face ?? 'mcp')) {
      // Refused before any backend channel opens: a draining replica, or a store that cannot record it.
      const refusal = drain.draining ? shuttingDown() : cluster && !cluster.storeUp ? cluster.storeUnavailable() : undefined;
      if (refusal) return refuse(res, refusal);
    }
    if (clustered) {
      void serveClustered(req, res, route, ctx.face ?? 'mcp');
      return;
    }
    serveLocal(req, res, route, ctx.face);
  };

  const serveLocal = (req: IncomingMessage, res: ServerResponse, route: RouteRuntime, face: string | undefined) => {
    if (face === 'sse') handleLegacyStream(req, res, route.legacy);
    else if (face === 'messages') void handleLegacyMessage(req, res, route.legacy);
    else void handleStreamableHttp(req, res, route.frontend);
  };

  const refuse = (res: ServerResponse, err: ProxyError) => {
    errors.report(err, err.cause instanceof Error ? { cause: err.cause.message } : {});
    replyError(res, err);
  };

  /** Scale-out: a session held elsewhere is forwarded to its owner or taken over (cluster.ts). */
  const serveClustered = async (req: IncomingMessage, res: ServerResponse, route: RouteRuntime, face: string): Promise<void> => {
    if (!cluster) {
      refuse(res, new ProxyError('ERR_SHUTTING_DOWN', 'replica_not_ready', 'this replica has not joined the cluster yet; retry', { headers: { 'retry-after': '1' } }));
      return;
    }
    cluster.noteRequest(req);
    if (face === 'sse' && req.method === 'GET') {
      // The record exists before the endpoint event names the session, so a POST /messages that
      // lands on another replica finds the owner.
      const id = randomUUID();
      try {
        await cluster.legacyStreamOpening(id, route.prefix);
      } catch (e) {
        return refuse(res, toProxyError(e));
      }
      // The client left while the record was written: no session for a client that is gone.
      if (res.destroyed) return cluster.legacyStreamAbandoned(id);
      handleLegacyStream(req, res, { ...route.legacy, createSession: (r) => route.createSession({ id, face: 'legacy-sse', req: r }) });
      return;
    }
    let sessionId: string | null | undefined;
    if (face === 'messages') {
      const query = new URL(req.url ?? '/', 'http://proxy').searchParams;
      sessionId = query.get('sessionId') ?? query.get('session_id');
    } else {
      const h = req.headers['mcp-session-id'];
      sessionId = Array.isArray(h) ? h[0] : h;
    }
    if (sessionId && !sessions.get(sessionId)) {
      if ((await cluster.route(req, res, sessionId, route)) === 'handled') return;
    }
    serveLocal(req, res, route, face);
  };

  const server = createHttpServer(limits, caps, errors, metrics, onRequest);

  return {
    server,
    metrics,
    async start() {
      for (const route of routes) await route.launch();
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
      return routes.map((r) => `${base}${r.endpoint}`);
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
      await Promise.allSettled([...routes, ...draining].map((r) => r.dispose()));
      eventLog.close();
      await cluster?.close().catch(() => undefined);
    },
    async reload(next) {
      const diff = diffRoutes(current.routes, next.routes);
      const restartOnly = (['listen', 'limits', 'sessions', 'log', 'store', 'cluster'] as const).filter((k) => JSON.stringify(current[k]) !== JSON.stringify(next[k]));
      if (restartOnly.length > 0) log.warn({ reason: 'reload_needs_restart', sections: restartOnly }, `config sections ${restartOnly.join(', ')} changed: they take effect at the next restart`);
      const fresh = new Map<string, RouteRuntime>();
      try {
        for (const r of next.routes) {
          if (!diff.added.includes(r.path) && !diff.changed.includes(r.path)) continue;
          const runtime = buildRouteRuntime(r, deps);
          fresh.set(r.path, runtime);
          await runtime.launch();
        }
      } catch (e) {
        // A new backend that cannot start: nothing is swapped, the running config stays.
        await Promise.allSettled([...fresh.values()].map((r) => r.dispose()));
        throw e;
      }
      const byPath = new Map(routes.map((r) => [r.prefix, r]));
      for (const p of [...diff.removed, ...diff.changed]) {
        const old = byPath.get(p);
        if (!old) continue;
        draining.add(old);
        old.drain();
      }
      routes = next.routes.map((r) => fresh.get(r.path) ?? byPath.get(r.path)!);
      current = { ...current, routes: next.routes };
      for (const d of draining) if (d.sessionCount() === 0) draining.delete(d);
      log.info({ reason: 'config_reloaded', ...diff }, 'config reloaded');
      return diff;
    },
  };
}
