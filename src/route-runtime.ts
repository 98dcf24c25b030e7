// One route, live: its backend connector, its two faces, the sessions it created, and its
// lifecycle (launch → serve → drain → dispose). Part of the composition root with app.ts: the only
// files that import both frontends and backends. Its contract with the app: route-contract.ts.
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { backendUrlOf } from './config/backend-url.js';
import type { RouteConfig } from './config/schema.js';
import { createConnector } from './backends/create-connector.js';
import { launchBackend, type LaunchedBackend } from './backends/launch.js';
import type { StreamableHttpContext } from './frontends/streamable-http/handler.js';
import type { LegacySseContext } from './frontends/legacy-sse/handler.js';
import { protectedResourceMetadataUrl } from './auth/oauth-rewrite.js';
import { createRouteAuth } from './auth/route-auth.js';
import { auditToolCall, outcomeLabels } from './policy/audit.js';
import { isLoopbackAddress } from './http/host-origin.js';
import type { EndpointKind } from './http/route-paths.js';
import type { JsonRpcMessage } from './jsonrpc/message.js';
import type { Principal } from './auth/principal.js';
import { Session } from './session/session.js';
import type { RouteDeps, RouteRuntime, SessionFace } from './route-contract.js';
import { Seats } from './frontends/modern-http/seats.js';
import { ToolHeaders } from './era/tool-headers.js';
import { Mrtr } from './frontends/modern-http/mrtr.js';
import { Linker } from './link/linker.js';
import { ProxyError } from './errors/proxy-error.js';

export function endpointPath(prefix: string): string {
  return prefix === '/' ? '/mcp' : `${prefix}/mcp`;
}

