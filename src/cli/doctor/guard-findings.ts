// Findings about DNS-rebinding protection, judged only from the initialize that worked sent again
// with a foreign Origin or Host (probe-guards.ts). Refusing is right (spec 2025-06-18, Transports:
// servers MUST validate Origin); it means browser pages from other origins cannot use the server,
// while CLI clients (no Origin) and mcp-frontdoor are unaffected: the proxy builds its backend
// requests' headers from its config only, never from the client's request, so they carry the backend
// URL's own Host and no Origin (backends/legacy-sse/open-channel.ts, backends/streamable-http/channel.ts). Pure.
import { answerText, failureText, type Finding } from './finding.js';
import type { GuardProbes, HeaderVariant } from './probe-results.js';

/** FastMCP answers 403 (Origin) and 421 (Host), the TS SDK 403, others 400 (docs/quirks.md, Servers). */
const REFUSALS = [400, 403, 421];

export type GuardVerdict = 'checked' | 'not-checked' | 'unknown';

export function guardVerdict(v: HeaderVariant): GuardVerdict {
  if (v.accepted) return 'not-checked';
  return v.answer && REFUSALS.includes(v.answer.status) ? 'checked' : 'unknown';
}

function outcome(v: HeaderVariant): string {
  if (v.accepted) return 'an InitializeResult';
  if (v.answer) return answerText(v.answer);
  if (v.rpcError) return `${v.rpcError.code} "${v.rpcError.message}"`;
  return v.failure ? failureText(v.failure) : (v.problem ?? 'no answer');
}

/** The Origin the server accepted, when the doctor found one. */
export function acceptedOrigin(g: GuardProbes): string | undefined {
  return g.ownOrigins.find((v) => v.accepted)?.sent.replace(/^Origin: /, '');
}

export function guardFindings(g: GuardProbes | undefined): Finding[] {
  if (!g) return [];
  const findings: Finding[] = [];
  const o = g.origin;
  const origin = guardVerdict(o);
  if (origin === 'not-checked') {
    findings.push({
      id: 'no_origin_check',
      severity: 'warn',
      title: `the server does not check Origin: initialize with ${o.sent} was answered`,
      detail: 'servers MUST validate Origin (spec 2025-06-18, Transports): a web page in a browser on this machine could drive it (DNS rebinding).',
    });
  } else if (origin === 'checked') {
    const accepted = acceptedOrigin(g);
    const tried = g.ownOrigins.map((v) => v.sent.replace(/^Origin: /, '')).join(', ');
    findings.push({
      id: 'origin_checked',
      severity: 'info',
      title: `the server checks Origin: initialize with ${o.sent} got ${outcome(o)}`,
      detail: [
        accepted
          ? `It accepts Origin: ${accepted}, and requests without Origin (what CLI clients such as Claude Code, Cursor and VS Code send).`
          : `It accepted none of ${tried || 'its own origins'}; requests without Origin (what CLI clients such as Claude Code, Cursor and VS Code send) work.`,
        `Browser-based clients served from another origin (a web app, MCP Inspector connecting directly) get ${o.answer!.status} from it.`,
        "mcp-frontdoor in front never forwards a client's Origin: it sends its backends none (and the backend URL's own Host), so this check does not block it, and browsers are then checked against the proxy's own origins (--allowed-origin, listen.allowedOrigins).",
      ].join(' '),
    });
  } else {
    findings.push({
      id: 'origin_unknown',
      severity: 'info',
      title: `could not tell whether the server checks Origin: initialize with ${o.sent} got ${outcome(o)}`,
    });
  }
  if (guardVerdict(g.host) === 'checked') {
    findings.push({
      id: 'host_checked',
      severity: 'info',
      title: `the server checks Host: initialize with ${g.host.sent} got ${outcome(g.host)}`,
      detail:
        "DNS-rebinding protection: clients must reach it by a name it expects (this URL's works). mcp-frontdoor in front sends the backend URL's own Host, so it passes.",
    });
  }
  return findings;
}
