// A channel to an MCP server running as a child process (MCP transports §stdio): one process per
// channel, newline-delimited JSON-RPC on its stdin and stdout, stderr to our logs. A duplex pipe
// (docs/architecture.md, Backends). The process leads its own process group (spawned detached), so
// shutdown reaches whatever it started (npx, sh -c): close stdin, wait, SIGTERM the group, wait,
// SIGKILL the group (spec: stdio shutdown).
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { forgetGroup, groupAlive, signalGroup } from './process-group.js';
import type { Logger } from 'pino';
import type { Channel, ChannelHandlers } from '../channel.js';
import type { JsonRpcMessage } from '../../jsonrpc/message.js';
import { decodeMessages } from '../decode.js';
import { messageTooLarge, OversizeTracker } from '../oversize.js';
import { ProxyError } from '../../errors/proxy-error.js';
import { LineFramer } from './ndjson.js';

/** After stdin closes, how long a server may take to exit by itself before SIGTERM. */
export const STDIN_CLOSE_GRACE_MS = 2_000;
/** After SIGTERM, how long before SIGKILL. */
export const SIGTERM_GRACE_MS = 3_000;
/** After the server itself exited, how long what it started may linger before SIGKILL. */
const GROUP_LINGER_MS = 1_000;
/** Between exit and the end of stdout (either order): messages still in the pipe are read first. */
const EXIT_SETTLE_MS = 200;
/** stdout noise is logged at warn for the 1st, (N+1)th, (2N+1)th… line, with a running count. */
const NOISE_LOG_EVERY = 100;
/** Longest stdout noise or stderr line quoted in a log entry. */
const LOG_LINE_CHARS = 2_000;
/** stderr lines kept to explain an unexpected exit. */
const STDERR_TAIL_LINES = 5;
const MAX_STDERR_LINE_BYTES = 64 * 1024;

export interface StdioChannelOptions {
  child: ChildProcessWithoutNullStreams;
  /** The command as configured, for messages (arguments are not logged: they may hold secrets). */
  command: string;
  log: Logger;
  onRepair(reason: string, detail: Record<string, unknown>): void;
  /** limits.maxMessageBytes (one stdout line) and limits.maxJsonDepth, and how hitting them is reported. */
  maxMessageBytes: number;
  maxJsonDepth: number;
  report(err: ProxyError): void;
  limitHit(limit: string): void;
  /** The process and its group are gone (after close() or an unexpected end); called once. */
  onEnded?(): void;
}

interface PendingWrite {
  line: string;
  resolve(): void;
  reject(e: ProxyError): void;
}

const preview = (line: string) => (line.length > LOG_LINE_CHARS ? `${line.slice(0, LOG_LINE_CHARS)}…` : line);

export class StdioChannel implements Channel {
  readonly description: string;
  readonly pid: number;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly log: Logger;
  /** Set by close() or an unexpected end: no more sends, onClose at most once. */
  private done = false;
  private exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private stdoutEnded = false;
  private settleTimer: NodeJS.Timeout | undefined;
  private readonly exited: Promise<void>;
  private terminating: Promise<void> | undefined;
  private readonly queue: PendingWrite[] = [];
  private blocked = false;
  private noiseLines = 0;
  private readonly stderrTail: string[] = [];

