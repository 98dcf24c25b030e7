// The hostile suite's set-up: the misbehaving legacy SSE fixture and a proxy in front of it with the
// limits under test (config file), optionally under a lowered open-file limit (`ulimit -n`).
// Everything started is stopped by the test's own `t.after`.
import type { TestContext } from 'node:test';
import { PROXY_MAIN, PROXY_NODE_FLAGS, startFixture, startProcess, type RunningProcess, type RunningProxy } from './process.js';
import { writeConfigFile } from './config-file.js';

export interface StackOptions {
  limits?: Record<string, unknown>;
  sessions?: Record<string, unknown>;
  listen?: Record<string, unknown>;
  /** Replaces the route's backend (default: the hostile fixture over legacy SSE). */
  backend?: Record<string, unknown>;
  /** Starts the proxy through `sh -c 'ulimit -n N && exec node …'`. */
  openFiles?: number;
}

export interface HostileStack {
  fixture: (RunningProcess & { url: string }) | undefined;
  proxy: RunningProxy;
}

export async function startHostileStack(t: TestContext, opts: StackOptions = {}): Promise<HostileStack> {
  let fixture: (RunningProcess & { url: string }) | undefined;
  if (!opts.backend) {
    fixture = await startFixture('hostile-sse-server');
    const f = fixture;
    t.after(() => f.stop());
  }
  const config = writeConfigFile({
    listen: { port: 0, ...opts.listen },
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.sessions ? { sessions: opts.sessions } : {}),
    log: { level: 'info', format: 'json' },
    routes: [{ path: '/', backend: opts.backend ?? { transport: 'sse', url: fixture!.url } }],
  });
  t.after(() => config.dispose());
  const proxy = await startProxyProcess(['--config', config.file], opts.openFiles);
  t.after(() => proxy.stop());
  return { fixture, proxy };
}

/** The built proxy with `args`, waiting for its `listening` line; through sh when the fd limit is lowered. */
export async function startProxyProcess(args: string[], openFiles?: number): Promise<RunningProxy> {
  const node = [process.execPath, ...PROXY_NODE_FLAGS, PROXY_MAIN, ...args];
  const env = { FRONTDOOR_LOG_FORMAT: 'json' };
  const proc =
    openFiles === undefined
      ? startProcess(node[0]!, node.slice(1), { env })
      : startProcess('sh', ['-c', `ulimit -n ${openFiles} && exec "$@"`, 'sh', ...node], { env });
  try {
    const line = await proc.waitForLine((l) => l.msg === 'listening' && typeof l.url === 'string');
    const url = line.url as string;
    return Object.assign(proc, { url, origin: new URL(url).origin });
  } catch (e) {
    await proc.stop();
    throw e;
  }
}
