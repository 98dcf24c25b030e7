// The MRTR translation of one route: the held calls, the requestState codec, and the bounds
// (config `mrtr.*`). A held call that reaches its deadline (the client never came back) costs the
// backend an error for each input it asked and a cancellation of the call.
import { randomBytes } from 'node:crypto';
import { HeldCalls, systemClock, type HeldCallLimits } from '../../mrtr/held-calls.js';
import { createRequestStateCodec, type RequestStateCodec } from '../../mrtr/request-state.js';
import type { Rounds } from './rounds.js';

export interface MrtrSettings extends HeldCallLimits {
  /** mrtr.stateSecret: the HMAC key every replica shares; a random key per process when unset. */
  stateSecret: string | undefined;
}

export class Mrtr {
  readonly held: HeldCalls<Rounds>;
  readonly codec: RequestStateCodec;
  /** Names this process in the states it mints (another replica's state is a restart here). */
  readonly replicaId = randomBytes(8).toString('base64url');

  constructor(readonly settings: MrtrSettings) {
    const key = settings.stateSecret === undefined ? randomBytes(32) : Buffer.from(settings.stateSecret, 'utf8');
    this.codec = createRequestStateCodec({ key, replicaId: this.replicaId, shared: settings.stateSecret !== undefined });
    this.held = new HeldCalls<Rounds>({ limits: settings, clock: systemClock, onExpire: (call) => call.value.expired() });
  }

  /** Drain and shutdown: every held call's backend gets its errors and cancellation now. */
  dispose(): void {
    this.held.expireAll();
  }
}
