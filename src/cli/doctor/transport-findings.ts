// Findings about where MCP answers and how: the transport at the given URL and at the nearby paths,
// the legacy `endpoint` event, the `initialized` handshake and redirects. Pure.
import { answerText, failureText, type Finding } from './finding.js';
import type { EndpointForm, PathProbe } from './probe-results.js';

export type Transport = 'streamable-http' | 'legacy-sse' | 'none' | 'unreachable';

export function transportOf(p: PathProbe): Transport {
  if (p.streamable.ok) return 'streamable-http';
  if (p.legacy?.endpoint) return 'legacy-sse';
  if (p.streamable.failure && (!p.legacy || p.legacy.failure)) return 'unreachable';
  return 'none';
}

const TRANSPORT_LABELS: Record<Transport, string> = {
  'streamable-http': 'Streamable HTTP',
  'legacy-sse': 'legacy HTTP+SSE',
  none: 'no MCP transport',
  unreachable: 'unreachable',
};

export function transportLabel(t: Transport): string {
  return TRANSPORT_LABELS[t];
}

const FORM_LABELS: Record<EndpointForm, string> = {
  relative: 'relative',
  'absolute-same-origin': 'absolute, same origin',
  'absolute-other-origin': 'absolute, ANOTHER origin',
  invalid: 'not a usable URL',
};

/** One line about what answers at a path. */
export function describePath(p: PathProbe): string {
  const s = p.streamable;
  const l = p.legacy;
  switch (transportOf(p)) {
    case 'streamable-http': {
      const who = s.server?.name ? `, ${s.server.name}${s.server.version ? ` ${s.server.version}` : ''}` : '';
      return `protocol ${s.server?.protocolVersion}${who}, ${s.answerFormat === 'sse' ? 'SSE' : 'JSON'} answers, ${s.sessionId ? 'Mcp-Session-Id' : 'no session id (stateless)'}`;
    }
    case 'legacy-sse': {
      const endpoint = `endpoint ${JSON.stringify(l?.endpoint?.data.trim())} (${FORM_LABELS[l!.endpoint!.form]})`;
      const who = l?.server
        ? `protocol ${l.server.protocolVersion}${l.server.name ? `, ${l.server.name}${l.server.version ? ` ${l.server.version}` : ''}` : ''}`
        : `initialize failed: ${l?.initializeProblem ?? 'no answer'}`;
      return `${endpoint}, ${who}`;
    }
    case 'unreachable':
      return failureText(s.failure!);
    case 'none': {
      const post = s.failure
        ? failureText(s.failure)
        : s.endpointEventOnPost
          ? 'an SSE stream with an endpoint event'
          : s.answer
            ? answerText(s.answer)
            : 'no InitializeResult';
      const get = !l
        ? 'not tried'
        : l.failure
          ? failureText(l.failure)
          : l.noEndpointEvent
            ? `an event stream, but ${l.noEndpointEvent}`
            : l.answer
              ? answerText(l.answer)
              : 'no endpoint event';
      return `POST initialize → ${post}; GET (SSE) → ${get}`;
    }
  }
}

