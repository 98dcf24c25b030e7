// Whether a backend's refusal of `initialize` shows a server that speaks only the per-request era
// (2026-07-28), so that the connector switches to modern mode instead of failing the handshake. Pure.
// MCP 2026-07-28, Versioning, Backward Compatibility with Initialization-Based Versions: a modern-only
// server SHOULD name the versions it supports in any error it returns to `initialize`; the
// UnsupportedProtocolVersionError (-32022) carries them in `data.supported`.
import { RPC_UNSUPPORTED_PROTOCOL_VERSION } from '../../jsonrpc/message.js';
import { asJsonObject } from '../../jsonrpc/json-object.js';
import { isLegacyVersion, isModernVersion } from '../../era/versions.js';

/**
 * The per-request revisions a refused `initialize` names, when the refusal is modern evidence: an HTTP
 * 400 or 404 (or a 200 carrying the error) whose JSON-RPC error is -32022, or any error whose
 * `data.supported` lists only per-request revisions. Undefined otherwise: a 2025 server's refusal
 * (wrong URL, bad Origin, its own -32602) must stay the error it is, never a switch of era.
 */
export function modernRevisionsOf(status: number, body: string): string[] | undefined {
  if (status !== 200 && status !== 400 && status !== 404) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const error = asJsonObject(asJsonObject(parsed)?.error);
  if (error === undefined) return undefined;
  const supported = asJsonObject(error.data)?.supported;
  const listed = Array.isArray(supported) && supported.length > 0 && supported.every((v) => typeof v === 'string') ? (supported as string[]) : undefined;
  if (listed === undefined) return undefined;
  // A list that names any handshake revision is a 2025 server's version refusal: it wants initialize.
  // One that names no revision we speak is no use either: the handshake error stays what it is.
  if (listed.some(isLegacyVersion) || !listed.some(isModernVersion)) return undefined;
  if (error.code === RPC_UNSUPPORTED_PROTOCOL_VERSION || status !== 200) return listed;
  return undefined;
}
