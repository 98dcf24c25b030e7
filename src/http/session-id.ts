// The one place a request's session id is read. The Streamable HTTP face carries it in
// `Mcp-Session-Id`; the legacy face in the query string of POST /messages, as `sessionId` (TypeScript
// SDK servers) or `session_id` (Python SDK servers). A repeated header counts once: its first value.
import type { IncomingMessage } from 'node:http';
import type { EndpointKind } from './route-paths.js';

export const SESSION_HEADER = 'mcp-session-id';

export function sessionIdOf(req: IncomingMessage, kind: EndpointKind = 'mcp'): string | undefined {
  if (kind === 'messages') {
    // The query string alone: a path such as `//host…` would make a URL parser read a host.
    const url = req.url ?? '';
    const q = url.indexOf('?');
    if (q < 0) return undefined;
    const query = new URLSearchParams(url.slice(q + 1));
    return query.get('sessionId') ?? query.get('session_id') ?? undefined;
  }
  if (kind === 'sse') return undefined;
  const h = req.headers[SESSION_HEADER];
  return Array.isArray(h) ? h[0] : h;
}
