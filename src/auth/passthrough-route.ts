// Maps an OAuth request made to the proxy onto the backend of a passthrough route, and builds the
// rewrite context from the URL the client actually used.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OAuthPassthrough } from './oauth-passthrough.js';
import type { OAuthProbe } from '../http/oauth-probes.js';

const PRM = '/.well-known/oauth-protected-resource';

export interface PassthroughTarget {
  prefix: string;
  endpoint: string;
  backendUrl: URL | undefined;
  passthrough: Promise<OAuthPassthrough> | undefined;
}

export function relayOAuth(
  route: PassthroughTarget,
  probe: OAuthProbe,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  publicBase: (req: IncomingMessage) => string,
): void {
  const backendUrl = route.backendUrl;
  if (!backendUrl) return; // never configured: passthrough needs an HTTP backend (schema rule)
  const query = (req.url ?? '').slice(path.length);
  let backendPath = path;
  if (probe.kind === 'metadata' && path.startsWith(PRM)) {
    // Path-suffixed PRM names the resource: ours is the route's /mcp, the backend's is its own path.
    const suffixed = path.length > PRM.length;
    const backendResource = backendUrl.pathname === '/' ? '' : backendUrl.pathname;
    backendPath = suffixed ? `${PRM}${backendResource}` : PRM;
  } else if (probe.kind === 'endpoint') {
    backendPath = probe.endpoint; // /tools/register → /register on the backend's origin
  }
  const base = publicBase(req);
  void route.passthrough?.then((p) =>
    p.handle(req, res, backendPath + query, {
      backendOrigin: backendUrl.origin,
      proxyOrigin: new URL(base).origin,
      proxyResource: `${base}${route.endpoint}`,
    }),
  );
}
