// Starts real child processes for tests and benches, waits until they announce readiness on stdout,
// and stops them by pid. Every process started here is tracked so a test can stop it in `after`.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root (this file lives at dist/test/helpers/process.js after the build). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const PROXY_MAIN = path.join(REPO_ROOT, 'dist/src/main.js');
export const FIXTURES_DIR = path.join(REPO_ROOT, 'dist/test/fixtures');

/**
 * The V8 flags the proxy runs with in `npm start` and the Docker image (a smaller young generation:
 * the proxy's live heap is small, and V8's default 16 MB semi-spaces alone cost ~25 MB of RSS under
 * load). Tests and the bench start the proxy the same way; test/unit/runtime-flags.test.ts keeps
 * package.json and the Dockerfile in step with this list.
 */
export const PROXY_NODE_FLAGS = ['--max-semi-space-size=2'];

export interface RunningProcess {
  child: ChildProcess;
  pid: number;
  /** Every stdout line seen so far (JSON logs of the proxy, announcements of fixtures). */
  lines: string[];
  stderr: string[];
  /** Resolves with the first parsed JSON stdout line that satisfies `match`. */
  waitForLine(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const started = new Set<RunningProcess>();

export function startProcess(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): RunningProcess {
  const child = spawn(command, args, {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  const waiters: Array<{ match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }> = [];
  let carry = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    carry += chunk;
    let nl: number;
    while ((nl = carry.indexOf('\n')) >= 0) {
      const line = carry.slice(0, nl);
      carry = carry.slice(nl + 1);
      lines.push(line);
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      for (let i = waiters.length - 1; i >= 0; i--) {
        const w = waiters[i]!;
        if (w.match(parsed)) {
          waiters.splice(i, 1);
          w.resolve(parsed);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr.push(chunk);
    if (process.env.FRONTDOOR_TEST_VERBOSE) process.stderr.write(chunk);
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);

  const proc: RunningProcess = {
    child,
    pid: child.pid!,
    lines,
    stderr,
    waitForLine(match, timeoutMs = 15_000) {
      for (const l of lines) {
        try {
          const parsed = JSON.parse(l) as Record<string, unknown>;
          if (match(parsed)) return Promise.resolve(parsed);
        } catch {
          /* not JSON */
        }
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`timed out waiting for a line from ${command} ${args.join(' ')}\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr.join('')}`));
        }, timeoutMs);
        const onExit = (code: number | null) => {
          clearTimeout(timer);
          reject(new Error(`${command} ${args.join(' ')} exited (${code}) before it was ready\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr.join('')}`));
        };
        child.once('exit', onExit);
        waiters.push({
          match,
          resolve: (l) => {
            clearTimeout(timer);
            child.off('exit', onExit);
            resolve(l);
          },
        });
      });
    },
    async stop(signal = 'SIGTERM') {
      started.delete(proc);
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      try {
        process.kill(child.pid!, signal);
      } catch {
        /* already gone */
      }
      const killer = setTimeout(() => {
        try {
          process.kill(child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 5_000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
  started.add(proc);
  return proc;
}

/** Stops every process this module started that is still running (use in `after`). */
export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((p) => p.stop()));
}

export interface RunningProxy extends RunningProcess {
  /** The MCP endpoint URL the proxy printed, e.g. http://127.0.0.1:PORT/mcp */
  url: string;
  origin: string;
}

/** Starts the built proxy (`dist/src/main.js`) with the given CLI args and waits for its `listening` log line. */
export async function startProxy(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<RunningProxy> {
  const withDefaults = args.includes('--port') || args.includes('--config') ? args : [...args, '--port', '0'];
  const proc = startProcess(process.execPath, [...PROXY_NODE_FLAGS, PROXY_MAIN, ...withDefaults], {
    env: { FRONTDOOR_LOG_FORMAT: 'json', ...opts.env },
  });
  const line = await proc.waitForLine((l) => l.msg === 'listening' && typeof l.url === 'string');
  const url = line.url as string;
  return Object.assign(proc, { url, origin: new URL(url).origin });
}

/** Starts a fixture from dist/test/fixtures and waits for its `{"listening": url}` announcement. */
export async function startFixture(name: string, args: string[] = [], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<RunningProcess & { url: string }> {
  const proc = startProcess(process.execPath, [path.join(FIXTURES_DIR, `${name}.js`), ...args], opts);
  const line = await proc.waitForLine((l) => typeof l.listening === 'string');
  return Object.assign(proc, { url: line.listening as string });
}
