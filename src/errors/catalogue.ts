// One table maps every local error code to what the client sees on the wire (docs/architecture.md, Errors).
// Match errors by `code`, never by class.
import {
  RPC_INTERNAL_ERROR,
  RPC_INVALID_PARAMS,
  RPC_INVALID_REQUEST,
  RPC_PARSE_ERROR,
  RPC_SESSION_NOT_FOUND,
  RPC_TRANSPORT_ERROR,
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
} as const satisfies Record<string, WireMapping>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
