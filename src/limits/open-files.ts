// The process's open-file limit (`ulimit -n`). Node has no getrlimit; Linux shows the limits of a
// process in /proc/self/limits. Elsewhere the limit is unknown and nothing is derived from it.
import { readFileSync } from 'node:fs';

export function openFileLimit(): number | undefined {
  try {
    const text = readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
    if (!m || m[1] === 'unlimited') return undefined;
    return Number(m[1]);
  } catch {
    return undefined;
  }
}
