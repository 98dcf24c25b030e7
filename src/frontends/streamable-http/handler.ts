// The Streamable HTTP face (spec 2025-03-26 … 2025-11-25 §Streamable HTTP) of one route:
// POST carries client messages, GET opens the standalone stream, DELETE ends the session.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProxyError, toProxyError } from '../../errors/proxy-error.js';
import { isRequest, type JsonRpcId, type JsonRpcRequest, type JsonRpcResponse } from '../../jsonrpc/message.js';
import { readBody } from '../../http/body.js';
import { replyEmpty, replyError, replyJson } from '../../http/reply.js';
import { NO_SINK } from '../../session/sink.js';
import { startSse } from '../sse-stream.js';
import { checkJsonContentType, checkProtocolVersion, negotiateAccept } from './negotiate.js';
import { LEGACY_VERSIONS } from '../../era/versions.js';
import { classifyEra } from '../../era/classify.js';
import { handleModern, refuse } from '../modern-http/handler.js';
import { BodyError, parseBody } from './parse-body.js';
import { passthroughChallenge } from '../../auth/passthrough-challenge.js';
import { PostSink } from './post-sink.js';
import { sseEvent } from '../../jsonrpc/sse-format.js';
import { findSession, header, SESSION_HEADER, streamsOf, type StreamableHttpContext } from './context.js';
import { sessionIdOf } from '../../http/session-id.js';
import { handleGet } from './get-stream.js';
import type { Principal } from '../../auth/principal.js';
import { headerTrace } from '../../observability/tracing/client-context.js';

export type { StreamableHttpContext };

/** Handles one request to the MCP endpoint. Never throws: every failure becomes an HTTP answer. */
/** `principal`: who the request speaks for (the route's guard ran first; undefined without auth). */
export async function handleStreamableHttp(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: StreamableHttpContext,
  principal: Principal | undefined,
): Promise<void> {
  let id: JsonRpcId | null = null;
  try {
    switch (req.method) {
      case 'POST':
        await handlePost(req, res, ctx, principal, (known) => (id = known));
        return;
      case 'GET':
        await handleGet(req, res, ctx, principal);
        return;
      case 'DELETE':
        await handleDelete(req, res, ctx, principal);
        return;
      default:
        throw new ProxyError('ERR_METHOD_NOT_ALLOWED', 'method_not_allowed', `Method Not Allowed: the MCP endpoint takes POST, GET and DELETE`, {
          headers: { allow: 'GET, POST, DELETE, OPTIONS' },
        });
    }
  } catch (e) {
    const err = toProxyError(e);
    logError(ctx, err, req);
    const challenge = authChallenge(err, req, ctx);
    if (challenge) replyJson(res, challenge.status, err.toJsonRpc(id), challenge.headers);
    else replyError(res, err, id);
  }
}

/** With auth passthrough, 401/403 with a challenge pointing at the proxy (passthrough-challenge.ts). */
function authChallenge(err: ProxyError, req: IncomingMessage, ctx: StreamableHttpContext): { status: number; headers: Record<string, string> } | undefined {
  return passthroughChallenge(err, ctx.authChallengeUrl?.(req));
}

function logError(ctx: StreamableHttpContext, err: ProxyError, req: IncomingMessage): void {
  // Backend failures name the route to the client (which backend failed); the detail stays in the log.
  if (err.code.startsWith('ERR_BACKEND_')) err.route ??= ctx.route;
  ctx.errors.report(err, { route: ctx.route, method: req.method, sessionId: sessionIdOf(req) });
}

