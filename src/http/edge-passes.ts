// The edge passes of the proxy, in order: Origin check (every path), health endpoints, Host check,
// path guard, OAuth probes, route and face match (with path repairs), CORS preflight.
import type { Pass, EdgeRequest } from '../pipeline/run-passes.js';
import { checkHost, checkOrigin, type HostOriginPolicy } from './host-origin.js';
import { ProxyError } from '../errors/proxy-error.js';
import { matchPath, type EndpointKind, type RoutePaths } from './route-paths.js';
import { sessionIdOf } from './session-id.js';
import type { OAuthProbe } from './oauth-probes.js';
import { oauthProbePass } from './oauth-probe-pass.js';
import { badPathError, unsafePathReason } from './path-guard.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Metrics } from '../observability/metrics.js';
import { serveMetrics } from '../observability/metrics-endpoint.js';
import type { ErrorReporter } from '../observability/error-reporter.js';

export interface RouteEndpoint extends RoutePaths {
  /** Answer OAuth discovery probes with clean JSON 404s (repairs.oauthProbes). */
  readonly oauthProbes: boolean;
  /** The backend runs its own OAuth: relay its OAuth surface (auth.mode: passthrough). */
  readonly authPassthrough: boolean;
  /** How clients authorize on this route: what OAuth probes are told (auth.mode). */
  readonly authMode: 'none' | 'passthrough' | 'oauth' | 'apiKey';
  /** auth.mode oauth: the Protected Resource Metadata a well-known path names, when it is this route's. */
  resourceMetadata(req: IncomingMessage, path: string, only: boolean): Record<string, unknown> | undefined;
  /** The configured prefix, e.g. "/" or "/tools". */
  readonly prefix: string;
  /** The MCP endpoint path, e.g. "/mcp" or "/tools/mcp". */
  readonly endpoint: string;
}

export interface EdgeContext<R extends RouteEndpoint> extends EdgeRequest {
  route?: R;
  kind?: EndpointKind;
}

export const CORS_ALLOW_HEADERS = 'content-type, accept, authorization, x-api-key, mcp-session-id, mcp-protocol-version, last-event-id';
export const CORS_EXPOSE_HEADERS = 'mcp-session-id, mcp-protocol-version, www-authenticate';

export function createEdgePasses<R extends RouteEndpoint>(opts: {
  policy: HostOriginPolicy;
  routes: () => readonly R[];
  /** Routes a reload removed, still serving their existing sessions. */
  drainingRoutes: () => readonly R[];
  metrics: Metrics;
  /** Where a failure to render /metrics is reported. */
  errors: ErrorReporter;
  ready: () => boolean;
  onPathRepair(route: R, reason: string, ctx: EdgeContext<R>): void;
  onOAuthProbe(path: string): void;
  onOAuthPassthrough(route: R, probe: OAuthProbe, req: IncomingMessage, res: ServerResponse, path: string): void;
}): Pass<EdgeContext<R>>[] {
  // Host values already accepted: the policy is fixed for the app's life, and the check otherwise runs
  // on every message. Bounded in entries and length so that junk Host headers cannot grow it.
  const acceptedHosts = new Set<string>();
  return [
    {
      // Every path, the probes and /metrics included: a foreign page must not read them either.
      name: 'origin',
      run: ({ req, res }) => {
        const origin = req.headers.origin;
        if (origin === undefined) return undefined;
        const err = checkOrigin(origin, opts.policy);
        if (err) return { kind: 'error', error: err };
        // Browser clients (the MCP Inspector) need to read the session header; only our own origins
        // are ever reflected.
        res.setHeader('access-control-allow-origin', origin);
        res.setHeader('access-control-expose-headers', CORS_EXPOSE_HEADERS);
        res.setHeader('vary', 'Origin');
        return undefined;
      },
    },
    {
      // Before the Host check: orchestrators probe and scrape with the pod's IP as Host. The answers hold
      // no message content; the Origin check above keeps foreign pages from reading them.
      name: 'health',
      run: ({ req, res, path }) => {
        if (req.method !== 'GET') return undefined;
        if (path === '/healthz') return { kind: 'json', reason: 'health', status: 200, body: { status: 'ok' } };
        if (path === '/readyz') {
          const ok = opts.ready();
          return { kind: 'json', reason: 'ready', status: ok ? 200 : 503, body: { status: ok ? 'ready' : 'not_ready' } };
        }
        if (path === '/metrics') return { kind: 'delegate', reason: 'metrics', handle: () => serveMetrics(opts.metrics, res, opts.errors) };
        return undefined;
      },
    },
    {
      name: 'host',
      run: ({ req }) => {
        const host = req.headers.host;
        if (host !== undefined && acceptedHosts.has(host)) return undefined;
        const err = checkHost(host, opts.policy);
        if (err) return { kind: 'error', error: err };
        if (host !== undefined && acceptedHosts.size < 64 && host.length <= 255) acceptedHosts.add(host);
        return undefined;
      },
    },
    {
      // Dot segments, backslashes and encoded slashes, for every request (path-guard.ts says why).
      name: 'path_guard',
      run: ({ path }) => {
        const reason = unsafePathReason(path);
        return reason ? { kind: 'error', error: badPathError(reason) } : undefined;
      },
    },
    oauthProbePass(opts),
    {
      name: 'route_match',
      run: (ctx) => {
        const { req } = ctx;
        const query = {
          method: req.method ?? 'GET',
          path: ctx.path,
          acceptsEventStream: /text\/event-stream|\*\/\*/.test(req.headers.accept ?? ''),
          hasSession: sessionIdOf(req) !== undefined,
        };
        // A route removed by a reload still serves the sessions it has (they drain), never new ones.
        const carriesSession = query.hasSession || sessionIdOf(req, 'messages') !== undefined;
        const match = matchPath(opts.routes(), query) ?? (carriesSession ? matchPath(opts.drainingRoutes(), query) : undefined);
        if (!match) {
          const endpoints = opts
            .routes()
            .map((r) => r.endpoint)
            .join(', ');
          return {
            kind: 'error',
            error: new ProxyError(
              'ERR_ROUTE_NOT_FOUND',
              'route_not_found',
              `Not Found: no MCP endpoint at ${ctx.path}; the MCP endpoint${endpoints.includes(',') ? 's are' : ' is'} ${endpoints}`,
            ),
          };
        }
        ctx.route = match.route;
        ctx.kind = match.kind;
        if (match.repair) opts.onPathRepair(match.route, match.repair, ctx);
        return undefined;
      },
    },
    {
      name: 'cors_preflight',
      run: ({ req }) => {
        if (req.method !== 'OPTIONS') return undefined;
        return {
          kind: 'empty',
          reason: 'cors_preflight',
          status: 204,
          headers: {
            'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
            'access-control-allow-headers': CORS_ALLOW_HEADERS,
            'access-control-max-age': '86400',
          },
        };
      },
    },
  ];
}
