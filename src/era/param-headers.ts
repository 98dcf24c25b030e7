// Mcp-Param-{Name} headers: the `x-mcp-header` declarations of a tool's inputSchema, the headers a
// client sends for a call, and the check of those headers against the call's arguments. Pure.
// MCP 2026-07-28, Streamable HTTP, Custom Headers from Tool Parameters.
import { decodeHeaderValue, encodeHeaderValue, stripOws } from './header-value.js';
import { headerRefusal, headerValue, type RequestHeaders } from './standard-headers.js';
import type { Refusal } from './refusal.js';
import { asJsonObject } from '../jsonrpc/json-object.js';

export type ParamType = 'string' | 'integer' | 'boolean';

export interface ParamHeader {
  /** The `{Name}` of `Mcp-Param-{Name}`, as declared. */
  name: string;
  /** The chain of `properties` keys from the schema root to the annotated property. */
  path: readonly string[];
  type: ParamType;
}

export interface ParamScan {
  headers: ParamHeader[];
  /** Why the declarations make the tool definition invalid (for one log line per tool). */
  problems: string[];
  /** False when any declaration breaks a constraint: clients then drop the whole tool (Schema Extension). */
  valid: boolean;
}

/** RFC 9110 §5.6.2 token characters: what may follow `Mcp-Param-` in a header name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PRIMITIVES: ReadonlySet<string> = new Set(['string', 'integer', 'boolean']);
const MAX_DEPTH = 16;
/** A decimal number as a header carries it: integers compare numerically, so `42.0` is `42` (Server Validation). */
const DECIMAL = /^[+-]?[0-9]+(?:\.[0-9]+)?$/;

/**
 * The declarations of one inputSchema (Custom Headers from Tool Parameters, Schema Extension): only
 * properties statically reachable from the root through `properties` keys (an annotation under
 * items, anyOf, $ref… is invalid), only of type string, integer or boolean, with a token name unique
 * case-insensitively. Any violation makes the tool definition invalid; the valid declarations are
 * still returned, a duplicated name never (no header could tell the two apart).
 */
export function scanParamHeaders(inputSchema: unknown): ParamScan {
  const found: ParamHeader[] = [];
  const problems: string[] = [];
  const walk = (node: unknown, path: string[], reachable: boolean, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item, path, false, depth + 1);
      return;
    }
    const schema = asJsonObject(node);
    if (schema === undefined) return;
    const name = schema['x-mcp-header'];
    if (name !== undefined) {
      const where = path.length === 0 ? '(root)' : path.join('.');
      if (!reachable || path.length === 0) problems.push(`${where}: x-mcp-header is only allowed on a property reached through properties keys`);
      else if (typeof name !== 'string' || !TOKEN.test(name)) problems.push(`${where}: x-mcp-header must be a header-name token`);
      else if (typeof schema.type !== 'string' || !PRIMITIVES.has(schema.type)) problems.push(`${where}: x-mcp-header needs type string, integer or boolean`);
      else found.push({ name, path, type: schema.type as ParamType });
    }
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'properties' && asJsonObject(value) !== undefined) {
        for (const [prop, sub] of Object.entries(asJsonObject(value)!)) walk(sub, [...path, prop], reachable, depth + 1);
      } else if (typeof value === 'object' && value !== null) {
        walk(value, path, false, depth + 1);
      }
    }
  };
  walk(inputSchema, [], true, 0);
  const count = new Map<string, number>();
  for (const h of found) count.set(h.name.toLowerCase(), (count.get(h.name.toLowerCase()) ?? 0) + 1);
  const headers = found.filter((h) => {
    if (count.get(h.name.toLowerCase()) === 1) return true;
    problems.push(`${h.path.join('.')}: x-mcp-header ${JSON.stringify(h.name)} is declared more than once`);
    return false;
  });
  return { headers, problems, valid: problems.length === 0 };
}

function valueAt(args: unknown, path: readonly string[]): unknown {
  let v: unknown = args;
  for (const k of path) v = asJsonObject(v)?.[k];
  return v;
}

/** The header text of an argument value: string as is, integer decimal, boolean true/false. */
function repr(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

/** The Mcp-Param-* headers a client sends for these arguments (absent and null values send none). */
export function buildParamHeaders(decls: readonly ParamHeader[], args: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of decls) {
    const text = repr(valueAt(args, d.path));
    if (text !== undefined) out[`Mcp-Param-${d.name}`] = encodeHeaderValue(text);
  }
  return out;
}

function agrees(d: ParamHeader, body: unknown, header: string): boolean {
  // Integers are compared as numbers (Server Validation, note: `42.0` and `42` are equal); the rest as text.
  if (d.type === 'integer' && typeof body === 'number') return DECIMAL.test(header) && Number(header) === body;
  return repr(body) === header;
}

/**
 * Checks a call's Mcp-Param-* headers against its arguments: a value in the body needs its header, a
 * null or absent value forbids it, and the two must agree (Server Validation: 400 -32020).
 * Headers nobody declared are ignored.
 */
export function checkParamHeaders(decls: readonly ParamHeader[], args: unknown, headers: RequestHeaders): Refusal | undefined {
  for (const d of decls) {
    const label = `Mcp-Param-${d.name}`;
    const raw = headerValue(headers, `mcp-param-${d.name.toLowerCase()}`);
    const body = valueAt(args, d.path);
    if (body === undefined || body === null) {
      if (raw !== undefined) return headerRefusal(label, 'unexpected', `the ${label} header is present but the argument ${d.path.join('.')} is not`);
      continue;
    }
    if (raw === undefined) return headerRefusal(label, 'missing', `the ${label} header is required when the argument ${d.path.join('.')} is given`);
    const decoded = decodeHeaderValue(stripOws(raw));
    if (!decoded.ok) return headerRefusal(label, decoded.problem, `the ${label} header is not a valid value (${decoded.problem.replace('_', ' ')})`);
    if (!agrees(d, body, decoded.value)) return headerRefusal(label, 'mismatch', `the ${label} header does not match the argument ${d.path.join('.')}`);
  }
  return undefined;
}