async function handlePost(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: StreamableHttpContext,
  principal: Principal | undefined,
  setId: (id: JsonRpcId) => void,
): Promise<void> {
  const media = checkJsonContentType(req.headers['content-type']);
  if (media) throw media;
  const accept = negotiateAccept(req.headers.accept);
  if (accept instanceof ProxyError) throw accept;
  // A version the handshake era does not know may be a 2026-07-28 request (or a claim of one the proxy
  // does not serve, which the modern face answers with -32022): the body decides (era/classify.ts).
  const versionError = checkProtocolVersion(header(req, 'mcp-protocol-version'));

  // A POST naming an unknown session is refused before its body is read: no session, no buffering.
  // A modern request ignores Mcp-Session-Id (MCP 2026-07-28, Streamable HTTP, Backward Compatibility).
  const sessionId = sessionIdOf(req);
  if (sessionId !== undefined && versionError === undefined) findSession(ctx, sessionId, principal);

  const parsed = parseBody(await readBody(req, ctx.body), ctx.maxJsonDepth);
  if (parsed instanceof BodyError) {
    if (parsed.id !== null) setId(parsed.id);
    throw parsed.error;
  }
  const { messages, batch } = parsed;
  const first = messages[0]!;
  if (!batch && isRequest(first)) setId(first.id);
  // Per-tool scopes are an HTTP 403 (insufficient_scope), so the client can step up its token.
  const scopes = ctx.scopeRefusal(req, messages, principal);
  if (scopes) throw scopes;

  const era = classifyEra({ httpMethod: 'POST', headers: req.headers, messages, batch, maxCapabilitiesBytes: ctx.modern.maxCapabilitiesBytes });
  if (era.era === 'reject') return refuse(res, ctx, era.refusal, { id: era.id, method: isRequest(first) ? first.method : undefined });
  if (era.era === 'modern') return handleModern(req, res, ctx, principal, era, accept);
  if (versionError) throw versionError;

  const initialize = messages.find((m): m is JsonRpcRequest => isRequest(m) && m.method === 'initialize');
  if (initialize) {
    if (batch) throw new ProxyError('ERR_BATCH_NOT_ALLOWED', 'initialize_in_batch', 'Invalid Request: initialize MUST NOT be part of a JSON-RPC batch');
    await handleInitialize(initialize, req, res, ctx, accept, principal);
    return;
  }

  if (sessionId === undefined) {
    if (!batch && isRequest(first) && first.method === 'server/discover') {
      // A 2026-07-28 era probe: answer with a non-modern error so dual-era clients fall back to
      // `initialize` (MCP 2026-07-28, backward compatibility).
      throw new ProxyError(
        'ERR_MODERN_PROBE',
        'modern_probe_declined',
        `Bad Request: this server speaks the initialize handshake; send initialize. Supported protocol versions: ${LEGACY_VERSIONS.slice(0, 4).join(', ')}`,
      );
    }
    throw new ProxyError('ERR_SESSION_REQUIRED', 'session_id_missing', 'Bad Request: Mcp-Session-Id header is required (send initialize first to get one)');
  }
  const session = findSession(ctx, sessionId, principal);
  if (batch && session.protocolVersion !== '2025-03-26') {
    // Batches exist only in 2025-03-26 (MCP 2025-06-18 removed them).
    throw new ProxyError(
      'ERR_BATCH_NOT_ALLOWED',
      'batch_not_allowed',
      `Invalid Request: JSON-RPC batches are only allowed in protocol version 2025-03-26 (this session negotiated ${session.protocolVersion ?? 'unknown'})`,
    );
  }

  const requests = messages.filter(isRequest).length;
  if (requests === 0) {
    // MCP Streamable HTTP, Sending Messages: notifications and responses get 202 with no body.
    const err = await session.submit(messages, NO_SINK, req.headers.authorization, headerTrace(req.headers));
    if (err) throw err;
    replyEmpty(res, 202);
    return;
  }
  const sink = new PostSink(res, {
    jsonAllowed: accept.json,
    sseAllowed: accept.sse,
    expected: requests,
    batch,
    keepAlive: ctx.keepAlive,
    headers: { [SESSION_HEADER]: session.id },
    onEnd: (s) => session.detach(s),
    streams: streamsOf(session, ctx),
  });
  session.attachRequestStream(sink);
  await session.submit(messages, sink, req.headers.authorization, headerTrace(req.headers));
  sink.accepted();
}

async function handleInitialize(
  initialize: JsonRpcRequest,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: StreamableHttpContext,
  accept: { json: boolean; sse: boolean },
  principal: Principal | undefined,
): Promise<void> {
  const session = ctx.createSession(req);
  const denied = session.authorize(principal);
  if (denied) {
    await session.close('unauthorized');
    throw denied;
  }
  let response: JsonRpcResponse;
  try {
    response = await session.start(initialize, { trace: headerTrace(req.headers) });
  } catch (e) {
    await session.close('initialize_failed');
    throw e;
  }
  if (res.destroyed) {
    // The client left while the session was being created (a slow backend, a store outage): it can
    // never learn the id, so the session must not live on holding a backend channel for nobody.
    session.log.info({ reason: 'client_gone', method: 'initialize' }, 'the client left before its session was created: closed');
    await session.close('client_gone');
    return;
  }
  if (response.error) {
    // The backend refused the handshake: pass its error through unchanged, and mint no session.
    session.log.info({ reason: 'initialize_rejected', error: response.error.message }, 'backend rejected initialize');
    await session.close('initialize_rejected');
    replyJson(res, 200, response);
    return;
  }
  ctx.sessions.add(session);
  ctx.metrics.inc('frontdoor_sessions_started_total', { route: ctx.route });
  const clientInfo = initialize.params?.clientInfo as { name?: string; version?: string } | undefined;
  session.info(
    { reason: 'initialized', protocolVersion: session.protocolVersion, client: clientInfo?.name, clientVersion: clientInfo?.version },
    'session start',
  );
  // MCP Session Management: the session id travels on the response that carries the InitializeResult.
  const headers = { [SESSION_HEADER]: session.id };
  if (accept.json) {
    replyJson(res, 200, response, headers);
    return;
  }
  startSse(res, ctx.keepAlive, headers);
  const stream = ctx.eventLog.openStream(session.id, 'post');
  const json = JSON.stringify(response);
  res.write(sseEvent(json, 'message', stream.append(response, json)));
  res.end();
}

async function handleDelete(req: IncomingMessage, res: ServerResponse, ctx: StreamableHttpContext, principal: Principal | undefined): Promise<void> {
  const sessionId = sessionIdOf(req);
  if (sessionId === undefined) throw new ProxyError('ERR_SESSION_REQUIRED', 'session_id_missing', 'Bad Request: Mcp-Session-Id header is required');
  const session = findSession(ctx, sessionId, principal);
  await session.close('client_delete');
  ctx.eventLog.forget(session.id);
  replyEmpty(res, 200);
}
