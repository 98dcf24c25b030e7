// The modern face (MCP 2026-07-28, Streamable HTTP) of one route: a POST whose era classification is
// modern. No session: each request is checked on its own (the validation ladder), then answered here
// (`server/discover`, `subscriptions/listen`) or forwarded over a seat (docs/modern-face.md).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRequest, type JsonRpcId, type JsonRpcRequest, type JsonRpcResponse } from '../../jsonrpc/message.js';
import { replyEmpty, replyJson } from '../../http/reply.js';
import { ProxyError, toProxyError } from '../../errors/proxy-error.js';
import { modernRpcCode } from '../../errors/catalogue.js';
import type { Principal } from '../../auth/principal.js';
import type { EraVerdict } from '../../era/classify.js';
import { admitModern } from '../../era/ladder.js';
import { isRefusal, refusalAnswer, type Refusal } from '../../era/refusal.js';
import { MRTR_METHODS } from '../../era/methods.js';
import { shapeError, shapeResult, stripEnvelope } from '../../era/results.js';
import { discoverCapabilities } from '../../era/capabilities.js';
import { honouredFilter, parseListenFilter } from '../../era/listen-filter.js';
import { checkParamHeaders } from '../../era/param-headers.js';
import { MODERN_VERSIONS } from '../../era/versions.js';
import { asJsonObject } from '../../jsonrpc/json-object.js';
import { headerTrace } from '../../observability/tracing/client-context.js';
import type { StreamableHttpContext } from '../streamable-http/context.js';
import { ListenStream } from './listen-stream.js';
import { ModernSink, type ModernSinkOptions } from './modern-sink.js';
import { openSeat, seatKey } from './open-seat.js';
import type { Seat } from './seat.js';
import { forwardCall, retryCall } from './call-forward.js';
import type { Accept, Exchange } from './context.js';
import type { MessageSink } from '../../session/sink.js';

type Modern = Extract<EraVerdict, { era: 'modern' }>;

/** Answers one modern POST. Throws a ProxyError only for failures the Streamable HTTP face answers alike. */
export async function handleModern(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: StreamableHttpContext,
  principal: Principal | undefined,
  verdict: Modern,
  accept: Accept,
): Promise<void> {
  const msg = verdict.message;
  // MCP 2026-07-28 defines no client notification over HTTP (cancellation is closing the stream): accepted, dropped.
  if (!isRequest(msg)) return replyEmpty(res, 202);
  const admitted = admitModern(msg, req.headers, MODERN_VERSIONS, verdict.envelope);
  if (isRefusal(admitted)) return refuse(res, ctx, admitted, msg);
  const { envelope, disposition } = admitted;
  if (msg.method === 'tools/call') {
    const name = asJsonObject(msg.params)?.name;
    const bad = typeof name === 'string' ? checkParamHeaders(ctx.modern.toolHeaders.of(name), asJsonObject(msg.params)?.arguments, req.headers) : undefined;
    if (bad) return refuse(res, ctx, bad, msg);
  }
  const key = seatKey(principal, envelope);
  const asksInput = MRTR_METHODS.has(msg.method);
  const x: Exchange = { req, res, ctx, msg, envelope, accept, principal };
  // A retry of a held call goes on with that call, on its seat (mrtr/request-state.ts verifies it).
  if (asksInput && retryCall(x, key)) return;
  const seat = await ctx.modern.seats.acquire(key, asksInput, () => openSeat(ctx.route, ctx.modern, ctx.sessions, req, principal, envelope, key));
  if (disposition === 'discover') return discover(res, seat, msg.id, principal);
  if (disposition === 'listen') return listen(res, ctx, seat, msg, accept);
  if (asksInput) await forwardCall(x, seat, restartAnswers(msg));
  else await forward(x, seat);
}

/**
 * The answers a request carries without a held call to go to (its call expired or is held by another
 * replica, or the client sent them up front): the call runs and the backend's questions that these
 * answer are not asked (docs/mrtr.md). Keys nobody asks for are ignored (MCP 2026-07-28, MRTR, Error
 * Handling: servers SHOULD ignore what they do not recognize).
 */
function restartAnswers(msg: JsonRpcRequest): Map<string, unknown> | undefined {
  const given = asJsonObject(asJsonObject(msg.params)?.inputResponses);
  return given === undefined ? undefined : new Map(Object.entries(given));
}

/** A refusal of the ladder: logged once with its errorId, answered with the spec's status and code. */
export function refuse(res: ServerResponse, ctx: StreamableHttpContext, r: Refusal, msg: { id: JsonRpcId | null; method?: string }, status?: number): void {
  const err = new ProxyError(r.code, r.reason, r.message, r.limit === undefined ? {} : { limit: r.limit });
  ctx.errors.report(err, { route: ctx.route, method: msg.method });
  const answer = refusalAnswer(r, msg.id, err.errorId);
  replyJson(res, status ?? answer.status, answer.body);
}

