// The rounds of one held call: the backend's server→client requests of a round are coalesced into one
// InputRequiredResult (a 2024 server sends a round's requests back to back), keyed (mrtr/input-keys.ts),
// bounded (mrtr/held-calls.ts) and signed (mrtr/request-state.ts); the client's retry answers them
// (mrtr/input-responses.ts). MCP 2026-07-28, Multi Round-Trip Requests; docs/mrtr.md.
import type { JsonRpcId, JsonRpcRequest } from '../../jsonrpc/message.js';
import { ProxyError } from '../../errors/proxy-error.js';
import { assignInputKeys, NO_KEYS, type InputKind, type KeyCounts } from '../../mrtr/input-keys.js';
import { checkInputResponses, problemOf } from '../../mrtr/input-responses.js';
import { paramsDigest } from '../../mrtr/params-digest.js';
import { stateHash } from '../../mrtr/request-state.js';
import type { HeldCall } from '../../mrtr/held-calls.js';
import type { Call } from './call.js';
import type { ModernSink } from './modern-sink.js';
import type { Mrtr } from './mrtr.js';
import type { Seat } from './seat.js';
import type { Exchange } from './context.js';

/** A round's requests arrive within this long of each other (one write each, back to back). */
const COALESCE_MS = 15;

interface Pending {
  kind: InputKind;
  method: string;
  params: Record<string, unknown>;
  /** The id the backend's request carries (the proxy answers it with the client's input). */
  backendRequestId: JsonRpcId;
}

export interface RoundsContext {
  mrtr: Mrtr;
  seat: Seat;
  call: Call;
  method: string;
  params: Record<string, unknown> | undefined;
  principalId: string;
  /** Answers the client with a proxy error (logged once with its errorId) and ends the call. */
  fail(err: ProxyError): void;
  /** The backend asked while no client was connected: logged; the requests wait for the next round. */
  betweenRounds(): void;
  /** Counts an InputRequiredResult sent (frontdoor_input_rounds_total). */
  onRound(): void;
  /** The response sink of a retry of this call. */
  makeSink(retry: Exchange): ModernSink;
}

/** Binds a state to the route's seats of one identity, never the raw identity (MCP 2026-07-28, MRTR, Request State). */
export function seatHash(route: string, key: string): string {
  return stateHash(`${route}\u0000${key}`);
}

