// The probe plan: the given URL first (Streamable HTTP, then legacy SSE when Streamable HTTP does
// not answer), then the nearby paths on the same origin where servers usually live (`/sse`, `/mcp`,
// `/`), then OAuth discovery and the Host/Origin guard against the URL where MCP was found. A
// refused connection stops everything at once: the other paths share the origin.
import { probeGuards } from './probe-guards.js';
import { probeLegacySse } from './probe-legacy-sse.js';
import { probeOAuth } from './probe-oauth.js';
import type { DoctorProbes, PathProbe } from './probe-results.js';
import { probeStreamable } from './probe-streamable.js';
import { targetPath } from './target-path.js';
import { transportOf } from './transport-findings.js';

export const NEARBY_PATHS = ['/sse', '/mcp', '/'] as const;

export async function runProbes(url: URL, timeoutMs: number): Promise<DoctorProbes> {
  const given = await probePath(url, true, timeoutMs, true);
  const result: DoctorProbes = { url: url.href, timeoutMs, paths: [given], oauth: [] };
  if (connectionFailed(given)) return result;

  // The nearby paths keep the given query (some servers take an API key there). When the given URL
  // already speaks Streamable HTTP, a short probe says enough; otherwise the full one, since a
  // nearby path may be what the user should use. They run side by side to bound the wait.
  const nearbyUrls = NEARBY_PATHS.filter((p) => p !== url.pathname).map((p) => new URL(`${p}${url.search}`, url.origin));
  const deep = !given.streamable.ok;
  result.paths.push(...(await Promise.all(nearbyUrls.map((u) => probePath(u, false, timeoutMs, deep)))));

  // Timeouts everywhere: nothing answers, and OAuth probes would only wait the same again.
  if (result.paths.every((p) => transportOf(p) === 'unreachable')) return result;
  const focus = targetPath(result.paths);
  const focusUrl = focus ? new URL(focus.url) : url;
  result.oauth = await probeOAuth(focusUrl, timeoutMs);
  if (focus) result.guards = await probeGuards(focusUrl, focus.streamable.ok ? 'streamable-http' : 'legacy-sse', timeoutMs);
  return result;
}

async function probePath(url: URL, given: boolean, timeoutMs: number, deep: boolean): Promise<PathProbe> {
  const streamable = await probeStreamable(url, { timeoutMs, deep });
  const probe: PathProbe = { url: url.href, path: url.pathname, given, streamable };
  if (!streamable.ok && !connectionFailed(probe)) probe.legacy = await probeLegacySse(url, { timeoutMs, deep });
  return probe;
}

/** Refused, unknown host or a TLS failure: every path of the origin fails alike, so stop there. */
function connectionFailed(p: PathProbe): boolean {
  const code = p.streamable.failure?.code;
  return code === 'refused' || code === 'dns' || code === 'tls';
}
