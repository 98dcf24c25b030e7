// A channel to an MCP server running as a child process (MCP transports §stdio): one process per
// channel, newline-delimited JSON-RPC on its stdin and stdout, stderr to our logs. A duplex pipe
// (docs/architecture.md, Backends). The process leads its own process group (spawned detached), so
// shutdown reaches whatever it started (npx, sh -c): close stdin, wait, SIGTERM the group, wait,
// SIGKILL the group (spec: stdio shutdown).
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { LiveGroups } from './process-group.js';
import { stopServer } from './shutdown.js';
import { preview, StderrLog } from './stderr-log.js';
import type { Logger } from 'pino';
import type { Channel, ChannelHandlers, MessageLimits } from '../channel.js';
import type { JsonRpcMessage } from '../../jsonrpc/message.js';
import { decodeMessages } from '../decode.js';
import { oversizeCallbacks } from '../oversize.js';
import { ProxyError } from '../../errors/proxy-error.js';
import { LineFramer } from './ndjson.js';

/** Between exit and the end of stdout (either order): messages still in the pipe are read first. */
const EXIT_SETTLE_MS = 200;
/** stdout noise is logged at warn for the 1st, (N+1)th, (2N+1)th… line, with a running count. */
const NOISE_LOG_EVERY = 100;

export interface StdioChannelOptions extends MessageLimits {
  child: ChildProcessWithoutNullStreams;
  /** The command as configured, for messages (arguments are not logged: they may hold secrets). */
  command: string;
  log: Logger;
  onRepair(reason: string, detail: Record<string, unknown>): void;

  /** The process and its group are gone (after close() or an unexpected end); called once. */
  onEnded?(): void;
  /** The connector's live process groups (killed if the proxy exits without closing them). */
  groups: LiveGroups;
}

interface PendingWrite {
  line: string;
  resolve(): void;
  reject(e: ProxyError): void;
}

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
  private readonly stderr: StderrLog;

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
    const oversize = oversizeCallbacks({
      maxBytes: opts.maxMessageBytes,
      log: this.log,
      report: opts.report,
      limitHit: opts.limitHit,
      deliver: (answer) => {
        if (!this.done) this.handlers.onMessage(answer);
      },
    });
    const framer = new LineFramer({
      maxLineBytes: opts.maxMessageBytes,
      onOverflowStart: oversize.onOversize,
      onOverflow: (bytes, tail) => oversize.onOversizeEnd(tail, bytes),
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

    this.stderr = new StderrLog(this.child.stderr, this.log);

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
    this.opts.traffic?.received(Buffer.byteLength(line));
    const messages = decodeMessages(line, this.opts.maxJsonDepth, (reason) => {
      if (reason === 'backend_json_too_deep') this.opts.limitHit('maxJsonDepth');
      this.noise(
        line,
        reason === 'backend_bad_json' ? 'not JSON' : reason === 'backend_not_jsonrpc' ? 'not JSON-RPC 2.0' : 'nested deeper than limits.maxJsonDepth',
      );
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
      this.opts.onRepair('stdout_noise_skipped', {
        backendPid: this.pid,
        line: preview(line),
        hint: 'the server writes non-protocol output to stdout; it should log to stderr',
      });
    }
    if (this.noiseLines % NOISE_LOG_EVERY === 1) {
      this.log.warn(
        { reason: 'stdout_noise_skipped', skipped: this.noiseLines, line: preview(line) },
        `skipped a stdout line that is ${what} (logged every ${NOISE_LOG_EVERY})`,
      );
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
    const detail = `"${this.opts.command}" (pid ${this.pid})${this.stderr.tail.length > 0 ? `; last stderr: ${this.stderr.tail.join(' | ')}` : ''}`;
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
    const json = JSON.stringify(message);
    this.opts.traffic?.sent(Buffer.byteLength(json));
    const line = `${json}\n`;
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

  /** Close stdin, wait; SIGTERM the group, wait; SIGKILL the group (shutdown.ts). Once. */
  private terminate(): Promise<void> {
    this.terminating ??= stopServer(this.child, this.exited, () => this.exitStatus !== undefined, this.log).then(() => {
      this.opts.groups.forget(this.pid);
      this.opts.onEnded?.();
    });
    return this.terminating;
  }
}

function disconnected(cause?: unknown): ProxyError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new ProxyError(
    'ERR_BACKEND_DISCONNECTED',
    'backend_channel_closed',
    `the stdio backend process is gone${detail}`,
    cause === undefined ? {} : { cause },
  );
}
