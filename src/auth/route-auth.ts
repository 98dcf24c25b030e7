// Everything about authorization for one route: its guard (auth.mode), its tool policy (tools.*),
// what a request targets (the public URL the client used, for challenges and token audiences), and
// the Protected Resource Metadata it serves (auth.mode oauth, RFC 9728).
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { createBackendHttpClient, type BackendHttpClient } from '../backends/http-client.js';
import type { RouteConfig } from '../config/schema.js';
import type { EndpointKind } from '../http/route-paths.js';
import type { Metrics } from '../observability/metrics.js';
import { ToolPolicy } from '../policy/tool-policy.js';
import type { Guard, RequestTarget } from './guard.js';
import { NONE_GUARD, PASSTHROUGH_GUARD } from './none-guard.js';
import { createApiKeyGuard } from './api-key-guard.js';
import { createLazyOAuthGuard } from './oauth/lazy-oauth-guard.js';
import { protectedResourceMetadataUrl } from './oauth-rewrite.js';
import { isRequest, type JsonRpcMessage } from '../jsonrpc/message.js';
import type { ProxyError } from '../errors/proxy-error.js';
import type { Principal } from './principal.js';

const PRM_PREFIX = '/.well-known/oauth-protected-resource';

export interface RouteAuth {
  readonly guard: Guard;
  readonly tools: ToolPolicy;
  /** What a request of this route targets, as the client sees it. */
  target(req: IncomingMessage, kind: EndpointKind): RequestTarget;
  /** The Protected Resource Metadata a well-known path names, when it is this route's (oauth only). */
  resourceMetadata(req: IncomingMessage, path: string, only: boolean): Record<string, unknown> | undefined;
  /** The 403 for a tools/call among `messages` whose per-tool scopes (tools.scopes) the principal lacks. */
  scopeRefusal(
    req: IncomingMessage,
    kind: EndpointKind,
    messages: readonly JsonRpcMessage[],
    principal: Principal | undefined,
  ): { error: ProxyError; tools: string[] } | undefined;
  close(): void;
}

export interface RouteAuthDeps {
  /** The public origin and prefix clients use, e.g. https://mcp.example.com/gateway. */
  publicBase(req: IncomingMessage): string;
  /**
   * The public base cannot follow a Host header the client chooses (listen.publicUrl, allowedHosts or
   * a loopback bind): only then are the route's own URLs accepted as token audiences besides
   * auth.audience (the config refuses an oauth route with neither).
   */
  hostPinned: boolean;
  log: Logger;
  metrics: Metrics;
}

function sseEndpoint(prefix: string): string {
  return prefix === '/' ? '/sse' : `${prefix}/sse`;
}

function mcpEndpoint(prefix: string): string {
  return prefix === '/' ? '/mcp' : `${prefix}/mcp`;
}

export function createRouteAuth(route: RouteConfig, deps: RouteAuthDeps): RouteAuth {
  const auth = route.auth;
  const tools = new ToolPolicy(route.tools);
  let http: BackendHttpClient | undefined;
  let guard: Guard;
  switch (auth.mode) {
    case 'none':
      guard = NONE_GUARD;
      break;
    case 'passthrough':
      guard = PASSTHROUGH_GUARD;
      break;
    case 'apiKey':
      guard = createApiKeyGuard(auth.keys, route.path, deps.metrics);
      break;
    case 'oauth':
      http = createBackendHttpClient({ keepAliveMs: 30_000 });
      guard = createLazyOAuthGuard({ config: auth, route: route.path, http, log: deps.log.child({ route: route.path }), metrics: deps.metrics });
      break;
  }
  const configured = auth.mode === 'oauth' && auth.audience !== undefined ? [auth.audience].flat() : undefined;

  /** The route's two public endpoints for this request: MCP (Streamable HTTP) and SSE (legacy). */
  const urls = (req: IncomingMessage) => {
    const base = deps.publicBase(req);
    return { mcp: `${base}${mcpEndpoint(route.path)}`, sse: `${base}${sseEndpoint(route.path)}` };
  };

  const target = (req: IncomingMessage, kind: EndpointKind): RequestTarget => {
    const u = urls(req);
    // The legacy face's resource is its SSE URL: SDK clients accept metadata only for a resource that
    // is a path prefix of the URL they connected to (docs/protocol-rules.md, Authorization).
    const resource = kind === 'mcp' ? u.mcp : u.sse;
    // Tokens for either public endpoint are tokens for this route: an RFC 8707 authorization server
    // names the SSE URL for legacy clients, whatever auth.audience says.
    const own = deps.hostPinned ? [u.mcp, u.sse] : [];
    return { resource, metadataUrl: protectedResourceMetadataUrl(resource), audiences: configured ? [...configured, ...own] : own };
  };

  const document = (resource: string): Record<string, unknown> | undefined => {
    if (auth.mode !== 'oauth') return undefined;
    return {
      resource,
      authorization_servers: [auth.issuer],
      scopes_supported: [...new Set([...auth.scopes, ...tools.toolScopes])],
      bearer_methods_supported: ['header'],
      resource_name: `mcp-frontdoor ${route.path}`,
    };
  };

  return {
    guard,
    tools,
    target,
    resourceMetadata(req, path, only) {
      if (auth.mode !== 'oauth' || !path.startsWith(PRM_PREFIX)) return undefined;
      const suffix = path.slice(PRM_PREFIX.length);
      const u = urls(req);
      // The root document, when this is the only oauth route: clients that skip the path suffix.
      if (suffix === '' || suffix === '/') return only ? document(u.mcp) : undefined;
      for (const resource of [u.mcp, u.sse]) {
        const own = new URL(resource).pathname;
        // Also without the public prefix: a reverse proxy may forward /.well-known/… unprefixed.
        if (suffix === own || suffix === (route.path === '/' ? '' : route.path) + own.slice(own.lastIndexOf('/'))) return document(resource);
      }
      return undefined;
    },
    scopeRefusal(req, kind, messages, principal) {
      if (tools.toolScopes.length === 0) return undefined;
      const needed = new Set<string>();
      const refused: string[] = [];
      for (const m of messages) {
        if (!isRequest(m) || m.method !== 'tools/call') continue;
        const scopes = tools.scopesFor(m.params?.name);
        if (!scopes.some((s) => !principal?.scopes.has(s))) continue;
        refused.push(String(m.params?.name).slice(0, 128));
        for (const s of scopes) needed.add(s);
      }
      if (refused.length === 0) return undefined;
      // The challenge names every scope the client should ask for: the route's and the tool's (step-up).
      const all = auth.mode === 'oauth' ? [...new Set([...auth.scopes, ...needed])] : [...needed];
      return { error: guard.insufficientScope(target(req, kind), all), tools: refused };
    },
    close() {
      guard.close();
      http?.destroy();
    },
  };
}
