// What a 2026-07-28 backend's answers become for a handshake-era client: the InitializeResult made from
// `server/discover`, results without the fields 2025 schemas do not know, and the notification
// filter that stands in for the GET stream. Pure; inputs are never mutated.
import { isLegacyVersion } from '../../era/versions.js';
import { honouredFilter, type ListenFilter } from '../../era/listen-filter.js';
import { asJsonObject } from '../../jsonrpc/json-object.js';
import { META_SERVER_INFO } from '../../era/envelope.js';

/** What a handshake client gets when it asks for a revision the proxy does not serve (the newest handshake one). */
export const FALLBACK_HANDSHAKE_REVISION = '2025-11-25';

/**
 * The InitializeResult for a client's `initialize`, from the backend's DiscoverResult (MCP 2026-07-28,
 * server/discover). The version is the client's when it is a handshake revision the proxy serves
 * (the backend has no say: it speaks only per-request revisions), else 2025-11-25, as any 2025 server
 * answers a version it does not know (MCP 2025-11-25, Lifecycle, Version Negotiation).
 * Capabilities are the backend's as they are: every key a 2025 client knows means the same thing.
 */
export function initializeResult(discover: Record<string, unknown>, requested: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {
    protocolVersion: isLegacyVersion(requested) ? requested : FALLBACK_HANDSHAKE_REVISION,
    capabilities: asJsonObject(discover.capabilities) ?? {},
    serverInfo: serverInfoOf(discover),
  };
  if (typeof discover.instructions === 'string') out.instructions = discover.instructions;
  return out;
}

/**
 * The server's Implementation: 2026-07-28 puts it in the result's `_meta` (Basic, `_meta`:
 * `io.modelcontextprotocol/serverInfo`), a DiscoverResult has no field of its own for it.
 */
function serverInfoOf(discover: Record<string, unknown>): Record<string, unknown> {
  const info = asJsonObject(asJsonObject(discover._meta)?.[META_SERVER_INFO]) ?? asJsonObject(discover.serverInfo);
  // MCP 2025-11-25, Lifecycle: serverInfo is required; a server that names none gets a placeholder.
  return info ?? { name: 'unknown', version: '0' };
}

/**
 * A result as a handshake-era client expects it: without `resultType` (MCP 2026-07-28, Basic, Result
 * Responses) and the caching hints `ttlMs`/`cacheScope` (Server Utilities, Caching). 2025 schemas
 * are open, so they are harmless, but they are not part of them. Returns the same object when there
 * is nothing to remove.
 */
export function handshakeResult(result: Record<string, unknown>): Record<string, unknown> {
  if (!('resultType' in result) && !('ttlMs' in result) && !('cacheScope' in result)) return result;
  const out = { ...result };
  delete out.resultType;
  delete out.ttlMs;
  delete out.cacheScope;
  return out;
}

/**
 * The filter of the `subscriptions/listen` stream that replaces the GET stream: every list-changed
 * kind the backend advertises, and the resource URIs the client subscribed to when the backend
 * advertises `resources.subscribe`. Empty (no keys): nothing to listen for.
 */
export function listenFilter(serverCaps: Record<string, unknown>, subscribed: Iterable<string>): ListenFilter {
  const uris = [...subscribed];
  return honouredFilter(
    { toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true, ...(uris.length > 0 ? { resourceSubscriptions: uris } : {}) },
    serverCaps,
  );
}

export function isEmptyFilter(filter: ListenFilter): boolean {
  return Object.keys(filter).length === 0;
}
