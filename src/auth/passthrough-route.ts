// Maps an OAuth request made to the proxy onto the backend of a passthrough route, and builds the
// rewrite context from the URL the client actually used.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OAuthPassthrough } from './oauth-passthrough.js';
import type { OAuthProbe } from '../http/oauth-probes.js';
import { badPathError } from '../http/path-guard.js';
import { replyError } from '../http/reply.js';
import { oauthRelayPath } from './relay-path.js';

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
  const backendPath = oauthRelayPath(probe, path, backendUrl.pathname);
  if (backendPath === undefined) {
    // The edge refuses these first (and logs them); this keeps the relay safe on its own.
    replyError(res, badPathError('oauth_path_not_relayable'));
    return;
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
