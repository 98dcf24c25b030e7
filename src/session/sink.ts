// Where a session writes what the backend sends: a client's POST response (JSON or an SSE stream)
// or its standalone GET stream. Implemented by frontends; the session never sees HTTP.
import type { JsonRpcMessage, JsonRpcResponse } from '../jsonrpc/message.js';
import type { ProxyError } from '../errors/proxy-error.js';

export interface MessageSink {
  /** 'request': answers one POST; 'standalone': the GET stream. */
  readonly kind: 'request' | 'standalone';
  /** True when it can carry messages other than its own responses (an SSE stream). */
  readonly streaming: boolean;
  /** False once the client went away or the sink finished. */
  readonly open: boolean;
  /** Writes a notification or server→client request. Returns false when it could not. */
  deliver(message: JsonRpcMessage): boolean;
  /** Writes the response to one of the requests this sink waits for; the sink ends after the last. */
  respond(response: JsonRpcResponse, error?: ProxyError): boolean;
  /** Ends the sink (session closing). */
  end(): void;
  /** Bytes written to the client and not yet sent (0 when not streaming). */
  readonly queuedBytes: number;
  /**
   * What was already queued when the latest message was written: over limits.streamBufferBytes, the
   * client is not keeping up. (The latest message itself does not count: one large answer to a slow
   * but reading client is legitimate.)
   */
  readonly backlogBytes: number;
  /** Calls back once those bytes went out, or the stream ended. */
  onceDrained(callback: () => void): void;
  /** Ends the stream because its client stopped reading (limits.streamBufferBytes); it may resume it. */
  overflow(): void;
}

/** For messages that expect no answer (notifications, the proxy's own answers to the backend): nothing to route. */
export const NO_SINK: MessageSink = Object.freeze({
  kind: 'request',
  streaming: false,
  open: false,
  deliver: () => false,
  respond: () => false,
  end: () => undefined,
  queuedBytes: 0,
  backlogBytes: 0,
  onceDrained: (callback: () => void) => queueMicrotask(callback),
  overflow: () => undefined,
});
