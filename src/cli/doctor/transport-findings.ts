// What answers at a path and how: the transport, the legacy `endpoint` event, redirects. Pure.
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
