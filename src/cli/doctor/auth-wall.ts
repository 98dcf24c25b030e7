// Where the server asks for credentials, and whether that sends clients into OAuth discovery.
// TS-SDK clients (Claude Code, Cursor, VS Code's) start discovery only on a 401 (client/auth.ts is
// called from the transports on 401 only); Claude Code also reads a 403 without `WWW-Authenticate`
// as "needs authentication" (docs/quirks.md, Claude Code). A server that answers initialize without
// either never sends a client to its OAuth URLs, whatever they answer. Pure.
import type { DoctorProbes, HttpAnswer, PathProbe } from './probe-results.js';

/** A 401 or 403 to one of the path's MCP requests: POST initialize, the GET of the stream, the POST to the endpoint. */
export function refusalOf(p: PathProbe): { request: string; answer: HttpAnswer } | undefined {
  const tried: Array<[string, HttpAnswer | undefined]> = [
    ['POST initialize', p.streamable.answer],
    ['GET (SSE)', p.legacy?.answer],
    ['POST initialize to the SSE endpoint', p.legacy?.initializeAnswer],
  ];
  for (const [request, answer] of tried) if (answer && (answer.status === 401 || answer.status === 403)) return { request, answer };
  return undefined;
}

export function startsOAuthDiscovery(a: HttpAnswer): boolean {
  return a.status === 401 || (a.status === 403 && !a.wwwAuthenticate);
}

/**
 * Who meets a refusal that starts OAuth discovery: clients configured as the doctor probed (with the
 * `--header`s given), only clients without those headers, or nobody.
 */
export type AuthWall =
  { seenBy: 'as-probed'; url: string; request: string; answer: HttpAnswer } | { seenBy: 'without-headers'; answer: HttpAnswer } | { seenBy: 'nobody' };

export function authWall(probes: DoctorProbes, focus: PathProbe | undefined): AuthWall {
  for (const p of focus ? [focus] : probes.paths) {
    const r = refusalOf(p);
    if (r && startsOAuthDiscovery(r.answer)) return { seenBy: 'as-probed', url: p.url, ...r };
  }
  const without = probes.withoutHeaders?.answer;
  if (without && startsOAuthDiscovery(without)) return { seenBy: 'without-headers', answer: without };
  return { seenBy: 'nobody' };
}

/** "the 401 to POST initialize at URL", for the findings' sentences. */
export function authWallText(wall: AuthWall): string {
  if (wall.seenBy === 'nobody') return 'no MCP request got a 401 (or a 403 without WWW-Authenticate)';
  if (wall.seenBy === 'without-headers') return `the ${wall.answer.status} that a client without the --header gets`;
  const said = wall.answer.snippet && wall.answer.bodyKind !== 'html' ? ` (${wall.answer.snippet.slice(0, 60)})` : '';
  return `the ${wall.answer.status}${said} to ${wall.request} at ${wall.url}`;
}
