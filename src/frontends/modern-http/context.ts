// What the modern (2026-07-28) face of one route works with, beside the Streamable HTTP face it shares
// the `/mcp` endpoint with.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonRpcRequest } from '../../jsonrpc/message.js';
import type { Principal } from '../../auth/principal.js';
import type { Envelope } from '../../era/envelope.js';
import type { StreamableHttpContext } from '../streamable-http/context.js';
import type { Session } from '../../session/session.js';
import type { Seats } from './seats.js';
import type { ToolHeaders } from '../../era/tool-headers.js';
import type { Mrtr } from './mrtr.js';

export interface ModernFace {
  readonly seats: Seats;
  /** What the route learned of its tools' `x-mcp-header` declarations from `tools/list` answers. */
  readonly toolHeaders: ToolHeaders;
  /** Held calls and the requestState codec of the MRTR translation. */
  readonly mrtr: Mrtr;
  /** A session for a new seat (counted against the session caps like any session); throws a ProxyError (503). */
  createSession(req: IncomingMessage): Session;
  /** limits.maxCapabilitiesBytes: the canonical `clientCapabilities` of one request (a seat key's part). */
  readonly maxCapabilitiesBytes: number;
  /** limits.maxListenResources: resource URIs one `subscriptions/listen` filter may name. */
  readonly maxListenResources: number;
  /** limits.streamBufferBytes: what a listen stream may queue for a client that does not read. */
  readonly streamBufferBytes: number;
}

/** What the client's `Accept` allows for the answer. */
export interface Accept {
  json: boolean;
  sse: boolean;
}

/** One modern request being answered: the HTTP exchange, the route, the checked request and who sent it. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly ctx: StreamableHttpContext;
  readonly msg: JsonRpcRequest;
  readonly envelope: Envelope;
  readonly accept: Accept;
  readonly principal: Principal | undefined;
}