export function buildRouteRuntime(route: RouteConfig, deps: RouteDeps): RouteRuntime {
  const { config, log, metrics, sessions, keepAlive } = deps;
  const routeLog = log.child({ route: route.path });
  const routeMetrics = deps.routeMetrics(route.path);
  const onRepair = (reason: string, detail: Record<string, unknown>) => {
    metrics.inc('frontdoor_repairs_total', { route: route.path, reason });
    routeLog.info({ reason, ...detail }, `repair: ${reason}`);
  };
  // Relative paths in a config file are relative to the file, for launched and stdio commands alike.
  const backend =
    route.backend.transport === 'stdio' ? { ...route.backend, cwd: path.resolve(deps.configDir ?? process.cwd(), route.backend.cwd ?? '.') } : route.backend;
  const connector = createConnector(backend, routeLog, onRepair, {
    discoverPath: route.repairs.paths,
    requestTimeoutMs: config.limits.requestTimeout,
    limits: {
      maxMessageBytes: config.limits.maxMessageBytes,
      maxJsonDepth: config.limits.maxJsonDepth,
      report: (err) => {
        err.route ??= route.path;
        deps.errors.report(err, { route: route.path }, routeLog);
      },
      limitHit: (limit) => deps.errors.limitHit(limit),
      traffic: routeMetrics.backendTraffic,
    },
  });
  const linker = new Linker({
    backend: route.backend,
    connector,
    ids: deps.ids,
    route: route.path,
    log: routeLog,
    metrics,
    errors: deps.errors,
    passCredentials: route.auth.mode === 'passthrough',
    requestTimeoutMs: config.limits.requestTimeout,
    backendLatency: routeMetrics.backendLatency(route.backend.transport),
  });
  const stopChannelStates = routeMetrics.channels(() => linker.channelStates());
  const live = new Set<Session>();
  let draining = false;
  let disposed: Promise<void> | undefined;
  let launched: LaunchedBackend | undefined;

  const backendUrl = route.backend.url ? new URL(route.backend.url) : undefined;
  const passthrough =
    route.auth.mode === 'passthrough' && backendUrl
      ? import('./auth/oauth-passthrough.js').then((m) => m.createOAuthPassthrough(backendUrl.origin, routeLog))
      : undefined;

  const listen = config.listen;
  const auth = createRouteAuth(route, {
    publicBase: deps.publicBase,
    hostPinned: listen.publicUrl !== undefined || listen.allowedHosts.length > 0 || isLoopbackAddress(listen.host),
    log,
    metrics,
  });

  const mrtr = new Mrtr(
    {
      holdTimeoutMs: config.mrtr.holdTimeout,
      maxRounds: config.mrtr.maxRounds,
      maxHeld: config.mrtr.maxHeldCalls,
      maxHeldPerSeat: config.mrtr.maxHeldPerSeat,
      maxBytes: config.mrtr.maxHeldBytes,
    },
    deps.stateKey,
  );
  const dispose = (): Promise<void> =>
    (disposed ??= (async () => {
      mrtr.dispose();
      await linker.dispose(new ProxyError('ERR_SHUTTING_DOWN', 'backend_released', 'the route released its backend'));
      stopChannelStates();
      await connector.dispose().catch(() => undefined);
      (await passthrough)?.close();
      auth.close();
      await launched?.stop();
      routeLog.info({ reason: 'route_disposed' }, 'route released its backend');
    })());

  const toolCallLabels = outcomeLabels(route.path);
  const traceFacts = { route: route.path, transport: route.backend.transport, backendUrl };
  const tracing = {
    'streamable-http': deps.tracing.route({ ...traceFacts, face: 'streamable-http' }),
    'legacy-sse': deps.tracing.route({ ...traceFacts, face: 'legacy-sse' }),
    modern: deps.tracing.route({ ...traceFacts, face: 'modern' }),
  };
  const createSession = (opts: { id?: string; face: SessionFace; req?: IncomingMessage; principal?: string } = { face: 'streamable-http' }) => {
    const client = opts.req ? deps.clientAddress(opts.req) : undefined;
    // The session's callbacks capture `face` alone: capturing `opts` would keep the initialize
    // request (its headers, its parser state) alive for the session's whole life.
    const face = opts.face;
    if (client !== undefined) {
      const refused = sessions.admit(client);
      if (refused) throw refused;
    }
    // Seats ('modern') are per replica: a modern request names no session, so any replica serves it and
    // there is nothing for the cluster to record or take over.
    const hooks = deps.hooks();
    const session = new Session({
      id: opts.id,
      client,
      onStarted: hooks && face !== 'modern' ? (s) => hooks.sessionStarted(s, face, route.path) : undefined,
      route: route.path,
      linker,
      log,
      metrics,
      maxBufferedMessages: config.sessions.maxBufferedMessages,
      streamBufferBytes: config.limits.streamBufferBytes,
      streamStallTimeoutMs: config.limits.streamStallTimeout,
      errors: deps.errors,
      repairHandshake: route.repairs.handshake,
      passCredentials: route.auth.mode === 'passthrough',
      requireAuth: route.auth.mode !== 'none',
      principal: opts.principal,
      tools: auth.tools,
      tracing: tracing[face],
      audit: (s, entry) => auditToolCall(s, metrics, toolCallLabels, s.owner?.label, entry),
      requests: routeMetrics.face(face),
      onRepair: (s, reason, detail, first) => {
        metrics.inc('frontdoor_repairs_total', { route: route.path, reason });
        if (first) s.log.info({ reason, ...detail }, `repair: ${reason}`);
      },
      onClosed: (s, reason) => {
        const known = sessions.get(s.id) !== undefined;
        if (known) {
          metrics.inc('frontdoor_sessions_ended_total', { route: route.path, face, reason });
          // Clients that open a new session at each reconnect and never close the old one (Claude
          // Code's health check, MCP inspectors) show as sessions that expire without a request.
          if (reason === 'idle_timeout' && s.requestsMade === 0) metrics.inc('frontdoor_sessions_abandoned_total', { route: route.path, face });
        }
        sessions.remove(s);
        if (s.client !== undefined) sessions.release(s.client);
        live.delete(s);
        routeMetrics.sessionClosed(face);
        if (known) s.info({ reason, durationMs: Date.now() - s.createdAt }, 'session end');
        if (face !== 'modern') hooks?.sessionClosed(s, face, reason);
        if (draining && live.size === 0) void dispose();
      },
    });
    live.add(session);
    routeMetrics.sessionOpened(face);
    return session;
  };

  /** tools.scopes: a refused POST audits each tools/call it held (they never reach a session). */
  const scopeRefusal = (req: IncomingMessage, kind: EndpointKind, messages: readonly JsonRpcMessage[], principal: Principal | undefined) => {
    const refused = auth.scopeRefusal(req, kind, messages, principal);
    for (const tool of refused?.tools ?? []) {
      auditToolCall(routeLog, metrics, toolCallLabels, principal?.label, {
        tool,
        outcome: 'insufficient_scope',
        durationMs: 0,
        errorId: refused!.error.errorId,
      });
    }
    return refused?.error;
  };

  /** Passthrough routes name the proxy's Protected Resource Metadata in their 401 challenges. */
  const authChallengeUrl =
    route.auth.mode === 'passthrough'
      ? (req: IncomingMessage) => protectedResourceMetadataUrl(`${deps.publicBase(req)}${endpointPath(route.path)}`)
      : undefined;
  const frontend: StreamableHttpContext = {
    // A getter: the log becomes the Redis one once the cluster has connected at start-up.
    get eventLog() {
      return deps.eventLog();
    },
    route: route.path,
    sessions,
    keepAlive,
    body: deps.body,
    maxJsonDepth: config.limits.maxJsonDepth,
    errors: deps.errors,
    streamHistoryBytes: config.sessions.eventLog.maxBytes,
    streams: new WeakMap(),
    log,
    metrics,
    authChallengeUrl,
    scopeRefusal: (req, messages, principal) => scopeRefusal(req, 'mcp', messages, principal),
    createSession: (req) => createSession({ face: 'streamable-http', req }),
    modern: {
      seats: new Seats({ maxSeats: config.sessions.seats.max, maxSeatsPerIdentity: config.sessions.seats.maxPerIdentity }, (limit) =>
        deps.errors.limitHit(limit),
      ),
      toolHeaders: new ToolHeaders(),
      mrtr,
      createSession: (req) => createSession({ face: 'modern', req }),
      streamBufferBytes: config.limits.streamBufferBytes,
      maxCapabilitiesBytes: config.limits.maxCapabilitiesBytes,
      maxListenResources: config.limits.maxListenResources,
    },
  };
  const legacy: LegacySseContext = {
    authChallengeUrl,
    sinks: new WeakMap(),
    route: route.path,
    sessions,
    createSession: (req) => createSession({ face: 'legacy-sse', req }),
    scopeRefusal: (req, messages, principal) => scopeRefusal(req, 'sse', messages, principal),
    keepAlive,
    body: deps.body,
    maxJsonDepth: config.limits.maxJsonDepth,
    errors: deps.errors,
    repairHandshake: route.repairs.handshake,
    publicPrefix: deps.publicPrefix,
    log,
    metrics,
  };

  return {
    prefix: route.path,
    endpoint: endpointPath(route.path),
    repairPaths: route.repairs.paths,
    oauthProbes: route.repairs.oauthProbes,
    authPassthrough: route.auth.mode === 'passthrough',
    authMode: route.auth.mode,
    resourceMetadata: (req, path, only) => auth.resourceMetadata(req, path, only),
    config: route,
    connector,
    frontend,
    legacy,
    backendUrl,
    routeMetrics,
    passthrough,
    auth,
    createSession,
    sessionCount: () => live.size,
    draining: () => draining,
    async launch() {
      const b = route.backend;
      // stdio commands are started per channel by their connector, not here.
      if (!b.command || b.transport === 'stdio') return;
      launched = await launchBackend({
        // `node` means the Node.js running the proxy, so the demo works wherever the proxy does.
        command: b.command === 'node' ? process.execPath : b.command,
        args: b.args,
        env: b.env,
        inheritEnv: b.inheritEnv,
        cwd: b.cwd ? path.resolve(deps.configDir ?? process.cwd(), b.cwd) : deps.configDir,
        url: backendUrlOf(b),
        startupTimeoutMs: b.timeouts.startup,
        log: routeLog,
      });
    },
    drain() {
      draining = true;
      routeLog.info({ reason: 'route_draining', sessions: live.size }, 'route draining: no new sessions; existing ones finish or expire');
      if (live.size === 0) void dispose();
    },
    dispose,
  };
}
