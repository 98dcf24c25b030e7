// What a handshake-era client's request becomes on the way to a 2026-07-28 backend: its params with
// the per-request `_meta` envelope, and the headers that mirror the body. Pure.
// MCP 2026-07-28, Basic, Per-request protocol fields; Streamable HTTP, Request Metadata and Custom
// Headers from Tool Parameters. The codec and the declaration scan are the era layer's (src/era/).
import { META_CLIENT_CAPABILITIES, META_CLIENT_INFO, META_LOG_LEVEL, META_PROTOCOL_VERSION, type LogLevel } from '../../era/envelope.js';
import { encodeHeaderValue } from '../../era/header-value.js';
import { buildParamHeaders, type ParamHeader } from '../../era/param-headers.js';
import { expectedName } from '../../era/standard-headers.js';
import { MODERN_VERSIONS } from '../../era/versions.js';
import { asJsonObject } from '../../jsonrpc/json-object.js';

/** The revision this channel speaks to the backend. */
export const BACKEND_REVISION: string = MODERN_VERSIONS[0];

/** What the client declared in its `initialize`, sent again with every request (there is no session). */
export interface ClientSide {
  capabilities: Record<string, unknown>;
  clientInfo: { name: string; version: string } | undefined;
  /** Set by the client's `logging/setLevel` (answered by the proxy: the method is gone in 2026-07-28). */
  logLevel: LogLevel | undefined;
}

/** The client side of an `initialize`'s params; malformed parts are left out rather than guessed. */
export function clientSideOf(initializeParams: Record<string, unknown> | undefined): ClientSide {
  const info = asJsonObject(initializeParams?.clientInfo);
  const clientInfo = typeof info?.name === 'string' && typeof info.version === 'string' ? { name: info.name, version: info.version } : undefined;
  return { capabilities: asJsonObject(initializeParams?.capabilities) ?? {}, clientInfo, logLevel: undefined };
}

/** The params with the envelope in `_meta`; the client's own `_meta` keys (progressToken, trace context) stay. */
export function withEnvelope(params: Record<string, unknown> | undefined, client: ClientSide): Record<string, unknown> {
  const meta: Record<string, unknown> = {
    ...asJsonObject(params?._meta),
    [META_PROTOCOL_VERSION]: BACKEND_REVISION,
    [META_CLIENT_CAPABILITIES]: client.capabilities,
  };
  if (client.clientInfo !== undefined) meta[META_CLIENT_INFO] = client.clientInfo;
  // MCP 2026-07-28, Server, Logging: without logLevel the server sends no log messages at all.
  if (client.logLevel !== undefined) meta[META_LOG_LEVEL] = client.logLevel;
  return { ...params, _meta: meta };
}

/**
 * The headers of a request: MCP-Protocol-Version and Mcp-Method always, Mcp-Name when the body has the
 * value it mirrors, Mcp-Param-* for a tools/call whose tool declared `x-mcp-header` parameters.
 */
export function requestHeaders(method: string, params: Record<string, unknown> | undefined, paramHeaders: readonly ParamHeader[] = []): Record<string, string> {
  const out: Record<string, string> = { 'mcp-protocol-version': BACKEND_REVISION, 'mcp-method': method };
  const name = expectedName(method, params);
  if (name !== undefined) out['mcp-name'] = encodeHeaderValue(name);
  if (method === 'tools/call' && paramHeaders.length > 0) {
    for (const [k, v] of Object.entries(buildParamHeaders(paramHeaders, params?.arguments))) out[k.toLowerCase()] = v;
  }
  return out;
}
