// The legacy HTTP+SSE face (spec 2024-11-05) of one route, for clients that speak only that
// transport (n8n's MCP Client Tool v1, Claude Code and Windsurf `type: sse`). It serves every
// backend the proxy supports: sessions and channels are the same as behind the /mcp face.
//   GET  <prefix>/sse                  → `endpoint` event, then the message stream (keep-alives)
//   POST <prefix>/messages?sessionId=  → 202; the answer travels on the stream
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProxyError, toProxyError } from '../../errors/proxy-error.js';
import { isRequest, type JsonRpcId, type JsonRpcMessage } from '../../jsonrpc/message.js';
import { readBody } from '../../http/body.js';
import { sessionIdOf } from '../../http/session-id.js';
import { replyError, replyJson } from '../../http/reply.js';
import { passthroughChallenge } from '../../auth/passthrough-challenge.js';
import type { Session } from '../../session/session.js';
import { BodyError, parseBody } from '../streamable-http/parse-body.js';
import { LegacyStreamSink } from './stream-sink.js';
import type { FaceContext } from '../face-context.js';
import type { Principal } from '../../auth/principal.js';
import { headerTrace, type ClientTrace } from '../../observability/tracing/client-context.js';

export interface LegacySseContext extends FaceContext {
  repairHandshake: boolean;
  /** The path prefix clients see in front of the route (public URL path, X-Forwarded-Prefix). */
  publicPrefix(req: IncomingMessage): string;
  /** Each session's one stream on this face (the session ends with it), for this route. */
  readonly sinks: WeakMap<Session, LegacyStreamSink>;
}

/** The version the proxy speaks when it handshakes for a legacy client that skipped `initialize`. */
const LEGACY_PROTOCOL_VERSION = '2024-11-05';

/** `principal`: who the request speaks for (the route's guard ran first; undefined without auth). */
export function handleLegacyStream(req: IncomingMessage, res: ServerResponse, ctx: LegacySseContext, principal: Principal | undefined): void {
  if (req.method !== 'GET') {
    replyError(
      res,
      new ProxyError('ERR_METHOD_NOT_ALLOWED', 'method_not_allowed', 'Method Not Allowed: the SSE endpoint takes GET', { headers: { allow: 'GET' } }),
    );
    return;
  }
  let session: Session;
  try {
    session = ctx.createSession(req);
  } catch (e) {
    refuse(req, res, toProxyError(e), ctx);
    return;
  }
  const denied = session.authorize(principal);
  if (denied) {
    void session.close('unauthorized');
    refuse(req, res, denied, ctx);
    return;
  }
  ctx.sessions.add(session);
  // Same origin, path-relative, keeping every prefix in front of us: SDK clients refuse another
  // origin, and a host-absolute path without the prefix breaks behind reverse proxies (docs/protocol-rules.md, Legacy HTTP+SSE face).
  const messagesPath = `${ctx.publicPrefix(req)}${ctx.route === '/' ? '' : ctx.route}/messages`;
  const sink = new LegacyStreamSink(res, ctx.keepAlive, `${messagesPath}?sessionId=${session.id}`, (s) => {
    session.detach(s);
    // On this transport the stream is the session: when it ends, the session ends.
    void session.close('client_stream_closed');
  });
  ctx.sinks.set(session, sink);
  session.attachStandalone(sink);
  ctx.metrics.inc('frontdoor_sessions_started_total', { route: ctx.route, face: 'legacy-sse' });
  session.info({ reason: 'legacy_stream_opened', face: 'legacy-sse', userAgent: req.headers['user-agent'] }, 'session start');
}