export function locationFindings(paths: readonly PathProbe[], target: PathProbe | undefined): Finding[] {
  const given = paths[0]!;
  const givenTransport = transportOf(given);
  const findings: Finding[] = [];
  if (givenTransport === 'streamable-http') {
    findings.push({ id: 'streamable_http', severity: 'ok', title: `Streamable HTTP works at ${given.url}`, detail: describePath(given) });
    return findings;
  }
  const proxyFix = (sseUrl: string) => `put mcp-frontdoor in front: mcp-frontdoor --backend ${sseUrl} (config below)`;
  if (givenTransport === 'legacy-sse') {
    if (target && target !== given) {
      findings.push({
        id: 'wrong_path',
        severity: 'problem',
        title: `legacy HTTP+SSE at ${given.url}, but Streamable HTTP at ${target.url}`,
        detail: describePath(target),
        fix: `give clients ${target.url}`,
      });
    } else {
      const post = given.streamable.answer ? `POST initialize got ${answerText(given.streamable.answer)}; ` : '';
      findings.push({
        id: 'legacy_sse_only',
        severity: 'problem',
        title: `only legacy HTTP+SSE (2024-11-05) answers at ${given.url}`,
        detail: `${post}GET opened an event stream with an endpoint event${given.legacy?.ok ? ', and initialize worked there' : ''}. Claude Code, Cursor and VS Code ("type": "http") speak Streamable HTTP; their SSE mode is deprecated and has the quirks below.`,
        // The proxy needs a legacy session that works; otherwise the server comes first.
        fix: given.legacy?.ok ? proxyFix(given.url) : 'make initialize work over the SSE endpoint (below), then put mcp-frontdoor in front',
      });
    }
    return findings;
  }
  if (target) {
    const t = transportOf(target);
    findings.push({
      id: 'wrong_path',
      severity: 'problem',
      title: `nothing MCP at ${given.url}: the server is at ${target.path} (${transportLabel(t)})`,
      detail: `${given.path}: ${describePath(given)}`,
      fix:
        t === 'streamable-http'
          ? `give clients ${target.url}`
          : target.legacy?.ok
            ? proxyFix(target.url)
            : `make initialize work over the SSE endpoint of ${target.url} (below), then put mcp-frontdoor in front`,
    });
    return findings;
  }
  const perPath = paths.map((p) => `${p.path}: ${describePath(p)}`).join('\n');
  const refusal = [given.streamable.answer?.status, given.legacy?.answer?.status].find((s) => s === 401 || s === 403);
  if (refusal !== undefined) {
    // Nothing else can be learnt without the credential.
    findings.push({
      id: 'auth_required',
      severity: 'problem',
      title: `the server refuses requests without credentials (HTTP ${refusal}), so the doctor cannot see its transport`,
      detail: `Claude Code then marks the server "needs authentication" and starts OAuth discovery.\n${perPath}`,
      fix: "give the credential to the client (claude mcp add --header 'Authorization: Bearer …'), or to mcp-frontdoor (--header) so clients need none",
    });
    return findings;
  }
  const nearby = paths.slice(1).map((p) => p.path);
  findings.push({
    id: 'no_mcp_endpoint',
    severity: 'problem',
    title: `no MCP transport answers at ${given.url}${nearby.length ? ` nor at ${nearby.join(', ')}` : ''}`,
    detail: perPath,
    fix: "find the MCP URL in the server's docs or start-up log (legacy servers usually serve GET /sse, Streamable HTTP servers POST /mcp)",
  });
  return findings;
}

export function legacyFindings(target: PathProbe): Finding[] {
  const l = target.legacy;
  if (target.streamable.ok || !l?.endpoint) return [];
  const findings: Finding[] = [];
  const e = l.endpoint;
  const data = JSON.stringify(e.data.trim());
  if (e.form === 'relative')
    findings.push({ id: 'endpoint_relative', severity: 'ok', title: `the endpoint event is relative (${data}): clients resolve it against the SSE URL` });
  if (e.form === 'absolute-same-origin')
    findings.push({
      id: 'endpoint_absolute',
      severity: 'info',
      title: `the endpoint event is an absolute URL on the same origin (${data})`,
      detail: 'usable as is; it breaks only when clients reach the server under another name.',
    });
  if (e.form === 'absolute-other-origin') {
    const there = l.ok
      ? `At its path on the server's own origin (${e.postedTo}) the server answered initialize, so mcp-frontdoor can use it.`
      : `Its path on the server's own origin (${e.postedTo}) did not work either.`;
    findings.push({
      id: 'endpoint_other_origin',
      severity: 'problem',
      title: `the endpoint event names another origin: ${data}`,
      detail: `SDK clients resolve it against ${target.url} and refuse it: "Endpoint origin does not match connection origin" (TS and Python SDKs, Windsurf). ${there}`,
      fix: 'make the server send a relative endpoint (/messages?sessionId=…), or put mcp-frontdoor in front: it resolves the endpoint against the backend URL',
    });
  }
  if (e.form === 'invalid') findings.push({ id: 'endpoint_invalid', severity: 'problem', title: `the endpoint event is not a usable http(s) URL: ${data}` });
  if (l.initializeProblem)
    findings.push({ id: 'legacy_initialize_failed', severity: 'problem', title: `initialize over the SSE endpoint failed: ${l.initializeProblem}` });
  if (l.answeredIn === 'post-body') {
    findings.push({
      id: 'answer_in_post_body',
      severity: 'warn',
      title: 'the server answers in the POST body instead of on the SSE stream',
      detail: 'Claude Code waits for the answer on the stream and times out (avelino/mcp#32); mcp-frontdoor accepts either.',
    });
  }
  return findings;
}

