// W3C Trace Context (Recommendation, 2021-11-23): reading and writing `traceparent` and `tracestate`.
// Both come from clients, so both are validated before anything uses or forwards them: a value that
// breaks the grammar is dropped (never an error for the request). Pure.

/** A parsed `traceparent`: ids in lowercase hex, the flags as a number. */
export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
  readonly flags: number;
}

/** `00-` + 32 + `-` + 16 + `-` + 2. */
const VERSION_00_LENGTH = 55;

/** Lowercase hex digits only (HEXDIGLC), and not all zeros when `nonZero`. A loop: no regex, no slice. */
function lowerHex(s: string, from: number, to: number, nonZero: boolean): boolean {
  let zero = nonZero;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
    if (c !== 48) zero = false;
  }
  return !zero;
}

/**
 * The `traceparent` in `value`, or undefined when it is not one (traceparent §Versioning of traceparent:
 * version `ff` and all-zero ids are invalid; version 00 is exactly 55 characters; a later version may
 * append `-`-separated fields, which a version-00 reader ignores).
 */
export function parseTraceparent(value: unknown): TraceParent | undefined {
  if (typeof value !== 'string' || value.length < VERSION_00_LENGTH) return undefined;
  if (!lowerHex(value, 0, 2, false) || value.startsWith('ff')) return undefined;
  const v00 = value.startsWith('00');
  if (v00 ? value.length !== VERSION_00_LENGTH : value.length > VERSION_00_LENGTH && value[VERSION_00_LENGTH] !== '-') return undefined;
  if (value[2] !== '-' || value[35] !== '-' || value[52] !== '-') return undefined;
  if (!lowerHex(value, 3, 35, true) || !lowerHex(value, 36, 52, true) || !lowerHex(value, 53, 55, false)) return undefined;
  return { traceId: value.slice(3, 35), spanId: value.slice(36, 52), flags: parseInt(value.slice(53, 55), 16) };
}

/** A version-00 `traceparent` (only the sampled bit of the flags is defined in version 00). */
export function formatTraceparent(traceId: string, spanId: string, flags: number): string {
  return `00-${traceId}-${spanId}-0${flags & 1}`;
}

/** tracestate §list: at most 32 members; a longer list MUST be discarded whole. */
const MAX_MEMBERS = 32;
/** tracestate §Limits: 512 characters is what every vendor must propagate; more is dropped here. */
const MAX_TRACESTATE_CHARS = 512;
const SIMPLE_KEY = '[a-z][a-z0-9_\\-*/]{0,255}';
const MULTI_TENANT_KEY = '[a-z0-9][a-z0-9_\\-*/]{0,240}@[a-z][a-z0-9_\\-*/]{0,13}';
/** Printable ASCII except `,` and `=`, spaces allowed inside but not at the end. */
const VALUE = '[\\x20-\\x2b\\x2d-\\x3c\\x3e-\\x7e]{0,255}[\\x21-\\x2b\\x2d-\\x3c\\x3e-\\x7e]';
const MEMBER = new RegExp(`^(${SIMPLE_KEY}|${MULTI_TENANT_KEY})=(${VALUE})$`);

/** `value` when it is a valid `tracestate` (keys unique, at most 32 members, 512 characters), else undefined. */
export function validTracestate(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_TRACESTATE_CHARS) return undefined;
  const keys = new Set<string>();
  for (const raw of value.split(',')) {
    const member = raw.trim();
    if (member === '') continue; // empty list members are allowed (tracestate §list)
    const m = MEMBER.exec(member);
    if (!m || keys.has(m[1]!)) return undefined;
    keys.add(m[1]!);
    if (keys.size > MAX_MEMBERS) return undefined;
  }
  return keys.size > 0 ? value : undefined;
}
