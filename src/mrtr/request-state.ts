// The `requestState` of an InputRequiredResult minted by the proxy (MCP 2026-07-28, basic/patterns/mrtr:
// requestState is attacker-controlled; when it influences logic it MUST be integrity-protected and
// rejected on failure, and SHOULD bind the principal, a short expiry and the originating request).
//
// Format: "fd1." b64url(payload JSON) "." b64url(HMAC-SHA256(key, "fd1." b64url(payload))).
// Signed, not encrypted: the payload holds ids and hashes only, no secrets. Pure apart from node:crypto;
// the key and the clock are the caller's.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'fd1.';
/** Longer states are refused before any parsing or hashing (a state we mint is well under 1 KiB). */
export const MAX_REQUEST_STATE_LENGTH = 4096;
/** HMAC-SHA256 keys shorter than the hash output weaken it (RFC 2104 §3). */
export const MIN_STATE_KEY_BYTES = 32;
const B64URL = /^[A-Za-z0-9_-]+$/;

/** What a state binds. `seat` and `principal` are hashes (see `stateHash`), never raw identities. */
export interface RequestStateClaims {
  heldId: string;
  replicaId: string;
  round: number;
  method: string;
  paramsDigest: string;
  seat: string;
  principal: string;
  keys: readonly string[];
  expiresAt: number;
}

/** What the retry must match. `currentRound` looks up the held call; undefined means it is gone. */
export interface RequestStateExpectation {
  method: string;
  paramsDigest: string;
  seat: string;
  principal: string;
  currentRound: (heldId: string) => number | undefined;
}

export type RequestStateRefusal =
  'invalid_request_state' | 'expired' | 'method_mismatch' | 'params_mismatch' | 'principal_mismatch' | 'seat_mismatch' | 'stale_round';

export type RequestStateVerdict =
  /** Verified here; `held: false` when the held call is gone (expired, evicted): restart the request. */
  | { ok: true; where: 'here'; held: boolean; claims: RequestStateClaims }
  /** Verified with the shared secret, minted by another replica: forward there, or restart with the answers. */
  | { ok: true; where: 'other_replica'; claims: RequestStateClaims }
  /** MAC not verifiable here (per-process key) and the payload names another replica: forward or start afresh. */
  | { ok: false; reason: 'other_replica_unverified'; replicaId: string }
  | { ok: false; reason: RequestStateRefusal };

export interface RequestStateCodecOptions {
  key: Uint8Array;
  replicaId: string;
  /** True when every replica holds the same key (`mrtr.stateSecret`): a failed MAC is then final. */
  shared: boolean;
}

export interface RequestStateCodec {
  mint(claims: RequestStateClaims): string;
  verify(state: unknown, expected: RequestStateExpectation, now: number): RequestStateVerdict;
}

/** SHA-256 of a text, first 16 bytes, base64url: how seat keys and principal ids enter a state. */
export function stateHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest().subarray(0, 16).toString('base64url');
}

export function createRequestStateCodec(options: RequestStateCodecOptions): RequestStateCodec {
  if (options.key.byteLength < MIN_STATE_KEY_BYTES) {
    throw new RangeError(`the requestState key must be at least ${MIN_STATE_KEY_BYTES} bytes`);
  }
  const key = Buffer.from(options.key);
  const mac = (signed: string) => createHmac('sha256', key).update(signed, 'ascii').digest('base64url');

  return {
    mint(claims) {
      const signed = PREFIX + Buffer.from(JSON.stringify(toWire(claims)), 'utf8').toString('base64url');
      return `${signed}.${mac(signed)}`;
    },
    verify(state, expected, now) {
      const parts = split(state);
      if (!parts) return { ok: false, reason: 'invalid_request_state' };
      const claims = decodePayload(parts.payload);
      if (!claims) return { ok: false, reason: 'invalid_request_state' };
      // Compare the base64url texts, not decoded bytes: base64 decoders ignore the spare low bits of
      // the last character, so two different texts can decode to one MAC (tampering would pass).
      const want = Buffer.from(mac(parts.signed), 'ascii');
      const got = Buffer.from(parts.mac, 'ascii');
      if (want.length !== got.length || !timingSafeEqual(want, got)) {
        // An unverified replica id is only a routing hint: the replica it names verifies the MAC itself.
        if (!options.shared && claims.replicaId !== options.replicaId) {
          return { ok: false, reason: 'other_replica_unverified', replicaId: claims.replicaId };
        }
        return { ok: false, reason: 'invalid_request_state' };
      }
      if (now >= claims.expiresAt) return { ok: false, reason: 'expired' };
      if (claims.method !== expected.method) return { ok: false, reason: 'method_mismatch' };
      if (claims.paramsDigest !== expected.paramsDigest) return { ok: false, reason: 'params_mismatch' };
      if (claims.principal !== expected.principal) return { ok: false, reason: 'principal_mismatch' };
      if (claims.seat !== expected.seat) return { ok: false, reason: 'seat_mismatch' };
      if (claims.replicaId !== options.replicaId) return { ok: true, where: 'other_replica', claims };
      const round = expected.currentRound(claims.heldId);
      if (round === undefined) return { ok: true, where: 'here', held: false, claims };
      if (round !== claims.round) return { ok: false, reason: 'stale_round' };
      return { ok: true, where: 'here', held: true, claims };
    },
  };
}

interface WirePayload {
  h: string;
  r: string;
  n: number;
  m: string;
  d: string;
  s: string;
  p: string;
  k: string[];
  e: number;
}

function toWire(c: RequestStateClaims): WirePayload {
  return {
    h: c.heldId,
    r: c.replicaId,
    n: c.round,
    m: c.method,
    d: c.paramsDigest,
    s: c.seat,
    p: c.principal,
    k: [...c.keys],
    e: c.expiresAt,
  };
}

function split(state: unknown): { signed: string; payload: string; mac: string } | undefined {
  if (typeof state !== 'string' || state.length > MAX_REQUEST_STATE_LENGTH || !state.startsWith(PREFIX)) {
    return undefined;
  }
  const rest = state.slice(PREFIX.length);
  const dot = rest.indexOf('.');
  if (dot <= 0) return undefined;
  const payload = rest.slice(0, dot);
  const mac = rest.slice(dot + 1);
  if (!B64URL.test(payload) || !B64URL.test(mac)) return undefined;
  return { signed: PREFIX + payload, payload, mac };
}

function decodePayload(payload: string): RequestStateClaims | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const w = raw as Partial<WirePayload>;
  const strings = [w.h, w.r, w.m, w.d, w.s, w.p];
  if (!strings.every((v) => typeof v === 'string')) return undefined;
  if (!Number.isSafeInteger(w.n) || !Number.isSafeInteger(w.e)) return undefined;
  if (!Array.isArray(w.k) || !w.k.every((k) => typeof k === 'string')) return undefined;
  return {
    heldId: w.h as string,
    replicaId: w.r as string,
    round: w.n as number,
    method: w.m as string,
    paramsDigest: w.d as string,
    seat: w.s as string,
    principal: w.p as string,
    keys: w.k,
    expiresAt: w.e as number,
  };
}
