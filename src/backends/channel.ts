// The neutral meeting point of frontends and backends (docs/architecture.md, Backends): a channel moves JSON-RPC
// messages to one MCP server and back. Nothing here knows HTTP, SSE or stdio.
import type { JsonRpcId, JsonRpcMessage } from '../jsonrpc/message.js';
import type { ProxyError } from '../errors/proxy-error.js';

export interface ChannelHandlers {
  /**
   * A message from the backend (response, notification or server→client request). `related`: the
   * backend id of the request whose stream carried it, when the transport can tell (a Streamable
   * HTTP backend's POST answer stream); undefined on duplex pipes (legacy SSE, stdio).
   */
  onMessage(message: JsonRpcMessage, related?: JsonRpcId): void;
  /** The channel ended without `close()` being called: the backend dropped it or went away. */
  onClose(cause: ProxyError): void;
}

export interface Channel {
  /** Short description for logs, e.g. "sse http://127.0.0.1:9121/sse". */
  readonly description: string;
  /** Resolves once the backend accepted the message; rejects with a ProxyError. */
  send(message: JsonRpcMessage, options?: SendOptions): Promise<void>;
  /** Ends the channel on purpose; `onClose` is not called. */
  close(): Promise<void>;
  /**
   * Backpressure (limits.streamBufferBytes): stop reading what the backend sends, and start again.
   * Only channels that serve one session offer it; a shared one must not stall every client for one.
   */
  pause?(): void;
  resume?(): void;
}

/** The bounds every transport applies to what a backend sends, and how it reports hitting them. */
export interface MessageLimits {
  /** limits.maxMessageBytes: one message (SSE event, stdio line, POST answer). */
  maxMessageBytes: number;
  /** limits.maxJsonDepth. */
  maxJsonDepth: number;
  /** An error the channel answers a request with itself: counted and logged once, with its errorId. */
  report(err: ProxyError): void;
  /** A limit hit that answers nobody (a dropped message no request was waiting for). */
  limitHit(limit: string): void;
  /** Counts the bytes of each message sent and received (the route's byte metrics). */
  traffic?: { sent(bytes: number): void; received(bytes: number): void };
}

/** Per message: the Authorization of the client request that carried it (auth passthrough). */
export interface SendOptions {
  authorization?: string;
}

/**
 * What a session lends its channel: for backends that check credentials themselves (auth
 * passthrough), the credential for the channel's own requests (its stream, a replayed handshake):
 * the session's latest, always of the principal the session is bound to. A client's message is sent
 * with the credential of the request that carried it (SendOptions), never a stored one.
 */
export interface ChannelContext {
  credentials?: () => string | undefined;
}

/** Opens channels to one configured backend. One per route; one channel per client session. */

export interface BackendConnector {
  readonly description: string;
  connect(handlers: ChannelHandlers, context?: ChannelContext): Promise<Channel>;
  /** Releases shared resources (connection pools, launched processes). */
  dispose(): Promise<void>;
}
