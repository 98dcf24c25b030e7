// The observed part of a diagnosis, shaped for `--json`: one summary per probed path, per OAuth
// probe, and the Host/Origin checks. Pure.
import { failureText } from './finding.js';
import { acceptedOrigin, guardVerdict, type GuardVerdict } from './guard-findings.js';
import type { BodyKind, DoctorProbes, EndpointEvent, InitializedCheck, PathProbe, ServerIdentity } from './probe-results.js';
import { describePath, transportOf, type Transport } from './transport-findings.js';

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

/** From initialize sent with a foreign Origin and a foreign Host (never from a session-less request). */
export interface HostOriginSummary {
  url: string;
  origin: GuardVerdict;
  /** The status of the initialize sent with the foreign Origin, when it was refused. */
  foreignOriginStatus?: number;
  /** An Origin the server accepted, when the foreign one was refused and one of its own was tried. */
  acceptedOrigin?: string;
  host: GuardVerdict;
  foreignHostStatus?: number;
}

export function endpointSummary(p: PathProbe): EndpointSummary {
  const s: EndpointSummary = { url: p.url, given: p.given, transport: transportOf(p), detail: describePath(p) };
  const server = p.streamable.server ?? p.legacy?.server;
  if (server) s.server = server;
  if (p.legacy?.endpoint) s.endpointEvent = p.legacy.endpoint;
  const init = p.streamable.ok ? p.streamable.initialized : p.legacy?.initialized;
  if (init) s.initialized = init.outcome;
  return s;
}

export function oauthSummary(p: DoctorProbes['oauth'][number]): OAuthSummary {
  const s: OAuthSummary = { method: p.method, url: p.url };
  if (p.answer) Object.assign(s, { status: p.answer.status, contentType: p.answer.contentType, body: p.answer.bodyKind });
  if (p.failure) s.failure = failureText(p.failure);
  return s;
}

export function hostOriginSummary(probes: DoctorProbes): HostOriginSummary | null {
  const g = probes.guards;
  if (!g) return null;
  const s: HostOriginSummary = { url: g.url, origin: guardVerdict(g.origin), host: guardVerdict(g.host) };
  if (g.origin.answer) s.foreignOriginStatus = g.origin.answer.status;
  const accepted = acceptedOrigin(g);
  if (accepted) s.acceptedOrigin = accepted;
  if (g.host.answer) s.foreignHostStatus = g.host.answer.status;
  return s;
}