  constructor(
    private readonly opts: StdioChannelOptions,
    private readonly handlers: ChannelHandlers,
  ) {
    this.child = opts.child;
    this.pid = opts.child.pid!;
    this.log = opts.log;
    this.description = `stdio ${opts.command} (pid ${this.pid})`;
    this.exited = new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        this.onExit(this.child.exitCode, this.child.signalCode);
        resolve();
        return;
      }
      this.child.once('exit', (code, signal) => {
        this.onExit(code, signal);
        resolve();
      });
    });
    this.child.on('error', (e) => this.log.warn({ reason: 'backend_process_error', err: e.message }, `stdio backend process error: ${e.message}`));

    // A line over limits.maxMessageBytes is dropped as it streams in; the request it answers gets an error.
    const oversize = new OversizeTracker((id) => {
      const err = messageTooLarge(opts.maxMessageBytes, undefined);
      opts.report(err);
      if (!this.done) this.handlers.onMessage(err.toJsonRpc(id));
    });
    const framer = new LineFramer({
      maxLineBytes: opts.maxMessageBytes,
      onOverflowStart: (head) => oversize.started(head),
      onOverflow: (bytes, tail) => {
        if (oversize.ended(tail)) return;
        opts.limitHit('maxMessageBytes');
        this.log.warn({ reason: 'backend_message_too_large', limit: 'maxMessageBytes', bytes }, 'dropped a stdout line larger than limits.maxMessageBytes that answers no request');
      },
    });
    const stdout = this.child.stdout;
    stdout.on('data', (chunk: Buffer) => {
      for (const line of framer.push(chunk)) this.onLine(line);
    });
    stdout.on('end', () => {
      const last = framer.end();
      if (last !== undefined) this.onLine(last);
      this.onStdoutEnd();
    });
    // A destroyed stream ends with 'close' and no 'end'.
    stdout.on('close', () => this.onStdoutEnd());
    stdout.on('error', (e) => this.log.debug({ reason: 'backend_stdout_error', err: e.message }, 'stdout error'));

    const stderrFramer = new LineFramer({
      maxLineBytes: MAX_STDERR_LINE_BYTES,
      onOverflow: (bytes) => this.log.info({ stream: 'stderr', bytes }, '(a stderr line too long to log was skipped)'),
    });
    const stderr = this.child.stderr;
    const onStderrLine = (line: string) => {
      if (line.trim() === '') return;
      const shown = preview(line);
      this.stderrTail.push(shown.length > 300 ? `${shown.slice(0, 300)}…` : shown);
      if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
      // stderr is the server's log, not an error signal (spec §stdio).
      this.log.info({ stream: 'stderr' }, shown);
    };
    stderr.on('data', (chunk: Buffer) => {
      for (const line of stderrFramer.push(chunk)) onStderrLine(line);
    });
    stderr.on('end', () => {
      const last = stderrFramer.end();
      if (last !== undefined) onStderrLine(last);
    });
    stderr.on('error', () => undefined);

    // EPIPE after the server exited arrives here and in the write callbacks.
    this.child.stdin.on('error', (e) => this.log.debug({ reason: 'backend_stdin_error', err: e.message }, 'stdin error'));
    this.child.stdin.on('drain', () => {
      this.blocked = false;
      this.pump();
    });
  }

  // -- backend → proxy ----------------------------------------------------------------------------

  private onLine(line: string): void {
    if (line.trim() === '') return;
    const messages = decodeMessages(line, this.opts.maxJsonDepth, (reason) => {
      if (reason === 'backend_json_too_deep') this.opts.limitHit('maxJsonDepth');
      this.noise(line, reason === 'backend_bad_json' ? 'not JSON' : reason === 'backend_not_jsonrpc' ? 'not JSON-RPC 2.0' : 'nested deeper than limits.maxJsonDepth');
    });
    for (const m of messages) {
      if (this.done) return;
      this.handlers.onMessage(m as JsonRpcMessage);
    }
  }

  /** Backpressure: stop reading the server's stdout while the client is not reading its stream. */
  pause(): void {
    this.child.stdout.pause();
  }

  resume(): void {
    if (!this.done) this.child.stdout.resume();
  }

  /** A stdout line that is no message (servers that log to stdout by mistake): skipped, not fatal. */
  private noise(line: string, what: string): void {
    this.noiseLines++;
    if (this.noiseLines === 1) {
      this.opts.onRepair('stdout_noise_skipped', { backendPid: this.pid, line: preview(line), hint: 'the server writes non-protocol output to stdout; it should log to stderr' });
    }
    if (this.noiseLines % NOISE_LOG_EVERY === 1) {
      this.log.warn({ reason: 'stdout_noise_skipped', skipped: this.noiseLines, line: preview(line) }, `skipped a stdout line that is ${what} (logged every ${NOISE_LOG_EVERY})`);
    } else {
      this.log.debug({ reason: 'stdout_noise_skipped', skipped: this.noiseLines, line: preview(line) }, `skipped a stdout line that is ${what}`);
    }
  }

  // -- the end of the process ---------------------------------------------------------------------

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exitStatus = { code, signal };
    this.log.info({ code, signal, reason: this.done ? 'backend_stopped' : 'backend_exited' }, 'stdio backend process exited');
    this.settleSoon();
  }

  private onStdoutEnd(): void {
    if (this.stdoutEnded) return;
    this.stdoutEnded = true;
    this.settleSoon();
  }

  /**
   * Exit and end of stdout come in either order; the channel fails once both happened, or shortly
   * after the first (a process may close stdout and live on, or exit while a child holds stdout).
   */
  private settleSoon(): void {
    if (this.done) return;
    if (this.exitStatus && this.stdoutEnded) {
      clearTimeout(this.settleTimer);
      this.fail(this.endCause());
      return;
    }
    this.settleTimer ??= setTimeout(() => this.fail(this.endCause()), EXIT_SETTLE_MS);
  }

  private endCause(): ProxyError {
    // The server's stderr is its log: the operator's to read, not the client's (paths, secrets).
    const detail = `"${this.opts.command}" (pid ${this.pid})${this.stderrTail.length > 0 ? `; last stderr: ${this.stderrTail.join(' | ')}` : ''}`;
    if (this.exitStatus) {
      const how = this.exitStatus.signal ? `was killed by ${this.exitStatus.signal}` : `exited with code ${this.exitStatus.code}`;
      return new ProxyError('ERR_BACKEND_DISCONNECTED', 'backend_exited', `the stdio backend ${how}`, { detail });
    }
    return new ProxyError('ERR_BACKEND_DISCONNECTED', 'backend_stdout_closed', 'the stdio backend closed its stdout', { detail });
  }

  /** The process went away (or stopped talking) on its own: report once, and leave nothing running. */
  private fail(cause: ProxyError): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.settleTimer);
    this.rejectQueued();
    void this.terminate();
    this.handlers.onClose(cause);
  }

  // -- proxy → backend ----------------------------------------------------------------------------

  send(message: JsonRpcMessage): Promise<void> {
    if (this.done || this.exitStatus || !this.child.stdin.writable) return Promise.reject(disconnected());
    // JSON.stringify escapes every newline inside strings, so the line holds exactly one message.
    const line = `${JSON.stringify(message)}\n`;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ line, resolve, reject });
      this.pump();
    });
  }

  /** Writes queued lines in order until the pipe asks us to wait for 'drain' (backpressure). */
  private pump(): void {
    const stdin = this.child.stdin;
    while (!this.blocked && this.queue.length > 0) {
      if (this.done || !stdin.writable) {
        this.rejectQueued();
        return;
      }
      const item = this.queue.shift()!;
      const accepted = stdin.write(item.line, (err) => (err ? item.reject(disconnected(err)) : item.resolve()));
      if (!accepted) this.blocked = true;
    }
  }

  private rejectQueued(): void {
    for (const item of this.queue.splice(0)) item.reject(disconnected());
  }

  // -- shutdown -----------------------------------------------------------------------------------

  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      clearTimeout(this.settleTimer);
      this.rejectQueued();
    }
    await this.terminate();
  }

  /** Close stdin, wait; SIGTERM the group, wait; SIGKILL the group. Resolves once nothing is left. */
  private terminate(): Promise<void> {
    this.terminating ??= (async () => {
      const stdin = this.child.stdin;
      if (!this.exitStatus) {
        try {
          stdin.end();
        } catch {
          /* already destroyed */
        }
        if (!(await this.waitExit(STDIN_CLOSE_GRACE_MS))) {
          this.log.info({ reason: 'backend_sigterm', graceMs: STDIN_CLOSE_GRACE_MS }, 'stdio backend still running after stdin closed: SIGTERM');
          signalGroup(this.child, 'SIGTERM');
          if (!(await this.waitExit(SIGTERM_GRACE_MS))) {
            this.log.warn({ reason: 'backend_sigkill', graceMs: SIGTERM_GRACE_MS }, 'stdio backend still running after SIGTERM: SIGKILL');
            signalGroup(this.child, 'SIGKILL');
            if (!(await this.waitExit(SIGTERM_GRACE_MS))) {
              this.log.error({ reason: 'backend_unkillable' }, 'stdio backend did not exit after SIGKILL');
            }
          }
        }
      }
      await this.reapGroup();
      stdin.destroy();
      this.child.stdout.destroy();
      this.child.stderr.destroy();
      this.opts.onEnded?.();
    })();
    return this.terminating;
  }

  /** What the server started may outlive it (a daemonised helper, `sh -c` children): end them too. */
  private async reapGroup(): Promise<void> {
    if (groupAlive(this.pid)) {
      signalGroup(this.child, 'SIGTERM');
      const deadline = Date.now() + GROUP_LINGER_MS;
      while (groupAlive(this.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (groupAlive(this.pid)) {
        this.log.warn({ reason: 'backend_group_sigkill' }, 'processes started by the stdio backend outlived it: SIGKILL');
        signalGroup(this.child, 'SIGKILL');
      }
    }
    forgetGroup(this.pid);
  }

  private async waitExit(ms: number): Promise<boolean> {
    if (this.exitStatus) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const result = await Promise.race([this.exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    return result;
  }
}

function disconnected(cause?: unknown): ProxyError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new ProxyError('ERR_BACKEND_DISCONNECTED', 'backend_channel_closed', `the stdio backend process is gone${detail}`, cause === undefined ? {} : { cause });
}
