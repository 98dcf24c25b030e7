// Cleanups for what a test file starts once (in `before`) and shares between its tests: registered
// like `t.after`, run in reverse order when the file's tests are done.
import { after } from 'node:test';

export function fileScope(): { after(fn: () => unknown): void } {
  const cleanups: Array<() => unknown> = [];
  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });
  return { after: (fn) => cleanups.push(fn) };
}
