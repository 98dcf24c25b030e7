// Header checks of the Streamable HTTP face. Pure functions: (headers) → decision or ProxyError.
import { ProxyError } from '../../errors/proxy-error.js';
import { LEGACY_VERSIONS } from '../../era/versions.js';

/** MCP 2025-06-18+, Protocol Version Header: a request without it is taken as 2025-03-26 (SHOULD). */
export const DEFAULT_PROTOCOL_VERSION = '2025-03-26';

export function checkProtocolVersion(header: string | undefined): ProxyError | undefined {
  if (header === undefined) return undefined;
  const v = header.trim();
  if ((LEGACY_VERSIONS as readonly string[]).includes(v)) return undefined;
  return new ProxyError(
    'ERR_PROTOCOL_VERSION',
    'unsupported_protocol_version',
    `Bad Request: unsupported MCP-Protocol-Version ${JSON.stringify(v)}; supported: ${LEGACY_VERSIONS.slice(0, 4).join(', ')}`,
  );
}

export interface AcceptDecision {
  json: boolean;
  sse: boolean;
}

/**
 * Clients MUST list both types (MCP Streamable HTTP, Sending Messages), but Claude Code has shipped
 * builds sending only `application/json` (claude-code#45368), so we accept either and answer in a
 * type the client takes.
 * A missing header counts as `*\/*`.
 */
const BOTH: AcceptDecision = Object.freeze({ json: true, sse: true });

export function negotiateAccept(header: string | undefined): AcceptDecision | ProxyError {
  // Fast path: what the SDK clients send on every request (this runs once per message).
  if (header === undefined || header === 'application/json, text/event-stream' || header.trim() === '') return BOTH;
  const types = header.split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  const any = types.includes('*/*');
  const decision = {
    json: any || types.includes('application/json') || types.includes('application/*'),
    sse: any || types.includes('text/event-stream') || types.includes('text/*'),
  };
  if (decision.json || decision.sse) return decision;
  return new ProxyError('ERR_NOT_ACCEPTABLE', 'not_acceptable', 'Not Acceptable: the Accept header must list application/json and text/event-stream');
}

export function acceptsEventStream(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header.split(',').some((t) => {
    const type = t.split(';')[0]!.trim().toLowerCase();
    return type === 'text/event-stream' || type === '*/*' || type === 'text/*';
  });
}

export function checkJsonContentType(header: string | undefined): ProxyError | undefined {
  if (header === 'application/json') return undefined;
  const type = header?.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return undefined;
  return new ProxyError(
    'ERR_UNSUPPORTED_MEDIA_TYPE',
    'unsupported_media_type',
    `Unsupported Media Type: Content-Type must be application/json, got ${JSON.stringify(header ?? '')}`,
  );
}
