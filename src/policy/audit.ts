// The audit line of one tools/call (info level, `audit: "tools/call"`): who, which tool, how it
// ended, how long it took; the arguments only with tools.auditArguments. Counted by outcome in
// frontdoor_tool_calls_total (never by tool: names are client input, unbounded).
import type { Metrics } from '../observability/metrics.js';
import type { AuditEntry, ToolCallOutcome } from './tool-calls.js';

export type OutcomeLabels = Readonly<Record<ToolCallOutcome, Record<string, string>>>;

const OUTCOMES: readonly ToolCallOutcome[] = ['ok', 'tool_error', 'error', 'denied', 'insufficient_scope'];

/** A route's label sets, one per outcome, made once: frozen, so counting a call renders no labels (metrics.ts). */
export function outcomeLabels(route: string): OutcomeLabels {
  return Object.fromEntries(OUTCOMES.map((outcome) => [outcome, Object.freeze({ route, outcome })])) as unknown as OutcomeLabels;
}

/** Where the line goes: a session's info lines (session.ts), or a route's logger for a call refused before any session. */
export interface AuditLog {
  isLevelEnabled(level: 'info'): boolean;
  info(fields: Record<string, unknown>, msg: string): void;
}

export function auditToolCall(log: AuditLog, metrics: Metrics, labels: OutcomeLabels, principal: string | undefined, entry: AuditEntry): void {
  metrics.inc('frontdoor_tool_calls_total', labels[entry.outcome]);
  // The line's object and text are built only when the level writes them (a proxy at warn builds none).
  if (log.isLevelEnabled('info')) log.info({ audit: 'tools/call', principal, ...entry }, `tools/call ${entry.tool}: ${entry.outcome}`);
}
