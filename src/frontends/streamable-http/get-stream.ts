// GET on the MCP endpoint: the session's standalone stream (MCP Streamable HTTP, Listening for
// Messages from the Server), or the resumption of a stream the client lost (Resumability and
// Redelivery: always a GET with Last-Event-ID, replaying only that id's stream).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProxyError } from '../../errors/proxy-error.js';
import type { MessageSink } from '../../session/sink.js';
import { parseEventId } from '../../session/event-log.js';
import { sseEvent } from '../../jsonrpc/sse-format.js';
import { startSse } from '../sse-stream.js';
import { acceptsEventStream, checkProtocolVersion } from './negotiate.js';
import { StandaloneSink } from './standalone-sink.js';
import { findSession, header, SESSION_HEADER, streamsOf, type StreamableHttpContext } from './context.js';
import { sessionIdOf } from '../../http/session-id.js';
import type { Principal } from '../../auth/principal.js';

export async function handleGet(req: IncomingMessage, res: ServerResponse, ctx: StreamableHttpContext, principal: Principal | undefined): Promise<void> {
  if (!acceptsEventStream(req.headers.accept)) {
    throw new ProxyError('ERR_NOT_ACCEPTABLE', 'not_acceptable', 'Not Acceptable: a GET on the MCP endpoint must accept text/event-stream');
  }
  const version = checkProtocolVersion(header(req, 'mcp-protocol-version'));
  if (version) throw version;
  const sessionId = sessionIdOf(req);
  if (sessionId === undefined) {
    // Only 405 makes SDK clients and Cursor give up cleanly on a stream we cannot offer
    // (a GET gets an event stream or 405; Cursor loops on 400/404/409: docs/quirks.md, Cursor).
    throw new ProxyError('ERR_METHOD_NOT_ALLOWED', 'get_without_session', 'Method Not Allowed: a GET stream needs an Mcp-Session-Id (initialize first)', {
      headers: { allow: 'POST, DELETE, OPTIONS' },
    });
  }
  let session = findSession(ctx, sessionId, principal);
  const log = ctx.eventLog;
  const streams = streamsOf(session, ctx);
  const headers = { [SESSION_HEADER]: session.id };
  const onEnd = (s: MessageSink) => session.detach(s);
  const lastEventId = header(req, 'last-event-id');
  if (lastEventId !== undefined) {
    // MCP Resumability and Redelivery: resumption is always a GET with Last-Event-ID; replay only
    // that id's stream.
    const parsed = parseEventId(lastEventId);
    const post = parsed && streams.pending?.get(parsed.streamId);
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
    session = findSession(ctx, sessionId, principal); // it may have ended while the log answered
    if (replay?.kind === 'post') {
      // Its responses are all logged (or it ran on a replica that is gone): replay, then end the
      // stream, as a POST stream ends after its response.
      startSse(res, ctx.keepAlive, headers);
      for (const e of replay.events) res.write(sseEvent(JSON.stringify(e.message), 'message', e.id));
      res.end();
      session.log.info(
        { reason: 'stream_replayed', streamId: replay.streamId, kind: 'post', replayed: replay.events.length },
        'client resumed a finished POST stream',
      );
      return;
    }
    if (replay) {
      const sink = new StandaloneSink(res, ctx.keepAlive, headers, onEnd, { writer: log.continueStream(session.id, replay), streams, replay: replay.events });
      session.attachStandalone(sink);
      session.log.info({ reason: 'stream_resumed', streamId: replay.streamId, kind: 'get', replayed: replay.events.length }, 'client resumed its GET stream');
      return;
    }
    session.log.info(
      { reason: 'last_event_id_unknown', lastEventId: lastEventId.slice(0, 80) },
      'Last-Event-ID names no stream still in the event log (unknown or expired): opening a fresh GET stream',
    );
  }
  const sink = new StandaloneSink(res, ctx.keepAlive, headers, onEnd, { writer: log.openStream(session.id, 'get'), streams });
  session.attachStandalone(sink);
}
