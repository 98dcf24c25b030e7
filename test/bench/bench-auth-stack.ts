// The processes of the authorization bench: a real authorization server (oidc-provider), the legacy
// SSE fixture backend, one proxy at log level warn with a route per authorization mode over that
// backend, and two more proxies alike but for their log level (warn and info), each with only the
// tool-policy route: what the audit line of each tools/call costs when it is written is the
// difference between two processes that serve the same traffic (comparing with the main proxy would
// compare a process that served every mode with one that sat idle most of the bench).
// Every process is stopped by pid (helpers' stopAll).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { startOidc, type OidcServer } from '../helpers/oidc.js';
import { startFixture, type RunningProxy } from '../helpers/process.js';
import { launchProxy } from './bench-proc.js';

/** What proxyInfo wrote to stdout, counted as it arrives; `onLines` is called after each chunk. */
export interface InfoOutput {
  lines: number;
  bytes: number;
  onLines?: () => void;
}

export interface AuthBenchStack {
  oidc: OidcServer;
  backend: { url: string; pid: number };
  /** Routes /none, /key, /jwt, /jwt-fresh, /policy; log level warn. */
  proxy: RunningProxy;
  /** Route /policy only, log level warn: the control for proxyInfo. */
  proxyWarn: RunningProxy;
  /** Route /policy only, log level info: every tools/call writes its audit line. */
  proxyInfo: RunningProxy;
  /** stdout of proxyInfo since start: lines and bytes (the audit lines, counted, not kept). */
  infoOutput: InfoOutput;
  apiKey: string;
  dispose(): void;
}

/** The tool policy of /policy: the gate matches globs on every call, the audit runs on each. */
const POLICY = { allow: ['echo', 'add'], deny: ['fail'], scopes: {} };

export async function startAuthBenchStack(execArgv: string[]): Promise<AuthBenchStack> {
  // Tokens outlive the bench (the default 300 s could end during a slow run on a busy machine).
  const oidc = await startOidc({ after: () => undefined }, { tokenTtl: 3600 });
  const backend = await startFixture('legacy-sse-server');
  const apiKey = randomBytes(24).toString('base64url');
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-bench-auth-'));
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  try {
    const b = { url: backend.url };
    const oauth = { mode: 'oauth', issuer: oidc.issuer, scopes: ['mcp:tools'] };
    const main = path.join(dir, 'main.yaml');
    writeFileSync(
      main,
      stringify({
        listen: { host: '127.0.0.1', port: 0 },
        log: { level: 'warn' },
        routes: [
          { path: '/none', backend: b },
          // Interpolated from the environment: the key stays out of the file and argv.
          { path: '/key', backend: b, auth: { mode: 'apiKey', keys: ['${BENCH_AUTH_KEY}'] } },
          { path: '/jwt', backend: b, auth: oauth },
          { path: '/jwt-fresh', backend: b, auth: oauth },
          { path: '/policy', backend: b, tools: POLICY },
        ],
      }),
    );
    const policyOnly = (level: string) => {
      const file = path.join(dir, `${level}.yaml`);
      writeFileSync(file, stringify({ listen: { host: '127.0.0.1', port: 0 }, log: { level }, routes: [{ path: '/policy', backend: b, tools: POLICY }] }));
      return file;
    };
    const proxy = await launchProxy(['--config', main], { BENCH_AUTH_KEY: apiKey }, execArgv);
    const proxyWarn = await launchProxy(['--config', policyOnly('warn')], {}, execArgv);
    const proxyInfo = await launchProxy(['--config', policyOnly('info')], {}, execArgv);
    // The helper parses and keeps every stdout line; at info that is one line per call, which would
    // cost the bench client (sharing the 2 cores) more than the proxy spends writing it. Count instead.
    const infoOutput: InfoOutput = { lines: 0, bytes: 0 };
    proxyInfo.child.stdout!.removeAllListeners('data');
    proxyInfo.child.stdout!.on('data', (chunk: string) => {
      infoOutput.bytes += Buffer.byteLength(chunk);
      for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) infoOutput.lines++;
      infoOutput.onLines?.();
    });
    return { oidc, backend: { url: backend.url, pid: backend.pid }, proxy, proxyWarn, proxyInfo, infoOutput, apiKey, dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}
