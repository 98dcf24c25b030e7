// A small seeded pseudo-random generator for fuzz tests: the same seed gives the same draws, so a
// failure printed with its seed can be replayed (FUZZ_SEED=<seed>). Pure.

export interface Rng {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks a value by relative weight: [[weight, value], …]. */
  weighted<T>(entries: ReadonlyArray<readonly [number, T]>): T;
  /** `length` characters drawn from `alphabet`. */
  string(length: number, alphabet?: string): string;
}

export const PRINTABLE = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~';

/** mulberry32: 32 bits of state, good enough spread for picking test inputs. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  return {
    seed: seed >>> 0,
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)]!,
    weighted(entries) {
      const total = entries.reduce((sum, [w]) => sum + w, 0);
      let r = next() * total;
      for (const [w, v] of entries) {
        r -= w;
        if (r < 0) return v;
      }
      return entries[entries.length - 1]![1];
    },
    string(length, alphabet = PRINTABLE) {
      let out = '';
      for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
      return out;
    },
  };
}

/** The seed from FUZZ_SEED (decimal or 0x-hex), else a random one. */
export function seedFrom(value: string | undefined): number {
  if (value !== undefined && value.trim() !== '') {
    const n = Number(value.trim());
    if (!Number.isInteger(n)) throw new Error(`FUZZ_SEED must be an integer, got ${JSON.stringify(value)}`);
    return n >>> 0;
  }
  return Math.floor(Math.random() * 4294967296) >>> 0;
}
