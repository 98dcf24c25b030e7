// A real authorization server (oidc-provider), a legacy SSE backend that records the credentials it
// receives, and the proxy in front with the route config a test gives: the stack the auth tests run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { startOidc, type OidcOptions, type OidcServer } from './oidc.js';
import { startFixture, startProxy, type RunningProcess, type RunningProxy } from './process.js';

export interface AuthStack {
  oidc: OidcServer;
  backend: RunningProcess & { url: string };
  proxy: RunningProxy;
  /** The credential-bearing headers the backend has received so far (x-backend-* included). */
  backendCredentials(): Promise<string[]>;
  /** SSE connections the backend has accepted so far. */
  backendConnections(): Promise<number>;
}

type After = { after: (fn: () => Promise<unknown> | unknown) => void };

/** `routes(oidc, backendUrl)` returns the proxy's routes; the stack stops with `t.after`. */
export async function startAuthStack(
  t: After,
  routes: (oidc: OidcServer, backendUrl: string) => unknown[],
  opts: { oidc?: OidcOptions; env?: NodeJS.ProcessEnv } = {},
): Promise<AuthStack> {
  const oidc = await startOidc(t, opts.oidc);
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-auth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'frontdoor.yaml');
  writeFileSync(file, stringify({ listen: { port: 0 }, routes: routes(oidc, backend.url) }));
  const proxy = await startProxy(['--config', file], { env: opts.env });
  t.after(() => proxy.stop());
  const control = new URL('/control/stats', backend.url);
  const stats = async () => (await (await fetch(control)).json()) as { credentials: string[]; connections: number };
  return {
    oidc,
    backend,
    proxy,
    backendCredentials: async () => (await stats()).credentials,
    backendConnections: async () => (await stats()).connections,
  };
}

/** The parameters of a `WWW-Authenticate: Bearer …` challenge, unquoted. */
export function challengeParams(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const m of header.matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
  return out;
}
