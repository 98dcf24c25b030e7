// The routes of the running config, and hot reload: added routes start (their backend launched
// first: a launch that fails swaps nothing), removed and changed routes drain (they serve the sessions
// they have and take no new ones, then release their backend), untouched routes are the same objects.
import type { Logger } from 'pino';
import type { Config, RouteConfig } from '../config/schema.js';
import { diffRoutes } from '../config/diff-routes.js';
import type { RouteRuntime } from '../route-contract.js';

export type ReloadDiff = { added: string[]; removed: string[]; changed: string[]; unchanged: string[] };

export class RouteTable {
  private routes: RouteRuntime[];
  private readonly draining = new Set<RouteRuntime>();
  private current: Config;

  constructor(
    config: Config,
    private readonly build: (route: RouteConfig) => RouteRuntime,
    private readonly log: Logger,
  ) {
    this.current = config;
    this.routes = config.routes.map(build);
  }

  /** The routes new sessions use. */
  get live(): readonly RouteRuntime[] {
    return this.routes;
  }

  /** Removed routes that still serve sessions. */
  drainingWithSessions(): RouteRuntime[] {
    return [...this.draining].filter((d) => d.sessionCount() > 0);
  }

  all(): RouteRuntime[] {
    return [...this.routes, ...this.draining];
  }

  async reload(next: Config): Promise<ReloadDiff> {
    const diff = diffRoutes(this.current.routes, next.routes);
    const restartOnly = (['listen', 'limits', 'sessions', 'log', 'store', 'cluster', 'observability'] as const).filter(
      (k) => JSON.stringify(this.current[k]) !== JSON.stringify(next[k]),
    );
    if (restartOnly.length > 0) {
      this.log.warn(
        { reason: 'reload_needs_restart', sections: restartOnly },
        `config sections ${restartOnly.join(', ')} changed: they take effect at the next restart`,
      );
    }
    const fresh = new Map<string, RouteRuntime>();
    try {
      for (const r of next.routes) {
        if (!diff.added.includes(r.path) && !diff.changed.includes(r.path)) continue;
        const runtime = this.build(r);
        fresh.set(r.path, runtime);
        await runtime.launch();
      }
    } catch (e) {
      // A new backend that cannot start: nothing is swapped, the running config stays.
      await Promise.allSettled([...fresh.values()].map((r) => r.dispose()));
      throw e;
    }
    const byPath = new Map(this.routes.map((r) => [r.prefix, r]));
    for (const p of [...diff.removed, ...diff.changed]) {
      const old = byPath.get(p);
      if (!old) continue;
      this.draining.add(old);
      old.drain();
    }
    this.routes = next.routes.map((r) => fresh.get(r.path) ?? byPath.get(r.path)!);
    this.current = { ...this.current, routes: next.routes };
    for (const d of this.draining) if (d.sessionCount() === 0) this.draining.delete(d);
    this.log.info({ reason: 'config_reloaded', ...diff }, 'config reloaded');
    return diff;
  }
}
