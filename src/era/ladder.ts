// The validation ladder of one modern request, after era classification, in the TS SDK v2 server's
// precedence: envelope (-32602) → supported version (-32022) → standard headers (-32020) → method
// registry (404 -32601). Client capabilities (-32021) and Mcp-Param-* (-32020) come later, where the
// input request or the tool's declarations are known. Pure.
import type { JsonRpcRequest } from '../jsonrpc/message.js';
import { parseEnvelope, type Envelope } from './envelope.js';
import { dispositionOf, type Disposition } from './methods.js';
import { isRefusal, refusal, type Refusal } from './refusal.js';
import { checkStandardHeaders, type RequestHeaders } from './standard-headers.js';
import { MODERN_VERSIONS } from './versions.js';

export interface Admitted {
  envelope: Envelope;
  disposition: Exclude<Disposition, 'removed'>;
}

/** MCP 2026-07-28, Versioning, Protocol Version Negotiation: data.supported and data.requested are both required. */
export function unsupportedVersion(requested: string, supported: readonly string[] = MODERN_VERSIONS): Refusal {
  return refusal(
    'ERR_UNSUPPORTED_PROTOCOL_VERSION',
    'unsupported_protocol_version',
    `Unsupported protocol version ${JSON.stringify(requested)}; supported: ${supported.join(', ')}`,
    { supported: [...supported], requested },
  );
}

/** MCP 2026-07-28, Streamable HTTP, Protocol Version Header: unknown and removed methods are 404 -32601. */
export function methodNotFound(method: string): Refusal {
  return refusal('ERR_METHOD_NOT_FOUND', 'method_not_found', `Method not found: ${method}`);
}

/** `parsed` is the envelope classification already read (`EraVerdict.envelope`), to parse it once. */
export function admitModern(
  req: JsonRpcRequest,
  headers: RequestHeaders,
  supported: readonly string[] = MODERN_VERSIONS,
  parsed?: Envelope,
): Admitted | Refusal {
  const envelope = parsed ?? parseEnvelope(req.params);
  if (isRefusal(envelope)) return envelope;
  if (!supported.includes(envelope.protocolVersion)) return unsupportedVersion(envelope.protocolVersion, supported);
  const bad = checkStandardHeaders(headers, req.method, req.params);
  if (bad !== undefined) return bad;
  const disposition = dispositionOf(req.method);
  if (disposition === 'removed') return methodNotFound(req.method);
  return { envelope, disposition };
}
