// The standard headers of a 2026-07-28 request: MCP-Protocol-Version, Mcp-Method and Mcp-Name must be
// present and agree with the body. Pure.
// MCP 2026-07-28, Streamable HTTP, Request Metadata and Server Validation: missing, mismatched or
// undecodable → HTTP 400 with -32020. Names are case-insensitive (Node lowercases them); values are
// case-sensitive; optional whitespace around a value is not part of it.
import { decodeHeaderValue, stripOws } from './header-value.js';
import { refusal, type Refusal } from './refusal.js';

/** Request headers as node:http gives them (lowercase names). */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

export const H_PROTOCOL_VERSION = 'mcp-protocol-version';
export const H_METHOD = 'mcp-method';
export const H_NAME = 'mcp-name';

/** The methods whose Mcp-Name mirrors a body field, and that field. */
const NAME_FIELD: Readonly<Record<string, 'name' | 'uri'>> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

export function headerValue(headers: RequestHeaders, lowerName: string): string | undefined {
  const v = headers[lowerName];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The MCP-Protocol-Version header without its optional whitespace, if present. */
export function protocolVersionHeader(headers: RequestHeaders): string | undefined {
  const v = headerValue(headers, H_PROTOCOL_VERSION);
  return v === undefined ? undefined : stripOws(v);
}

export function headerRefusal(header: string, problem: string, message: string): Refusal {
  return refusal('ERR_HEADER_MISMATCH', `header_${problem}`, `Bad Request: ${message}`, { header: { name: header, problem } });
}

/** The body value Mcp-Name must carry for this request, if the method has one and the body names it. */
export function expectedName(method: string, params: Record<string, unknown> | undefined): string | undefined {
  const field = NAME_FIELD[method];
  if (field === undefined) return undefined;
  const v = params?.[field];
  return typeof v === 'string' ? v : undefined;
}

/** The Mcp-Name a client sends for this request (sentinel-encoded by the caller when needed). */
export function nameFieldOf(method: string): 'name' | 'uri' | undefined {
  return NAME_FIELD[method];
}

/**
 * Checks the three standard headers of a modern request against its body. The version header is
 * compared with the claim earlier (era classification); here only its presence matters.
 */
export function checkStandardHeaders(headers: RequestHeaders, method: string, params: Record<string, unknown> | undefined): Refusal | undefined {
  if (protocolVersionHeader(headers) === undefined) {
    return headerRefusal('MCP-Protocol-Version', 'missing', 'the MCP-Protocol-Version header is required on every request');
  }
  const rawMethod = headerValue(headers, H_METHOD);
  if (rawMethod === undefined) return headerRefusal('Mcp-Method', 'missing', 'the Mcp-Method header is required on every request');
  const m = stripOws(rawMethod);
  if (m !== method)
    return headerRefusal('Mcp-Method', 'mismatch', `the Mcp-Method header ${JSON.stringify(m)} does not match the method ${JSON.stringify(method)}`);
  const field = NAME_FIELD[method];
  if (field === undefined) return undefined;
  const expected = expectedName(method, params);
  const rawName = headerValue(headers, H_NAME);
  if (rawName === undefined) {
    return expected === undefined ? undefined : headerRefusal('Mcp-Name', 'missing', `the Mcp-Name header is required for ${method} (params.${field})`);
  }
  const decoded = decodeHeaderValue(rawName);
  if (!decoded.ok) return headerRefusal('Mcp-Name', decoded.problem, `the Mcp-Name header is not a valid value (${decoded.problem.replace('_', ' ')})`);
  // A body without the value is a params problem for the handler, not a header one (as the SDK v2 server).
  if (expected !== undefined && decoded.value !== expected) return headerRefusal('Mcp-Name', 'mismatch', `the Mcp-Name header does not match params.${field}`);
  return undefined;
}
