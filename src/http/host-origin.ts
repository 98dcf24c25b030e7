// DNS-rebinding protection (MCP 2025-11-25 Streamable HTTP, security warning: servers MUST validate
// Origin and answer 403 when it is present and invalid). A proxy bound to loopback also checks Host: a
// rebinding page reaches us with its own name in Host (conformance `dns-rebinding-protection`). Pure.
import { ProxyError } from '../errors/proxy-error.js';

export interface HostOriginPolicy {
  /** True when the listener is bound to a loopback address: only loopback names are valid hosts. */
  loopback: boolean;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackAddress(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host) || host.endsWith('.localhost');
}

/** Host header without its port, lowercased; `[::1]` keeps its brackets. */
export function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

/**
 * Host check (DNS rebinding: a rebinding page's same-origin GETs carry no Origin, only its own name in
 * Host). Applies on a loopback bind (loopback names only) or when allowedHosts is set.
 */
export function checkHost(host: string | undefined, policy: HostOriginPolicy): ProxyError | undefined {
  if (!policy.loopback && policy.allowedHosts.length === 0) return undefined;
  const name = host === undefined ? '' : hostName(host);
  const ok =
    (policy.loopback && isLoopbackAddress(name)) || policy.allowedHosts.some((h) => h.toLowerCase() === name || h.toLowerCase() === host?.toLowerCase());
  if (ok) return undefined;
  return new ProxyError(
    'ERR_HOST_REJECTED',
    'host_rejected',
    `the Host header ${JSON.stringify((host ?? '').slice(0, 100))} is not allowed; add it to listen.allowedHosts`,
  );
}

/** Origin check: a present Origin must be one of ours (browsers send it on every POST and cross-origin request). */
export function checkOrigin(origin: string | undefined, policy: HostOriginPolicy): ProxyError | undefined {
  if (origin === undefined) return undefined; // CLI clients send no Origin
  if (isOriginAllowed(origin, policy)) return undefined;
  return new ProxyError(
    'ERR_ORIGIN_REJECTED',
    'origin_rejected',
    `the Origin ${JSON.stringify(origin.slice(0, 100))} is not allowed; add it to listen.allowedOrigins`,
  );
}

/**
 * The proxy's own origins: its public URL's (in allowedOrigins), the listed ones, and loopback pages
 * when the proxy itself is bound to loopback. Matching the Host header is NOT enough: under DNS
 * rebinding the attacker's page is same-origin with a Host of its own choosing.
 */
export function isOriginAllowed(origin: string, policy: HostOriginPolicy): boolean {
  if (policy.allowedOrigins.includes('*')) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes the opaque "null" origin of sandboxed pages
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (policy.allowedOrigins.some((o) => o === origin || sameOrigin(o, url))) return true;
  return policy.loopback && (isLoopbackAddress(url.hostname) || isLoopbackAddress(`[${url.hostname}]`));
}

function sameOrigin(listed: string, url: URL): boolean {
  try {
    return new URL(listed).origin === url.origin;
  } catch {
    return false;
  }
}
