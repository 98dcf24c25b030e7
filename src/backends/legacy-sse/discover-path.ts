// A backend configured without its path (`http://host:9121` instead of `…/sse`, the most common
// misconfiguration in user reports) is found by probing the usual paths the way clients do.
import type { Logger } from 'pino';
import type { BackendHttpClient } from '../http-client.js';
import { safeUrl } from '../../observability/logger.js';
import { mediaType } from '../response-head.js';

const CANDIDATES = ['/sse', '/'];
const PROBE_TIMEOUT_MS = 3_000;

export function needsDiscovery(url: URL): boolean {
  return url.pathname === '/' || url.pathname === '';
}

/** Returns the URL of the legacy SSE endpoint, or undefined when no candidate answers like one. */
export async function discoverSsePath(base: URL, http: BackendHttpClient, headers: Record<string, string>, log: Logger): Promise<URL | undefined> {
  for (const path of CANDIDATES) {
    const candidate = new URL(path + base.search, base.origin);
    const abort = new AbortController();
    try {
      const res = await http.request(candidate, {
        method: 'GET',
        headers: { ...headers, accept: 'text/event-stream' },
        timeoutMs: PROBE_TIMEOUT_MS,
        signal: abort.signal,
      });
      const isSse = res.status === 200 && mediaType(res) === 'text/event-stream';
      abort.abort(); // never keep a probe's stream (and its backend session) open
      res.body.resume();
      if (isSse) return candidate;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ECONNREFUSED') throw e;
      log.debug({ probe: safeUrl(candidate), err: (e as Error).message }, 'backend path probe failed');
    }
  }
  return undefined;
}
