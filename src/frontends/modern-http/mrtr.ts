// The MRTR translation of one route: the held calls, the requestState codec, and the bounds
// (config `mrtr.*`). A held call that reaches its deadline (the client never came back) costs the
// backend an error for each input it asked and a cancellation of the call.
import { randomBytes } from 'node:crypto';
import { HeldCalls, systemClock, type HeldCallLimits } from '../../mrtr/held-calls.js';
import { createRequestStateCodec, type RequestStateCodec } from '../../mrtr/request-state.js';
import type { Rounds } from './rounds.js';

/**
 * The process's requestState key, for every route: a state minted on one route fails the seat check
 * on another (never mistaken for another replica's), and a hot reload keeps the states it minted valid.
 */
export interface StateKey {
  key: Uint8Array;
  /** Names this process in the states it mints (another replica's state is a restart here). */
  replicaId: string;
  /** True when the key is mrtr.stateSecret, the same on every replica. */
  shared: boolean;
}

/** mrtr.stateSecret, else a random key for this process. */
export function processStateKey(stateSecret: string | undefined): StateKey {
  const key = stateSecret === undefined ? randomBytes(32) : Buffer.from(stateSecret, 'utf8');
  return { key, replicaId: randomBytes(8).toString('base64url'), shared: stateSecret !== undefined };
}

export class Mrtr {
  readonly held: HeldCalls<Rounds>;
  readonly codec: RequestStateCodec;
  readonly replicaId: string;

  constructor(
    readonly settings: HeldCallLimits,
    stateKey: StateKey,
  ) {
    this.replicaId = stateKey.replicaId;
    this.codec = createRequestStateCodec(stateKey);
    this.held = new HeldCalls<Rounds>({ limits: settings, clock: systemClock, onExpire: (call) => call.value.expired() });
  }

  /** Drain and shutdown: every held call's backend gets its errors and cancellation now. */
  dispose(): void {
    this.held.expireAll();
  }
}
