// The per-request `_meta` envelope of the 2026-07-28 era: validation and the canonical form of the
// declared client capabilities. Pure.
// MCP 2026-07-28, Basic, Per-request protocol fields: protocolVersion and clientCapabilities are
// required on every request; clientInfo is optional (display only); logLevel is optional.
import { canonicalJson } from '../jsonrpc/canonical-json.js';
import { refusal, type Refusal } from './refusal.js';
import { isJsonObject } from '../jsonrpc/json-object.js';

export const META_PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';
export const META_CLIENT_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';
export const META_CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';
export const META_LOG_LEVEL = 'io.modelcontextprotocol/logLevel';
export const META_SERVER_INFO = 'io.modelcontextprotocol/serverInfo';
export const META_SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';

/** The `_meta` key prefix the spec reserves for these fields (MCP 2026-07-28, Basic, `_meta`). */
export const ENVELOPE_PREFIX = 'io.modelcontextprotocol/';

/** RFC 5424 severities, as MCP logging names them (MCP 2026-07-28, Server, Logging). */
export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Canonical capabilities are bounded (limits.maxCapabilitiesBytes): a seat key must not grow with what a client sends. */
export const MAX_CAPABILITIES_BYTES = 4096;

export interface Envelope {
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  clientInfo: { name: string; version: string } | undefined;
  logLevel: LogLevel | undefined;
  /** Sorted-key JSON of clientCapabilities: equal capabilities give equal strings. */
  canonicalCapabilities: string;
}

/** The `_meta` object of a request's params, if it is one. */
export function metaOf(params: unknown): Record<string, unknown> | undefined {
  if (!isJsonObject(params)) return undefined;
  return isJsonObject(params._meta) ? params._meta : undefined;
}

/** True when the params claim the modern era: `_meta` names a protocol version (any value). */
export function hasClaim(params: unknown): boolean {
  const meta = metaOf(params);
  return meta !== undefined && META_PROTOCOL_VERSION in meta;
}

function invalid(key: string, problem: string, message: string): Refusal {
  // error.data.envelope mirrors the TS SDK v2 server's shape, so clients see the same thing from both.
  return refusal('ERR_META_INVALID', 'meta_invalid', `Invalid params: ${message}`, { envelope: { key, problem } });
}

/** Validates the envelope of a request's params; the refusal is `-32602` (HTTP 400). */
export function parseEnvelope(params: unknown, maxCapabilitiesBytes = MAX_CAPABILITIES_BYTES): Envelope | Refusal {
  const meta = metaOf(params);
  if (meta === undefined) return invalid('_meta', 'missing', `params._meta with ${META_PROTOCOL_VERSION} and ${META_CLIENT_CAPABILITIES} is required`);
  const version = meta[META_PROTOCOL_VERSION];
  if (version === undefined) return invalid(META_PROTOCOL_VERSION, 'missing', `params._meta["${META_PROTOCOL_VERSION}"] is required`);
  if (typeof version !== 'string' || version === '')
    return invalid(META_PROTOCOL_VERSION, 'not_a_string', `params._meta["${META_PROTOCOL_VERSION}"] must be a non-empty string`);
  const caps = meta[META_CLIENT_CAPABILITIES];
  if (caps === undefined) return invalid(META_CLIENT_CAPABILITIES, 'missing', `params._meta["${META_CLIENT_CAPABILITIES}"] is required ({} declares none)`);
  if (!isJsonObject(caps)) return invalid(META_CLIENT_CAPABILITIES, 'not_an_object', `params._meta["${META_CLIENT_CAPABILITIES}"] must be an object`);
  const canonical = canonicalJson(caps);
  if (Buffer.byteLength(canonical) > maxCapabilitiesBytes) {
    const r = invalid(META_CLIENT_CAPABILITIES, 'too_large', `params._meta["${META_CLIENT_CAPABILITIES}"] must be at most ${maxCapabilitiesBytes} bytes`);
    return { ...r, limit: 'limits.maxCapabilitiesBytes' };
  }
  const info = meta[META_CLIENT_INFO];
  if (info !== undefined && !(isJsonObject(info) && typeof info.name === 'string' && typeof info.version === 'string')) {
    return invalid(META_CLIENT_INFO, 'malformed', `params._meta["${META_CLIENT_INFO}"] must be an object with string name and version`);
  }
  const level = meta[META_LOG_LEVEL];
  // MCP 2026-07-28, Server, Logging: an invalid level SHOULD be answered -32602.
  if (level !== undefined && !(LOG_LEVELS as readonly unknown[]).includes(level)) {
    return invalid(META_LOG_LEVEL, 'unknown_level', `params._meta["${META_LOG_LEVEL}"] must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return {
    protocolVersion: version,
    clientCapabilities: caps,
    clientInfo: info === undefined ? undefined : { name: (info as { name: string }).name, version: (info as { version: string }).version },
    logLevel: level as LogLevel | undefined,
    canonicalCapabilities: canonical,
  };
}

/**
 * Whether a backend log message may go to the client of this request (MCP 2026-07-28, Server,
 * Logging): only when the request named a logLevel, and only at that severity or above. A level the
 * backend names badly is dropped, never guessed.
 */
export function logLevelPasses(requested: LogLevel | undefined, level: unknown): boolean {
  if (requested === undefined) return false;
  const at = LOG_LEVELS.indexOf(level as LogLevel);
  return at >= 0 && at >= LOG_LEVELS.indexOf(requested);
}
