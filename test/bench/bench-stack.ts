// The processes of one block of the main bench, started fresh for it: the legacy SSE echo backend
// built on the MCP SDK (bench-backend.ts) and, unless only the backend is wanted, one proxy in front
// of it. The proxy may come from another build (BENCH_PROXY_MAIN: the "before" of a before/after)
// and may run with extra node flags, NODE_OPTIONS, CLI arguments or a config file. Every process is
// stopped by its pid.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { PROXY_MAIN, REPO_ROOT, startProcess, type RunningProcess, type RunningProxy } from '../helpers/process.js';
import { cpuProfFlags, launchProxy } from './bench-proc.js';

const BACKEND_MAIN = path.join(REPO_ROOT, 'dist/test/bench/bench-backend.js');

export interface ProxyOptions {
  /** The proxy's entry point: this build's dist/src/main.js, or BENCH_PROXY_MAIN. */
  main: string;
  execArgv: string[];
  env: NodeJS.ProcessEnv;
  extraArgs: string[];
  logLevel: string;
}

export function proxyOptionsFromEnv(): ProxyOptions {
  const env: NodeJS.ProcessEnv = {};
  if (process.env.BENCH_PROXY_NODE_OPTIONS) env.NODE_OPTIONS = process.env.BENCH_PROXY_NODE_OPTIONS;
  const main = process.env.BENCH_PROXY_MAIN?.trim();
  return {
    main: main ? path.resolve(main) : PROXY_MAIN,
    execArgv: cpuProfFlags(process.env.BENCH_PROXY_CPU_PROF),
    env,
    extraArgs: (process.env.BENCH_PROXY_ARGS ?? '').split(/\s+/).filter(Boolean),
    logLevel: process.env.BENCH_PROXY_LOG_LEVEL ?? 'warn',
  };
}

export interface BenchBackend extends RunningProcess {
  /** The legacy SSE endpoint, http://127.0.0.1:PORT/sse */
  url: string;
}

export async function startBackend(execArgv: string[] = []): Promise<BenchBackend> {
  const proc = startProcess(process.execPath, [...execArgv, BACKEND_MAIN, '--port', '0']);
  const line = await proc.waitForLine((l) => typeof l.listening === 'string');
  return Object.assign(proc, { url: line.listening as string });
}

/**
 * A proxy in front of `backend`: `--backend URL`, or a config file with that route when keys the CLI
 * has no flag for are wanted (`limits`); the other flags overlay it.
 */
export function startBenchProxy(backend: BenchBackend, opts: ProxyOptions, configFile?: string): Promise<RunningProxy> {
  const args = ['--host', '127.0.0.1', '--log-level', opts.logLevel, ...opts.extraArgs];
  return launchProxy(configFile ? ['--config', configFile, ...args] : ['--backend', backend.url, ...args], opts.env, opts.execArgv, opts.main);
}

export interface Stack {
  backend: BenchBackend;
  proxy: RunningProxy;
  stop(): Promise<void>;
}

/**
 * A fresh backend and a fresh proxy in front of it, both with `execArgv` added to their node flags;
 * `limits` (keys under `limits:`) go in a config file kept until the proxy has stopped (it watches the
 * file for hot reload). If the proxy cannot start, the backend is stopped too.
 */
export async function startStack(opts: ProxyOptions, extra: { limits?: Record<string, number>; execArgv?: string[] } = {}): Promise<Stack> {
  const { limits, execArgv = [] } = extra;
  const dir = limits ? mkdtempSync(path.join(tmpdir(), 'frontdoor-bench-')) : undefined;
  const cleanup = () => dir && rmSync(dir, { recursive: true, force: true });
  let backend: BenchBackend | undefined;
  try {
    backend = await startBackend(execArgv);
    let file: string | undefined;
    if (dir) {
      // The route --backend would make.
      const routes = [{ path: '/', backend: { transport: 'sse', url: backend.url } }];
      file = path.join(dir, 'bench.yaml');
      writeFileSync(file, stringify({ listen: { host: '127.0.0.1', port: 0 }, limits, routes }));
    }
    const proxy = await startBenchProxy(backend, { ...opts, execArgv: [...opts.execArgv, ...execArgv] }, file);
    const b = backend;
    return {
      backend: b,
      proxy,
      stop: async () => {
        await proxy.stop();
        await b.stop();
        cleanup();
      },
    };
  } catch (err) {
    await backend?.stop();
    cleanup();
    throw err;
  }
}

/** True while the process has neither exited nor been killed. */
export function alive(p: RunningProcess): boolean {
  return p.child.exitCode === null && p.child.signalCode === null;
}
