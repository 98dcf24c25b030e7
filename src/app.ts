// The composition root (design §1): config → backends, sessions and frontends → one HTTP server.
// The only file that imports both a frontend and a backend.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import { handleStreamableHttp } from './frontends/streamable-http/handler.js';
import { handleLegacyMessage, handleLegacyStream } from './frontends/legacy-sse/handler.js';
import { KeepAlive } from './frontends/sse-stream.js';
import { createEdgePasses, type EdgeContext } from './http/edge-passes.js';
import { isLoopbackAddress } from './http/host-origin.js';
import { replyEmpty, replyError, replyJson } from './http/reply.js';
import { Metrics } from './observability/metrics.js';
import { runPasses } from './pipeline/run-passes.js';
import { relayOAuth } from './auth/passthrough-route.js';
import { SessionRegistry } from './session/registry.js';
import { buildRouteRuntime, endpointPath, type RouteDeps, type RouteRuntime } from './route-runtime.js';
import { diffRoutes } from './config/diff-routes.js';

export { endpointPath };

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

export function createApp(config: Config, log: Logger, opts: { configDir?: string } = {}): App {
  const metrics = new Metrics();
  metrics.describe('frontdoor_errors_total', 'requests answered with an error, by reason');
  metrics.describe('frontdoor_repairs_total', 'repairs the proxy made, by reason');
  metrics.describe('frontdoor_backend_drops_total', 'backend channels lost');
  metrics.describe('frontdoor_backend_reconnects_total', 'backend channels re-established with a replayed initialize');
  metrics.gauge('process_resident_memory_bytes', () => process.memoryUsage.rss());
  metrics.gauge('nodejs_heap_used_bytes', () => process.memoryUsage().heapUsed);
  metrics.gauge('nodejs_heap_total_bytes', () => process.memoryUsage().heapTotal);
  metrics.gauge('nodejs_external_memory_bytes', () => process.memoryUsage().external);
  const keepAlive = new KeepAlive();
  const sessions = new SessionRegistry(config.sessions.idleTimeout, log, metrics);
  let accepting = false;
  const publicPath = config.listen.publicUrl ? new URL(config.listen.publicUrl).pathname.replace(/\/+$/, '') : '';
  /** The path in front of ours: X-Forwarded-Prefix from a reverse proxy, else the public URL's path. */
  const publicPrefix = (req: IncomingMessage): string => {
    const fwd = req.headers['x-forwarded-prefix'];
    const value = Array.isArray(fwd) ? fwd[0] : fwd;
    // Only a plain path is taken: the header ends up in the endpoint event clients will POST to.
    if (value && /^\/[A-Za-z0-9._~\/-]*$/.test(value) && !value.includes('..')) return value.replace(/\/+$/, '');
    return publicPath;
  };
  const loggedPathRepairs = new Set<string>();
  /** The proxy's public base URL as this client reached it (public URL, else its Host, plus prefix). */
  const publicBase = (req: IncomingMessage): string => {
    const origin = config.listen.publicUrl ? new URL(config.listen.publicUrl).origin : `http://${req.headers.host ?? `${config.listen.host}:${config.listen.port}`}`;
    return `${origin}${publicPrefix(req)}`;
  };

  const deps: RouteDeps = { config, configDir: opts.configDir, log, metrics, sessions, keepAlive, publicPrefix, publicBase };
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
    ready: () => accepting,
    onOAuthPassthrough: (route, probe, req, res, path) => {
      metrics.inc('frontdoor_oauth_passthrough_total', { route: route.prefix });
      relayOAuth(route, probe, req, res, path, publicBase);
    },
    onOAuthProbe: (path) => {
      metrics.inc('frontdoor_repairs_total', { route: '', reason: 'oauth_probe_answered' });
      if (loggedPathRepairs.size < 10_000 && !loggedPathRepairs.has(`oauth ${path}`)) {
        loggedPathRepairs.add(`oauth ${path}`);
        log.info({ reason: 'oauth_probe_answered', path }, 'repair: answered an OAuth discovery probe with a JSON 404 (no authorization needed)');
      }
    },
    onPathRepair: (route, reason, ctx) => {
      metrics.inc('frontdoor_repairs_total', { route: route.prefix, reason });
      // Logged once per client (session id, else user agent) and reason; counted every time.
      const who = String(ctx.req.headers['mcp-session-id'] ?? ctx.req.headers['user-agent'] ?? 'unknown');
      const key = `${route.prefix} ${reason} ${who}`;
      if (loggedPathRepairs.size < 10_000 && !loggedPathRepairs.has(key)) {
        loggedPathRepairs.add(key);
        log.info({ route: route.prefix, reason, path: ctx.path, method: ctx.req.method, userAgent: ctx.req.headers['user-agent'] }, `repair: ${reason}`);
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
        metrics.inc('frontdoor_errors_total', { route: '', reason: reply.error.reason });
        log.info({ pass: decided.pass, reason: reply.error.reason, status: reply.error.status, method: req.method, path: ctx.path }, reply.error.message);
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
    if (ctx.face === 'sse') handleLegacyStream(req, res, route.legacy);
    else if (ctx.face === 'messages') void handleLegacyMessage(req, res, route.legacy);
    else void handleStreamableHttp(req, res, route.frontend);
  };

  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, onRequest);
  server.on('clientError', (err, socket) => {
    log.debug({ reason: 'client_error', err: err.message }, 'malformed HTTP request');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });

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
      accepting = true;
      const addr = server.address() as AddressInfo;
      // A wildcard bind is reachable on loopback; print that rather than an address no client can use.
      const host = addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address === '::' ? '[::1]' : addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      const base = config.listen.publicUrl ? config.listen.publicUrl.replace(/\/$/, '') : `http://${host}:${addr.port}`;
      return routes.map((r) => `${base}${r.endpoint}`);
    },
    async stop(reason) {
      accepting = false;
      server.close();
      await sessions.closeAll(reason);
      keepAlive.stop();
      server.closeAllConnections();
      await Promise.allSettled([...routes, ...draining].map((r) => r.dispose()));
    },
    async reload(next) {
      const diff = diffRoutes(current.routes, next.routes);
      const restartOnly = (['listen', 'limits', 'sessions', 'log'] as const).filter((k) => JSON.stringify(current[k]) !== JSON.stringify(next[k]));
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
