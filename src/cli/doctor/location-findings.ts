// Findings about where MCP answers: the transport at the given URL, or the nearby path clients
// should use instead, phrased with what today's clients do there. Pure.
import { CLAUDE_CODE_AT_BARE_ROOT, claudeCodeAtLegacySse, NO_SSE_FALLBACK } from './client-facts.js';
import { answerText, type Finding } from './finding.js';
import type { PathProbe } from './probe-results.js';
import { describePath, transportLabel, transportOf } from './transport-findings.js';

const proxyFix = (sseUrl: string) => `put mcp-frontdoor in front: mcp-frontdoor --backend ${sseUrl} (config below)`;
const initializeFirst = (sseUrl: string) => `make initialize work over the SSE endpoint of ${sseUrl} (below), then put mcp-frontdoor in front`;

/** The given path without its trailing `/sse`, when `target` is exactly that (n8n's MCP Server Trigger). */
function isBaseOf(target: PathProbe, given: PathProbe): boolean {
  const base = given.path.replace(/\/sse\/?$/, '');
  return base !== given.path && base !== '' && target.path === base;
}

export function locationFindings(paths: readonly PathProbe[], target: PathProbe | undefined): Finding[] {
  const given = paths[0]!;
  const givenTransport = transportOf(given);
  if (givenTransport === 'streamable-http') {
    return [{ id: 'streamable_http', severity: 'ok', title: `Streamable HTTP works at ${given.url}`, detail: describePath(given) }];
  }
  if (givenTransport === 'legacy-sse') {
    if (target && target !== given) {
      return [
        {
          id: 'wrong_path',
          severity: 'problem',
          title: `legacy HTTP+SSE at ${given.url}, but Streamable HTTP at ${target.url}`,
          detail: describePath(target),
          fix: `give clients ${target.url}`,
        },
      ];
    }
    const post = given.streamable.answer ? `POST initialize got ${answerText(given.streamable.answer)}; ` : '';
    return [
      {
        id: 'legacy_sse_only',
        severity: 'problem',
        title: `only legacy HTTP+SSE (2024-11-05) answers at ${given.url}`,
        detail: `${post}GET opened an event stream with an endpoint event${given.legacy?.ok ? ', and initialize worked there' : ''}. ${claudeCodeAtLegacySse(given.path)}, with the quirks below; ${NO_SSE_FALLBACK}.`,
        // The proxy needs a legacy session that works; otherwise the server comes first.
        fix: given.legacy?.ok ? proxyFix(given.url) : initializeFirst(given.url),
      },
    ];
  }
  if (!target) return [];
  const t = transportOf(target);
  const atRoot = given.path === '/' ? ` ${CLAUDE_CODE_AT_BARE_ROOT}.` : '';
  const fix = t === 'streamable-http' ? `give clients ${target.url}` : target.legacy?.ok ? proxyFix(target.url) : initializeFirst(target.url);
  if (isBaseOf(target, given)) {
    // n8n's MCP Server Trigger v2 serves SSE (and from v2.1 Streamable HTTP) at its base URL; v1
    // served `<path>/sse`, and users append /sse out of habit (docs/quirks.md, n8n).
    const what = t === 'streamable-http' ? 'speaks Streamable HTTP' : 'is an SSE stream with an endpoint event';
    return [
      {
        id: t === 'streamable-http' ? 'wrong_path' : 'sse_at_base_url',
        severity: 'problem',
        title: `nothing MCP at ${given.url}, but ${target.url} itself ${what}`,
        detail: `n8n's MCP Server Trigger v2 and later serves at its base URL, without /sse. ${target.path}: ${describePath(target)}. ${given.path}: ${describePath(given)}.${t === 'legacy-sse' ? ` ${claudeCodeAtLegacySse(target.path)}; ${NO_SSE_FALLBACK}.` : ''}`,
        fix: t === 'streamable-http' ? `give clients ${target.url}` : `use ${target.url}: ${fix}`,
      },
    ];
  }
  return [
    {
      id: 'wrong_path',
      severity: 'problem',
      title: `nothing MCP at ${given.url}: the server is at ${target.path} (${transportLabel(t)})`,
      detail: `${given.path}: ${describePath(given)}.${atRoot}`,
      fix,
    },
  ];
}

/** No MCP transport anywhere, and nothing refused for want of credentials. */
export function noEndpointFinding(paths: readonly PathProbe[]): Finding {
  const given = paths[0]!;
  const perPath = paths.map((p) => `${p.path}: ${describePath(p)}`).join('\n');
  const nearby = paths.slice(1).map((p) => p.path);
  const atRoot = given.path === '/' ? `${CLAUDE_CODE_AT_BARE_ROOT}.\n` : '';
  return {
    id: 'no_mcp_endpoint',
    severity: 'problem',
    title: `no MCP transport answers at ${given.url}${nearby.length ? ` nor at ${nearby.join(', ')}` : ''}`,
    detail: `${atRoot}${perPath}`,
    fix: "find the MCP URL in the server's docs or start-up log (legacy servers usually serve GET /sse, Streamable HTTP servers POST /mcp)",
  };
}
