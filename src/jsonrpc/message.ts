// JSON-RPC 2.0 envelopes as MCP uses them, and a classifier. The proxy routes envelopes; it never
// interprets method params beyond the few fields routing needs (ids, progress tokens, cancellation).

export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  result?: Record<string, unknown>;
  error?: JsonRpcErrorObject;
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export type MessageKind = 'request' | 'notification' | 'response';

/** Standard JSON-RPC codes plus the two transport codes MCP SDKs use (docs/architecture.md, Errors). */
export const RPC_PARSE_ERROR = -32700;
export const RPC_INVALID_REQUEST = -32600;
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_INVALID_PARAMS = -32602;
export const RPC_INTERNAL_ERROR = -32603;
/** Transport-level rejection (the MCP SDKs use it for header and session problems). */
export const RPC_TRANSPORT_ERROR = -32000;
/** Unknown session, always paired with HTTP 404 (TS SDK "Session not found"). */
export const RPC_SESSION_NOT_FOUND = -32001;
/** MCP 2026-07-28 (Basic, Error Codes): a standard header disagrees with the body, is missing or malformed. */
export const RPC_HEADER_MISMATCH = -32020;
/** MCP 2026-07-28 (Basic, Error Codes): the request needs a client capability its `_meta` did not declare. */
export const RPC_MISSING_CLIENT_CAPABILITY = -32021;
/** MCP 2026-07-28 (Basic, Error Codes): the request claims a protocol version the server does not serve. */
export const RPC_UNSUPPORTED_PROTOCOL_VERSION = -32022;

function isId(v: unknown): v is JsonRpcId {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

/** Returns the kind of a parsed value, or undefined when it is not a JSON-RPC 2.0 message. */
export function classify(value: unknown): MessageKind | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const m = value as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') return undefined;
  if (typeof m.method === 'string') {
    if (m.params !== undefined && (typeof m.params !== 'object' || m.params === null)) return undefined;
    if ('id' in m) return isId(m.id) ? 'request' : undefined;
    return 'notification';
  }
  if ('result' in m || 'error' in m) {
    if (!(isId(m.id) || m.id === null)) return undefined;
    if ('error' in m) {
      const e = m.error as Record<string, unknown> | null;
      if (typeof e !== 'object' || e === null || typeof e.code !== 'number') return undefined;
    }
    return 'response';
  }
  return undefined;
}

export function isRequest(m: JsonRpcMessage): m is JsonRpcRequest {
  return 'method' in m && 'id' in m;
}

export function isNotification(m: JsonRpcMessage): m is JsonRpcNotification {
  return 'method' in m && !('id' in m);
}

export function isResponse(m: JsonRpcMessage): m is JsonRpcResponse {
  return !('method' in m);
}

/** Map key for an id: 1 and "1" are different ids in JSON-RPC. */
export function idKey(id: JsonRpcId): string {
  return typeof id === 'number' ? `n:${id}` : `s:${id}`;
}

export function errorResponse(id: JsonRpcId | null, code: number, message: string, data?: unknown): JsonRpcResponse {
  const error: JsonRpcErrorObject = { code, message };
  if (data !== undefined) error.data = data;
  return { jsonrpc: '2.0', id, error };
}

/** The progress token a request asks progress for (`params._meta.progressToken`), if any. */
export function progressTokenOf(m: JsonRpcRequest): JsonRpcId | undefined {
  const meta = m.params?._meta as Record<string, unknown> | undefined;
  const token = meta?.progressToken;
  return isId(token) ? token : undefined;
}
