// A route's guard: who may use it (auth.mode). Runs once per request, before the request reaches a
// face: it answers with the principal the request speaks for, or refuses it with a ProxyError that
// carries its status and WWW-Authenticate challenge. The faces then bind sessions to principals
// (session/session-owner.ts) and check per-tool scopes.
import type { IncomingMessage } from 'node:http';
import type { ProxyError } from '../errors/proxy-error.js';
import type { Principal } from './principal.js';
import type { AuthConfig } from '../config/auth-schema.js';

/** What a request is for, as the client sees it: needed for challenges and the token audience. */
export interface RequestTarget {
  /** The public URL of the endpoint the client used: the route's MCP endpoint, or its SSE one. */
  resource: string;
  /** That endpoint's Protected Resource Metadata URL (RFC 9728 §3.1: path-suffixed well-known). */
  metadataUrl: string;
  /** Token audiences the route accepts (auth.audience, else its public MCP and SSE URLs). */
  audiences: readonly string[];
}

export interface Guard {
  readonly mode: AuthConfig['mode'];
  /**
   * The principal a request speaks for. undefined: no credential, and this mode lets the request on
   * (none; passthrough, where the session asks for one). Throws or rejects with a ProxyError.
   */
  authenticate(req: IncomingMessage, target: () => RequestTarget): Principal | undefined | Promise<Principal | undefined>;
  /** The 403 for a tools/call whose per-tool scopes (tools.scopes) the token lacks. */
  insufficientScope(target: RequestTarget, scopes: readonly string[]): ProxyError;
  close(): void;
}
