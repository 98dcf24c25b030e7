// Which era an inbound message belongs to, from its body first and its headers second. Pure.
// MCP 2026-07-28, Versioning, Backward Compatibility with Initialization-Based Versions, and
// Streamable HTTP, Backward Compatibility: a dual-era server selects its behaviour from how the
// client opens (per-request `_meta` → modern; `initialize` → legacy) and may serve both on one endpoint.
import { isRequest, isResponse, type JsonRpcId, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest } from '../jsonrpc/message.js';
import { hasClaim, metaOf, META_PROTOCOL_VERSION, parseEnvelope, type Envelope } from './envelope.js';
import { stripOws } from './header-value.js';
import { refusal, isRefusal, type Refusal } from './refusal.js';
import { H_METHOD, headerRefusal, headerValue, protocolVersionHeader, type RequestHeaders } from './standard-headers.js';
import { isModernVersion } from './versions.js';

export interface InboundPost {
  httpMethod: string;
  headers: RequestHeaders;
  /** The parsed, shape-checked JSON-RPC messages of the body (one unless `batch`). */
  messages: readonly JsonRpcMessage[];
  batch: boolean;
  /** limits.maxCapabilitiesBytes (default MAX_CAPABILITIES_BYTES). */
  maxCapabilitiesBytes?: number;
}

export type EraVerdict =
  | { era: 'legacy' }
  /** `envelope` is the parsed `_meta` of a request (undefined for notifications). */
  | { era: 'modern'; message: JsonRpcRequest | JsonRpcNotification; envelope: Envelope | undefined }
  | { era: 'reject'; refusal: Refusal; id: JsonRpcId | null };

const LEGACY: EraVerdict = Object.freeze({ era: 'legacy' });

function claimOf(m: JsonRpcMessage): boolean {
  return !isResponse(m) && hasClaim((m as JsonRpcRequest).params);
}

function reject(r: Refusal, m: JsonRpcMessage | undefined): EraVerdict {
  return { era: 'reject', refusal: r, id: m !== undefined && isRequest(m) ? m.id : null };
}

export function classifyEra(p: InboundPost): EraVerdict {
  // Modern requests are POST-only; GET and DELETE are the handshake era's streams and sessions.
  if (p.httpMethod !== 'POST') return LEGACY;
  const header = protocolVersionHeader(p.headers);
  const modernHeader = isModernVersion(header);
  if (p.batch) {
    // JSON-RPC batches left the protocol in 2025-06-18; a modern claim or header inside one is refused
    // as a whole (no id to echo), an all-legacy batch keeps the 2025-03-26 rules.
    if (modernHeader || p.messages.some(claimOf)) {
      return reject(refusal('ERR_BATCH_NOT_ALLOWED', 'modern_batch', 'Invalid Request: a 2026-07-28 request MUST NOT be part of a JSON-RPC batch'), undefined);
    }
    return LEGACY;
  }
  const m = p.messages[0];
  if (m === undefined || isResponse(m)) return LEGACY;
  const msg = m as JsonRpcRequest | JsonRpcNotification;
  const claim = hasClaim(msg.params);
  if (msg.method === 'initialize') {
    // An initialize is the handshake unless it carries a valid modern envelope (then it is a modern
    // request for a removed method: 404 -32601 from the ladder).
    const env = claim ? parseEnvelope(msg.params, p.maxCapabilitiesBytes) : undefined;
    if (env !== undefined && !isRefusal(env) && isModernVersion(env.protocolVersion) && (header === undefined || header === env.protocolVersion)) {
      return { era: 'modern', message: msg, envelope: env };
    }
    if (modernHeader)
      return reject(headerRefusal('MCP-Protocol-Version', 'mismatch', `the MCP-Protocol-Version header ${header} does not match an initialize handshake`), msg);
    return LEGACY;
  }
  if (claim) {
    // A claim is validated, never ignored: a malformed envelope behind it is -32602, not a silent
    // fallback to legacy; then a header that contradicts the body is -32020 (Streamable HTTP, Server
    // Validation). The order is the TS SDK v2 server's, so both answer a doubly bad request alike.
    const claimed = metaOf(msg.params)![META_PROTOCOL_VERSION];
    let envelope: Envelope | undefined;
    if (isRequest(msg)) {
      const env = parseEnvelope(msg.params, p.maxCapabilitiesBytes);
      if (isRefusal(env)) return reject(env, msg);
      envelope = env;
    } else if (typeof claimed !== 'string') {
      return reject(refusal('ERR_META_INVALID', 'meta_invalid', `Invalid params: params._meta["${META_PROTOCOL_VERSION}"] must be a string`), msg);
    }
    if (header !== undefined && claimed !== header) {
      const text = `the MCP-Protocol-Version header ${JSON.stringify(header)} does not match params._meta["${META_PROTOCOL_VERSION}"]`;
      return reject(headerRefusal('MCP-Protocol-Version', 'mismatch', text), msg);
    }
    return methodHeaderMismatch(p.headers, msg) ?? { era: 'modern', message: msg, envelope };
  }
  if (modernHeader) {
    // A modern header without the envelope: the request is modern and its envelope is missing (never
    // served as legacy, never upgraded from the header alone). Notifications carry no claim in this
    // revision, so for them the header decides.
    if (!isRequest(msg)) return methodHeaderMismatch(p.headers, msg) ?? { era: 'modern', message: msg, envelope: undefined };
    const env = parseEnvelope(msg.params, p.maxCapabilitiesBytes);
    return isRefusal(env) ? reject(env, msg) : { era: 'modern', message: msg, envelope: env };
  }
  return LEGACY;
}

/** A present Mcp-Method that names another method (its absence is the ladder's standard-header rung). */
function methodHeaderMismatch(headers: RequestHeaders, msg: JsonRpcRequest | JsonRpcNotification): EraVerdict | undefined {
  const raw = headerValue(headers, H_METHOD);
  if (raw === undefined || stripOws(raw) === msg.method) return undefined;
  const text = `the Mcp-Method header ${JSON.stringify(stripOws(raw))} does not match the method ${JSON.stringify(msg.method)}`;
  return reject(headerRefusal('Mcp-Method', 'mismatch', text), msg);
}
