// The OAuth discovery requests Claude Code and other TS-SDK clients send (docs/quirks.md, Claude Code): the
// protected-resource metadata for the MCP path, the authorization-server metadata at the origin, and
// the dynamic client registration they fall back to. Three requests out of Claude Code's eight: the
// body shape is what matters, and a server answers all forms alike. The registration POST carries
// an empty metadata object, so a real authorization server refuses it and registers nothing. They
// carry the user's `--header`s like every probe.
import { answerOf, ExchangeFailure, exchange, withTimeout } from './http-exchange.js';
import type { OAuthProbe } from './probe-results.js';

export async function probeOAuth(mcpUrl: URL, timeoutMs: number, userHeaders: Record<string, string>): Promise<OAuthProbe[]> {
  const resourcePath = mcpUrl.pathname === '/' ? '' : mcpUrl.pathname.replace(/\/$/, '');
  const plan: Array<Pick<OAuthProbe, 'method' | 'role'> & { path: string }> = [
    // RFC 9728 §3.1: the well-known segment goes between the origin and the resource's path.
    { method: 'GET', role: 'protected-resource-metadata', path: `/.well-known/oauth-protected-resource${resourcePath}` },
    { method: 'GET', role: 'authorization-server-metadata', path: '/.well-known/oauth-authorization-server' },
    { method: 'POST', role: 'registration', path: '/register' },
  ];
  const results: OAuthProbe[] = [];
  for (const step of plan) {
    const url = new URL(step.path, mcpUrl.origin);
    const probe: OAuthProbe = { method: step.method, role: step.role, url: url.href };
    try {
      probe.answer = await withTimeout(timeoutMs, async (signal) => {
        const headers: Record<string, string> = { ...userHeaders, accept: 'application/json' };
        if (step.method === 'POST') headers['content-type'] = 'application/json';
        const ex = await exchange(url, { method: step.method, headers, ...(step.method === 'POST' ? { body: '{}' } : {}), signal }, []);
        return answerOf(ex, signal);
      });
    } catch (e) {
      if (!(e instanceof ExchangeFailure)) throw e;
      probe.failure = e.failure;
    }
    results.push(probe);
  }
  return results;
}
