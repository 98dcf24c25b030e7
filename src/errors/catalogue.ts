// One table maps every local error code to what the client sees on the wire (docs/architecture.md, Errors).
// Match errors by `code`, never by class.
import {
  RPC_HEADER_MISMATCH,
  RPC_INTERNAL_ERROR,
  RPC_METHOD_NOT_FOUND,
  RPC_MISSING_CLIENT_CAPABILITY,
  RPC_INVALID_PARAMS,
  RPC_INVALID_REQUEST,
  RPC_PARSE_ERROR,
  RPC_SESSION_NOT_FOUND,
  RPC_TRANSPORT_ERROR,
  RPC_UNSUPPORTED_PROTOCOL_VERSION,
} from '../jsonrpc/message.js';

interface WireMapping {
  status: number;
  rpcCode: number;
}

export const ERROR_CATALOGUE = {
  ERR_BAD_JSON: { status: 400, rpcCode: RPC_PARSE_ERROR },
  ERR_NOT_JSONRPC: { status: 400, rpcCode: RPC_INVALID_REQUEST },
  ERR_BATCH_NOT_ALLOWED: { status: 400, rpcCode: RPC_INVALID_REQUEST },
  ERR_MODERN_PROBE: { status: 400, rpcCode: RPC_INVALID_REQUEST },
  ERR_SESSION_REQUIRED: { status: 400, rpcCode: RPC_TRANSPORT_ERROR },
  ERR_PROTOCOL_VERSION: { status: 400, rpcCode: RPC_TRANSPORT_ERROR },
  ERR_HOST_REJECTED: { status: 403, rpcCode: RPC_TRANSPORT_ERROR },
  ERR_ORIGIN_REJECTED: { status: 403, rpcCode: RPC_TRANSPORT_ERROR },
  ERR_JSON_TOO_DEEP: { status: 400, rpcCode: RPC_PARSE_ERROR },
  ERR_BAD_PATH: { status: 400, rpcCode: RPC_TRANSPORT_ERROR },
  ERR_AUTH_REQUIRED: { status: 401, rpcCode: RPC_TRANSPORT_ERROR },
  ERR_AUTH_INVALID: { status: 401, rpcCode: RPC_TRANSPORT_ERROR },
  ERR_AUTH_MALFORMED: { status: 400, rpcCode: RPC_TRANSPORT_ERROR },
  ERR_AUTH_SCOPE: { status: 403, rpcCode: RPC_TRANSPORT_ERROR },
  ERR_PRINCIPAL_MISMATCH: { status: 403, rpcCode: RPC_TRANSPORT_ERROR },
  // In-band only (the answer to one tools/call): -32602 is what MCP servers answer for an unknown tool.
  ERR_TOOL_NOT_ALLOWED: { status: 200, rpcCode: RPC_INVALID_PARAMS },
  ERR_SESSION_NOT_FOUND: { status: 404, rpcCode: RPC_SESSION_NOT_FOUND },
  ERR_ROUTE_NOT_FOUND: { status: 404, rpcCode: RPC_TRANSPORT_ERROR },
  ERR_METHOD_NOT_ALLOWED: { status: 405, rpcCode: RPC_TRANSPORT_ERROR },
  ERR_NOT_ACCEPTABLE: { status: 406, rpcCode: RPC_TRANSPORT_ERROR },
  ERR_REQUEST_TIMEOUT: { status: 408, rpcCode: RPC_TRANSPORT_ERROR },
  ERR_BODY_TOO_LARGE: { status: 413, rpcCode: RPC_TRANSPORT_ERROR },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, rpcCode: RPC_TRANSPORT_ERROR },
  ERR_BACKEND_UNAVAILABLE: { status: 502, rpcCode: RPC_INTERNAL_ERROR },
  ERR_BACKEND_AUTH: { status: 502, rpcCode: RPC_INTERNAL_ERROR },
  ERR_BACKEND_REJECTED: { status: 502, rpcCode: RPC_INTERNAL_ERROR },
  // The backend URL names nothing (404/410 where no backend session was involved): a config error.
  ERR_BACKEND_NOT_FOUND: { status: 502, rpcCode: RPC_INTERNAL_ERROR },
  ERR_BACKEND_PROTOCOL: { status: 502, rpcCode: RPC_INTERNAL_ERROR },
  ERR_BACKEND_DISCONNECTED: { status: 502, rpcCode: RPC_INTERNAL_ERROR },
  ERR_BACKEND_SESSION_LOST: { status: 502, rpcCode: RPC_INTERNAL_ERROR },
  ERR_BACKEND_MESSAGE_TOO_LARGE: { status: 502, rpcCode: RPC_INTERNAL_ERROR },
  ERR_BACKEND_TIMEOUT: { status: 504, rpcCode: RPC_INTERNAL_ERROR },
  ERR_SESSION_CLOSED: { status: 404, rpcCode: RPC_INTERNAL_ERROR },
  ERR_SHUTTING_DOWN: { status: 503, rpcCode: RPC_INTERNAL_ERROR },
  ERR_TOO_MANY_SESSIONS: { status: 503, rpcCode: RPC_TRANSPORT_ERROR },
  ERR_OVERLOADED: { status: 503, rpcCode: RPC_TRANSPORT_ERROR },
  ERR_STORE_UNAVAILABLE: { status: 503, rpcCode: RPC_INTERNAL_ERROR },
  ERR_AUTH_UNAVAILABLE: { status: 503, rpcCode: RPC_INTERNAL_ERROR },
  ERR_INTERNAL: { status: 500, rpcCode: RPC_INTERNAL_ERROR },
  // The 2026-07-28 face (MCP 2026-07-28, Basic, Error Codes; Streamable HTTP, Server Validation).
  ERR_HEADER_MISMATCH: { status: 400, rpcCode: RPC_HEADER_MISMATCH },
  // 400 wherever it arises, even inside a tool call (the SDK's in-band exception, kept for client parity).
  ERR_MISSING_CLIENT_CAPABILITY: { status: 400, rpcCode: RPC_MISSING_CLIENT_CAPABILITY },
  // error.data carries { supported, requested } (MCP 2026-07-28, Versioning, Protocol Version Negotiation).
  ERR_UNSUPPORTED_PROTOCOL_VERSION: { status: 400, rpcCode: RPC_UNSUPPORTED_PROTOCOL_VERSION },
  ERR_META_INVALID: { status: 400, rpcCode: RPC_INVALID_PARAMS },
  // 404 with a JSON-RPC body: the body is what tells a modern client it is not a legacy 404.
  ERR_METHOD_NOT_FOUND: { status: 404, rpcCode: RPC_METHOD_NOT_FOUND },
  // Multi round-trip requests (MCP 2026-07-28, Multi Round-Trip Requests): in-band answers to one request.
  ERR_REQUEST_STATE_INVALID: { status: 200, rpcCode: RPC_INVALID_PARAMS },
  ERR_INPUT_RESPONSES_INVALID: { status: 200, rpcCode: RPC_INVALID_PARAMS },
  ERR_INPUT_CAPACITY: { status: 200, rpcCode: RPC_INTERNAL_ERROR },
  // Sent to the backend's held server→client requests when the client never came back.
  ERR_INPUT_TIMEOUT: { status: 200, rpcCode: RPC_INTERNAL_ERROR },
  ERR_SUBSCRIPTION_LIMIT: { status: 200, rpcCode: RPC_INTERNAL_ERROR },
  // A handshake-era client answered an input request of a 2026-07-28 backend with an error: the
  // original request fails in-band (an error cannot travel in inputResponses).
  ERR_INPUT_REFUSED: { status: 200, rpcCode: RPC_INTERNAL_ERROR },
} as const satisfies Record<string, WireMapping>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/**
 * The JSON-RPC code of an error on the 2026-07-28 face. That revision reserves -32000…-32019 for
 * legacy use ("new implementations SHOULD NOT use codes from this sub-range", MCP 2026-07-28, Basic,
 * Error Codes), so our transport refusals (-32000, -32001) become -32600 there; the rest keep theirs.
 */
export function modernRpcCode(code: ErrorCode): number {
  const rpc: number = ERROR_CATALOGUE[code].rpcCode;
  return rpc === RPC_TRANSPORT_ERROR || rpc === RPC_SESSION_NOT_FOUND ? RPC_INVALID_REQUEST : rpc;
}
