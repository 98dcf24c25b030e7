// The edge's repairs, counted every time (frontdoor_repairs_total) and logged once per client and
// reason (bounded: a flood of user agents cannot grow the memory of what was logged).
import type { Logger } from 'pino';
import type { EdgeContext } from '../http/edge-passes.js';
import type { Metrics } from '../observability/metrics.js';
import { OnceLog } from '../observability/once-log.js';
import { sessionIdOf } from '../http/session-id.js';
import type { RouteRuntime } from '../route-contract.js';

export interface RepairLog {
  oauthProbe(path: string): void;
  pathRepair(route: RouteRuntime, reason: string, ctx: EdgeContext<RouteRuntime>): void;
}

export function createRepairLog(metrics: Metrics, log: Logger): RepairLog {
  const seen = new OnceLog();
  return {
    oauthProbe(path) {
      metrics.inc('frontdoor_repairs_total', { route: '', reason: 'oauth_probe_answered' });
      if (seen.first(`oauth ${path}`))
        log.info({ reason: 'oauth_probe_answered', path }, 'repair: answered an OAuth discovery probe with a JSON 404 (no authorization needed)');
    },
    pathRepair(route, reason, ctx) {
      metrics.inc('frontdoor_repairs_total', { route: route.prefix, reason });
      // Once per client (session id, else user agent) and reason.
      const who = sessionIdOf(ctx.req) ?? String(ctx.req.headers['user-agent'] ?? 'unknown');
      if (seen.first(`${route.prefix} ${reason} ${who}`)) {
        log.info(
          { route: route.prefix, reason, path: ctx.path.slice(0, 200), method: ctx.req.method, userAgent: ctx.req.headers['user-agent']?.slice(0, 200) },
          `repair: ${reason}`,
        );
      }
    },
  };
}
