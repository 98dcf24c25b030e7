// Resolving the legacy transport's `endpoint` event (spec 2024-11-05 §HTTP with SSE: "a URI for the
// client to use"). Servers send every form: relative (`/messages?sessionId=`, TS SDK), with a trailing
// slash and `session_id` (Python SDK), or absolute with a host that only makes sense inside a
// container (`http://0.0.0.0:9121/...`, grafana/mcp-grafana PR #42). SDK clients refuse the last kind
// ("Endpoint origin does not match connection origin"); we resolve against the configured backend
// URL and always keep its origin, so an endpoint can never send our POSTs elsewhere (SSRF).

export interface ResolvedEndpoint {
  url: URL;
  /** Set when the event named another origin and it was replaced by the backend's own. */
  originRewrittenFrom?: string;
}

export function resolveEndpoint(data: string, backendUrl: URL): ResolvedEndpoint {
  const trimmed = data.trim();
  if (trimmed === '') throw new Error('the endpoint event is empty');
  const url = new URL(trimmed, backendUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`the endpoint event names a ${url.protocol} URL; expected http or https`);
  }
  if (url.origin === backendUrl.origin) return { url };
  const from = url.origin;
  const fixed = new URL(url.pathname + url.search, backendUrl.origin);
  return { url: fixed, originRewrittenFrom: from };
}
