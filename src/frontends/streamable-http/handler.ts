// The Streamable HTTP face (spec 2025-03-26 … 2025-11-25 §Streamable HTTP) of one route:
// POST carries client messages, GET opens the standalone stream, DELETE ends the session.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ProxyError, toProxyError } from '../../errors/proxy-error.js';
import { isRequest, type JsonRpcId, type JsonRpcRequest, type JsonRpcResponse } from '../../jsonrpc/message.js';
import { readBody, type BodyLimits } from '../../http/body.js';
import { replyEmpty, replyError, replyJson } from '../../http/reply.js';
import type { Metrics } from '../../observability/metrics.js';
import type { ErrorReporter } from '../../observability/error-reporter.js';
import type { Session } from '../../session/session.js';
import type { SessionRegistry } from '../../session/registry.js';
import type { MessageSink } from '../../session/sink.js';
import { KeepAlive, startSse } from '../sse-stream.js';
import { acceptsEventStream, checkJsonContentType, checkProtocolVersion, negotiateAccept, SUPPORTED_PROTOCOL_VERSIONS } from './negotiate.js';
import { BodyError, parseBody } from './parse-body.js';
import { passthroughChallenge } from '../../auth/passthrough-challenge.js';
import { PostSink, StandaloneSink, primes, type SessionStreams } from './sinks.js';
import type { EventLog } from '../../session/event-log.js';
import { parseEventId } from '../../session/event-log.js';
import { MemoryEventLog } from '../../session/memory-event-log.js';
import { sseEvent } from '../../jsonrpc/sse-format.js';

export interface StreamableHttpContext {
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
  /**
   * Where SSE events are recorded for resumption (`Last-Event-ID`). Defaults to one in-process
   * MemoryEventLog with the default bounds (1000 events per session, 5 min), shared by every route.
   */
  eventLog?: EventLog;
  /** Bytes a POST stream keeps of its own events for a client that resumes it (sessions.eventLog.maxBytes). */
  streamHistoryBytes: number;
}

let defaultEventLog: MemoryEventLog | undefined;

function eventLogOf(ctx: StreamableHttpContext): EventLog {
  return ctx.eventLog ?? (defaultEventLog ??= new MemoryEventLog());
}

/** Each session's resumable streams on this replica; gone with the session object. */
const sessionStreams = new WeakMap<Session, SessionStreams>();

function streamsOf(session: Session, ctx: StreamableHttpContext): SessionStreams {
  let streams = sessionStreams.get(session);
  if (!streams) {
    streams = {
      log: eventLogOf(ctx),
      sessionId: session.id,
      priming: () => primes(session.protocolVersion),
      pending: new Map(),
      standalone: new Map(),
      historyBytes: ctx.streamHistoryBytes,
    };
    sessionStreams.set(session, streams);
  }
  return streams;
}

const SESSION_HEADER = 'mcp-session-id';