export class Rounds {
  private asks: JsonRpcRequest[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly pending = new Map<string, Pending>();
  private counts: KeyCounts = NO_KEYS;
  private held: HeldCall<Rounds> | undefined;
  /** InputRequiredResults sent for this call. */
  roundsSent = 0;

  constructor(
    private readonly ctx: RoundsContext,
    /** Answers the client already gave (a restart after the held call was gone): used, never asked again. */
    private readonly given: Map<string, unknown> = new Map(),
  ) {}

  /** Continues the call on a verified retry's response. */
  continueWith(retry: Exchange, inputResponses: unknown): void {
    const sink = this.ctx.makeSink(retry);
    this.retry(sink, inputResponses);
    sink.accepted();
  }

  get callFinished(): boolean {
    return this.ctx.call.finishedCall;
  }

  /** A retry of the current round is being answered: its client holds the call's response. */
  get serving(): boolean {
    return this.ctx.call.client !== undefined;
  }

  ask(request: JsonRpcRequest): void {
    this.asks.push(request);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), COALESCE_MS);
  }

  private flush(): void {
    const asks = this.asks;
    this.asks = [];
    if (this.ctx.call.finishedCall) return this.refuseAll(asks);
    const { inputs, counts } = assignInputKeys(asks, this.counts);
    this.counts = counts;
    const inputRequests: Record<string, { method: string; params: Record<string, unknown> }> = {};
    inputs.forEach((input, i) => {
      const backendRequestId = asks[i]!.id;
      const given = this.given.get(input.key);
      if (given !== undefined && problemOf(input.kind, given) === undefined) {
        this.given.delete(input.key);
        this.ctx.seat.answer(backendRequestId, given as Record<string, unknown>);
        return;
      }
      this.pending.set(input.key, { kind: input.kind, method: input.method, params: input.params, backendRequestId });
      inputRequests[input.key] = { method: input.method, params: input.params };
    });
    if (Object.keys(inputRequests).length > 0) this.sendRound(inputRequests);
  }

  /** Answers the current client response with an InputRequiredResult for `inputRequests`. */
  private sendRound(inputRequests: Record<string, { method: string; params: Record<string, unknown> }>): void {
    const client = this.ctx.call.client;
    // The backend asked while the proxy waits for the client's retry: the requests stay pending (the
    // hold's deadline runs) and are asked with whatever the retry leaves unanswered. Failing the call
    // instead would make the client run it afresh, and the tool's side effects happen twice.
    if (!client) return this.ctx.betweenRounds();
    const keys = Object.keys(inputRequests);
    const round = { bytes: Buffer.byteLength(JSON.stringify(inputRequests)), keys };
    const mrtr = this.ctx.mrtr;
    const r = this.held ? mrtr.held.nextRound(this.held.id, round) : mrtr.held.hold(seatHash(this.ctx.seat.route, this.ctx.seat.key), this, round);
    if (!r.ok) {
      const limit =
        r.reason === 'rounds_exceeded'
          ? 'mrtr.maxRounds'
          : r.reason === 'seat_cap'
            ? 'mrtr.maxHeldPerSeat'
            : r.reason === 'bytes_cap'
              ? 'mrtr.maxHeldBytes'
              : 'mrtr.maxHeldCalls';
      return this.ctx.fail(new ProxyError('ERR_INPUT_CAPACITY', r.reason, `the call cannot ask for more input: ${limit} reached`, { limit }));
    }
    this.held = r.call;
    const requestState = mrtr.codec.mint({
      heldId: r.call.id,
      replicaId: mrtr.replicaId,
      round: r.call.round,
      method: this.ctx.method,
      paramsDigest: paramsDigest(this.ctx.method, this.ctx.params),
      seat: seatHash(this.ctx.seat.route, this.ctx.seat.key),
      principal: stateHash(this.ctx.principalId),
      keys,
      expiresAt: Date.now() + mrtr.settings.holdTimeoutMs,
    });
    this.ctx.call.detachClient();
    this.roundsSent++;
    this.ctx.onRound();
    client.respond({ jsonrpc: '2.0', id: this.ctx.call.backendId, result: { resultType: 'input_required', inputRequests, requestState } });
  }

  /**
   * The client's retry, its state verified: the answers go to the backend, what is missing or
   * malformed is asked again at once, and `sink` answers the call from now on.
   */
  retry(sink: ModernSink, inputResponses: unknown): void {
    if (this.held) this.ctx.mrtr.held.resume(this.held.id);
    const kinds = new Map<string, InputKind>();
    for (const [key, p] of this.pending) kinds.set(key, p.kind);
    const check = checkInputResponses(inputResponses, kinds);
    this.ctx.call.attach(sink);
    // The backend answered while the client was away (a reconnect failed the call, or it answered
    // without the input): attach gave the client that answer, and the call's questions are gone.
    if (this.ctx.call.finishedCall) return;
    if (!check.ok) {
      return this.ctx.fail(new ProxyError('ERR_INPUT_RESPONSES_INVALID', check.reason, 'Invalid params: inputResponses must be an object keyed by input key'));
    }
    for (const [key, answer] of check.answered) {
      this.ctx.seat.answer(this.pending.get(key)!.backendRequestId, answer);
      this.pending.delete(key);
    }
    // MCP 2026-07-28, Multi Round-Trip Requests, Error Handling: missing or invalid answers are asked
    // again (a new InputRequiredResult), not failed.
    if (this.pending.size > 0) {
      const again: Record<string, { method: string; params: Record<string, unknown> }> = {};
      for (const [key, p] of this.pending) again[key] = { method: p.method, params: p.params };
      this.sendRound(again);
    }
  }

  /** The hold expired (the client never came back) or the route is closing. */
  expired(): void {
    this.held = undefined;
    this.ctx.fail(
      new ProxyError('ERR_INPUT_TIMEOUT', 'input_not_answered', 'the client did not answer the input requests in time (mrtr.holdTimeout)', {
        limit: 'mrtr.holdTimeout',
      }),
    );
  }

  /** The call is over: pending backend requests get an error, the hold is released. */
  finished(): void {
    clearTimeout(this.timer);
    this.refuseAll(this.asks);
    this.asks = [];
    for (const p of this.pending.values()) this.ctx.seat.refuse(p.backendRequestId, 'the 2026-07-28 client did not answer this input request');
    this.pending.clear();
    if (this.held) this.ctx.mrtr.held.release(this.held.id);
    this.held = undefined;
  }

  private refuseAll(asks: JsonRpcRequest[]): void {
    for (const a of asks) this.ctx.seat.refuse(a.id, 'the call that asked for this input is over');
  }
}
