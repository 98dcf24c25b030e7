// Calls that may ask the client for input (tools/call, prompts/get, resources/read) on the modern
// face: the first request of a call, and a retry that carries the proxy's requestState.
// MCP 2026-07-28, Multi Round-Trip Requests; docs/mrtr.md.
import { ProxyError } from '../../errors/proxy-error.js';
import { missingCapabilities, missingCapabilityRefusal } from '../../era/capabilities.js';
import { refusal, refusalAnswer } from '../../era/refusal.js';
import { asJsonObject } from '../../jsonrpc/json-object.js';
import { paramsDigest } from '../../mrtr/params-digest.js';
import { stateHash } from '../../mrtr/request-state.js';
import { Call } from './call.js';
import { clientSink, refuse, submit } from './handler.js';
import { Rounds, seatHash } from './rounds.js';
import type { Exchange } from './context.js';
import type { Seat } from './seat.js';

export async function forwardCall(x: Exchange, seat: Seat, given?: Map<string, unknown>): Promise<void> {
  const { ctx, msg, envelope, principal } = x;
  const backendId = seat.requestId();
  seat.running++;
  const holder: { call?: Call } = {};
  const makeSink = (exchange: Exchange) =>
    clientSink(exchange, seat, {
      input: () => false, // the call takes server→client requests before its client sink sees them
      abandoned: (s) => {
        const call = holder.call;
        // MCP 2026-07-28, Streamable HTTP: closing the response stream cancels the request.
        if (call?.client !== s || call.finishedCall) return;
        seat.cancel(backendId, 'the client closed the response stream');
        call.finish('cancelled');
      },
      onEnd: () => undefined,
    });
  const call = new Call(backendId, makeSink(x));
  holder.call = call;
  seat.addAsker(call);
  const fail = (err: ProxyError, body = err.toJsonRpc(msg.id)) => {
    if (call.finishedCall) return;
    ctx.errors.report(err, { route: ctx.route, method: msg.method });
    call.client?.respond(body, err);
    seat.cancel(backendId, err.message);
    call.finish(err.code === 'ERR_INPUT_TIMEOUT' ? 'expired' : 'failed');
  };
  const rounds = new Rounds(
    {
      mrtr: ctx.modern.mrtr,
      seat,
      call,
      method: msg.method,
      params: asJsonObject(msg.params),
      principalId: principal?.id ?? '',
      fail,
      makeSink,
      onRound: () => ctx.metrics.inc('frontdoor_input_rounds_total', { route: ctx.route }),
      betweenRounds: () =>
        seat.session.info({ reason: 'input_between_rounds', method: msg.method }, 'the backend asked for input between rounds: asked with the next round'),
    },
    given,
  );
  call.hooks = {
    ask: (request) => {
      // Past sessions.seats.maxPerIdentity such calls share a seat, and a legacy backend's request does
      // not say which call it is about: the session's outbox then hands it to its newest stream, a
      // guess that could ask one client for another's input. Never guess: the backend gets an error.
      if (seat.callsAskingInput > 1) return seat.refuseInput(request);
      // MCP 2026-07-28, Basic, Error Codes: never ask what the client did not declare; the call fails -32021.
      const missing = missingCapabilities(envelope.clientCapabilities, request.method, request.params);
      if (missing === undefined) return rounds.ask(request);
      seat.refuseInput(request);
      const r = missingCapabilityRefusal(missing);
      const err = new ProxyError(r.code, r.reason, r.message);
      fail(err, refusalAnswer(r, msg.id, err.errorId).body);
    },
    finished: (c, outcome) => {
      // Only calls that asked for input count: the others are plain calls, in the request metrics.
      if (rounds.roundsSent > 0) ctx.metrics.inc('frontdoor_input_calls_total', { route: ctx.route, outcome });
      rounds.finished();
      seat.session.detach(c);
      seat.running--;
      seat.removeAsker(c);
    },
  };
  seat.session.attachRequestStream(call);
  await submit(x.req, seat, msg, backendId, call);
  call.client?.accepted();
}

/**
 * A request carrying `requestState`: true when it was answered here (refused, or continued on its held
 * call); false when it must run afresh (its held call is gone or lives on another replica), in which
 * case the answers it carries are used as the backend asks for them again.
 */
export function retryCall(x: Exchange, key: string): boolean {
  const { res, ctx, msg, principal } = x;
  const params = asJsonObject(msg.params);
  if (params?.requestState === undefined) return false;
  const mrtr = ctx.modern.mrtr;
  let verdict = mrtr.codec.verify(
    params.requestState,
    {
      method: msg.method,
      paramsDigest: paramsDigest(msg.method, params),
      seat: seatHash(ctx.route, key),
      principal: stateHash(principal?.id ?? ''),
      currentRound: (heldId) => mrtr.held.get(heldId)?.round,
    },
    Date.now(),
  );
  // A second retry of a round that another retry is being served for (a replay, a client retrying on
  // a timeout): the call's answer goes to one response, so the later one is stale. Taking over would
  // leave the first response open with no answer ever to come.
  if (verdict.ok && verdict.where === 'here' && verdict.held && mrtr.held.get(verdict.claims.heldId)?.value.serving) {
    verdict = { ok: false, reason: 'stale_round' };
  }
  if (!verdict.ok && verdict.reason !== 'other_replica_unverified') {
    // In-band -32602: the request passed the ladder; its params are wrong (MCP 2026-07-28, MRTR, Request State).
    refuse(
      res,
      ctx,
      refusal('ERR_REQUEST_STATE_INVALID', verdict.reason, `Invalid params: requestState is not valid for this request (${verdict.reason})`),
      msg,
      200,
    );
    return true;
  }
  const held = verdict.ok && verdict.where === 'here' && verdict.held ? mrtr.held.get(verdict.claims.heldId) : undefined;
  if (held && !held.value.callFinished) {
    held.value.continueWith(x, params.inputResponses);
    return true;
  }
  return false;
}
