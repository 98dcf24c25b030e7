// One HTTP request, from the edge to a face: the edge passes decide or let it through (their reply
// written here: passes never write), a request that would open a session is refused first when the
// replica is draining or its store is down, and the rest goes to the route's face, through the
// cluster when sessions live in a shared store (a session held by another replica is forwarded).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cluster } from '../cluster/cluster.js';
import { opensSession, shuttingDown, type Drain } from '../drain.js';
import { ProxyError, toProxyError } from '../errors/proxy-error.js';
import { handleLegacyMessage, handleLegacyStream } from '../frontends/legacy-sse/handler.js';
import { handleStreamableHttp } from '../frontends/streamable-http/handler.js';
import type { EdgeContext } from '../http/edge-passes.js';
import { replyEmpty, replyError, replyJson } from '../http/reply.js';
import type { EndpointKind } from '../http/route-paths.js';
import { sessionIdOf } from '../http/session-id.js';
import type { ErrorReporter } from '../observability/error-reporter.js';
import type { Metrics } from '../observability/metrics.js';
import { runPasses, type Pass } from '../pipeline/run-passes.js';
import type { RouteRuntime } from '../route-contract.js';
import type { SessionRegistry } from '../session/registry.js';
import type { Guard } from '../auth/guard.js';
import type { Principal } from '../auth/principal.js';

/** Constant (frozen) label sets of the per-request counter: rendered once (observability/metrics.ts). */
const FACE_LABELS: Record<EndpointKind, Record<string, string>> = {
  mcp: Object.freeze({ face: 'mcp' }),
  sse: Object.freeze({ face: 'sse' }),
  messages: Object.freeze({ face: 'messages' }),
};

export interface DispatchOptions {
  passes: readonly Pass<EdgeContext<RouteRuntime>>[];
  errors: ErrorReporter;
  metrics: Metrics;
  drain: Drain;
  sessions: SessionRegistry;
  /** Sessions live in a shared store: requests go through the cluster. */
  clustered: boolean;
  cluster(): Cluster | undefined;
}

export function createDispatch(o: DispatchOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const refuse = (res: ServerResponse, err: ProxyError) => {
    o.errors.report(err, err.cause instanceof Error ? { cause: err.cause.message } : {});
    replyError(res, err);
  };

  const serveLocal = (req: IncomingMessage, res: ServerResponse, route: RouteRuntime, kind: EndpointKind, principal: Principal | undefined) => {
    if (kind === 'sse') handleLegacyStream(req, res, route.legacy, principal);
    else if (kind === 'messages') void handleLegacyMessage(req, res, route.legacy, principal);
    else void handleStreamableHttp(req, res, route.frontend, principal);
  };

  /** Scale-out: a session held elsewhere is forwarded to its owner or taken over (cluster.ts). */
  const serveClustered = async (
    req: IncomingMessage,
    res: ServerResponse,
    route: RouteRuntime,
    kind: EndpointKind,
    principal: Principal | undefined,
  ): Promise<void> => {
    const cluster = o.cluster();
    if (!cluster)
      return refuse(
        res,
        new ProxyError('ERR_SHUTTING_DOWN', 'replica_not_ready', 'this replica has not joined the cluster yet; retry', { headers: { 'retry-after': '1' } }),
      );
    cluster.noteRequest(req);
    if (kind === 'sse' && req.method === 'GET') {
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
      handleLegacyStream(req, res, { ...route.legacy, createSession: (r) => route.createSession({ id, face: 'legacy-sse', req: r }) }, principal);
      return;
    }
    const sessionId = sessionIdOf(req, kind);
    if (sessionId && !o.sessions.get(sessionId) && (await cluster.route(req, res, sessionId, route)) === 'handled') return;
    serveLocal(req, res, route, kind, principal);
  };

  /** After the route's guard: session-opening refusals first, then the face (through the cluster). */
  const serve = (req: IncomingMessage, res: ServerResponse, route: RouteRuntime, kind: EndpointKind, principal: Principal | undefined): void => {
    if (opensSession(req, kind)) {
      // Refused before any backend channel opens: a draining replica, or a store that cannot record it.
      const cluster = o.cluster();
      const refusal = o.drain.draining ? shuttingDown() : cluster && !cluster.storeUp ? cluster.storeUnavailable() : undefined;
      if (refusal) return refuse(res, refusal);
    }
    if (o.clustered) void serveClustered(req, res, route, kind, principal);
    else serveLocal(req, res, route, kind, principal);
  };

  const dispatch = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const ctx: EdgeContext<RouteRuntime> = { req, res, path: q >= 0 ? url.slice(0, q) : url };
    const decided = runPasses(o.passes, ctx);
    if (decided) {
      const { reply } = decided;
      if (reply.kind === 'error') {
        o.errors.report(reply.error, { pass: decided.pass, method: req.method, path: ctx.path.slice(0, 200) });
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
    const kind = ctx.kind ?? 'mcp';
    o.metrics.inc('frontdoor_http_requests_total', FACE_LABELS[kind]);
    route.routeMetrics.clientRequest(req.socket);
    o.drain.track(req, res);
    // The route's guard (auth.mode) runs before anything else is done for the request: a request
    // without a valid credential opens nothing, reaches no session and no other replica.
    let principal: ReturnType<Guard['authenticate']>;
    try {
      principal = route.auth.guard.authenticate(req, () => route.auth.target(req, kind));
    } catch (e) {
      return refuse(res, toProxyError(e));
    }
    if (principal instanceof Promise) {
      principal.then(
        (p) => serve(req, res, route, kind, p),
        (e: unknown) => refuse(res, toProxyError(e)),
      );
    } else serve(req, res, route, kind, principal);
  };

  // A defect must cost one request, answered, never a hung connection or the process.
  return (req, res) => {
    try {
      dispatch(req, res);
    } catch (e) {
      const err = toProxyError(e);
      o.errors.report(err, { path: (req.url ?? '').slice(0, 200) });
      if (!res.headersSent) replyError(res, err);
      else res.destroy();
    }
  };
}
