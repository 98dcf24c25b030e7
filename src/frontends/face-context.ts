// What every face of one route works with: its sessions, the bounds of a request body, and where
// errors, logs and metrics go. Each face extends it with what only it needs.
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { BodyLimits } from '../http/body.js';
import type { Metrics } from '../observability/metrics.js';
import type { ErrorReporter } from '../observability/error-reporter.js';
import type { Session } from '../session/session.js';
import type { SessionRegistry } from '../session/registry.js';
import type { KeepAlive } from './sse-stream.js';
import type { ProxyError } from '../errors/proxy-error.js';
import type { JsonRpcMessage } from '../jsonrpc/message.js';
import type { Principal } from '../auth/principal.js';

export interface FaceContext {
  route: string;
  sessions: SessionRegistry;
  /** A new session for this client request; throws a ProxyError (503) over the session caps. */
  createSession(req: IncomingMessage): Session;
  keepAlive: KeepAlive;
  /** Bounds of a POST body: size, time, and the budget shared by every body being received. */
  body: BodyLimits;
  maxJsonDepth: number;
  errors: ErrorReporter;
  /** Set when the backend runs its own OAuth: its 401s reach the client, pointing at this PRM URL. */
  authChallengeUrl: ((req: IncomingMessage) => string) | undefined;
  log: Logger;
  metrics: Metrics;
  /** A tools/call in `messages` needs scopes (tools.scopes) the principal lacks: the 403 to answer. */
  scopeRefusal(req: IncomingMessage, messages: readonly JsonRpcMessage[], principal: Principal | undefined): ProxyError | undefined;
}
