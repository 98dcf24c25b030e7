// Sidecar-style launch: a backend may name a `command` that the proxy starts, waits for (its URL's
// port accepts TCP), logs, and stops on shutdown: SIGTERM, then SIGKILL after a grace period.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { ProxyError } from '../errors/proxy-error.js';
import { childEnv } from './child-env.js';

export interface LaunchedBackend {
  readonly pid: number;
  stop(): Promise<void>;
}

export interface LaunchOptions {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** backend.inheritEnv: the proxy's whole environment instead of the default list (child-env.ts). */
  inheritEnv: boolean;
  cwd: string | undefined;
  url: URL;
  startupTimeoutMs: number;
  log: Logger;
}

const STOP_GRACE_MS = 5_000;

export async function launchBackend(opts: LaunchOptions): Promise<LaunchedBackend> {
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: childEnv(process.env, opts.env, opts.inheritEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = opts.log.child({ backendPid: child.pid, command: opts.command });
  pipeLines(child, log);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      log.info({ code, signal }, 'backend process exited');
      resolve();
    });
  });
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (e) =>
      reject(new ProxyError('ERR_BACKEND_UNAVAILABLE', 'backend_launch_failed', `cannot start backend command "${opts.command}": ${e.message}`)),
    );
  });
  spawnError.catch(() => undefined);
  const handle: LaunchedBackend = {
    pid: child.pid ?? -1,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exit;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + opts.startupTimeoutMs;
  const port = Number(opts.url.port || (opts.url.protocol === 'https:' ? 443 : 80));
  const host = opts.url.hostname.replace(/^\[|\]$/g, '');
  try {
    for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
      if (exited)
        throw new ProxyError(
          'ERR_BACKEND_UNAVAILABLE',
          'backend_exited_at_start',
          `backend command "${opts.command}" exited before it accepted connections on ${opts.url.host}`,
        );
      if (await Promise.race([canConnect(host, port), spawnError])) break;
      if (Date.now() > deadline)
        throw new ProxyError(
          'ERR_BACKEND_TIMEOUT',
          'backend_startup_timeout',
          `backend command "${opts.command}" did not accept connections on ${opts.url.host} within ${opts.startupTimeoutMs} ms`,
        );
      await sleep(delay);
    }
  } catch (e) {
    await handle.stop();
    throw e;
  }
  log.info({ url: opts.url.origin }, 'backend process ready');
  return handle;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function pipeLines(child: ChildProcess, log: Logger): void {
  for (const [stream, level] of [
    [child.stdout, 'info'],
    [child.stderr, 'warn'],
  ] as const) {
    let carry = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      carry += chunk;
      let nl: number;
      while ((nl = carry.indexOf('\n')) >= 0) {
        const line = carry.slice(0, nl).trimEnd();
        carry = carry.slice(nl + 1);
        if (line) log[level]({ stream: level === 'info' ? 'stdout' : 'stderr' }, line);
      }
      if (carry.length > 64 * 1024) carry = '';
    });
  }
}
