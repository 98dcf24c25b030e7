// The edge pass for OAuth discovery and OAuth endpoints requested of the proxy itself:
//  - auth.mode oauth: the route's real Protected Resource Metadata (RFC 9728);
//  - auth.mode passthrough: relayed to the backend, which runs its own OAuth;
//  - otherwise (repairs.oauthProbes): a JSON 404 whose error_description tells the client what the
//    route wants instead (nothing, an API key, or the metadata its 401 names), so that clients end
//    the probe cleanly instead of failing on an HTML 404 (docs/quirks.md).
import type { IncomingMessage } from 'node:http';
import type { Pass } from '../pipeline/run-passes.js';
import { classifyOAuthProbe, oauthProbeBody } from './oauth-probes.js';
import { badPathError } from './path-guard.js';
import { oauthRelayPath } from '../auth/relay-path.js';
import { CORS_ALLOW_HEADERS, type EdgeContext, type RouteEndpoint } from './edge-passes.js';
import type { OAuthProbe } from './oauth-probes.js';
import type { ServerResponse } from 'node:http';

/** The route a probe path belongs to: by the endpoint or prefix it names, else the only route. */
function ownerOf<R extends RouteEndpoint>(path: string, routes: readonly R[]): R | undefined {
  if (routes.length === 1) return routes[0];
  return routes.find((r) => path.endsWith(r.endpoint) || path.endsWith(`${r.prefix}/sse`) || (r.prefix !== '/' && path.startsWith(`${r.prefix}/`)));
}

export function oauthProbePass<R extends RouteEndpoint>(opts: {
  routes: () => readonly R[];
  onOAuthProbe(path: string): void;
  onOAuthPassthrough(route: R, probe: OAuthProbe, req: IncomingMessage, res: ServerResponse, path: string): void;
}): Pass<EdgeContext<R>> {
  return {
    name: 'oauth_probes',
    run: ({ req, res, path }) => {
      const all = opts.routes();
      const probe = classifyOAuthProbe(
        path,
        all.map((r) => r.prefix),
      );
      if (!probe) return undefined;
      // Public metadata: any origin may read it (browser-based clients discover with fetch).
      const cors = { 'access-control-allow-origin': '*' };
      const preflight = {
        kind: 'empty',
        reason: 'oauth_probe_answered',
        status: 204,
        headers: { ...cors, 'access-control-allow-methods': 'GET, POST, OPTIONS', 'access-control-allow-headers': CORS_ALLOW_HEADERS },
      } as const;
      const oauth = all.filter((r) => r.authMode === 'oauth');
      for (const r of oauth) {
        // The root document only when it cannot be mistaken: one oauth route, alone or at the root.
        const doc = r.resourceMetadata(req, path, oauth.length === 1 && (all.length === 1 || r.prefix === '/'));
        if (!doc) continue;
        if (req.method === 'OPTIONS') return preflight;
        return { kind: 'json', reason: 'resource_metadata', status: 200, body: doc, headers: { ...cors, 'cache-control': 'max-age=300' } };
      }
      const passthrough = all.filter((r) => r.authPassthrough);
      const relay = passthrough.length <= 1 ? passthrough[0] : (ownerOf(path, passthrough) ?? passthrough[0]);
      if (relay) {
        // Only the known OAuth paths, rebuilt from plain segments, reach the backend.
        if (oauthRelayPath(probe, path, '/') === undefined) return { kind: 'error', error: badPathError('oauth_path_not_relayable') };
        return { kind: 'delegate', reason: 'oauth_passthrough', handle: () => opts.onOAuthPassthrough(relay, probe, req, res, path) };
      }
      if (!all.some((r) => r.oauthProbes)) return undefined;
      if (req.method === 'OPTIONS') return preflight;
      opts.onOAuthProbe(path);
      const modes = new Set(all.map((r) => (r.authMode === 'passthrough' ? 'none' : r.authMode)));
      const mode = ownerOf(path, all)?.authMode ?? (modes.size === 1 ? [...modes][0]! : 'mixed');
      return {
        kind: 'json',
        reason: 'oauth_probe_answered',
        status: 404,
        body: oauthProbeBody(probe, mode),
        headers: { ...cors, 'cache-control': 'no-store' },
      };
    },
  };
}
