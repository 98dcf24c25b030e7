// Keys of the input requests in an InputRequiredResult (MCP 2026-07-28, basic/patterns/mrtr: keys are
// server-assigned and unique within the request). A 2024 server has no wire slot to name them, so the
// proxy honours a hint in the request's `_meta` — `dev.mcp-frontdoor/inputKey`, a proxy convention; its
// prefix is not reserved (only a second label `modelcontextprotocol` or `mcp` is, basic/index §_meta) —
// and otherwise counts per kind and per call: a restarted call that asks in the same order gets the
// same keys, so answers a client already gave still match.
import { isJsonObject } from '../jsonrpc/json-object.js';

export const INPUT_KEY_HINT = 'dev.mcp-frontdoor/inputKey';

export type InputKind = 'elicitation' | 'sampling' | 'roots';

const KIND_OF_METHOD: Readonly<Record<string, InputKind>> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
};

/** A hint is used only when it is a plain identifier; anything else falls back to the counted key. */
const HINT_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export function inputKindOf(method: string): InputKind | undefined {
  return Object.hasOwn(KIND_OF_METHOD, method) ? KIND_OF_METHOD[method] : undefined;
}

/** How many keys of each kind a call has issued so far (carried from round to round). */
export type KeyCounts = Readonly<Record<InputKind, number>>;
export const NO_KEYS: KeyCounts = { elicitation: 0, sampling: 0, roots: 0 };

export interface InputAsk {
  method: string;
  params?: unknown;
}

export interface KeyedInput {
  key: string;
  kind: InputKind;
  method: string;
  /** The params the client sees: the hint removed, and a 2025-11-25 `elicitationId` too (MRTR has none). */
  params: Record<string, unknown>;
  /** Kept by the proxy for the backend (URL-mode elicitation of 2025-11-25). */
  elicitationId?: string;
  hinted: boolean;
}

/**
 * Keys for one round's input requests, in order. `asks` must all be input methods (see inputKindOf).
 * A hint is used when it is unique among this round's hints; counted keys skip any key already taken.
 */
export function assignInputKeys(asks: readonly InputAsk[], counts: KeyCounts): { inputs: KeyedInput[]; counts: KeyCounts } {
  const hints = asks.map((a) => hintOf(a.params));
  const hintUses = new Map<string, number>();
  for (const h of hints) if (h !== undefined) hintUses.set(h, (hintUses.get(h) ?? 0) + 1);
  const taken = new Set<string>();
  hints.forEach((h) => {
    if (h !== undefined && hintUses.get(h) === 1) taken.add(h);
  });

  const next: Record<InputKind, number> = { ...counts };
  const inputs = asks.map((ask, i): KeyedInput => {
    const kind = inputKindOf(ask.method);
    if (kind === undefined) throw new TypeError(`not an input request method: ${ask.method}`);
    const hint = hints[i];
    let key: string;
    let hinted = false;
    if (hint !== undefined && hintUses.get(hint) === 1) {
      key = hint;
      hinted = true;
    } else {
      do key = `${kind}_${++next[kind]}`;
      while (taken.has(key));
      taken.add(key);
    }
    const { params, elicitationId } = clientParams(ask.params);
    return elicitationId === undefined ? { key, kind, method: ask.method, params, hinted } : { key, kind, method: ask.method, params, elicitationId, hinted };
  });
  return { inputs, counts: next };
}

function hintOf(params: unknown): string | undefined {
  const meta = isJsonObject(params) ? params._meta : undefined;
  const hint = isJsonObject(meta) ? meta[INPUT_KEY_HINT] : undefined;
  // "__proto__" matches the pattern but would set a prototype if used as a plain object key.
  return typeof hint === 'string' && HINT_PATTERN.test(hint) && hint !== '__proto__' ? hint : undefined;
}

function clientParams(params: unknown): { params: Record<string, unknown>; elicitationId?: string } {
  if (!isJsonObject(params)) return { params: {} };
  const { _meta, elicitationId, ...rest } = params;
  const out: Record<string, unknown> = { ...rest };
  if (isJsonObject(_meta)) {
    const meta: Record<string, unknown> = { ..._meta };
    delete meta[INPUT_KEY_HINT];
    if (Object.keys(meta).length > 0) out._meta = meta;
  } else if (_meta !== undefined) {
    out._meta = _meta;
  }
  return typeof elicitationId === 'string' ? { params: out, elicitationId } : { params: out };
}
