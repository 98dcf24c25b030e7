// The paths the authorization bench compares, each a way to open a session and call `echo` on it:
// direct to the backend (legacy SSE) and through the proxy's routes (Streamable HTTP), with the
// credential each route wants on every request. And the checks that each route really enforces what
// it is named for: a bench of a lock that is not locked would measure nothing.
import type http from 'node:http';
import { initializeBody, post } from '../helpers/http.js';
import type { Wire } from '../helpers/wire.js';
import type { AuthBenchStack } from './bench-auth-stack.js';
import { LightLegacy, LightStreamable } from './light-clients.js';

export const MODE_IDS = ['direct', 'none', 'key', 'jwt', 'jwt-fresh', 'policy', 'policy-warn', 'policy-info'] as const;
export type ModeId = (typeof MODE_IDS)[number];

export interface BenchSession {
  /** One tools/call echo; true when the text came back. */
  echo(text: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface Mode {
  id: ModeId;
  label: string;
  /** The proxy process that serves it (null: direct to the backend). */
  proxyPid: number | null;
  open(): Promise<BenchSession>;
  /** Before `calls` calls, outside the measured window: mints the per-request tokens of jwt-fresh. */
  prepare(calls: number): Promise<void>;
}

const echoed = (response: Wire, text: string) => response?.result?.content?.[0]?.text === text && response.result.isError !== true;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A different token for every request: each one pays a signature check (the proxy caches by token). */
class FreshTokens {
  private tokens: string[] = [];
  private used = 0;
  constructor(readonly mint: () => Promise<string>) {}
  async prepare(count: number): Promise<void> {
    this.tokens = [];
    this.used = 0;
    for (let i = 0; i < count; i++) this.tokens.push(await this.mint());
  }
  next(): string {
    const t = this.tokens[this.used++];
    if (t === undefined) throw new Error('the fresh tokens minted for this round ran out');
    return t;
  }
}

export async function benchModes(stack: AuthBenchStack, agent: http.Agent, timeoutMs: number): Promise<Mode[]> {
  const mcp = (p: RunningOrigin, route: string) => `${p.origin}${route}/mcp`;
  const fresh = new FreshTokens(() => stack.oidc.mintToken({ aud: mcp(stack.proxy, '/jwt-fresh'), exp: Math.floor(Date.now() / 1000) + 3600 }));
  // One token from the authorization server's own token endpoint (client_credentials, RFC 8707
  // resource), sent on every request: after the first, the proxy's verified-token cache answers.
  const cached = (await stack.oidc.clientCredentialsToken(stack.oidc.clientA, mcp(stack.proxy, '/jwt'), 'mcp:tools')).access_token;
  const nothing = async () => undefined;

  const streamable = (id: ModeId, label: string, proxy: RunningOrigin & { pid: number }, route: string, credential: () => Record<string, string>): Mode => ({
    id,
    label,
    proxyPid: proxy.pid,
    prepare: id === 'jwt-fresh' ? (calls) => fresh.prepare(calls) : nothing,
    async open() {
      const s = await LightStreamable.open(agent, mcp(proxy, route), id === 'jwt-fresh' ? bearer(await fresh.mint()) : credential(), timeoutMs);
      return {
        echo: async (text) => echoed(await s.call('tools/call', { name: 'echo', arguments: { text } }, credential()), text),
        close: async () => s.close(id === 'jwt-fresh' ? bearer(await fresh.mint()) : credential()),
      };
    },
  });

  return [
    {
      id: 'direct',
      label: 'direct',
      proxyPid: null,
      prepare: nothing,
      async open() {
        const s = await LightLegacy.open(agent, stack.backend.url, timeoutMs);
        return { echo: async (text) => echoed(await s.call('tools/call', { name: 'echo', arguments: { text } }), text), close: async () => s.close() };
      },
    },
    streamable('none', '/none', stack.proxy, '/none', () => ({})),
    streamable('key', '/key', stack.proxy, '/key', () => bearer(stack.apiKey)),
    streamable('jwt', '/jwt cached', stack.proxy, '/jwt', () => bearer(cached)),
    streamable('jwt-fresh', '/jwt-fresh', stack.proxy, '/jwt-fresh', () => bearer(fresh.next())),
    streamable('policy', '/policy', stack.proxy, '/policy', () => ({})),
    streamable('policy-warn', '/policy warn', stack.proxyWarn, '/policy', () => ({})),
    streamable('policy-info', '/policy info', stack.proxyInfo, '/policy', () => ({})),
  ];
}

interface RunningOrigin {
  origin: string;
}

/** What each route must refuse; returns the problems (empty when every lock holds). */
export async function checkLocks(stack: AuthBenchStack, agent: http.Agent, timeoutMs: number): Promise<string[]> {
  const problems: string[] = [];
  const o = stack.proxy.origin;
  const expectStatus = async (what: string, url: string, headers: Record<string, string>, status: number) => {
    const res = await post(url, initializeBody(), headers);
    await res.text();
    if (res.status !== status) problems.push(`${what}: expected HTTP ${status}, got ${res.status}`);
    return res;
  };
  await expectStatus('/key without a key', `${o}/key/mcp`, {}, 401);
  await expectStatus('/key with a wrong key', `${o}/key/mcp`, bearer('x'.repeat(32)), 401);
  const noToken = await expectStatus('/jwt without a token', `${o}/jwt/mcp`, {}, 401);
  if (!/resource_metadata=/.test(noToken.headers.get('www-authenticate') ?? ''))
    problems.push('/jwt without a token: no resource_metadata in WWW-Authenticate');
  const otherAudience = await stack.oidc.mintToken({ aud: `${o}/jwt/mcp` });
  await expectStatus('/jwt-fresh with a token for /jwt', `${o}/jwt-fresh/mcp`, bearer(otherAudience), 401);
  await expectStatus('/jwt-fresh with a valid token', `${o}/jwt-fresh/mcp`, bearer(await stack.oidc.mintToken({ aud: `${o}/jwt-fresh/mcp` })), 200);
  // The tool gate: `fail` is a tool of the backend; /none passes it on, /policy hides it.
  for (const [route, origin, gated] of [
    ['/none', o, false],
    ['/policy', o, true],
    ['/policy', stack.proxyWarn.origin, true],
    ['/policy', stack.proxyInfo.origin, true],
  ] as const) {
    const s = await LightStreamable.open(agent, `${origin}${route}/mcp`, {}, timeoutMs);
    const answer = await s.call('tools/call', { name: 'fail', arguments: {} }, {});
    await s.close({});
    if (gated !== (answer.error !== undefined))
      problems.push(`${origin}${route} tools/call fail: ${gated ? 'not refused' : 'refused'}: ${JSON.stringify(answer).slice(0, 200)}`);
  }
  return problems;
}
