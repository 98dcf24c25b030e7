// Probe results → findings, a verdict, an exit code and the config to paste. Pure: everything here
// is decided from what the probes saw, so `--json` and the text output always agree.
//
// Exit codes: 0 clients can use the URL as is (Streamable HTTP there, and nothing a real client
// would trip on); 1 they need the proxy, another URL or a server fix; 2 the doctor could not tell
// (nothing answers, or the server refused every probe for want of credentials).
//
// Only client-visible findings are problems (severity `problem`, exit 1): what a client given the
// suggested URL (and the `--header`s) fails on or sees misbehave. The rest is a warning or
// information: OAuth discovery answers of a server that never asks for authorization (clients look
// there only after a 401, auth-wall.ts), Host/Origin checks, redirects fetch-based clients follow,
// a strict handshake over Streamable HTTP (its clients send `initialized` first).
import { authRequiredFinding, credentialsFinding } from './auth-findings.js';
import { authWall } from './auth-wall.js';
import { failureText, type Finding } from './finding.js';
import { guardFindings } from './guard-findings.js';
import { initializedFinding } from './handshake-findings.js';
import { locationFindings, noEndpointFinding } from './location-findings.js';
import { oauthFindings } from './oauth-findings.js';
import type { DoctorProbes } from './probe-results.js';
import { clientConfig, frontdoorConfig, type ClientConfig } from './suggest-config.js';
import { endpointSummary, hostOriginSummary, oauthSummary, type EndpointSummary, type HostOriginSummary, type OAuthSummary } from './summaries.js';
import { targetPath } from './target-path.js';
import { legacyFindings, redirectFindings, transportOf, type Transport } from './transport-findings.js';

export type { EndpointSummary, HostOriginSummary, OAuthSummary };

export type Verdict = 'usable' | 'use-another-url' | 'needs-proxy' | 'needs-server-fix' | 'needs-credentials' | 'unreachable';

const EXIT_CODES: Record<Verdict, 0 | 1 | 2> = {
  usable: 0,
  'use-another-url': 1,
  'needs-proxy': 1,
  'needs-server-fix': 1,
  'needs-credentials': 2,
  unreachable: 2,
};

export interface Diagnosis {
  url: string;
  exitCode: 0 | 1 | 2;
  verdict: Verdict;
  summary: string;
  /** What answers at the given URL. */
  transport: Transport;
  /** Names of the `--header`s sent with every probe (never their values). */
  headers: string[];
  endpoints: EndpointSummary[];
  oauth: OAuthSummary[];
  hostOrigin: HostOriginSummary | null;
  findings: Finding[];
  config: ClientConfig | null;
}

/** What the proxy adds in front of a server clients can already use (README, "Repairs" and "Exposing the proxy"). */
const PROXY_OPTIONAL: Finding = {
  id: 'proxy_optional',
  severity: 'info',
  title: 'clients can connect to this URL directly; mcp-frontdoor in front is optional',
  detail:
    "It would add a legacy /sse face for SSE-only clients (n8n's MCP Client Tool v1), JSON answers on the OAuth discovery URLs, client sessions that survive server restarts, API-key or OAuth authorization, tool allow/deny lists, and metrics and an audit log per call (a route with backend transport: streamable-http).",
};

export function diagnose(probes: DoctorProbes): Diagnosis {
  const paths = probes.paths;
  const given = paths[0]!;
  const observed = {
    transport: transportOf(given),
    headers: probes.headerNames,
    endpoints: paths.map(endpointSummary),
    oauth: probes.oauth.map(oauthSummary),
    hostOrigin: hostOriginSummary(probes),
  };
  const done = (verdict: Verdict, summary: string, findings: Finding[], config: ClientConfig | null): Diagnosis => ({
    url: probes.url,
    exitCode: EXIT_CODES[verdict],
    verdict,
    summary,
    ...observed,
    findings,
    config,
  });

  if (paths.every((p) => transportOf(p) === 'unreachable')) {
    const origin = new URL(probes.url).origin;
    const finding: Finding = {
      id: 'unreachable',
      severity: 'problem',
      title: `nothing answers at ${origin}: ${failureText(given.streamable.failure!)}`,
      fix: 'start the server, or check the host and port (a server in a container must publish its port)',
    };
    return done('unreachable', finding.title, [finding], null);
  }

  const target = targetPath(paths);
  const wall = authWall(probes, target);
  const auth = target ? undefined : authRequiredFinding(paths, probes.headerNames);
  if (auth) {
    // Nothing else can be learnt without the credential.
    return done('needs-credentials', `could not tell: ${auth.title}.`, [auth, ...oauthFindings(probes.oauth, wall), ...redirectFindings(paths)], null);
  }

  const findings: Finding[] = [...locationFindings(paths, target)];
  if (target) {
    findings.push(...legacyFindings(target));
    const init = initializedFinding(target);
    if (init) findings.push(init);
  } else {
    findings.push(noEndpointFinding(paths));
  }
  const credentials = credentialsFinding(probes.withoutHeaders, probes.headerNames);
  if (credentials) findings.push(credentials);
  findings.push(...oauthFindings(probes.oauth, wall), ...guardFindings(probes.guards), ...redirectFindings(paths));
  const problems = findings.filter((f) => f.severity === 'problem');
  // The `--header`s go into the config (the client's, or the proxy's) unless the server worked without them.
  const needed = credentials?.id === 'headers_not_needed' ? [] : probes.headerNames;
  // The proxy needs a legacy SSE URL where initialize worked (through the same-origin repair if needed).
  const legacy = paths.find((p) => p.legacy?.ok);

  if (given.streamable.ok && problems.length === 0) {
    return done(
      'usable',
      `Streamable HTTP works at ${given.url}: clients connect to it directly (mcp-frontdoor in front is optional).`,
      [...findings, PROXY_OPTIONAL],
      clientConfig(given.url, given.streamable.server?.name, needed),
    );
  }
  if (target?.streamable.ok && problems.every((f) => f.id === 'wrong_path')) {
    return done(
      'use-another-url',
      `use ${target.url} instead: Streamable HTTP works there.`,
      findings,
      clientConfig(target.url, target.streamable.server?.name, needed),
    );
  }
  if (legacy) {
    const why = given.streamable.ok || target?.streamable.ok ? 'it repairs what is wrong' : 'the server speaks only legacy HTTP+SSE';
    return done(
      'needs-proxy',
      `put mcp-frontdoor in front of ${legacy.url}: ${why}.`,
      findings,
      frontdoorConfig(legacy.url, legacy.legacy?.server?.name, needed),
    );
  }
  const config = target?.streamable.ok ? clientConfig(target.url, target.streamable.server?.name, needed) : null;
  return done('needs-server-fix', `needs a fix: ${problems[0]?.title ?? 'see the findings'}.`, findings, config);
}
