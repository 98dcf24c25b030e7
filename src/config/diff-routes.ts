// What a reload changes, route by route (keyed by path). Pure.
import type { RouteConfig } from './schema.js';

export function diffRoutes(before: readonly RouteConfig[], after: readonly RouteConfig[]) {
  const old = new Map(before.map((r) => [r.path, JSON.stringify(r)]));
  const next = new Map(after.map((r) => [r.path, JSON.stringify(r)]));
  const added: string[] = [];
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const [path, json] of next) {
    if (!old.has(path)) added.push(path);
    else if (old.get(path) !== json) changed.push(path);
    else unchanged.push(path);
  }
  const removed = [...old.keys()].filter((p) => !next.has(p));
  return { added, removed, changed, unchanged };
}
