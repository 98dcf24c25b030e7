// The probe plan: the given URL first (Streamable HTTP, then legacy SSE when Streamable HTTP does
// not answer), then the nearby paths where servers usually live, then OAuth discovery, the
// Host/Origin guard and (with `--header`) one probe without the headers, against the URL where MCP
// was found. Every request carries the `--header`s. A refused connection stops everything at once:
// the other paths share the origin.
import { refusalOf } from './auth-wall.js';
import { probeGuards } from './probe-guards.js';
import { probeLegacySse } from './probe-legacy-sse.js';
import { probeOAuth } from './probe-oauth.js';
import type { DoctorProbes, PathProbe } from './probe-results.js';
import { probeStreamable, type ProbeOptions } from './probe-streamable.js';
import { probeVariant } from './probe-variant.js';
import { targetPath } from './target-path.js';
import { transportOf } from './transport-findings.js';

export const NEARBY_PATHS = ['/sse', '/mcp', '/'] as const;

export async function runProbes(url: URL, timeoutMs: number, headers: Record<string, string>): Promise<DoctorProbes> {
  const given = await probePath(url, true, { timeoutMs, headers, deep: true });
  const result: DoctorProbes = { url: url.href, timeoutMs, headerNames: Object.keys(headers), paths: [given], oauth: [] };
  if (connectionFailed(given)) return result;

  // When the given URL already speaks Streamable HTTP, a short probe says enough; otherwise the
  // full one, since a nearby path may be what the user should use. They run side by side to bound the wait.
  const deep = !given.streamable.ok;
  result.paths.push(...(await Promise.all(nearbyUrls(url).map((u) => probePath(u, false, { timeoutMs, headers, deep })))));

  // Timeouts everywhere: nothing answers, and OAuth probes would only wait the same again.
  if (result.paths.every((p) => transportOf(p) === 'unreachable')) return result;
  const focus = targetPath(result.paths);
  // Without MCP anywhere, OAuth discovery is probed where a client would meet the refusal.
  const focusUrl = new URL((focus ?? result.paths.find((p) => refusalOf(p)) ?? given).url);
  result.oauth = await probeOAuth(focusUrl, timeoutMs, headers);
  const working = focus?.streamable.ok ? 'streamable-http' : focus?.legacy?.ok ? 'legacy-sse' : undefined;
  if (working) {
    result.guards = await probeGuards(focusUrl, working, timeoutMs, headers);
    if (result.headerNames.length > 0) result.withoutHeaders = await probeVariant(focusUrl, working, {}, timeoutMs, 'without --header');
  }
  return result;
}

/**
 * The paths servers usually live at, on the same origin and with the given query (some servers take
 * an API key there): the given path without a trailing `/sse` first (n8n's MCP Server Trigger v2
 * serves SSE at its base URL, and users append `/sse` out of habit), then `/sse`, `/mcp`, `/`.
 */
export function nearbyUrls(url: URL): URL[] {
  const base = url.pathname.replace(/\/sse\/?$/, '');
  const paths = base !== url.pathname && base !== '' ? [base, ...NEARBY_PATHS] : [...NEARBY_PATHS];
  return [...new Set(paths)].filter((p) => p !== url.pathname).map((p) => new URL(`${p}${url.search}`, url.origin));
}

async function probePath(url: URL, given: boolean, opts: ProbeOptions): Promise<PathProbe> {
  const streamable = await probeStreamable(url, opts);
  const probe: PathProbe = { url: url.href, path: url.pathname, given, streamable };
  if (!streamable.ok && !connectionFailed(probe)) probe.legacy = await probeLegacySse(url, opts);
  return probe;
}

/** Refused, unknown host or a TLS failure: every path of the origin fails alike, so stop there. */
function connectionFailed(p: PathProbe): boolean {
  const code = p.streamable.failure?.code;
  return code === 'refused' || code === 'dns' || code === 'tls';
}
