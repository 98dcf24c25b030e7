// An owner that refused a connection has died or left; its sessions may be claimed only once the
// store agrees that it is gone (its registration lapsed or was removed), which takes at most one
// registration lifetime and one heartbeat.
import type { GuardedStore } from '../store/guarded-store.js';

const POLL_MS = 100;

/** True once the replica has no registration; false when it still has one after `withinMs`. */
export async function waitForDeath(store: GuardedStore, replicaId: string, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const alive = await store.getReplica(replicaId);
    if (!alive) return true;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return false;
}
