// The finding about the `initialized` handshake: does the server refuse, or die on, a request sent
// before `notifications/initialized`? A problem only over legacy SSE: Claude Code's SSE mode does
// not send the notification (anthropics/claude-code#58759), while every Streamable HTTP client
// known sends it before its first request. Pure.
import type { Finding } from './finding.js';
import type { PathProbe } from './probe-results.js';

const REPAIR =
  "mcp-frontdoor's handshake repair covers it (repairs.handshake, on by default): it sends notifications/initialized before a client's first request when the client has not, and handshakes for a legacy client that never sent initialize";
const UPGRADE = "upgrade the server's mcp package to 1.18 or later";

export function initializedFinding(target: PathProbe): Finding | undefined {
  const overSse = !target.streamable.ok;
  const check = overSse ? target.legacy?.initialized : target.streamable.initialized;
  if (!check) return undefined;
  if (check.outcome === 'tolerant') {
    return {
      id: 'initialized_not_required',
      severity: 'ok',
      title: 'requests sent before notifications/initialized are answered (the server does not require it)',
    };
  }
  const clients = (what: string) =>
    overSse
      ? `Claude Code's SSE mode skips notifications/initialized, and after a silent stream reconnect sends requests with no initialize at all (anthropics/claude-code#58759): its calls then ${what}.`
      : 'Streamable HTTP clients (Claude Code, Cursor, VS Code, the SDKs) send notifications/initialized before their first request, so they do not meet this.';
  const severity = overSse ? 'problem' : 'warn';
  if (check.outcome === 'ends-session') {
    return {
      id: 'initialized_required',
      severity,
      title: 'the server is strict about the handshake: a request sent before notifications/initialized ended the session',
      detail: `tools/list sent after initialize but before notifications/initialized: ${check.detail}. python mcp before 1.9.4 raises "Received request before initialization was complete" and its session dies (1.9.4 to 1.17 answer -32602 instead). ${clients('end the session')}`,
      fix: `${REPAIR}; or ${UPGRADE}`,
    };
  }
  if (check.outcome === 'strict') {
    const python = check.error?.code === -32602 ? ' (python mcp 1.9.4 to 1.17)' : '';
    return {
      id: 'initialized_required',
      severity,
      title: 'the server is strict about the handshake: it requires notifications/initialized',
      detail: `tools/list sent after initialize but before notifications/initialized got ${check.early}, and worked after it${python}. ${clients(`fail with ${check.early}`)}`,
      fix: `${REPAIR}; or ${UPGRADE}`,
    };
  }
  const why = check.outcome === 'error' ? `tools/list got ${check.error.code} "${check.error.message}" before and after it` : check.detail;
  return { id: 'initialized_unknown', severity: 'info', title: `could not tell whether the server requires notifications/initialized: ${why}` };
}
