// A scale-out cluster on loopback for tests: a real redis-server, N proxy replicas sharing it, and a
// real round-robin load balancer (haproxy) in front. Every process is stopped by pid.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startProcess, startProxy, type RunningProcess, type RunningProxy } from './process.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Throws (the test fails, never skips) when a program CI installs is missing. */
export function requireProgram(name: string, versionArg: string): void {
  const r = spawnSync(name, [versionArg], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) throw new Error(`${name} is not installed: ${r.error.message} (apt-get install -y redis-server haproxy; .ci/run installs them)`);
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Replica extends RunningProxy {
  /** The id it registered under in the store. */
  replicaId: string;
  configFile: string;
}

export interface TestCluster {
  redis: RunningProcess;
  redisUrl: string;
  replicas: Replica[];
  lb: RunningProcess;
  /** The load balancer's origin, e.g. http://127.0.0.1:PORT */
  lbOrigin: string;
  stop(): Promise<void>;
}

/** A redis-server with no persistence; `port` restarts one where a stopped one listened (empty). */
export async function startRedis(port?: number): Promise<{ proc: RunningProcess; url: string; port: number }> {
  requireProgram('redis-server', '--version');
  port ??= await freePort();
  const proc = startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  await waitForPort(port);
  return { proc, url: `redis://127.0.0.1:${port}`, port };
}

export async function startReplica(dir: string, index: number, redisUrl: string, backendUrl: string): Promise<Replica> {
  const configFile = path.join(dir, `replica-${index}.yaml`);
  writeFileSync(
    configFile,
    [
      'listen: { host: 127.0.0.1, port: 0 }',
      `store: ${redisUrl}`,
      'cluster: { heartbeat: 300ms, replicaTtl: 1200ms, drainTimeout: 10s }',
      'routes:',
      '  - path: /',
      `    backend: { transport: sse, url: "${backendUrl}" }`,
      '',
    ].join('\n'),
  );
  const proxy = await startProxy(['--config', configFile]);
  const reg = await proxy.waitForLine((l) => l.reason === 'replica_registered');
  return Object.assign(proxy, { replicaId: reg.replica as string, configFile });
}

export function haproxyConfig(port: number, servers: string[]): string {
  return [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-keep-alive 5s',
    // Kept-alive server connections, as config/examples/haproxy.cfg: a draining replica closes them
    // (Connection: close) and a request that meets a closed one is retried (retry-on below).
    '  option http-keep-alive',
    '  http-reuse safe',
    '  option http-buffer-request',
    '  retries 3',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response 503',
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    '  default_backend replicas',
    'backend replicas',
    '  balance roundrobin',
    ...servers.map((s, i) => `  server r${i} ${s}`),
    '',
  ].join('\n');
}

/** redis-server, `n` replicas on one backend, haproxy round-robin in front. */
export async function startCluster(backendUrl: string, n = 3): Promise<TestCluster> {
  requireProgram('haproxy', '-v');
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-cluster-'));
  const redis = await startRedis();
  const replicas: Replica[] = [];
  for (let i = 0; i < n; i++) replicas.push(await startReplica(dir, i, redis.url, backendUrl));
  const lbPort = await freePort();
  const cfg = path.join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    haproxyConfig(
      lbPort,
      replicas.map((r) => new URL(r.origin).host),
    ),
  );
  const lb = startProcess('haproxy', ['-f', cfg, '-db']);
  await waitForPort(lbPort);
  return {
    redis: redis.proc,
    redisUrl: redis.url,
    replicas,
    lb,
    lbOrigin: `http://127.0.0.1:${lbPort}`,
    async stop() {
      await lb.stop();
      await Promise.all(replicas.map((r) => r.stop()));
      await redis.proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The value of a gauge on a replica's /metrics (NaN when absent). */
export async function gauge(origin: string, name: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', origin), { signal: AbortSignal.timeout(10_000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

/** The sum of every series of a counter on a replica's /metrics. */
export async function counter(origin: string, name: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', origin))).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
