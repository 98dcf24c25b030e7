// Findings about the OAuth discovery answers (docs/protocol-rules.md, Authorization). Metadata
// URLs may answer any 4xx: TS-SDK clients move on. What breaks them is a registration error that is
// not an OAuth error object (Claude Code: "HTTP 404: Invalid OAuth error response"), a 2xx page that
// is not JSON where metadata should be (an SPA catch-all, claude-code#72673) and a 5xx, which ends
// discovery. Clients go there only after a refusal that starts discovery (auth-wall.ts), so how
// much a broken answer matters depends on who meets that refusal: clients configured as probed (a
// problem), only clients without the `--header`s (a warning), nobody (information). Pure.
import { authWallText, type AuthWall } from './auth-wall.js';
import { CLAUDE_CODE } from './client-facts.js';
import { answerText, bodyLabel, type Finding, type Severity } from './finding.js';
import type { OAuthProbe } from './probe-results.js';

const FIX =
  'answer /.well-known/* and /register with JSON, e.g. 404 {"error":"invalid_request","error_description":"no authorization required"}; or put mcp-frontdoor in front: it answers OAuth probes itself';

function line(p: OAuthProbe): string {
  const path = new URL(p.url).pathname;
  return `${p.method} ${path} → ${p.answer ? answerText(p.answer) : 'no answer'}`;
}

const SEVERITY: Record<AuthWall['seenBy'], Severity> = { 'as-probed': 'problem', 'without-headers': 'warn', nobody: 'info' };

export function oauthFindings(probes: readonly OAuthProbe[], wall: AuthWall): Finding[] {
  const answered = probes.filter((p) => p.answer);
  if (answered.length === 0) return [];
  const all = answered.map(line).join('\n');
  const findings: Finding[] = [];
  const isJson = (p: OAuthProbe) => p.answer?.bodyKind === 'json' || p.answer?.bodyKind === 'oauth-error-json';
  const severity = SEVERITY[wall.seenBy];
  // Who reads these answers, and what they then see.
  const reach =
    wall.seenBy === 'nobody'
      ? `Harmless here: ${authWallText(wall)}, so clients never look at these URLs (${CLAUDE_CODE} does not).`
      : `Clients read them after ${authWallText(wall)}.`;
  const fix = wall.seenBy === 'nobody' ? undefined : FIX;
  const broken = (f: { id: string; title: string; detail: string }): Finding => ({
    id: f.id,
    severity,
    title: f.title,
    detail: f.detail,
    ...(fix ? { fix } : {}),
  });

  const advertised = answered.filter((p) => p.role !== 'registration' && p.answer!.status < 300 && isJson(p));
  if (advertised.length > 0) {
    findings.push({
      id: 'oauth_advertised',
      severity: 'info',
      title: `the server publishes OAuth metadata (${advertised.map((p) => new URL(p.url).pathname).join(', ')})`,
      detail:
        wall.seenBy === 'nobody'
          ? `clients use it only after a 401; ${authWallText(wall)}.`
          : `clients that meet ${authWallText(wall)} run an OAuth flow with it.`,
    });
  }
  for (const p of answered.filter((p) => p.role === 'authorization-server-metadata')) {
    const a = p.answer!;
    if (a.status >= 200 && a.status < 300 && !isJson(p)) {
      findings.push(
        broken({
          id: 'oauth_metadata_not_json',
          title: `${line(p)}, where clients expect JSON metadata or a 404`,
          detail: `TS-SDK clients (Claude Code) fail parsing it as authorization-server metadata (claude-code#72673). ${reach}`,
        }),
      );
    }
    if (a.status >= 500) {
      findings.push(
        broken({
          id: 'oauth_metadata_error',
          title: `${line(p)}`,
          detail: `TS-SDK clients stop OAuth discovery with an error on a 5xx (client/auth.ts); a server without OAuth should answer 404. ${reach}`,
        }),
      );
    }
  }
  const reg = answered.find((p) => p.role === 'registration');
  if (reg && reg.answer!.status >= 300 && reg.answer!.bodyKind !== 'oauth-error-json') {
    const a = reg.answer!;
    const what = a.bodyKind === 'json' ? 'JSON that is not an OAuth error object ({"error": "…"})' : bodyLabel(a.bodyKind);
    findings.push(
      broken({
        id: 'oauth_error_not_json',
        title: `OAuth probes get ${a.status}s with ${what}`,
        detail: `Claude Code and other TS-SDK clients that look for OAuth here report "HTTP ${a.status}: Invalid OAuth error response: … Raw body: ${a.snippet}". ${reach}\n${all}`,
      }),
    );
  }
  if (!findings.some((f) => f.id !== 'oauth_advertised')) {
    findings.push({ id: 'oauth_probes_clean', severity: 'ok', title: 'OAuth probes get answers clients can parse', detail: all });
  }
  return findings;
}
