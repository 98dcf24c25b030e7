// A member is a session's seat on a link: what the link needs of the client side. A per-session link
// has one member; a shared link many. The link hands each member exactly the messages that are its
// own: answers to its requests, progress of its requests, the server→client requests it was chosen
// for, and the notifications that concern every member.
import type { ChannelContext } from '../backends/channel.js';
import type { ProxyError } from '../errors/proxy-error.js';
import type { JsonRpcMessage, JsonRpcNotification, JsonRpcResponse } from '../jsonrpc/message.js';

/** The client-side handle of one request (the stream its answer goes to). */
export interface RequestTicket {
  /** The client still waits for the answer (its connection is open). */
  readonly open: boolean;
}

export interface Member {
  /** For logs: the session id. */
  readonly label: string;
  /** The client's `initialize` params (identity, capabilities): the first member's make the handshake. */
  readonly initializeParams: Record<string, unknown>;
  /** Client streams open (a GET or listen stream, a streamed POST answer): the link keeps its channel for them. */
  readonly openStreams: number;
  /** The client's latest credential, for the link's own requests (auth passthrough only). */
  credentials?(): string | undefined;
  /** The answer to one of the member's requests, with the client's id restored. */
  answered(ticket: RequestTicket, response: JsonRpcResponse, error?: ProxyError): void;
  /**
   * A notification that belongs to one of its requests: its progress (the client's token restored),
   * or anything a Streamable HTTP backend sent on that request's answer stream. It goes on that
   * request's stream while it is open.
   */
  progress(ticket: RequestTicket, notification: JsonRpcNotification): void;
  /** A notification or server→client request for this member. */
  deliver(message: JsonRpcMessage): void;
  /** The link is gone for good (its backend stayed unreachable, or the route was released). */
  linkClosed(cause: ProxyError): void;
}

/** The client capabilities a server→client request needs (from the client's `initialize`). */
export function capabilitiesOf(member: Member): Record<string, unknown> {
  const c = member.initializeParams.capabilities;
  return typeof c === 'object' && c !== null && !Array.isArray(c) ? (c as Record<string, unknown>) : {};
}

/** The channel context of a link whose backend checks credentials: the first member's that has one. */
export function credentialsOf(members: () => Iterable<Member>): ChannelContext {
  return {
    credentials: () => {
      for (const m of members()) {
        const c = m.credentials?.();
        if (c) return c;
      }
      return undefined;
    },
  };
}
