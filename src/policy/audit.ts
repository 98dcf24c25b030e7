// The audit line of one tools/call (info level, `audit: "tools/call"`): who, which tool, how it
// ended, how long it took; the arguments only with tools.auditArguments. Counted by outcome in
// frontdoor_tool_calls_total (never by tool: names are client input, unbounded).
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import type { AuditEntry } from './tool-calls.js';

export function auditToolCall(log: Logger, metrics: Metrics, route: string, principal: string | undefined, entry: AuditEntry): void {
  metrics.inc('frontdoor_tool_calls_total', { route, outcome: entry.outcome });
  log.info({ audit: 'tools/call', principal, ...entry }, `tools/call ${entry.tool}: ${entry.outcome}`);
}
