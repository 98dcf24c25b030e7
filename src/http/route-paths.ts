// Which face of which route a request path belongs to, including the path mistakes users make
// (docs/quirks.md: Claude Code POSTing to the origin, `/mcp/` vs `/mcp`, clients configured with the
// SSE URL in "http" mode, legacy clients doing a session-less GET on the MCP URL). Pure.
//
// Per route prefix P ("/" or "/tools"):
//   P/mcp                              Streamable HTTP face
//   P/sse                              legacy face: the event stream
//   P/messages, P/messages/, P/message, P/message/   legacy face: client messages
// Repairs (only when the route's repairs.paths is on):
//   P/mcp/ and doubled slashes         → as if written correctly            mcp_path_normalized
//   P/P/…  (a doubled prefix)          → the single prefix                 doubled_prefix
//   POST P/sse                         → Streamable HTTP                    post_to_sse_served_as_mcp
//   DELETE P/sse, GET P/sse with a session → Streamable HTTP              sse_url_used_as_mcp
//   POST P (the route root)            → Streamable HTTP                    post_to_root_served_as_mcp
//   GET P/mcp or P, no Mcp-Session-Id, Accept: text/event-stream → legacy face (the spec's
//   backwards-compatibility algorithm: a legacy client GETs the one URL it was given)  legacy_get_on_mcp

/** Which endpoint of a route a request is for: the Streamable HTTP `/mcp`, or the legacy `/sse` and `/messages`. */
export type EndpointKind = 'mcp' | 'sse' | 'messages';

export interface RoutePaths {
  readonly prefix: string;
  readonly repairPaths: boolean;
}

export interface PathMatch<R extends RoutePaths> {
  route: R;
  kind: EndpointKind;
  /** Set when the request only matched through a repair. */
  repair?: string;
}

export interface PathQuery {
  method: string;
  path: string;
  acceptsEventStream: boolean;
  hasSession: boolean;
}

function join(prefix: string, tail: string): string {
  return prefix === '/' ? tail : `${prefix}${tail}`;
}

const MESSAGE_TAILS = ['/messages', '/messages/', '/message', '/message/'];

function exact<R extends RoutePaths>(route: R, path: string): EndpointKind | undefined {
  if (path === join(route.prefix, '/mcp')) return 'mcp';
  if (path === join(route.prefix, '/sse')) return 'sse';
  if (MESSAGE_TAILS.some((t) => path === join(route.prefix, t))) return 'messages';
  return undefined;
}

export function matchPath<R extends RoutePaths>(routes: readonly R[], q: PathQuery): PathMatch<R> | undefined {
  for (const route of routes) {
    const kind = exact(route, q.path);
    if (kind === 'mcp' && q.method === 'GET' && !q.hasSession && q.acceptsEventStream && route.repairPaths) {
      return { route, kind: 'sse', repair: 'legacy_get_on_mcp' };
    }
    if (kind === 'sse' && route.repairPaths) {
      // A Streamable HTTP client configured with the SSE URL uses it for everything: its POSTs, and
      // then its session's GET stream and DELETE (which carry Mcp-Session-Id).
      if (q.method === 'POST') return { route, kind: 'mcp', repair: 'post_to_sse_served_as_mcp' };
      if (q.method === 'DELETE' || (q.method === 'GET' && q.hasSession)) return { route, kind: 'mcp', repair: 'sse_url_used_as_mcp' };
    }
    if (kind) return { route, kind };
  }
  for (const route of routes) {
    if (!route.repairPaths) continue;
    const normalized = normalize(route.prefix, q.path);
    if (normalized) {
      const kind = exact(route, normalized.path);
      if (kind) return { route, kind: kind === 'sse' && q.method === 'POST' ? 'mcp' : kind, repair: normalized.reason };
    }
    const root = route.prefix;
    if (q.path === root || q.path === `${root}/` || (root === '/' && q.path === '/')) {
      if (q.method === 'POST') return { route, kind: 'mcp', repair: 'post_to_root_served_as_mcp' };
      if (q.method === 'GET' && !q.hasSession && q.acceptsEventStream) return { route, kind: 'sse', repair: 'legacy_get_on_mcp' };
      if (q.method === 'GET' || q.method === 'DELETE') return { route, kind: 'mcp', repair: 'root_served_as_mcp' };
    }
  }
  return undefined;
}

function normalize(prefix: string, path: string): { path: string; reason: string } | undefined {
  let p = path.replace(/\/{2,}/g, '/');
  let reason = p !== path ? 'mcp_path_normalized' : '';
  if (prefix !== '/' && p.startsWith(`${prefix}${prefix}/`)) {
    p = p.slice(prefix.length);
    reason = 'doubled_prefix';
  }
  if (p === join(prefix, '/mcp/')) {
    p = join(prefix, '/mcp');
    reason ||= 'mcp_path_normalized';
  }
  return reason ? { path: p, reason } : undefined;
}
