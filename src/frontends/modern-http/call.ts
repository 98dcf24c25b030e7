// One modern call that may ask the client for input (tools/call, prompts/get, resources/read), as the
// ticket its seat's session holds while the backend works on it. It outlives each HTTP response: when
// the legacy backend sends server→client requests during the call, the proxy answers the client with an
// InputRequiredResult, holds the backend's call, and goes on with the client's retry, whose response
// is the call's next `current` sink (MCP 2026-07-28, Multi Round-Trip Requests; docs/mrtr.md).
import type { MessageSink } from '../../session/sink.js';
import type { JsonRpcMessage, JsonRpcRequest, JsonRpcResponse } from '../../jsonrpc/message.js';
import type { ProxyError } from '../../errors/proxy-error.js';
import type { ModernSink } from './modern-sink.js';

/** What a call does with what it cannot pass to a client sink itself. */
export interface CallHooks {
  /** A server→client request during the call (the MRTR translation decides). */
  ask(request: JsonRpcRequest): void;
  /** The call is over: detach it, release its hold and its seat. */
  finished(call: Call, outcome: CallOutcome): void;
}

/** How a call ended: the backend's answer, a refusal or failure, the hold's deadline, the client's cancel. */
export type CallOutcome = 'completed' | 'failed' | 'expired' | 'cancelled';

export class Call implements MessageSink {
  readonly kind = 'request' as const;
  readonly streaming = true;
  private done = false;
  /** The client's response now being answered; undefined while the proxy waits for a retry. */
  private current: ModernSink | undefined;
  /** The backend answered while no client was connected (between rounds): given to the retry. */
  private early: { response: JsonRpcResponse; error: ProxyError | undefined } | undefined;
  hooks: CallHooks | undefined;

  constructor(
    /** The id the backend knows the call by (unique on its seat). */
    readonly backendId: string,
    first: ModernSink,
  ) {
    this.current = first;
  }

  get open(): boolean {
    return !this.done;
  }

  get finishedCall(): boolean {
    return this.done;
  }

  /** A retry arrived: its response answers the call from now on (with the early answer, if any). */
  attach(sink: ModernSink): void {
    this.current = sink;
    if (this.early) {
      const { response, error } = this.early;
      this.early = undefined;
      this.respond(response, error);
    }
  }

  /** The current response was answered with an InputRequiredResult: wait for the retry. */
  detachClient(): void {
    this.current = undefined;
  }

  get client(): ModernSink | undefined {
    return this.current;
  }

  deliver(message: JsonRpcMessage): boolean {
    if (this.done) return false;
    if ('method' in message && 'id' in message) {
      this.hooks?.ask(message);
      return true;
    }
    // Progress and log messages between rounds have no client to go to: the modern era has no replay.
    return this.current?.deliver(message) ?? true;
  }

  respond(response: JsonRpcResponse, error?: ProxyError): boolean {
    if (this.done) return false;
    if (!this.current) {
      this.early = { response, error };
      return true;
    }
    this.current.respond(response, error);
    this.finish('completed');
    return true;
  }

  /** The call ends (without the backend's answer unless `completed`). */
  finish(outcome: CallOutcome): void {
    if (this.done) return;
    this.done = true;
    this.early = undefined;
    this.hooks?.finished(this, outcome);
  }

  end(): void {
    this.current?.end();
    this.finish('failed');
  }

  get queuedBytes(): number {
    return this.current?.queuedBytes ?? 0;
  }

  get backlogBytes(): number {
    return this.current?.backlogBytes ?? 0;
  }

  onceDrained(callback: () => void): void {
    if (this.current) this.current.onceDrained(callback);
    else queueMicrotask(callback);
  }

  overflow(): void {
    this.current?.overflow();
  }
}
