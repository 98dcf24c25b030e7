// Probe results → findings, a verdict, an exit code and the config to paste. Pure: everything here
// is decided from what the probes saw, so `--json` and the text output always agree.
// Exit codes (issue): 0 the URL works as given (Streamable HTTP there, nothing that breaks common
// clients), 1 it needs a fix or the proxy, 2 nothing answers.
import { failureText, type Finding } from './finding.js';
import { guardFindings } from './guard-findings.js';
import { oauthFindings } from './oauth-findings.js';
import type { BodyKind, DoctorProbes, EndpointEvent, InitializedCheck, PathProbe, ServerIdentity } from './probe-results.js';
import { clientConfig, frontdoorConfig, type ClientConfig } from './suggest-config.js';
import { targetPath } from './target-path.js';
import { describePath, initializedFinding, legacyFindings, locationFindings, redirectFindings, transportOf, type Transport } from './transport-findings.js';

export type Verdict = 'usable' | 'use-another-url' | 'needs-proxy' | 'needs-server-fix' | 'unreachable';

export interface EndpointSummary {
  url: string;
  given: boolean;
  transport: Transport;
  detail: string;
  server?: ServerIdentity;
  endpointEvent?: EndpointEvent;
  initialized?: InitializedCheck['outcome'];
}

export interface OAuthSummary {
  method: 'GET' | 'POST';
  url: string;
  status?: number;
  contentType?: string;
  body?: BodyKind;
  failure?: string;
}

export interface HostOriginSummary {
  url: string;
  foreignOriginStatus?: number;
  foreignHostStatus?: number;
  enforced: boolean;
}

export interface Diagnosis {
  url: string;
  exitCode: 0 | 1 | 2;
  verdict: Verdict;
  summary: string;
  /** What answers at the given URL. */
  transport: Transport;
  endpoints: EndpointSummary[];
  oauth: OAuthSummary[];
  hostOrigin: HostOriginSummary | null;
  findings: Finding[];
  config: ClientConfig | null;
}

export function diagnose(probes: DoctorProbes): Diagnosis {
  const paths = probes.paths;
  const given = paths[0]!;
  const observed = {
    transport: transportOf(given),
    endpoints: paths.map(endpointSummary),
    oauth: probes.oauth.map(oauthSummary),
    hostOrigin: hostOriginSummary(probes),
  };

  if (paths.every((p) => transportOf(p) === 'unreachable')) {
    const origin = new URL(probes.url).origin;
    const why = failureText(given.streamable.failure!);
    const finding: Finding = {
      id: 'unreachable',
      severity: 'problem',
      title: `nothing answers at ${origin}: ${why}`,
      fix: 'start the server, or check the host and port (a server in a container must publish its port)',
    };
    return { url: probes.url, exitCode: 2, verdict: 'unreachable', summary: finding.title, ...observed, findings: [finding], config: null };
  }

  const target = targetPath(paths);
  const findings: Finding[] = [...locationFindings(paths, target)];
  if (target) {
    findings.push(...legacyFindings(target));
    const init = initializedFinding(target);
    if (init) findings.push(init);
  }
  findings.push(...oauthFindings(probes.oauth), ...guardFindings(probes.guards), ...redirectFindings(paths));
  const problems = findings.filter((f) => f.severity === 'problem');
  // The proxy needs a legacy SSE URL where initialize worked (through the same-origin repair if needed).
  const legacy = paths.find((p) => p.legacy?.ok);

  let verdict: Verdict;
  let summary: string;
  let config: ClientConfig | null = null;
  if (given.streamable.ok && problems.length === 0) {
    verdict = 'usable';
    summary = `Streamable HTTP works at ${given.url}: give clients this URL as is.`;
    config = clientConfig(given.url, given.streamable.server?.name);
  } else if (target?.streamable.ok && problems.every((f) => f.id === 'wrong_path')) {
    verdict = 'use-another-url';
    summary = `use ${target.url} instead: Streamable HTTP works there.`;
    config = clientConfig(target.url, target.streamable.server?.name);
  } else if (legacy) {
    verdict = 'needs-proxy';
    const why = given.streamable.ok || target?.streamable.ok ? 'it repairs what is wrong' : 'the server speaks only legacy HTTP+SSE';
    summary = `put mcp-frontdoor in front of ${legacy.url}: ${why}.`;
    config = frontdoorConfig(legacy.url, legacy.legacy?.server?.name);
  } else {
    verdict = 'needs-server-fix';
    summary = `needs a fix: ${problems[0]?.title ?? 'see the findings'}.`;
    if (target?.streamable.ok) config = clientConfig(target.url, target.streamable.server?.name);
  }
  return { url: probes.url, exitCode: verdict === 'usable' ? 0 : 1, verdict, summary, ...observed, findings, config };
}

function endpointSummary(p: PathProbe): EndpointSummary {
  const s: EndpointSummary = { url: p.url, given: p.given, transport: transportOf(p), detail: describePath(p) };
  const server = p.streamable.server ?? p.legacy?.server;
  if (server) s.server = server;
  if (p.legacy?.endpoint) s.endpointEvent = p.legacy.endpoint;
  const init = p.streamable.ok ? p.streamable.initialized : p.legacy?.initialized;
  if (init) s.initialized = init.outcome;
  return s;
}

function oauthSummary(p: DoctorProbes['oauth'][number]): OAuthSummary {
  const s: OAuthSummary = { method: p.method, url: p.url };
  if (p.answer) Object.assign(s, { status: p.answer.status, contentType: p.answer.contentType, body: p.answer.bodyKind });
  if (p.failure) s.failure = failureText(p.failure);
  return s;
}

function hostOriginSummary(probes: DoctorProbes): HostOriginSummary | null {
  const g = probes.guards;
  if (!g) return null;
  const s: HostOriginSummary = { url: g.url, enforced: [g.origin.status, g.host.status].some((x) => x === 403 || x === 421) };
  if (g.origin.status !== undefined) s.foreignOriginStatus = g.origin.status;
  if (g.host.status !== undefined) s.foreignHostStatus = g.host.status;
  return s;
}
