// `--header NAME:VALUE` (repeatable), for `doctor` and for the proxy's `--backend`: the credential a
// server wants (n8n's MCP Server Trigger with header or bearer auth answers 403 without it). Both
// `K:V` and `K: V` are accepted, as curl and `claude mcp add --header` take them. A value is never
// echoed in an error: a mistyped flag may hold a token. Pure.
import { UsageError } from './cli-errors.js';

/** RFC 9110 §5.1: a field name is a token. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Headers the doctor sets itself on its probes: overriding them would change what is probed. */
export const DOCTOR_OWN_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'origin',
  'accept',
  'content-type',
  'content-length',
  'transfer-encoding',
  'connection',
  'mcp-session-id',
  'mcp-protocol-version',
]);

/** Headers the proxy sets itself on what it sends a backend (framing, and the session it holds). */
export const PROXY_OWN_HEADERS: ReadonlySet<string> = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'mcp-session-id']);

/** `own`: the headers the caller sets itself, and `setter` who that is, for the error. */
export function parseHeaderFlags(flags: readonly string[], own: ReadonlySet<string>, setter: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  for (const flag of flags) {
    const colon = flag.indexOf(':');
    const name = colon > 0 ? flag.slice(0, colon).trim() : '';
    if (!TOKEN.test(name)) throw new UsageError("--header expects NAME:VALUE, e.g. --header 'Authorization: Bearer …' (got one without a valid NAME:)");
    const value = flag.slice(colon + 1).trim();
    // CR or LF would let a value add a header of its own; node refuses them too, with a less clear error.
    if (/[\r\n\0]/.test(value)) throw new UsageError(`--header ${name}: the value holds a line break`);
    const lower = name.toLowerCase();
    if (own.has(lower)) throw new UsageError(`--header ${name}: ${setter} sets this header itself`);
    if (seen.has(lower)) throw new UsageError(`--header ${name} is given twice`);
    seen.add(lower);
    headers[name] = value;
  }
  return headers;
}