export async function handleLegacyMessage(req: IncomingMessage, res: ServerResponse, ctx: LegacySseContext, principal: Principal | undefined): Promise<void> {
  let id: JsonRpcId | null = null;
  try {
    if (req.method !== 'POST') {
      throw new ProxyError('ERR_METHOD_NOT_ALLOWED', 'method_not_allowed', 'Method Not Allowed: the messages endpoint takes POST', {
        headers: { allow: 'POST' },
      });
    }
    const sessionId = sessionIdOf(req, 'messages');
    if (!sessionId)
      throw new ProxyError(
        'ERR_SESSION_REQUIRED',
        'session_id_missing',
        'Bad Request: the sessionId query parameter is required (use the URL of the endpoint event)',
      );
    const session = ctx.sessions.get(sessionId);
    const sink = session ? ctx.sinks.get(session) : undefined;
    // Unknown session: 404, never 401 (n8n's 401 sends OAuth-capable clients into a login loop).
    if (!session || !sink)
      throw new ProxyError('ERR_SESSION_NOT_FOUND', 'session_not_found', 'Session not found: open the SSE stream again to get a new endpoint');
    // Every POST carries its own credential, of the principal that opened the stream.
    const denied = session.authorize(principal);
    if (denied) throw denied;
    const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (type !== undefined && type !== 'application/json') {
      throw new ProxyError(
        'ERR_UNSUPPORTED_MEDIA_TYPE',
        'unsupported_media_type',
        `Unsupported Media Type: Content-Type must be application/json, got ${JSON.stringify(req.headers['content-type'])}`,
      );
    }
    const parsed = parseBody(await readBody(req, ctx.body), ctx.maxJsonDepth);
    if (parsed instanceof BodyError) {
      id = parsed.id;
      throw parsed.error;
    }
    const scopes = ctx.scopeRefusal(req, parsed.messages, principal);
    if (scopes) throw scopes;
    session.touch();
    res.writeHead(202, { 'content-type': 'text/plain', 'content-length': '8' }).end('Accepted');
    await dispatch(session, sink, parsed.messages, ctx, req.headers.authorization, headerTrace(req.headers));
  } catch (e) {
    refuse(req, res, toProxyError(e), ctx, id);
  }
}

/** An HTTP error answer on this face: counted and logged once, with a challenge on passthrough routes. */
function refuse(req: IncomingMessage, res: ServerResponse, err: ProxyError, ctx: LegacySseContext, id: JsonRpcId | null = null): void {
  if (err.code.startsWith('ERR_BACKEND_')) err.route ??= ctx.route;
  ctx.errors.report(err, { route: ctx.route, face: 'legacy-sse' });
  const challenge = passthroughChallenge(err, ctx.authChallengeUrl?.(req));
  if (challenge) replyJson(res, challenge.status, err.toJsonRpc(id), challenge.headers);
  else replyError(res, err, id);
}

/** Forwards one POST's messages; answers and errors travel on the client's stream. */
async function dispatch(
  session: Session,
  sink: LegacyStreamSink,
  messages: JsonRpcMessage[],
  ctx: LegacySseContext,
  authorization: string | undefined,
  trace: ClientTrace | undefined,
): Promise<void> {
  let rest = messages;
  if (!session.started) {
    const first = messages[0]!;
    try {
      if (isRequest(first) && first.method === 'initialize') {
        sink.respond(await session.start(first, { trace }));
        rest = messages.slice(1);
      } else if (ctx.repairHandshake) {
        await session.startOnBehalf(LEGACY_PROTOCOL_VERSION);
      } else {
        throw new ProxyError('ERR_SESSION_REQUIRED', 'initialize_required', 'Bad Request: send initialize first');
      }
    } catch (e) {
      const err = toProxyError(e);
      if (err.code.startsWith('ERR_BACKEND_')) err.route ??= ctx.route;
      ctx.errors.report(err, { route: ctx.route, face: 'legacy-sse' }, session.log);
      for (const m of messages) if (isRequest(m)) sink.respond(err.toJsonRpc(m.id));
      return;
    }
  }
  if (rest.length > 0) await session.submit(rest, sink, authorization, trace);
}
