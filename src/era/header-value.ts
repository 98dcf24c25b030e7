// The value codec of the 2026-07-28 request headers (Mcp-Name, Mcp-Param-*). Pure.
// MCP 2026-07-28, Streamable HTTP, Request Metadata: a value that is not plain visible ASCII, has
// leading or trailing whitespace, or looks like the sentinel itself is sent as `=?base64?…?=`
// (Base64 of its UTF-8, markers lowercase); a value lacking either marker is a literal.

const PREFIX = '=?base64?';
const SUFFIX = '?=';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Visible ASCII with inner spaces or tabs: what a literal may contain (RFC 9110 field-value). */
const LITERAL = /^[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?$/;

export type Decoded = { ok: true; value: string } | { ok: false; problem: 'bad_base64' | 'bad_utf8' | 'invalid_characters' };

/** RFC 9110 §5.5: optional whitespace (SP, HTAB) around a field value is not part of it. */
export function stripOws(raw: string): string {
  let a = 0;
  let b = raw.length;
  while (a < b && (raw[a] === ' ' || raw[a] === '\t')) a++;
  while (b > a && (raw[b - 1] === ' ' || raw[b - 1] === '\t')) b--;
  return a === 0 && b === raw.length ? raw : raw.slice(a, b);
}

function isSentinel(v: string): boolean {
  return v.length >= PREFIX.length + SUFFIX.length && v.startsWith(PREFIX) && v.endsWith(SUFFIX);
}

/** The value a header carries, after OWS and sentinel decoding; invalid Base64 is an error, never a literal. */
export function decodeHeaderValue(raw: string): Decoded {
  const v = stripOws(raw);
  if (!isSentinel(v)) {
    if (v !== '' && !LITERAL.test(v)) return { ok: false, problem: 'invalid_characters' };
    return { ok: true, value: v };
  }
  const b64 = v.slice(PREFIX.length, v.length - SUFFIX.length);
  if (!BASE64.test(b64)) return { ok: false, problem: 'bad_base64' };
  try {
    return { ok: true, value: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(b64, 'base64')) };
  } catch {
    return { ok: false, problem: 'bad_utf8' };
  }
}

/** The header form of a value: literal when it can be, else the Base64 sentinel. */
export function encodeHeaderValue(value: string): string {
  if (value === '' || (LITERAL.test(value) && !isSentinel(value))) return value;
  return `${PREFIX}${Buffer.from(value, 'utf8').toString('base64')}${SUFFIX}`;
}