/** MCP 2026-07-28, server/discover: the backend's handshake answer, as the discovery result. */
function discover(res: ServerResponse, seat: Seat, id: JsonRpcId, principal: Principal | undefined): void {
  const result: Record<string, unknown> = {
    supportedVersions: [...MODERN_VERSIONS],
    capabilities: discoverCapabilities(seat.serverCapabilities),
    serverInfo: seat.serverInfo ?? { name: 'unknown', version: '0' },
  };
  if (typeof seat.handshake.instructions === 'string') result.instructions = seat.handshake.instructions;
  const shaped = shapeResult('server/discover', result, { serverInfo: seat.serverInfo, forcePrivate: principal !== undefined });
  replyJson(res, 200, { jsonrpc: '2.0', id, result: shaped });
}

async function listen(res: ServerResponse, ctx: StreamableHttpContext, seat: Seat, msg: JsonRpcRequest, accept: Accept): Promise<void> {
  const filter = parseListenFilter(asJsonObject(msg.params), ctx.modern.maxListenResources);
  // In-band: the request passed the ladder, so its params are the method's own business (200).
  if (isRefusal(filter)) return refuse(res, ctx, filter, msg, 200);
  if (!accept.sse) {
    const r = {
      code: 'ERR_NOT_ACCEPTABLE',
      reason: 'listen_needs_event_stream',
      message: 'Not Acceptable: subscriptions/listen answers with text/event-stream',
    } as const;
    return refuse(res, ctx, r, msg);
  }
  const stream = new ListenStream(res, msg.id, honouredFilter(filter, seat.serverCapabilities), ctx.keepAlive, ctx.modern.streamBufferBytes, (s) =>
    seat.unlisten(s),
  );
  await seat.listen(stream);
}

/** A request that cannot ask for input: one response sink, attached to the seat's session. */
async function forward(x: Exchange, seat: Seat): Promise<void> {
  const backendId = seat.requestId();
  seat.running++;
  const sink = clientSink(x, seat, {
    // Nothing but an MRTR method may ask for input (MCP 2026-07-28, Multi Round-Trip Requests): the
    // request is the seat's call's, if it has one.
    input: (request) => (seat.routeInput(request), true),
    // MCP 2026-07-28, Streamable HTTP: closing the response stream cancels the request.
    abandoned: () => seat.cancel(backendId, 'the client closed the response stream'),
    onEnd: (s) => {
      seat.session.detach(s);
      seat.running--;
    },
  });
  seat.session.attachRequestStream(sink);
  await submit(x.req, seat, x.msg, backendId, sink);
  sink.accepted();
}

/** Sends the request to the backend under the seat's id; a failure answers the sink. */
export async function submit(req: IncomingMessage, seat: Seat, msg: JsonRpcRequest, backendId: string, sink: MessageSink): Promise<void> {
  const out: JsonRpcRequest = { jsonrpc: '2.0', id: backendId, method: msg.method };
  const stripped = stripEnvelope(asJsonObject(msg.params));
  if (stripped !== undefined) out.params = stripped;
  try {
    await seat.session.submit([out], sink, req.headers.authorization, headerTrace(req.headers));
  } catch (e) {
    const err = toProxyError(e);
    sink.respond(err.toJsonRpc(msg.id), err);
  }
}

/** The response sink of one client request: the era's shape, the request's own id and logLevel. */
export function clientSink(x: Exchange, seat: Seat, hooks: Pick<ModernSinkOptions, 'input' | 'abandoned' | 'onEnd'>): ModernSink {
  const { res, ctx, msg, envelope, accept, principal } = x;
  const params = asJsonObject(msg.params);
  const retry = params !== undefined && ('inputResponses' in params || 'requestState' in params);
  const shape = (response: JsonRpcResponse, error: ProxyError | undefined): JsonRpcResponse => {
    if (response.error) {
      const code = error ? modernRpcCode(error.code) : response.error.code;
      return { jsonrpc: '2.0', id: msg.id, error: shapeError(msg.method, params, { ...response.error, code }) };
    }
    const result = asJsonObject(response.result) ?? {};
    if (msg.method === 'tools/list') ctx.modern.toolHeaders.learn(result);
    return {
      jsonrpc: '2.0',
      id: msg.id,
      result: shapeResult(msg.method, result, { serverInfo: seat.serverInfo, retry, forcePrivate: principal !== undefined }),
    };
  };
  return new ModernSink(res, {
    jsonAllowed: accept.json,
    sseAllowed: accept.sse,
    keepAlive: ctx.keepAlive,
    logLevel: envelope.logLevel,
    shape,
    unrelated: (m) => seat.unsolicited(m),
    ...hooks,
  });
}
