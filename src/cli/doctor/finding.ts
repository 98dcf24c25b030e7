// One line of the diagnosis. `problem` is what breaks common clients and sets exit code 1; `warn`
// is worth knowing but does not (a missing Origin check, a redirect some clients do not follow).
import type { BodyKind, HttpAnswer, NetworkFailure } from './probe-results.js';

export type Severity = 'ok' | 'info' | 'warn' | 'problem';

export interface Finding {
  /** snake_case, stable for scripts (`--json`). */
  id: string;
  severity: Severity;
  title: string;
  detail?: string;
  fix?: string;
}

const BODY_LABELS: Record<BodyKind, string> = {
  'oauth-error-json': 'JSON',
  json: 'JSON',
  html: 'HTML',
  text: 'plain text',
  empty: 'an empty body',
  'event-stream': 'an event stream',
};

export function bodyLabel(kind: BodyKind): string {
  return BODY_LABELS[kind];
}

/** "404 with plain text (Not Found)" */
export function answerText(a: HttpAnswer): string {
  const quote = a.snippet && a.bodyKind !== 'empty' ? ` (${a.snippet.length > 60 ? `${a.snippet.slice(0, 60)}…` : a.snippet})` : '';
  return `${a.status} with ${bodyLabel(a.bodyKind)}${quote}`;
}

export function failureText(f: NetworkFailure): string {
  const what = {
    refused: 'connection refused',
    timeout: 'no answer',
    dns: 'unknown host',
    reset: 'connection reset',
    tls: 'TLS failure',
    other: 'request failed',
  }[f.code];
  return f.code === 'timeout' ? `${what} within the timeout` : `${what} (${f.message})`;
}