export function initializedFinding(target: PathProbe): Finding | undefined {
  const overSse = !target.streamable.ok;
  const check = overSse ? target.legacy?.initialized : target.streamable.initialized;
  if (!check) return undefined;
  if (check.outcome === 'tolerant')
    return {
      id: 'initialized_not_required',
      severity: 'ok',
      title: 'requests sent before notifications/initialized are answered (the server does not require it)',
    };
  if (check.outcome === 'strict') {
    return {
      id: 'initialized_required',
      // Every Streamable HTTP client sends notifications/initialized first; over SSE, Claude Code's
      // reconnects skip it and every call fails (anthropics/claude-code#58759).
      severity: overSse ? 'problem' : 'warn',
      title: 'the server requires notifications/initialized (strict handshake)',
      detail: `tools/list sent after initialize but before notifications/initialized got ${check.error.code} "${check.error.message}", and worked after it (python-sdk < 1.18 behaviour). Clients that skip or reorder the notification${overSse ? ' (Claude Code over SSE)' : ''} fail every call with -32602 "Invalid request parameters".`,
      fix: `${overSse ? 'mcp-frontdoor sends notifications/initialized for clients that skip it; or ' : ''}upgrade the server's mcp package to 1.18 or later`,
    };
  }
  const why = check.outcome === 'error' ? `tools/list got ${check.error.code} "${check.error.message}"` : check.detail;
  return { id: 'initialized_unknown', severity: 'info', title: `could not tell whether the server requires notifications/initialized: ${why}` };
}

export function redirectFindings(paths: readonly PathProbe[]): Finding[] {
  const findings = new Map<string, Finding>();
  for (const p of paths) {
    for (const r of [...p.streamable.redirects, ...(p.legacy?.redirects ?? [])]) {
      // Redirects of POSTs to a legacy endpoint: the client does not choose that URL (the proxy follows it).
      const endpoint = r.from.split('?')[0] !== p.url.split('?')[0];
      const from = endpoint ? shortUrl(r.from, p.url) : r.from.split('?')[0]!;
      const to = shortUrl(r.to, r.from);
      const key = `${endpoint ? 'endpoint' : p.url} ${from} ${to}`;
      if (findings.has(key)) continue;
      if (!r.followed) {
        findings.set(key, {
          id: 'redirect_not_followed',
          severity: 'warn',
          title: `${from} redirects (${r.status}) to ${to}, which the doctor did not follow`,
          detail: 'the doctor follows only same-origin redirects that keep the method.',
          fix: `if you trust it, run the doctor on ${r.to}`,
        });
      } else if (endpoint) {
        findings.set(key, {
          id: 'endpoint_redirect',
          severity: 'info',
          title: `POSTs to the endpoint ${from} are redirected (${r.status}) to ${to}`,
          detail: "fetch-based clients and mcp-frontdoor follow same-origin 307/308 with the body (Starlette's trailing-slash redirect).",
        });
      } else {
        findings.set(key, {
          id: 'redirect',
          severity: 'warn',
          title: `${from} redirects (${r.status}) to ${to}`,
          detail: 'fetch-based clients follow it; mcp-remote and some Claude Code versions do not (trycua/cua#883, BerriAI/litellm#23688).',
          fix: `use ${r.to} directly`,
        });
      }
    }
  }
  return [...findings.values()];
}

/** A URL without its query (session ids are noise here), as a path when it shares `base`'s origin. */
function shortUrl(url: string, base: string): string {
  const u = new URL(url);
  return u.origin === new URL(base).origin ? u.pathname : `${u.origin}${u.pathname}`;
}