/** Handles one request to the MCP endpoint. Never throws: every failure becomes an HTTP answer. */
export async function handleStreamableHttp(req: IncomingMessage, res: ServerResponse, ctx: StreamableHttpContext): Promise<void> {
  let id: JsonRpcId | null = null;
  try {
    switch (req.method) {
      case 'POST':
        await handlePost(req, res, ctx, (known) => (id = known));
        return;
      case 'GET':
        await handleGet(req, res, ctx);
        return;
      case 'DELETE':
        await handleDelete(req, res, ctx);
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
  ctx.errors.report(err, { route: ctx.route, method: req.method, sessionId: header(req, SESSION_HEADER) });
}

async function handlePost(req: IncomingMessage, res: ServerResponse, ctx: StreamableHttpContext, setId: (id: JsonRpcId) => void): Promise<void> {
  const media = checkJsonContentType(req.headers['content-type']);
  if (media) throw media;
  const accept = negotiateAccept(req.headers.accept);
  if (accept instanceof ProxyError) throw accept;
  const version = checkProtocolVersion(header(req, 'mcp-protocol-version'));
  if (version) throw version;

  // A POST naming an unknown session is refused before its body is read: no session, no buffering.
  const sessionId = header(req, SESSION_HEADER);
  if (sessionId !== undefined) findSession(ctx, sessionId, req);

  const parsed = parseBody(await readBody(req, ctx.body), ctx.maxJsonDepth);
  if (parsed instanceof BodyError) {
    if (parsed.id !== null) setId(parsed.id);
    throw parsed.error;
  }
  const { messages, batch } = parsed;
  const first = messages[0]!;
  if (!batch && isRequest(first)) setId(first.id);

  const initialize = messages.find((m): m is JsonRpcRequest => isRequest(m) && m.method === 'initialize');
  if (initialize) {
    if (batch) throw new ProxyError('ERR_BATCH_NOT_ALLOWED', 'initialize_in_batch', 'Invalid Request: initialize MUST NOT be part of a JSON-RPC batch');
    await handleInitialize(initialize, req, res, ctx, accept);
    return;
  }

  if (sessionId === undefined) {
    if (!batch && isRequest(first) && first.method === 'server/discover') {
      // A 2026-07-28 era probe: answer with a non-modern error so dual-era clients fall back to
      // `initialize` (MCP 2026-07-28, backward compatibility).
      throw new ProxyError('ERR_MODERN_PROBE', 'modern_probe_declined', `Bad Request: this server speaks the initialize handshake; send initialize. Supported protocol versions: ${SUPPORTED_PROTOCOL_VERSIONS.slice(0, 4).join(', ')}`);
    }
    throw new ProxyError('ERR_SESSION_REQUIRED', 'session_id_missing', 'Bad Request: Mcp-Session-Id header is required (send initialize first to get one)');
  }
  const session = findSession(ctx, sessionId, req);
  if (batch && session.protocolVersion !== '2025-03-26') {
    // Batches exist only in 2025-03-26 (MCP 2025-06-18 removed them).
    throw new ProxyError('ERR_BATCH_NOT_ALLOWED', 'batch_not_allowed', `Invalid Request: JSON-RPC batches are only allowed in protocol version 2025-03-26 (this session negotiated ${session.protocolVersion ?? 'unknown'})`);
  }

  const requests = messages.filter(isRequest).length;
  if (requests === 0) {
    // MCP Streamable HTTP, Sending Messages: notifications and responses get 202 with no body.
    const err = await session.submit(messages, NO_SINK, req.headers.authorization);
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
  await session.submit(messages, sink, req.headers.authorization);
  sink.accepted();
}

async function handleInitialize(initialize: JsonRpcRequest, req: IncomingMessage, res: ServerResponse, ctx: StreamableHttpContext, accept: { json: boolean; sse: boolean }): Promise<void> {
  const session = ctx.createSession(req);
  const denied = session.authorize(req.headers.authorization);
  if (denied) {
    await session.close('unauthorized');
    throw denied;
  }
  let response: JsonRpcResponse;
  try {
    response = await session.start(initialize);
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
  session.log.info({ reason: 'initialized', protocolVersion: session.protocolVersion, client: clientInfo?.name, clientVersion: clientInfo?.version }, 'session start');
  // MCP Session Management: the session id travels on the response that carries the InitializeResult.
  const headers = { [SESSION_HEADER]: session.id };
  if (accept.json) {
    replyJson(res, 200, response, headers);
    return;
  }
  startSse(res, ctx.keepAlive, headers);
  const stream = eventLogOf(ctx).openStream(session.id, 'post');
  const json = JSON.stringify(response);
  res.write(sseEvent(json, 'message', stream.append(response, json)));
  res.end();
}

async function handleGet(req: IncomingMessage, res: ServerResponse, ctx: StreamableHttpContext): Promise<void> {
  if (!acceptsEventStream(req.headers.accept)) {
    throw new ProxyError('ERR_NOT_ACCEPTABLE', 'not_acceptable', 'Not Acceptable: a GET on the MCP endpoint must accept text/event-stream');
  }
  const version = checkProtocolVersion(header(req, 'mcp-protocol-version'));
  if (version) throw version;
  const sessionId = header(req, SESSION_HEADER);
  if (sessionId === undefined) {
    // Only 405 makes SDK clients and Cursor give up cleanly on a stream we cannot offer
    // (a GET gets an event stream or 405; Cursor loops on 400/404/409: docs/quirks.md, Cursor).
    throw new ProxyError('ERR_METHOD_NOT_ALLOWED', 'get_without_session', 'Method Not Allowed: a GET stream needs an Mcp-Session-Id (initialize first)', {
      headers: { allow: 'POST, DELETE, OPTIONS' },
    });
  }
  let session = findSession(ctx, sessionId, req);
  const log = eventLogOf(ctx);
  const streams = streamsOf(session, ctx);
  const headers = { [SESSION_HEADER]: session.id };
  const onEnd = (s: MessageSink) => session.detach(s);
  const lastEventId = header(req, 'last-event-id');
  if (lastEventId !== undefined) {
    // MCP Resumability and Redelivery: resumption is always a GET with Last-Event-ID; replay only
    // that id's stream.
    const parsed = parseEventId(lastEventId);
    const post = parsed && streams.pending.get(parsed.streamId);
    if (parsed && post?.canResume(parsed.seq)) {
      // A POST stream whose responses are still due, running here: this GET becomes its continuation.
      startSse(res, ctx.keepAlive, headers);
      post.resume(res, parsed.seq);
      session.touch();
      session.log.info({ reason: 'stream_resumed', streamId: parsed.streamId, kind: 'post', live: true }, 'client resumed a POST stream');
      return;
    }
    // A GET stream the client has left but that is still open here stops writing before the replay.
    if (parsed) streams.standalone.get(parsed.streamId)?.end();
    const replay = await log.replayAfter(session.id, lastEventId);
    session = findSession(ctx, sessionId, req); // it may have ended while the log answered
    if (replay?.kind === 'post') {
      // Its responses are all logged (or it ran on a replica that is gone): replay, then end the
      // stream, as a POST stream ends after its response.
      startSse(res, ctx.keepAlive, headers);
      for (const e of replay.events) res.write(sseEvent(JSON.stringify(e.message), 'message', e.id));
      res.end();
      session.log.info({ reason: 'stream_replayed', streamId: replay.streamId, kind: 'post', replayed: replay.events.length }, 'client resumed a finished POST stream');
      return;
    }
    if (replay) {
      const sink = new StandaloneSink(res, ctx.keepAlive, headers, onEnd, { writer: log.continueStream(session.id, replay), streams, replay: replay.events });
      session.attachStandalone(sink);
      session.log.info({ reason: 'stream_resumed', streamId: replay.streamId, kind: 'get', replayed: replay.events.length }, 'client resumed its GET stream');
      return;
    }
    session.log.info({ reason: 'last_event_id_unknown', lastEventId: lastEventId.slice(0, 80) }, 'Last-Event-ID names no stream still in the event log (unknown or expired): opening a fresh GET stream');
  }
  const sink = new StandaloneSink(res, ctx.keepAlive, headers, onEnd, { writer: log.openStream(session.id, 'get'), streams });
  session.attachStandalone(sink);
}

async function handleDelete(req: IncomingMessage, res: ServerResponse, ctx: StreamableHttpContext): Promise<void> {
  const sessionId = header(req, SESSION_HEADER);
  if (sessionId === undefined) throw new ProxyError('ERR_SESSION_REQUIRED', 'session_id_missing', 'Bad Request: Mcp-Session-Id header is required');
  const session = findSession(ctx, sessionId, req);
  await session.close('client_delete');
  eventLogOf(ctx).forget(session.id);
  replyEmpty(res, 200);
}

/** The session a request names, if it exists and the request may use it (auth passthrough). */
function findSession(ctx: StreamableHttpContext, id: string, req: IncomingMessage): Session {
  const session = ctx.sessions.get(id);
  if (!session) {
    // A terminated or unknown session gets 404 (MCP session management); clients then re-initialize.
    throw new ProxyError('ERR_SESSION_NOT_FOUND', 'session_not_found', 'Session not found: the Mcp-Session-Id is unknown or expired; send initialize to start a new session');
  }
  const denied = session.authorize(req.headers.authorization);
  if (denied) throw denied;
  return session;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Notification-only POSTs have no responses to route. */
const NO_SINK: MessageSink = {
  kind: 'request',
  streaming: false,
  open: false,
  deliver: () => false,
  respond: () => false,
  end: () => undefined,
  queuedBytes: 0,
  backlogBytes: 0,
  onceDrained: (callback) => queueMicrotask(callback),
  overflow: () => undefined,
};

