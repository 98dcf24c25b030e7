// Validation of the `inputResponses` a client sends when it retries (MCP 2026-07-28,
// basic/patterns/mrtr: servers SHOULD validate InputResponses and answer a protocol error; SHOULD
// ignore unknown keys; missing information SHOULD get a new InputRequiredResult, not an error). Each
// answer is a bare result object whose shape depends on the kind of the request it answers:
// ElicitResult, CreateMessageResult or ListRootsResult (schema.ts of the same revision).
import type { InputKind } from './input-keys.js';
import { isJsonObject } from '../jsonrpc/json-object.js';

export interface InvalidAnswer {
  key: string;
  problem: string;
}

export type InputResponsesCheck =
  /** Not an object at all (null, array, string…): a JSON-RPC error for the whole retry. */
  | { ok: false; reason: 'input_responses_not_object' }
  | {
      ok: true;
      /** Valid answers to pending keys, in the order of `pending`. */
      answered: Map<string, Record<string, unknown>>;
      /** Answers to pending keys that do not have their kind's shape: re-request them. */
      invalid: InvalidAnswer[];
      /** Pending keys without an answer: re-request them. */
      missing: string[];
      /** Keys nobody asked for: ignored. */
      unknown: string[];
    };

/** `value` is `params.inputResponses` as received (undefined when absent); `pending` maps key → kind. */
export function checkInputResponses(value: unknown, pending: ReadonlyMap<string, InputKind>): InputResponsesCheck {
  if (value !== undefined && !isJsonObject(value)) return { ok: false, reason: 'input_responses_not_object' };
  const given = value ?? {};
  const answered = new Map<string, Record<string, unknown>>();
  const invalid: InvalidAnswer[] = [];
  const missing: string[] = [];
  for (const [key, kind] of pending) {
    if (!Object.hasOwn(given, key)) {
      missing.push(key);
      continue;
    }
    const answer = given[key];
    const problem = problemOf(kind, answer);
    if (problem === undefined) answered.set(key, answer as Record<string, unknown>);
    else invalid.push({ key, problem });
  }
  const unknown = Object.keys(given).filter((k) => !pending.has(k));
  return { ok: true, answered, invalid, missing, unknown };
}

/** Why `answer` is not a valid result for a request of `kind`; undefined when it is. */
export function problemOf(kind: InputKind, answer: unknown): string | undefined {
  if (!isJsonObject(answer)) return 'the answer is not an object';
  switch (kind) {
    case 'elicitation':
      return elicitProblem(answer);
    case 'sampling':
      return samplingProblem(answer);
    case 'roots':
      return rootsProblem(answer);
  }
}

const ELICIT_ACTIONS = new Set(['accept', 'decline', 'cancel']);

function elicitProblem(a: Record<string, unknown>): string | undefined {
  if (typeof a.action !== 'string' || !ELICIT_ACTIONS.has(a.action)) {
    return 'action must be accept, decline or cancel';
  }
  if (a.content === undefined) return undefined;
  if (!isJsonObject(a.content)) return 'content must be an object';
  // ElicitResult content values are primitives or string arrays (multi-select).
  for (const v of Object.values(a.content)) {
    const primitive = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    if (!primitive && !(Array.isArray(v) && v.every((s) => typeof s === 'string'))) {
      return 'content values must be strings, numbers, booleans or string arrays';
    }
  }
  return undefined;
}

function samplingProblem(a: Record<string, unknown>): string | undefined {
  if (a.role !== 'user' && a.role !== 'assistant') return 'role must be user or assistant';
  if (typeof a.model !== 'string') return 'model must be a string';
  // A single content block, or (since 2025-11-25, with tool use) an array of blocks.
  const blocks = Array.isArray(a.content) ? a.content : [a.content];
  if (blocks.length === 0 || !blocks.every((b) => isJsonObject(b) && typeof b.type === 'string')) {
    return 'content must be a content block or an array of them, each with a type';
  }
  if (a.stopReason !== undefined && typeof a.stopReason !== 'string') return 'stopReason must be a string';
  return undefined;
}

function rootsProblem(a: Record<string, unknown>): string | undefined {
  if (!Array.isArray(a.roots)) return 'roots must be an array';
  for (const r of a.roots) {
    if (!isJsonObject(r) || typeof r.uri !== 'string') return 'every root must be an object with a uri string';
    if (r.name !== undefined && typeof r.name !== 'string') return 'a root name must be a string';
  }
  return undefined;
}
