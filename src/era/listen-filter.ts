// The notification filter of a `subscriptions/listen` request: its shape, and the part of it a
// handshake-era backend can honour. Pure.
// MCP 2026-07-28, Subscriptions: `notifications` is a required object of three booleans and a list of
// resource URIs; omitted means not wanted; the acknowledgement names the honoured subset.
import type { Capabilities } from './capabilities.js';
import { refusal, type Refusal } from './refusal.js';
import { asJsonObject } from '../jsonrpc/json-object.js';

/** URIs one listen stream may follow (limits.maxListenResources): a filter cannot grow a subscription table without end. */
export const MAX_RESOURCE_SUBSCRIPTIONS = 256;

function invalid(message: string): Refusal {
  return refusal('ERR_META_INVALID', 'listen_filter_invalid', `Invalid params: ${message}`);
}

/** Reads `params.notifications`; a missing or malformed filter is -32602 (in-band: the ladder has passed). */
export function parseListenFilter(params: Record<string, unknown> | undefined, maxResources = MAX_RESOURCE_SUBSCRIPTIONS): ListenFilter | Refusal {
  const n = asJsonObject(params?.notifications);
  if (n === undefined) return invalid('subscriptions/listen needs params.notifications, an object');
  const out: ListenFilter = {};
  for (const key of ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged'] as const) {
    const v = n[key];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') return invalid(`params.notifications.${key} must be a boolean`);
    if (v) out[key] = true;
  }
  const uris = n.resourceSubscriptions;
  if (uris !== undefined) {
    if (!Array.isArray(uris) || !uris.every((u) => typeof u === 'string'))
      return invalid('params.notifications.resourceSubscriptions must be a list of strings');
    if (uris.length > maxResources)
      return { ...invalid(`params.notifications.resourceSubscriptions may name at most ${maxResources} URIs`), limit: 'limits.maxListenResources' };
    if (uris.length > 0) out.resourceSubscriptions = [...new Set(uris as string[])];
  }
  return out;
}

export interface ListenFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

/**
 * The part of a `subscriptions/listen` filter the backend can honour, from its capabilities
 * (MCP 2026-07-28, Subscriptions: the acknowledgement names the honoured subset; unsupported types omitted).
 */
export function honouredFilter(requested: ListenFilter, serverCaps: Capabilities): ListenFilter {
  const flag = (cap: string, key: string): boolean => asJsonObject(serverCaps[cap])?.[key] === true;
  const out: ListenFilter = {};
  if (requested.toolsListChanged === true && flag('tools', 'listChanged')) out.toolsListChanged = true;
  if (requested.promptsListChanged === true && flag('prompts', 'listChanged')) out.promptsListChanged = true;
  if (requested.resourcesListChanged === true && flag('resources', 'listChanged')) out.resourcesListChanged = true;
  const uris = requested.resourceSubscriptions?.filter((u) => typeof u === 'string');
  if (uris !== undefined && uris.length > 0 && flag('resources', 'subscribe')) out.resourceSubscriptions = [...new Set(uris)];
  return out;
}
