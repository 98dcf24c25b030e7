// The form of a legacy `endpoint` event, as SDK clients see it: they resolve the data against the
// SSE URL and refuse another origin ("Endpoint origin does not match connection origin", TS SDK
// client/sse.ts; the Python client does the same check). Servers in
// containers announce the address they bound to (`http://0.0.0.0:9121/...`, grafana/mcp-grafana
// PR #42), which no client can use. Pure.
import type { EndpointEvent } from './probe-results.js';

const ABSOLUTE = /^([a-z][a-z0-9+.-]*:|\/\/)/i;

export function classifyEndpoint(data: string, sseUrl: URL): EndpointEvent & { postUrl?: URL } {
  const trimmed = data.trim();
  let resolved: URL;
  try {
    resolved = new URL(trimmed, sseUrl);
  } catch {
    return { data, form: 'invalid' };
  }
  if (trimmed === '' || (resolved.protocol !== 'http:' && resolved.protocol !== 'https:')) return { data, form: 'invalid', resolved: resolved.href };
  if (!ABSOLUTE.test(trimmed)) return { data, form: 'relative', resolved: resolved.href, postUrl: resolved };
  if (resolved.origin === sseUrl.origin) return { data, form: 'absolute-same-origin', resolved: resolved.href, postUrl: resolved };
  // Never POST to another origin (SSRF); its path on the SSE URL's origin is what mcp-frontdoor uses.
  const postUrl = new URL(resolved.pathname + resolved.search, sseUrl.origin);
  return { data, form: 'absolute-other-origin', resolved: resolved.href, postUrl };
}
