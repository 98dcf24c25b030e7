// A shallow probe of a URL where initialize already worked, with one header changed: a foreign
// Origin or Host (DNS-rebinding protection), or without the user's `--header`s (does the server
// need them?). It is the same initialize the working probe sent, so a refusal can only be about
// that header; its session is closed (DELETE, or the legacy stream) like every probe's.
import { probeLegacySse } from './probe-legacy-sse.js';
import type { GuardProbes, HeaderVariant } from './probe-results.js';
import { probeStreamable } from './probe-streamable.js';

export async function probeVariant(
  url: URL,
  transport: GuardProbes['transport'],
  headers: Record<string, string>,
  timeoutMs: number,
  sent: string,
): Promise<HeaderVariant> {
  const opts = { timeoutMs, deep: false, headers };
  if (transport === 'streamable-http') {
    const p = await probeStreamable(url, opts);
    const v: HeaderVariant = { sent, accepted: p.ok };
    if (p.ok) return v;
    if (p.answer) v.answer = p.answer;
    if (p.rpcError) v.rpcError = p.rpcError;
    if (p.failure) v.failure = p.failure;
    return v;
  }
  const p = await probeLegacySse(url, opts);
  const v: HeaderVariant = { sent, accepted: p.ok };
  if (p.ok) return v;
  // The GET of the stream, else the POST of initialize, is what refused it.
  const answer = p.answer ?? p.initializeAnswer;
  if (answer) v.answer = answer;
  const problem = p.noEndpointEvent ?? p.initializeProblem;
  if (problem) v.problem = problem;
  if (p.failure) v.failure = p.failure;
  return v;
}
