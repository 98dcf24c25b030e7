// The method registry of the 2026-07-28 face: what is answered here, what is gone, what goes to the
// backend, and which methods may answer input_required or must carry caching hints. Pure data.

/** MCP 2026-07-28, Changelog (major 1–5): removed; answered 404 -32601, never forwarded. */
export const REMOVED_METHODS: ReadonlySet<string> = new Set(['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe']);

/** MCP 2026-07-28, Multi Round-Trip Requests: the only methods that may answer input_required. */
export const MRTR_METHODS: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** MCP 2026-07-28, Server Utilities, Caching: complete results of these MUST carry ttlMs and cacheScope. */
export const CACHEABLE_METHODS: ReadonlySet<string> = new Set([
  'server/discover',
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
]);

export type Disposition = 'removed' | 'discover' | 'listen' | 'forward';

/**
 * What the face does with a modern request's method. Anything not removed and not answered here is
 * forwarded (vendor methods included): a backend's -32601 then becomes the 404 the spec asks for.
 */
export function dispositionOf(method: string): Disposition {
  if (REMOVED_METHODS.has(method)) return 'removed';
  if (method === 'server/discover') return 'discover';
  if (method === 'subscriptions/listen') return 'listen';
  return 'forward';
}
