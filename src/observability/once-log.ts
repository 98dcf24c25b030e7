// "Log this once per client and reason" without unbounded memory: the keys seen are remembered in a
// set bounded in entries, each key cut to a bounded length (user agents are the client's to choose).
// When the set is full it starts over: a repair may then be logged once more, never forgotten to
// count (metrics count every occurrence).

const MAX_KEYS = 10_000;
const MAX_KEY_CHARS = 256;

export class OnceLog {
  private readonly seen = new Set<string>();

  constructor(
    private readonly maxKeys = MAX_KEYS,
    private readonly maxKeyChars = MAX_KEY_CHARS,
  ) {}

  /** True the first time `key` is seen (since the set last started over). */
  first(key: string): boolean {
    const k = key.length > this.maxKeyChars ? key.slice(0, this.maxKeyChars) : key;
    if (this.seen.has(k)) return false;
    if (this.seen.size >= this.maxKeys) this.seen.clear();
    this.seen.add(k);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
