// What the modern (2026-07-28) face of one route works with, beside the Streamable HTTP face it shares
// the `/mcp` endpoint with.
import type { IncomingMessage } from 'node:http';
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
