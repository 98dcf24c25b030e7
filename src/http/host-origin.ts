// DNS-rebinding protection (spec 2025-11-25 L78-81: servers MUST validate Origin, 403 when present
// and invalid). A proxy bound to loopback also checks Host: a rebinding page reaches us with its own
// name in Host (conformance `dns-rebinding-protection`). Pure.
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

export function checkHostOrigin(host: string | undefined, origin: string | undefined, policy: HostOriginPolicy): ProxyError | undefined {
  if (policy.loopback || policy.allowedHosts.length > 0) {
    const name = host === undefined ? '' : hostName(host);
    const ok = (policy.loopback && isLoopbackAddress(name)) || policy.allowedHosts.some((h) => h.toLowerCase() === name || h.toLowerCase() === host?.toLowerCase());
    if (!ok) {
      return new ProxyError('ERR_HOST_REJECTED', 'host_rejected', `the Host header ${JSON.stringify(host ?? '')} is not allowed; add it to listen.allowedHosts`);
    }
  }
  if (origin === undefined) return undefined; // CLI clients send no Origin
  if (isOriginAllowed(origin, host, policy)) return undefined;
  return new ProxyError('ERR_ORIGIN_REJECTED', 'origin_rejected', `the Origin ${JSON.stringify(origin)} is not allowed; add it to listen.allowedOrigins`);
}

export function isOriginAllowed(origin: string, host: string | undefined, policy: HostOriginPolicy): boolean {
  if (policy.allowedOrigins.includes(origin) || policy.allowedOrigins.includes('*')) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes the opaque "null" origin of sandboxed pages
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (policy.loopback) return isLoopbackAddress(url.hostname) || isLoopbackAddress(`[${url.hostname}]`);
  // Not loopback-bound: a page served from the proxy's own name is same-origin.
  return host !== undefined && url.host.toLowerCase() === host.toLowerCase();
}
