// Findings about credentials: a server that refused every probe (the doctor cannot see past it, so
// it says how to pass the credential), and, with `--header`, whether clients need the headers too. Pure.
import { refusalOf, startsOAuthDiscovery } from './auth-wall.js';
import { CLAUDE_CODE_NEEDS_AUTH } from './client-facts.js';
import { answerText, failureText, type Finding } from './finding.js';
import type { HeaderVariant, PathProbe } from './probe-results.js';
import { describePath } from './transport-findings.js';

const flagList = (names: readonly string[]) => names.map((n) => `--header ${n}`).join(', ');

/** No MCP anywhere, but a 401/403 somewhere: the credential is missing (or wrong). */
export function authRequiredFinding(paths: readonly PathProbe[], headerNames: readonly string[]): Finding | undefined {
  const refusing = paths.map((p) => ({ p, r: refusalOf(p) })).find((x) => x.r);
  if (!refusing) return undefined;
  const { p, r } = refusing as { p: PathProbe; r: NonNullable<ReturnType<typeof refusalOf>> };
  const a = r.answer;
  const challenge = a.wwwAuthenticate ? `, WWW-Authenticate: ${a.wwwAuthenticate}` : ', no WWW-Authenticate';
  const perPath = paths.map((x) => `${x.path}: ${describePath(x)}`).join('\n');
  const bearer = /^\s*bearer\b/i.test(a.wwwAuthenticate ?? '')
    ? ' It asks for a Bearer token: clients that support OAuth (Claude Code, Cursor, VS Code) run its login flow.'
    : '';
  const clients = startsOAuthDiscovery(a) ? ` ${CLAUDE_CODE_NEEDS_AUTH}.` : '';
  const given = headerNames.length > 0;
  return {
    id: 'auth_required',
    severity: 'problem',
    title: given
      ? `the server refused the probes even with ${flagList(headerNames)} (HTTP ${a.status} to ${r.request} at ${p.url}): check the header's name and value`
      : `the server refused the probes (HTTP ${a.status} to ${r.request} at ${p.url}): pass its credentials with --header`,
    detail: `${r.request} → ${answerText(a)}${challenge}. n8n's MCP Server Trigger with bearer or header auth answers 403 to every request without its header.${bearer}${clients}\n${perPath}`,
    fix: given
      ? 'use the header name and value the server was set up with (n8n: the credential of the trigger\'s Authentication), e.g. --header "Authorization: Bearer …"'
      : `run the doctor again with the credential, e.g. mcp-frontdoor doctor ${p.url} --header 'Authorization: Bearer …' (n8n header auth: --header '<its header name>: …'); clients then need it too (claude mcp add --header), or mcp-frontdoor (--header) so clients need none`,
  };
}

/** With `--header`: the working URL probed once without them. */
export function credentialsFinding(without: HeaderVariant | undefined, headerNames: readonly string[]): Finding | undefined {
  if (!without) return undefined;
  const flags = flagList(headerNames);
  if (without.accepted) {
    return { id: 'headers_not_needed', severity: 'info', title: `initialize works without ${flags} too: clients need no credential to connect` };
  }
  const a = without.answer;
  if (a && (a.status === 401 || a.status === 403)) {
    return {
      id: 'credentials_required',
      severity: 'info',
      title: `the server refuses requests without ${flags} (HTTP ${a.status}): clients need ${headerNames.length > 1 ? 'them' : 'it'} too`,
      detail: `without it: ${answerText(a)}.${startsOAuthDiscovery(a) ? ` ${CLAUDE_CODE_NEEDS_AUTH}, so a client given no header shows "needs authentication".` : ''}`,
      fix: 'give clients the header (config below; Claude Code: claude mcp add --header), or give it to mcp-frontdoor (--header, backend.headers) so clients need none',
    };
  }
  const what = a ? answerText(a) : without.failure ? failureText(without.failure) : (without.problem ?? 'no answer');
  return { id: 'credentials_unknown', severity: 'info', title: `without ${flags}, initialize got ${what}` };
}
