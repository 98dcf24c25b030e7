// A legacy backend asks the client for input (elicitation, sampling, roots) during a modern call.
// MCP 2026-07-28, Multi Round-Trip Requests: the server answers the call with an InputRequiredResult
// and the client retries; an input request the client did not declare the capability for is
// -32021 (Basic, Error Codes). Until the MRTR translation is wired, declared input is refused too.
import type { JsonRpcRequest } from '../../jsonrpc/message.js';
import type { Envelope } from '../../era/envelope.js';
import { missingCapabilities, missingCapabilityRefusal } from '../../era/capabilities.js';
import { refusalAnswer } from '../../era/refusal.js';
import { ProxyError } from '../../errors/proxy-error.js';
import type { StreamableHttpContext } from '../streamable-http/context.js';
import type { ModernSink } from './modern-sink.js';
import type { Seat } from './seat.js';

export function takeInput(ctx: StreamableHttpContext, seat: Seat, envelope: Envelope, request: JsonRpcRequest, sink: ModernSink, backendId: string): boolean {
  const missing = missingCapabilities(envelope.clientCapabilities, request.method, request.params);
  seat.refuseInput(request);
  if (missing) {
    const r = missingCapabilityRefusal(missing);
    const err = new ProxyError(r.code, r.reason, r.message);
    ctx.errors.report(err, { route: ctx.route, method: request.method });
    sink.respond(refusalAnswer(r, backendId, err.errorId).body, err);
    seat.cancel(backendId, 'the client lacks a capability the request needs');
  }
  return true;
}
